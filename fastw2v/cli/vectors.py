"""Loading word2vec-format vectors for the query commands, text or binary told apart."""
from __future__ import annotations

import argparse

from fastw2v._fileio import open_input
from fastw2v.cli.arguments import positive_int
from fastw2v.cli.files import check_input
from fastw2v.keyedvectors import KeyedVectors

_FIRST_RECORD_BYTES = 1 << 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``VECTORS``, ``--binary``/``--text`` and ``--limit`` to ``parser``."""
    parser.add_argument("vectors", metavar="VECTORS",
                        help="word vectors in word2vec format, text or binary (told apart "
                             "from the file's content), plain, .gz or .bz2")
    add_format_options(parser, "the file")
    parser.add_argument("--limit", type=positive_int, metavar="N",
                        help="read only the first N vectors (the most frequent words)")


def add_format_options(parser: argparse.ArgumentParser, subject: str) -> None:
    """Add ``--binary``/``--text`` to ``parser``: ``args.binary`` is True, False, or None to
    detect the format of ``subject`` from its content."""
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--binary", dest="binary", action="store_const", const=True,
                      help="%s is word2vec binary (skips the detection)" % subject)
    form.add_argument("--text", dest="binary", action="store_const", const=False,
                      help="%s is word2vec text (skips the detection)" % subject)


def load(args: argparse.Namespace) -> KeyedVectors:
    """The ``KeyedVectors`` named by the arguments of :func:`add_arguments`."""
    check_input(args.vectors, "vectors file")
    binary = is_binary(args.vectors) if args.binary is None else args.binary
    return KeyedVectors.load_word2vec_format(args.vectors, binary=binary, limit=args.limit)


def is_binary(path: str) -> bool:
    """Whether the word2vec-format file at ``path`` is binary.

    The first record after the ``count size`` header is read: in a text file it is a line
    of a word and ``size`` numbers; in a binary file ``4 * size`` raw float32 bytes follow
    the word, which practically never spell out ``size`` numbers.

    Raises
    ------
    ValueError
        The first line is not a ``count size`` header.
    """
    with open_input(path, "rb") as fin:
        header = fin.readline(1024)
        parts = header.split()
        if len(parts) != 2 or not all(part.isdigit() for part in parts):
            first_line = header[:80].decode("utf8", "replace").strip()
            raise ValueError("%s: not a word2vec-format file (the first line should be "
                             "'count size', got %r)" % (path, first_line))
        size = int(parts[1])
        record = fin.readline(_FIRST_RECORD_BYTES)
    if not record:
        return False
    try:
        fields = record.decode("utf8").split()
        [float(value) for value in fields[1:]]
    except ValueError:  # undecodable bytes or something other than numbers
        return True
    return len(fields) != size + 1
