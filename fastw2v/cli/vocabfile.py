"""word2vec.c's vocabulary files (``-save-vocab`` / ``-read-vocab``).

One ``word count`` line per word, most frequent first. word2vec.c writes the sentence-end
token ``</s>`` first, with the number of newlines it read as its count, and expects it first
when it reads the file back (word index 0 ends a sentence). fastw2v writes ``</s>`` first
too, with the number of sentences (non-empty lines) of the corpus, so that its files can be
read by word2vec.c; when reading, the ``</s>`` entry gives the sentence count and is not
made a word.
"""
from __future__ import annotations

from collections.abc import Iterable

from fastw2v._fileio import atomic_write, open_input
from fastw2v._types import Key

SENTENCE_END = "</s>"


def save_vocab(path: str, keys: Iterable[Key], counts: Iterable[int], sentences: int) -> None:
    """Write ``</s> sentences`` then ``key count`` for each key, in the given order.

    Parameters
    ----------
    path : str
        Output file (``.gz``/``.bz2`` compress), written atomically.
    keys : list of str
    counts : sequence of int
    sentences : int
        The count written for ``</s>``.
    """
    with atomic_write(path, "w", encoding="utf8") as fout:
        fout.write("%s %d\n" % (SENTENCE_END, sentences))
        fout.writelines("%s %d\n" % (key, count) for key, count in zip(keys, counts))


def read_vocab(path: str) -> tuple[dict[str, int], int]:
    """Read a word2vec.c vocabulary file.

    Returns
    -------
    counts : dict of (str, int)
        Every word but ``</s>`` with its count.
    sentences : int
        The count of ``</s>`` (0 if absent).

    Raises
    ------
    ValueError
        A line that is not ``word count``, or a file without any word.
    """
    counts: dict[str, int] = {}
    sentences = 0
    with open_input(path, "rb") as fin:
        for line_no, line in enumerate(fin, 1):
            parts = line.decode("utf8", errors="replace").split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].isdigit():
                raise ValueError("%s: line %d: expected 'word count', got %r"
                                 % (path, line_no, line[:80].decode("utf8", errors="replace")))
            if parts[0] == SENTENCE_END:
                sentences = int(parts[1])
            else:
                counts[parts[0]] = counts.get(parts[0], 0) + int(parts[1])
    if not counts:
        raise ValueError("%s: the vocabulary file lists no words" % path)
    return counts, sentences
