"""``fastw2v convert``: a word2vec, GloVe or fastText vectors file into fastw2v's format."""
from __future__ import annotations

import argparse
import sys

import numpy as np

from fastw2v import conversion
from fastw2v.cli import vectors
from fastw2v.cli.arguments import positive_int
from fastw2v.cli.files import check_distinct, check_input, check_output


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
               parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``convert`` on ``subparsers``."""
    parser = subparsers.add_parser(
        "convert", parents=parents, help="convert word vectors into fastw2v's format",
        description="Convert word vectors in word2vec format (binary or text, as word2vec.c, "
                    "gensim and fastw2v write them), a fastText .vec file or a GloVe file "
                    "(text without a header line) into a fastw2v file, which loads at disk "
                    "speed and can be memory-mapped (KeyedVectors.load(OUT, mmap='r')). The "
                    "input is streamed: memory does not grow with the vectors.")
    parser.add_argument("source", metavar="IN",
                        help="word vectors: word2vec binary or text, fastText .vec or GloVe; "
                             "plain, .gz or .bz2")
    parser.add_argument("target", metavar="OUT", help="the fastw2v file to write")
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--binary", dest="form", action="store_const", const="binary",
                      help="IN is word2vec binary (skips the detection)")
    form.add_argument("--text", dest="form", action="store_const", const="text",
                      help="IN is text with a 'count size' header line (word2vec text, "
                           "fastText .vec; skips the detection)")
    form.add_argument("--no-header", "--glove", dest="form", action="store_const",
                      const="no_header", help="IN is text without a header line (GloVe)")
    parser.add_argument("--limit", type=positive_int, metavar="N",
                        help="convert only the first N vectors")
    parser.add_argument("--float16", action="store_true",
                        help="store the vectors as float16: half the size, values rounded to "
                             "11 significant bits")
    parser.set_defaults(run=run)
    return parser


def detect(path: str) -> str:
    """``"binary"``, ``"text"`` or ``"no_header"``: the form of the vectors file at ``path``
    (a first line other than ``count size`` means a GloVe file)."""
    try:
        return "binary" if vectors.is_binary(path) else "text"
    except ValueError:  # no "count size" header
        return "no_header"


def run(args: argparse.Namespace) -> int:
    """Convert; returns the exit status."""
    check_input(args.source, "vectors file")
    check_output(args.target)
    check_distinct([("OUT", args.target)], [("IN", args.source)])
    form = args.form or detect(args.source)
    written = conversion.convert(
        args.source, args.target, binary=form == "binary", no_header=form == "no_header",
        limit=args.limit, dtype=np.float16 if args.float16 else np.float32,
        progress=not args.quiet and sys.stderr.isatty())
    if not args.quiet:
        print("fastw2v: wrote %d vectors to %s" % (written, args.target), file=sys.stderr)
    return 0
