"""``fastw2v phrases``: word2phrase. Joins collocations ("new york" -> "new_york"), streaming.

The input is read twice, piece by piece (never whole): once to count words and bigrams with
:class:`fastw2v.phrases.Phrases`, once to write every line with its phrases joined. Lines
are kept as they are; a line longer than 1 MB (text8 is one 100 MB line) is handled in
pieces cut at spaces, and a phrase straddling two pieces is not joined.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

from fastw2v._fileio import open_input
from fastw2v.cli.arguments import HelpFormatter, non_negative_int, positive_int
from fastw2v.cli.files import (COMPRESSED_SUFFIXES, check_distinct, check_input, check_output,
                               is_url, open_text_output)
from fastw2v.phrases import ENGLISH_CONNECTOR_WORDS, Phrases

PIECE_BYTES = 1 << 20
#: word2phrase's default threshold; NPMI scores lie in [-1, 1].
DEFAULT_THRESHOLD = {"default": 100.0, "npmi": 0.5}
CONNECTOR_WORDS = {"none": frozenset(), "english": ENGLISH_CONNECTOR_WORDS}

DESCRIPTION = """\
Detect phrases (frequent collocations) in a text file and write it with each phrase joined
into one token, as word2vec.c's word2phrase does. Run it twice for phrases of up to four
words. Scores are gensim's (see docs/phrases.md)."""

EPILOG = "example: fastw2v phrases -train text8 -output text8-phrase -threshold 500 -debug 2"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
               parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``phrases`` and its options on ``subparsers``."""
    parser = subparsers.add_parser(
        "phrases", parents=parents, help="join frequent phrases (word2vec.c's word2phrase)",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=HelpFormatter)
    parser.add_argument("-train", "--corpus", dest="corpus", metavar="FILE", required=True,
                        help="input text (plain, .gz or .bz2)")
    parser.add_argument("-output", "--output", dest="output", metavar="FILE", required=True,
                        help="output text ('-' for standard output)")
    parser.add_argument("-min-count", "--min-count", dest="min_count", type=positive_int,
                        default=5, metavar="N", help="ignore words and bigrams rarer than this")
    parser.add_argument("-threshold", "--threshold", dest="threshold", type=float, metavar="F",
                        help="join bigrams scoring above this (default: 100, or 0.5 with "
                             "--scoring npmi)")
    parser.add_argument("--scoring", choices=sorted(DEFAULT_THRESHOLD), default="default",
                        help="'default': word2phrase's formula, normalised as gensim does; "
                             "'npmi': normalised pointwise mutual information")
    parser.add_argument("--connector-words", choices=sorted(CONNECTOR_WORDS), default="none",
                        help="words allowed inside a phrase but not at its ends, as in "
                             "'bank_of_america'")
    parser.add_argument("--delimiter", default="_", help="glue between the words of a phrase")
    parser.add_argument("-debug", dest="verbosity", type=non_negative_int, metavar="N",
                        help="word2phrase's verbosity: 0 is the same as -q")
    parser.set_defaults(run=run)
    return parser


def read_pieces(path: str, on_read: Callable[[int], object],
                piece_bytes: int = PIECE_BYTES) -> Iterator[tuple[list[str], bool]]:
    """Read a text file in pieces of at most about ``piece_bytes``.

    Parameters
    ----------
    path : str
        Plain, ``.gz`` or ``.bz2`` file, or URL.
    on_read : callable
        Called with the number of bytes of each read, for progress.
    piece_bytes : int

    Yields
    ------
    tokens : list of str
        The words of a line, or of a piece of a long line (cut at a space or tab).
    ends_line : bool
        Whether the piece ends its line.
    """
    carry = b""
    with open_input(path, "rb") as fin:
        while True:
            chunk = fin.readline(piece_bytes)
            on_read(len(chunk))
            if not chunk:
                if carry:
                    yield _split(carry, path), True
                return
            data, carry = carry + chunk, b""
            if data.endswith(b"\n"):
                yield _split(data, path), True
                continue
            cut = max(data.rfind(b" "), data.rfind(b"\t"))
            if cut < 0:  # one huge word, or the end of the file: read on
                carry = data
                continue
            carry = data[cut + 1:]
            yield _split(data[:cut], path), False


def _split(data: bytes, path: str) -> list[str]:
    try:
        return data.decode("utf8").split()
    except UnicodeDecodeError as exc:
        raise ValueError("%s is not valid UTF-8 text (%s)" % (path, exc.reason)) from None


def _progress_bar(total: float | None, desc: str, quiet: bool) -> Any:
    from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, dynamic_ncols=True,
                disable=quiet)


def run(args: argparse.Namespace) -> int:
    """Learn the phrases of ``args.corpus`` and write it phrased to ``args.output``."""
    check_input(args.corpus, "training file")
    check_output(args.output, allow_stdout=True)
    check_distinct([("-output", args.output)], [("-train", args.corpus)])
    quiet = args.quiet or args.verbosity == 0
    threshold = DEFAULT_THRESHOLD[args.scoring] if args.threshold is None else args.threshold
    model = Phrases(min_count=args.min_count, threshold=threshold, delimiter=args.delimiter,
                    scoring=args.scoring, connector_words=CONNECTOR_WORDS[args.connector_words])
    plain = not (is_url(args.corpus) or args.corpus.endswith(COMPRESSED_SUFFIXES))
    size = os.path.getsize(args.corpus) if plain else None
    consumed = 0

    with _progress_bar(size, "counting", quiet) as bar:
        def counted(n: int) -> None:
            nonlocal consumed
            consumed += n
            bar.update(n)

        model.add_vocab(tokens for tokens, _ in read_pieces(args.corpus, counted))
    frozen = model.freeze()

    with _progress_bar(consumed, "joining", quiet) as bar, open_text_output(args.output) as fout:
        for tokens, ends_line in read_pieces(args.corpus, bar.update):
            fout.write(" ".join(frozen[tokens]))
            fout.write("\n" if ends_line else " ")
    if not quiet:
        print("fastw2v: found %d phrases in %d words; wrote %s"
              % (len(frozen.phrasegrams), model.corpus_word_count, args.output), file=sys.stderr)
    return 0
