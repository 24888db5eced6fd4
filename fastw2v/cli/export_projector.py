"""``fastw2v export-projector``: vectors to TensorBoard Embedding Projector TSV files."""
from __future__ import annotations

import argparse
import os
import sys

from fastw2v import projector
from fastw2v._fileio import open_input
from fastw2v.cli import vectors
from fastw2v.cli.arguments import UsageError, positive_int
from fastw2v.cli.files import check_input, is_url
from fastw2v.keyedvectors import KeyedVectors

#: The first bytes of a fastw2v file (a zip archive) and of a gensim ``save()`` (a pickle).
_SAVED_MODEL_STARTS = (b"PK", b"\x80")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
               parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``export-projector`` on ``subparsers``."""
    parser = subparsers.add_parser(
        "export-projector", parents=parents,
        help="write TensorBoard Embedding Projector files (vectors.tsv, metadata.tsv)",
        description="Write OUTDIR/vectors.tsv (one row of tab-separated numbers per word) and "
                    "OUTDIR/metadata.tsv (the words, one a line, in the same order), most "
                    "frequent words first, for TensorBoard's Embedding Projector "
                    "(projector.tensorflow.org: Load). Tabs, line breaks and backslashes in "
                    "words are escaped (\\t, \\n, \\r, \\\\).")
    parser.add_argument("model", metavar="MODEL",
                        help="a model or vectors saved by fastw2v (or gensim), or word2vec-format "
                             "vectors, text or binary, plain, .gz or .bz2")
    parser.add_argument("outdir", metavar="OUTDIR",
                        help="the directory to write the two files into (created if needed)")
    vectors.add_format_options(parser, "MODEL")
    parser.add_argument("--limit", type=positive_int, metavar="N",
                        help="export only the N most frequent words")
    parser.add_argument("--counts", action="store_true",
                        help="add a count column to metadata.tsv (then with a header line)")
    parser.set_defaults(run=run)
    return parser


def is_saved_model(path: str) -> bool:
    """Whether ``path`` holds a model or vectors saved by fastw2v or gensim (a zip archive,
    a pickle) rather than word2vec-format vectors."""
    if is_url(path):
        return False
    with open_input(path, "rb") as fin:
        return fin.read(2).startswith(_SAVED_MODEL_STARTS)


def load(args: argparse.Namespace) -> KeyedVectors:
    """The ``KeyedVectors`` of MODEL: a saved model's arrays are memory-mapped; of a
    word2vec-format file only the first ``--limit`` vectors are read (the file's order is
    the export's)."""
    check_input(args.model, "model file")
    if args.binary is None and is_saved_model(args.model):
        return KeyedVectors.load(args.model, mmap="r")
    binary = vectors.is_binary(args.model) if args.binary is None else args.binary
    return KeyedVectors.load_word2vec_format(args.model, binary=binary, limit=args.limit)


def run(args: argparse.Namespace) -> int:
    """Export; returns the exit status."""
    if is_url(args.outdir):
        raise UsageError("OUTDIR must be a local directory, got %r" % args.outdir)
    if os.path.exists(args.outdir) and not os.path.isdir(args.outdir):
        raise NotADirectoryError("OUTDIR %r exists and is not a directory" % args.outdir)
    kv = load(args)
    vectors_path, metadata_path = projector.export_projector(kv, args.outdir, limit=args.limit,
                                                             counts=args.counts)
    if not args.quiet:
        print("fastw2v: wrote %d vectors to %s and their words to %s"
              % (min(len(kv), args.limit or len(kv)), vectors_path, metadata_path),
              file=sys.stderr)
    return 0
