"""The query loop of ``similar`` and ``analogy``: interactive on a terminal, batch otherwise.

Output follows word2vec.c's ``distance`` and ``word-analogy``: the position of each query
word, then a table of the nearest words and their cosine similarities. An unknown word
prints ``Out of dictionary word!`` and the query is skipped.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence

from fastw2v._types import Key
from fastw2v.cli.arguments import positive_int
from fastw2v.keyedvectors import KeyedVectors, MissingKeyError

#: ``answer(kv, words, topn)``: the ``(word, similarity)`` pairs of a query.
Answer = Callable[[KeyedVectors, list[str], int], Sequence[tuple[Key, float]]]

RULE = "-" * 72


class QueryError(Exception):
    """A query that cannot be answered (unknown word, wrong number of words)."""


def add_arguments(parser: argparse.ArgumentParser, words_help: str) -> None:
    """Add the ``WORD`` arguments and ``-n/--topn`` to ``parser``."""
    parser.add_argument("words", metavar="WORD", nargs="*", help=words_help)
    parser.add_argument("-n", "--topn", type=positive_int, default=40,
                        help="how many nearest words to print (word2vec.c prints 40)")


def run(args: argparse.Namespace, kv: KeyedVectors, prompt: str, heading: str, answer: Answer,
        arity: int | None = None) -> int:
    """Answer the query given as arguments, or every query read from stdin.

    Parameters
    ----------
    args : argparse.Namespace
        With ``words`` (a query, or empty to read queries) and ``topn``.
    kv : KeyedVectors
    prompt : str
        Shown before each query on a terminal.
    heading : str
        Column title of the similarity (word2vec.c's differ between the two tools).
    answer : callable
        ``answer(kv, words, topn)`` returning ``[(word, similarity), ...]``.
    arity : int, optional
        The number of words a query must have.

    Returns
    -------
    int
        0, or 1 when a batch query could not be answered.
    """
    interactive = not args.words and sys.stdin.isatty()
    queries: Iterable[list[str]]
    if args.words:
        queries = [args.words]
    elif interactive:
        queries = _prompted(prompt)
    else:
        queries = (line.split() for line in sys.stdin)
    failed = False
    for words in queries:
        if words == ["EXIT"]:
            break
        if not words:
            continue
        try:
            results = _answer(kv, words, args.topn, answer, arity)
        except QueryError as exc:
            print(exc)
            failed = True
            continue
        print("\n%50s%22s\n%s" % ("Word", heading, RULE))
        for word, similarity in results:
            print("%50s\t\t%f" % (word, similarity))
        sys.stdout.flush()
    return 1 if failed and not interactive else 0


def _prompted(prompt: str) -> Iterator[list[str]]:
    while True:
        try:
            line = input(prompt)
        except EOFError:
            print()
            return
        yield line.split()


def _answer(kv: KeyedVectors, words: list[str], topn: int, answer: Answer,
            arity: int | None) -> Sequence[tuple[Key, float]]:
    """Check the query, print word2vec.c's ``Position in vocabulary`` lines, and answer it."""
    if arity is not None and len(words) != arity:
        raise QueryError("Expected %d words, got %d: %s" % (arity, len(words), " ".join(words)))
    for word in words:
        index = kv.get_index(word, -1)
        print("\nWord: %s  Position in vocabulary: %d" % (word, index))
        if index < 0:
            raise QueryError("Out of dictionary word! %s" % MissingKeyError(word, kv.index_to_key))
    return answer(kv, words, topn)
