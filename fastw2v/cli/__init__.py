"""The ``fastw2v`` command line: word2vec.c-compatible training and querying from the shell.

Subcommands: ``train`` (word2vec), ``phrases`` (word2phrase), ``similar`` (distance),
``analogy`` (word-analogy), ``evaluate``, ``convert`` (vectors files to fastw2v's format) and
``export-projector`` (TensorBoard Embedding Projector TSV files).
See ``docs/cli.md``.

Exit status: 0 success, 1 runtime error (missing or malformed file, unknown word in batch
queries, ...), 2 usage error (bad arguments), 130 interrupted. Errors are reported as one
``fastw2v: error: ...`` line on stderr; ``--debug`` adds the traceback.
"""
from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterable

from fastw2v.cli import analogy, convert, evaluate, export_projector, phrases, similar, train
from fastw2v.cli.arguments import ArgumentParser, UsageError, common_options

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

#: Errors expected from bad input: reported by their message alone.
EXPECTED_ERRORS = (OSError, ValueError, KeyError, RuntimeError, FloatingPointError)

SUBCOMMANDS = (train, phrases, similar, analogy, evaluate, convert, export_projector)


def build_parser() -> ArgumentParser:
    """The ``fastw2v`` parser with every subcommand registered.

    Returns
    -------
    ArgumentParser
    """
    parser = ArgumentParser(
        prog="fastw2v",
        description="Fast word2vec: word2vec.c-compatible training and querying.",
        epilog="'fastw2v --version' shows the version and build. Exit status: 0 ok, "
               "1 runtime error, 2 usage error, 130 interrupted.")
    subparsers = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND",
                                       required=True)
    parents = [common_options()]
    for command in SUBCOMMANDS:
        command.add_parser(subparsers, parents)
    return parser


def main(argv: Iterable[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status; ``--help`` returns 0 instead of exiting.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_FAILURE if exc.code else EXIT_OK
    except UsageError as exc:
        return _report(exc, EXIT_USAGE, debug)
    except KeyboardInterrupt:
        print("fastw2v: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_FAILURE
    except EXPECTED_ERRORS as exc:
        return _report(exc, EXIT_FAILURE, debug)
    except Exception as exc:  # a bug: still one line, unless --debug
        return _report(exc, EXIT_FAILURE, debug, unexpected=True)


def _report(exc: BaseException, status: int, debug: bool, unexpected: bool = False) -> int:
    if debug:
        traceback.print_exc()
    message = str(exc) or type(exc).__name__
    if unexpected:
        message = "unexpected %s: %s%s" % (type(exc).__name__, message,
                                           "" if debug else " (run with --debug for details)")
    print("fastw2v: error: %s" % message, file=sys.stderr)
    return status


def _silence_stdout() -> None:
    """After a closed pipe (``fastw2v ... | head``), keep Python's exit flush from failing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout (captured in-process)
        pass
