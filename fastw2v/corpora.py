"""Corpus readers: restartable iterables of sentences (lists of str tokens), as in gensim.

Each reads plain and compressed (``.gz``, ``.bz2``, ``.xz``) files and remote URLs through
smart_open, and can be iterated any number of times (one pass builds the vocabulary, one
pass trains each epoch).
"""
from __future__ import annotations

import collections
import io
import itertools
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from fastw2v import _phrased_text, _reading, _words
from fastw2v._fileio import is_compressed, open_input
from fastw2v._types import PathType

if TYPE_CHECKING:
    from fastw2v.phrases import FrozenPhrases, Phrases

#: ``(path, start, end)``: a byte range of whole sentences of a file.
ByteRange = tuple[str, int, int]
#: What a file's sentence ranges depend on (see ``CompiledSource._bounds_key``).
_BoundsKey = tuple[str, int, int, int, bool, int]
#: ``progress(sentences, words, word types)`` of counting (see ``CompiledSource.count``).
CountProgress = Callable[[int, int, int], None]

logger = logging.getLogger(__name__)

MAX_WORDS_IN_BATCH = 10000
_TRAINING_RANGE_BYTES = 1 << 20  # training reads plain local files in ranges of about this
_RANGE_GRAIN = 16  # ... cut at sentence starts found every 1/16 of that (see ranges)
_STREAM_CHUNK_BYTES = 1 << 20  # and compressed or remote ones in chunks of this, decompressed


def plain_local_path(source: object) -> str | None:
    """The path of ``source`` when it is an uncompressed local file, else None."""
    if not isinstance(source, (str, os.PathLike)):
        return None
    path = os.fspath(source)
    if "://" in path or is_compressed(path) or not os.path.isfile(path):
        return None
    return path


class CompiledSource:
    """A reader's text as compiled code reads it, without making Python strings.

    The one description a reader gives of itself to vocabulary counting and training
    (:meth:`LineSentence.compiled_source` and the like): its files, whether lines are
    sentences, and where sentences are cut. Plain local files are split into byte ranges of
    whole sentences that every worker thread reads itself; compressed and remote files are
    decompressed by one reading thread, whose chunks compiled code splits and looks up. Both
    give exactly the sentences iterating the reader yields.

    Parameters
    ----------
    paths : list of str
        Local paths or URLs, plain or compressed (as :func:`fastw2v._fileio.open_input`
        opens them), read one after the other.
    by_line : bool
        Lines are sentences (cut every ``max_sentence_length`` words); else the word stream
        is cut every ``max_sentence_length`` words.
    max_sentence_length : int
        Words per sentence at most.
    phrases : fastw2v.phrases.Phrases or FrozenPhrases, optional
        A phrase model joining each sentence's phrases (``model[reader]``), after the cut.
    """

    def __init__(self, paths: Iterable[PathType], by_line: bool, max_sentence_length: int,
                 phrases: Phrases | FrozenPhrases | None = None) -> None:
        self.paths = [os.fspath(path) for path in paths]
        self.by_line = bool(by_line)
        self.max_sentence_length = int(max_sentence_length)
        self.phrases = phrases

    def with_phrases(self, model: Phrases | FrozenPhrases) -> CompiledSource | None:
        """This text with ``model``'s phrases joined, or None if compiled code cannot join
        them as ``model[sentence]`` does (a delimiter of more than one character)."""
        if len(model.delimiter) != 1:
            return None
        return CompiledSource(self.paths, self.by_line, self.max_sentence_length, model)

    @property
    def in_ranges(self) -> bool:
        """Whether the workers read this text in byte ranges: every file is a plain local
        file, and no phrases are joined (those are read as one stream)."""
        return (self.phrases is None
                and all(plain_local_path(path) is not None for path in self.paths))

    def transform(self, words: _words.WordHash | None = None) -> _phrased_text.PhraseFeed:
        """The phrases as compiled code joins them (a ``PhraseFeed``): training, writing the
        ids of the vocabulary ``words``; counting (``words`` None), counting its output."""
        assert self.phrases is not None, "a text without phrases has no transform"
        return _phrased_text.PhraseFeed(self.phrases, words)

    def count(self, max_vocab_size: int | None = None, progress: CountProgress | None = None,
              ) -> tuple[dict[str, int], int, int]:
        """``({word: count}, sentences, words)``, exactly as iterating the reader counts them;
        with ``max_vocab_size``, pruned as gensim prunes while scanning (not with phrases).
        ``progress(sentences, words, word types)``, if given, is called before the first
        chunk and after each (of about 1 MB), with the counts so far."""
        if self.phrases is not None:
            if max_vocab_size:
                raise ValueError("phrased text is counted without pruning")
            return self._count_phrased()
        table = _words.WordHash()
        sentences = total = 0
        min_reduce = 1
        if progress is not None:
            progress(0, 0, 0)
        for path in self.paths:
            stream = _reading.TextStream(table, self.max_sentence_length, self.by_line, path)
            stream.min_reduce = min_reduce
            plain = plain_local_path(path) is not None
            if plain:  # the training ranges come free with the counting (see ranges)
                stat = os.stat(path)
                stream.record_bounds(_bound_bytes())
            for chunk, last in self.chunks(path):
                stream.count(chunk, last, max_vocab_size or 0)
                if progress is not None:
                    progress(sentences + stream.sentences, total + stream.total_words,
                             len(table))
            total += stream.total_words
            sentences += stream.sentences
            min_reduce = stream.min_reduce
            if plain:
                _remember_bounds(self._bounds_key(path, stat), stream.sentence_bounds())
        words, counts = table.words_and_counts()
        return dict(zip(words, counts.tolist())), sentences, total

    def _count_phrased(self) -> tuple[dict[str, int], int, int]:
        """``count`` with phrases: the sentences cut as training cuts them, then joined."""
        feed = self.transform()
        sentences = total = 0
        for path in self.paths:
            stream = _reading.TextStream(None, self.max_sentence_length, self.by_line, path, feed)
            for chunk, last in self.chunks(path):
                stream.count(chunk, last)
            total += stream.total_words
            sentences += stream.sentences
        return feed.counts(), sentences, total

    def ranges(self, workers: int = 1) -> list[ByteRange]:
        """``(path, start, end)`` byte ranges of whole sentences (plain local files only: see
        :attr:`in_ranges`), in file order.

        Ranges are about 1 MB, and smaller towards the end: each at most a ``4 * workers``-th
        of what is left, so that ``workers`` threads taking them in turn finish within a
        small range of each other instead of one waiting for the other's last megabyte.
        """
        files = []
        for path in self.paths:
            key = self._bounds_key(path, os.stat(path))
            bounds = _BOUNDS.get(key)
            if bounds is None:  # not counted in this process since the file last changed
                bounds = _remember_bounds(key, _reading.sentence_ranges(
                    path, _bound_bytes(), self.max_sentence_length, self.by_line))
            files.append((path, bounds))
        left = sum(int(bounds[-1]) for _, bounds in files)
        ranges: list[ByteRange] = []
        for path, bounds in files:
            i, last = 0, len(bounds) - 1
            while i < last:
                size = min(_TRAINING_RANGE_BYTES, left // (4 * workers))
                j = min(max(int(np.searchsorted(bounds, bounds[i] + size)), i + 1), last)
                ranges.append((path, int(bounds[i]), int(bounds[j])))
                left -= int(bounds[j] - bounds[i])
                i = j
        return ranges

    def _bounds_key(self, path: str, stat: os.stat_result) -> _BoundsKey:
        """What a file's sentence ranges depend on: the file as it is, and the cut."""
        return (os.path.abspath(path), stat.st_size, stat.st_mtime_ns, self.max_sentence_length,
                self.by_line, _TRAINING_RANGE_BYTES)

    @staticmethod
    def chunks(path: str) -> Iterator[tuple[bytes, bool]]:
        """The text of ``path`` (decompressed) as ``(bytes, last)`` chunks of about 1 MB."""
        with open_input(path, "rb") as fin:
            chunk = fin.read(_STREAM_CHUNK_BYTES)
            while chunk:
                following = fin.read(_STREAM_CHUNK_BYTES)
                yield chunk, not following
                chunk = following
            yield b"", True


# Sentence starts about every _bound_bytes() of recently counted or read files (then their
# sizes), by _bounds_key: counting a plain file for the vocabulary finds them on the way, so
# training need not read it first.
_BOUNDS: collections.OrderedDict[_BoundsKey, npt.NDArray[np.int64]] = collections.OrderedDict()
_BOUNDS_KEPT = 64


def _bound_bytes() -> int:
    """How far apart the sentence starts that training ranges are cut at are looked for."""
    return max(_TRAINING_RANGE_BYTES // _RANGE_GRAIN, 1)


def _remember_bounds(key: _BoundsKey, bounds: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    _BOUNDS[key] = bounds
    _BOUNDS.move_to_end(key)
    while len(_BOUNDS) > _BOUNDS_KEPT:
        _BOUNDS.popitem(last=False)
    return bounds


class _InvalidUTF8(UnicodeDecodeError):
    """Invalid UTF-8 in a corpus: a UnicodeDecodeError (as gensim raises, and so a ValueError)
    whose message names the file and the byte offset in it (of the decompressed text)."""

    source: object
    offset: int | None

    def __str__(self) -> str:
        where = "" if self.offset is None else " near byte %d" % self.offset
        return "%s is not valid UTF-8%s: %s" % (self.source, where, self.reason)


def _invalid_utf8(exc: UnicodeDecodeError, source: object, offset: int | None) -> _InvalidUTF8:
    """The error to raise for ``exc``, a UnicodeDecodeError of bytes that start at ``offset``
    of ``source`` (None if unknown)."""
    error = _InvalidUTF8(exc.encoding, exc.object, exc.start, exc.end, exc.reason)
    error.source, error.offset = source, None if offset is None else offset + exc.start
    return error


def _position(fin: IO[Any]) -> int | None:
    """``fin.tell()``, or None for a stream that cannot tell."""
    try:
        return fin.tell()
    except (AttributeError, OSError, ValueError):
        return None


class LineSentence:
    """One sentence per line, tokens separated by whitespace.

    Parameters
    ----------
    source : str or os.PathLike or file-like
        Path or URL (compression inferred from the extension), or an open binary file.
    max_sentence_length : int
        Lines longer than this are split into several sentences (gensim's default, 10000).
    limit : int, optional
        Read only the first ``limit`` lines.
    """

    def __init__(self, source: PathType | IO[Any], max_sentence_length: int = MAX_WORDS_IN_BATCH,
                 limit: int | None = None) -> None:
        self.source = source
        self.max_sentence_length = max_sentence_length
        self.limit = limit

    def compiled_source(self) -> CompiledSource | None:
        """How compiled code reads this corpus (:class:`CompiledSource`), or None when it
        must be read in Python (an open file object, or a ``limit``)."""
        if not isinstance(self.source, (str, os.PathLike)) or self.limit is not None:
            return None
        return CompiledSource([self.source], True, self.max_sentence_length)

    def __iter__(self) -> Iterator[list[str]]:
        if hasattr(self.source, "seek"):
            self.source.seek(0)
        size = self.max_sentence_length
        with open_input(self.source, "rb") as fin:
            lines: Iterator[Any] = itertools.islice(fin, self.limit)  # bytes, or str of text
            if isinstance(fin, io.TextIOBase):  # an open text file, which gensim takes too
                lines = (line.encode("utf8") for line in lines)
            # this loop is most of the time of reading: no function calls or copies in it
            for line in lines:
                try:
                    words = line.decode("utf8").split()
                except UnicodeDecodeError as exc:
                    position = _position(fin)
                    offset = None if position is None else position - len(line)
                    raise _invalid_utf8(exc, self.source, offset) from None
                if len(words) <= size:
                    if words:
                        yield words
                else:
                    for start in range(0, len(words), size):
                        yield words[start:start + size]


# Text8Corpus reads this much at a time. Small enough for the words of a read (about 11,000
# str objects) to stay in the CPU caches: 1 MB reads took twice as long in all.
_TEXT8_READ_BYTES = 1 << 16


class Text8Corpus:
    """A file of whitespace-separated words with no meaningful lines (text8's format).

    The stream of words is cut into sentences of ``max_sentence_length`` words, as gensim
    does; the file is read in 1 MB chunks, never whole.
    """

    def __init__(self, fname: PathType, max_sentence_length: int = MAX_WORDS_IN_BATCH) -> None:
        self.fname = fname
        self.max_sentence_length = max_sentence_length

    def compiled_source(self) -> CompiledSource:
        """How compiled code reads this corpus (:class:`CompiledSource`)."""
        return CompiledSource([self.fname], False, self.max_sentence_length)

    def __iter__(self) -> Iterator[list[str]]:
        size = self.max_sentence_length
        sentence: list[str] = []
        rest, offset = b"", 0  # offset: of ``rest`` in the file
        with open_input(self.fname, "rb") as fin:
            while True:
                chunk = fin.read(_TEXT8_READ_BYTES)
                text = rest + chunk
                # decode up to the last space or newline (all at the end): no word is cut
                cut = max(text.rfind(b" "), text.rfind(b"\n")) + 1 if chunk else len(text)
                try:
                    sentence += text[:cut].decode("utf8").split()
                except UnicodeDecodeError as exc:
                    raise _invalid_utf8(exc, self.fname, offset) from None
                rest, offset = text[cut:], offset + cut
                full = len(sentence) - len(sentence) % size
                for start in range(0, full, size):
                    yield sentence[start:start + size]
                del sentence[:full]
                if not chunk:
                    break
        if sentence:
            yield sentence


class PathLineSentences:
    """Like :class:`LineSentence` over every file of a directory, in file-name order.

    Parameters
    ----------
    source : str or os.PathLike
        A directory (all its files are read, sorted by name) or a single file.
    """

    def __init__(self, source: PathType, max_sentence_length: int = MAX_WORDS_IN_BATCH,
                 limit: int | None = None) -> None:
        self.source = os.fspath(source)
        self.max_sentence_length = max_sentence_length
        self.limit = limit
        if os.path.isfile(self.source):
            self.input_files = [self.source]
        elif os.path.isdir(self.source):
            self.input_files = sorted(
                os.path.join(self.source, name) for name in os.listdir(self.source)
                if os.path.isfile(os.path.join(self.source, name)))
            logger.info("reading directory %s", self.source)
        else:
            raise ValueError("input is neither a file nor a directory: %s" % self.source)
        logger.info("files read into PathLineSentences:%s", "\n".join(self.input_files))

    def compiled_source(self) -> CompiledSource | None:
        """How compiled code reads this corpus (:class:`CompiledSource`), or None with a
        ``limit``."""
        if self.limit is not None:
            return None
        return CompiledSource(self.input_files, True, self.max_sentence_length)

    def __iter__(self) -> Iterator[list[str]]:
        for path in self.input_files:
            logger.info("reading file %s", path)
            yield from LineSentence(path, self.max_sentence_length, self.limit)
