"""``fastw2v similar``: word2vec.c's ``distance``, the nearest words of a word or words."""
from __future__ import annotations

import argparse

from fastw2v.cli import queries, vectors
from fastw2v.keyedvectors import KeyedVectors, Ranked


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
               parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``similar`` on ``subparsers``."""
    parser = subparsers.add_parser(
        "similar", parents=parents, help="nearest words (word2vec.c's distance)",
        description="Print the words nearest (by cosine similarity) to a word, or to the "
                    "mean of several words. Without WORD arguments, queries are read one a "
                    "line: interactively on a terminal (EXIT or Ctrl-D quits), else from "
                    "standard input.")
    vectors.add_arguments(parser)
    queries.add_arguments(parser, "one query: a word, or several words whose mean is searched")
    parser.set_defaults(run=run)
    return parser


def nearest(kv: KeyedVectors, words: list[str], topn: int) -> Ranked:
    """The ``topn`` keys nearest to the mean of ``words``, the words themselves excluded."""
    return kv.most_similar(positive=words, topn=topn)


def run(args: argparse.Namespace) -> int:
    """Answer nearest-word queries; returns the exit status."""
    return queries.run(args, vectors.load(args), "Enter word or sentence (EXIT to break): ",
                       "Cosine distance", nearest)
