"""The corpus cut into shards, one per replica, and counted shard by shard.

A shard is a list of pieces ``(file, low, high)``: the fractions ``[low, high)`` of the
bytes of file ``file`` (an index into the corpus's list of files), so that the client can
cut the corpus without reading it. The worker that holds a shard resolves each piece to
byte offsets of its own copy of the file, moved forward to just after an ASCII whitespace
byte, and counts it with the compiled counter (:class:`fastw2v._reading.TextStream`). Cut
there, a piece reads exactly the words a reading of the whole file finds in it.

The client merges the shards' counts in corpus order (:func:`merge_counts`): the merged
dictionary lists the words in the order a single reading first meets them, which is the
order :meth:`fastw2v.Word2Vec.prepare_vocab` breaks equal counts by, and the sentence count
of the lines that cross pieces is rebuilt from their words, so that the vocabulary, its
order, ``corpus_count`` and ``corpus_total_words`` are those of a single-process run.
"""
from __future__ import annotations

import bisect
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from fastw2v import _reading, _words
from fastw2v._fileio import open_input
from fastw2v.corpora import plain_local_path

#: Bytes read at a time while counting and staging.
READ_BYTES = 1 << 20
#: Bytes of a training range: what a replica's thread trains in one call into the kernels,
#: and a round is made of (the last range cut when the round is smaller). Each call waits
#: for the GIL, which the worker's event loop holds while it moves messages: one replica
#: trained an epoch in 17.2 s of rounds in ranges of 64 KB, in 14.1 s in ranges of 1 MB.
RANGE_BYTES = 1 << 20
#: The ASCII whitespace bytes of ``str.split``: a cut just after one never splits a word.
_ASCII_SPACE = frozenset(b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f ")


def plan(sizes: list[int | None], n_shards: int) -> list[list[tuple[int, float, float]]]:
    """Cut files of ``sizes`` bytes (None: unknown) into ``n_shards`` shards of about equal
    bytes, in corpus order.

    Returns
    -------
    list of list of (int, float, float)
        Per shard, its pieces ``(file, low, high)``. A file of unknown size weighs as the
        mean known file; when no file has bytes, every file weighs one.
    """
    known = [size for size in sizes if size]
    mean = sum(known) / len(known) if known else 1.0
    weights = [float(size) if size is not None else mean for size in sizes]
    if not sum(weights):
        weights = [1.0] * len(sizes)
    total = sum(weights)
    bounds = [total * i / n_shards for i in range(n_shards + 1)]
    shards: list[list[tuple[int, float, float]]] = [[] for _ in range(n_shards)]
    offset = 0.0
    for index, weight in enumerate(weights):
        start, stop = offset, offset + weight
        offset = stop
        if not weight:  # an empty file stays in the count, in the shard where it falls
            shard = min(n_shards - 1, bisect.bisect_right(bounds, start) - 1)
            shards[shard].append((index, 0.0, 1.0))
            continue
        for shard in range(n_shards):
            low, high = max(start, bounds[shard]), min(stop, bounds[shard + 1])
            if high > low:
                shards[shard].append((index, (low - start) / weight, (high - start) / weight))
    return shards


def sentences_of(words: int, max_sentence_length: int) -> int:
    """Sentences of a line of ``words`` words, cut every ``max_sentence_length`` words."""
    if max_sentence_length > 0:
        return -(-words // max_sentence_length)
    return int(words > 0)


class MissingCorpusFile(FileNotFoundError):
    """A corpus file that a Dask worker cannot see."""


class LocalFiles:
    """The corpus files as one worker reads them: plain local files where they are, other
    files (compressed, URLs) decompressed once into a local staging directory.

    Parameters
    ----------
    sources : list of str
        The corpus files, paths or URLs, in corpus order.
    where : str
        The worker's name, for error messages.
    """

    def __init__(self, sources: list[str], where: str) -> None:
        self.sources = sources
        self.where = where
        self.staged: dict[int, str] = {}
        self.directory: str | None = None

    def sizes(self) -> list[int | None]:
        """The files' sizes in bytes as this worker sees them (compressed sizes for
        compressed files, None for URLs and missing files)."""
        return [os.path.getsize(s) if "://" not in s and os.path.isfile(s) else None
                for s in self.sources]

    def path(self, index: int) -> str:
        """A plain local path of file ``index``'s text, staged on first use."""
        source = self.sources[index]
        if "://" not in source and not os.path.isfile(source):
            raise MissingCorpusFile(
                "corpus file %r does not exist on Dask worker %s: every worker reads its "
                "shard itself, so the files must be on a file system all workers see (or be "
                "URLs)" % (source, self.where))
        if plain_local_path(source) is not None:
            return source
        if index not in self.staged:
            if self.directory is None:
                self.directory = tempfile.mkdtemp(prefix="fastw2v-dask-")
            name = hashlib.sha1(source.encode()).hexdigest()[:16] + ".txt"
            target = os.path.join(self.directory, name)
            with open_input(source, "rb") as fin, open(target, "wb") as fout:
                while True:
                    chunk = fin.read(READ_BYTES)
                    if not chunk:
                        break
                    fout.write(chunk)
            self.staged[index] = target
        return self.staged[index]

    def remove_staged(self) -> None:
        """Delete the staged copies."""
        for path in self.staged.values():
            os.remove(path)
        self.staged.clear()
        if self.directory is not None:
            os.rmdir(self.directory)
            self.directory = None


def cut(path: str, offset: int, size: int) -> int:
    """The first offset at or after ``offset`` that starts a word boundary: 0, ``size``, or
    just after an ASCII whitespace byte."""
    if offset <= 0:
        return 0
    if offset >= size:
        return size
    with open(path, "rb") as fin:
        fin.seek(offset - 1)
        position = offset - 1
        while True:
            block = fin.read(1 << 16)
            if not block:
                return size
            for i, byte in enumerate(block):
                if byte in _ASCII_SPACE:
                    return position + i + 1
            position += len(block)


@dataclass
class Piece:
    """A resolved piece of a shard: bytes ``[start, end)`` of file ``file``, and what its
    lines contribute to the sentence count.

    ``head`` counts the words before the piece's first line end (all of them without one),
    ``tail`` those after its last line end; ``body_sentences`` the sentences of its whole
    lines in between (``newline``: the piece has a line end).
    """

    file: int
    start: int
    end: int
    words: int = 0
    head: int = 0
    newline: bool = False
    body_sentences: int = 0
    tail: int = 0


@dataclass
class ShardCounts:
    """What counting a shard gives: its words (first-seen order) and counts, and its pieces."""

    words: list[str]
    counts: np.ndarray
    pieces: list[Piece] = field(default_factory=list)

    @property
    def total_words(self) -> int:
        return sum(piece.words for piece in self.pieces)


def _read(path: str, start: int, end: int) -> Iterator[bytes]:
    """Bytes ``[start, end)`` of ``path`` in chunks of at most :data:`READ_BYTES`."""
    with open(path, "rb") as fin:
        fin.seek(start)
        remaining = end - start
        while remaining > 0:
            chunk = fin.read(min(READ_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


def count_piece(table: _words.WordHash, path: str, piece: Piece, max_sentence_length: int,
                name: str) -> None:
    """Count ``piece`` of ``path`` into ``table`` and fill in its tallies."""
    head = _reading.TextStream(table, max_sentence_length, True, name)
    body = _reading.TextStream(table, max_sentence_length, True, name)
    offset, last_newline = piece.start, -1
    for chunk in _read(path, piece.start, piece.end):
        if not piece.newline:
            first = chunk.find(b"\n")
            if first < 0:
                head.count(chunk)
                offset += len(chunk)
                continue
            head.count(chunk[:first + 1], True)
            piece.newline = True
            chunk, offset = chunk[first + 1:], offset + first + 1
        found = chunk.rfind(b"\n")
        if found >= 0:
            last_newline = offset + found
        body.count(chunk)
        offset += len(chunk)
    (body if piece.newline else head).count(b"", True)
    piece.head = head.total_words
    piece.words = head.total_words + body.total_words
    if piece.newline:
        if last_newline >= 0:  # the words after the last line end, counted again apart
            tail = _reading.TextStream(_words.WordHash(), max_sentence_length, True, name)
            for chunk in _read(path, last_newline + 1, piece.end):
                tail.count(chunk)
            tail.count(b"", True)
            piece.tail = tail.total_words
        else:
            piece.tail = body.total_words
        piece.body_sentences = body.sentences - sentences_of(piece.tail, max_sentence_length)


def count_shard(files: LocalFiles, shard: list[tuple[int, float, float]],
                max_sentence_length: int) -> ShardCounts:
    """Resolve and count the pieces of ``shard`` in order, into one table."""
    table = _words.WordHash()
    pieces = []
    for index, low, high in shard:
        path = files.path(index)
        size = os.path.getsize(path)
        start = cut(path, round(low * size), size)
        end = size if high >= 1.0 else cut(path, round(high * size), size)
        piece = Piece(index, start, end)
        count_piece(table, path, piece, max_sentence_length,
                    "%s (bytes %d-%d)" % (files.sources[index], start, end))
        pieces.append(piece)
    words, counts = table.words_and_counts()
    return ShardCounts(words, counts, pieces)


def merge_counts(shards: list[ShardCounts], max_sentence_length: int
                 ) -> tuple[dict[str, int], int, int]:
    """The shards' counts merged in corpus order.

    Returns
    -------
    (dict, int, int)
        ``{word: count}`` in first-seen order, the number of sentences and of words, as a
        single reading of the corpus counts them.
    """
    merged: dict[str, int] = {}
    for shard in shards:
        get = merged.get
        for word, count in zip(shard.words, shard.counts.tolist()):
            merged[word] = get(word, 0) + count
    sentences = total = 0
    open_words, open_file = 0, None  # the line that crosses pieces, and its file
    for piece in (piece for shard in shards for piece in shard.pieces):
        total += piece.words
        if piece.file != open_file:  # a file's end ends its last line
            sentences += sentences_of(open_words, max_sentence_length)
            open_words, open_file = 0, piece.file
        if piece.newline:
            sentences += sentences_of(open_words + piece.head, max_sentence_length)
            sentences += piece.body_sentences
            open_words = piece.tail
        else:
            open_words += piece.head
    sentences += sentences_of(open_words, max_sentence_length)
    return merged, sentences, total


def training_ranges(pieces: list[Piece], range_bytes: int = RANGE_BYTES
                    ) -> list[tuple[int, int, int]]:
    """The pieces cut into ranges ``(file, start, end)`` of about ``range_bytes`` bytes
    (the compiled range reader splits any byte range as a reading of the whole file does)."""
    ranges: list[tuple[int, int, int]] = []
    for piece in pieces:
        n = max(1, -(-(piece.end - piece.start) // range_bytes))
        bounds = np.linspace(piece.start, piece.end, n + 1).round().astype(np.int64).tolist()
        ranges.extend((piece.file, a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a)
    return ranges
