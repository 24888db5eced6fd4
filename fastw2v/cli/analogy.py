"""``fastw2v analogy``: word2vec.c's ``word-analogy``, "A is to B as C is to ?"."""
from __future__ import annotations

import argparse

from fastw2v.cli import queries, vectors
from fastw2v.keyedvectors import KeyedVectors, Ranked


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
               parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``analogy`` on ``subparsers``."""
    parser = subparsers.add_parser(
        "analogy", parents=parents, help="solve analogies (word2vec.c's word-analogy)",
        description="Print the words nearest to B - A + C: for 'man king woman', the words "
                    "that are to 'woman' what 'king' is to 'man'. Without WORD arguments, "
                    "queries of three words are read one a line: interactively on a terminal "
                    "(EXIT or Ctrl-D quits), else from standard input.")
    vectors.add_arguments(parser)
    queries.add_arguments(parser, "one query: three words A B C")
    parser.set_defaults(run=run)
    return parser


def solve(kv: KeyedVectors, words: list[str], topn: int) -> Ranked:
    """The ``topn`` keys nearest to ``B - A + C`` (3CosAdd), the three words excluded."""
    a, b, c = words
    return kv.most_similar(positive=[b, c], negative=[a], topn=topn)


def run(args: argparse.Namespace) -> int:
    """Answer analogy queries; returns the exit status."""
    return queries.run(args, vectors.load(args), "Enter three words (EXIT to break): ",
                       "Distance", solve, arity=3)
