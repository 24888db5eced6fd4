"""Argument parsing for the command line: one-line usage errors and checked value types."""
from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

_Value = TypeVar("_Value")


class UsageError(Exception):
    """Bad command-line arguments (exit status 2)."""


class ArgumentParser(argparse.ArgumentParser):
    """An ``argparse.ArgumentParser`` that raises :class:`UsageError` instead of exiting.

    argparse prints the whole usage block and calls ``sys.exit(2)``; the command line reports
    one line instead and decides the exit status in one place (:func:`fastw2v.cli.main`).
    Abbreviated options are refused: word2vec.c's single-dash flags must be spelled out.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError("%s (see '%s --help')" % (message, self.prog))

    def _get_option_tuples(self, option_string: str) -> list[tuple[Any, ...]]:
        """Options ``option_string`` may abbreviate: none unless ``allow_abbrev``.

        Before Python 3.12, argparse matched single-dash prefixes (``-si`` for ``-size``)
        even with ``allow_abbrev=False``; only a short option with its value attached
        (``-n5``) is kept here.
        """
        matches = super()._get_option_tuples(option_string)
        if self.allow_abbrev:
            return matches
        return [match for match in matches if match[1] == option_string[:2]]


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default in its help, except None and on/off flags."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or isinstance(action.default, bool):
            return action.help
        return super()._get_help_string(action)


def common_options() -> ArgumentParser:
    """The options every subcommand takes: ``-q/--quiet`` and ``--debug``.

    Returns
    -------
    ArgumentParser
        A parent parser for ``add_parser(..., parents=[...])``.
    """
    parent = ArgumentParser(add_help=False)
    parent.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bar and no summary on stderr")
    parent.add_argument("--debug", action="store_true",
                        help="print the full traceback of an error")
    return parent


def _checked(convert: Callable[[str], _Value], accept: Callable[[_Value], bool],
             requirement: str) -> Callable[[str], _Value]:
    """An argparse ``type`` converting with ``convert`` and accepting values where ``accept``."""
    def parse(text: str) -> _Value:
        value: _Value | None
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError("expected %s, got %r" % (requirement, text))
        return value
    return parse


positive_int = _checked(int, lambda v: v > 0, "a positive integer")
non_negative_int = _checked(int, lambda v: v >= 0, "an integer >= 0")
positive_float = _checked(float, lambda v: v > 0, "a number > 0")
non_negative_float = _checked(float, lambda v: v >= 0, "a number >= 0")
zero_or_one = _checked(int, lambda v: v in (0, 1), "0 or 1")


def switch(parser: argparse.ArgumentParser | argparse._ActionsContainer, *flags: str, dest: str,
           help: str, default: int = 0) -> None:
    """Add a word2vec.c 0/1 option that also works as a bare modern flag.

    ``-binary 1``, ``-binary 0``, ``--binary`` (meaning 1) and ``--binary 0`` are all accepted.
    """
    parser.add_argument(*flags, dest=dest, type=zero_or_one, nargs="?", const=1, default=default,
                        metavar="0|1", help=help)
