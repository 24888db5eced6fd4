"""Corpus readers: restartable iterables of sentences (lists of str tokens), as in gensim.

Each reads plain, ``.gz`` and ``.bz2`` files and remote URLs through smart_open, and can be
iterated any number of times (one pass builds the vocabulary, one pass trains each epoch).
"""
import io
import itertools
import logging
import os

from fastw2v import _vocab
from fastw2v._fileio import open_input

logger = logging.getLogger(__name__)

MAX_WORDS_IN_BATCH = 10000
_TRAINING_RANGE_BYTES = 1 << 20  # training reads plain local files in ranges of about this


def _plain_local_path(source):
    """The path of ``source`` when it is an uncompressed local file, else None."""
    if not isinstance(source, (str, os.PathLike)):
        return None
    path = os.fspath(source)
    if "://" in path or path.endswith((".gz", ".bz2", ".xz", ".zst")) or not os.path.isfile(path):
        return None
    return path


def _compiled_count(path, max_sentence_length, by_line):
    """Count a local file's words in compiled code, as iterating the reader counts them."""
    table, sentences, total, _ = _vocab.scan_file(
        path, max_sentence_length=max_sentence_length if by_line else 0)
    words, counts = table.words_and_counts()
    if not by_line:
        sentences = -(-total // max_sentence_length)
    return dict(zip(words, counts.tolist())), sentences, total


def _compiled_ranges(reader, path, by_line):
    """``reader``'s file as ranges of whole sentences to train in compiled code (cached on
    the reader while the file is unchanged), or None without a path."""
    if path is None:
        return None
    stat = os.stat(path)
    key = (path, stat.st_size, stat.st_mtime_ns, reader.max_sentence_length, by_line)
    cached = getattr(reader, "_ranges_cache", None)
    if cached is None or cached[0] != key:
        bounds = _vocab.sentence_ranges(path, _TRAINING_RANGE_BYTES, reader.max_sentence_length,
                                        by_line)
        cached = (key, dict(path=path, bounds=bounds,
                            max_sentence_length=reader.max_sentence_length, by_line=by_line))
        reader._ranges_cache = cached
    return cached[1]


class _InvalidUTF8(UnicodeDecodeError):
    """Invalid UTF-8 in a corpus: a UnicodeDecodeError (as gensim raises, and so a ValueError)
    whose message names the file and the byte offset in it (of the decompressed text)."""

    def __str__(self):
        where = "" if self.offset is None else " near byte %d" % self.offset
        return "%s is not valid UTF-8%s: %s" % (self.source, where, self.reason)


def _invalid_utf8(exc, source, offset):
    """The error to raise for ``exc``, a UnicodeDecodeError of bytes that start at ``offset``
    of ``source`` (None if unknown)."""
    error = _InvalidUTF8(exc.encoding, exc.object, exc.start, exc.end, exc.reason)
    error.source, error.offset = source, None if offset is None else offset + exc.start
    return error


def _position(fin):
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

    def __init__(self, source, max_sentence_length=MAX_WORDS_IN_BATCH, limit=None):
        self.source = source
        self.max_sentence_length = max_sentence_length
        self.limit = limit

    def count_words(self):
        """Word counts computed in compiled code, for an uncompressed local file.

        Returns
        -------
        (dict, int, int) or None
            ``{word: count}``, the number of sentences and of words, exactly as iterating
            would give them; None when the source has to be read in Python.
        """
        path = _plain_local_path(self.source)
        if path is None or self.limit is not None:
            return None
        return _compiled_count(path, self.max_sentence_length, by_line=True)

    def compiled_ranges(self):
        """The file as byte ranges of whole sentences, for training in compiled code.

        Returns
        -------
        dict or None
            ``path``, ``bounds`` (range starts, then the file size), ``max_sentence_length``
            and ``by_line``; None unless the source is an uncompressed local file read whole
            (compiled reading gives exactly the sentences iterating would).
        """
        path = _plain_local_path(self.source)
        return _compiled_ranges(self, None if self.limit is not None else path, by_line=True)

    def __iter__(self):
        if hasattr(self.source, "seek"):
            self.source.seek(0)
        size = self.max_sentence_length
        with open_input(self.source, "rb") as fin:
            lines = itertools.islice(fin, self.limit)
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

    def __init__(self, fname, max_sentence_length=MAX_WORDS_IN_BATCH):
        self.fname = fname
        self.max_sentence_length = max_sentence_length

    def count_words(self):
        """Word counts computed in compiled code, for an uncompressed local file.

        Returns
        -------
        (dict, int, int) or None
            As :meth:`LineSentence.count_words`.
        """
        path = _plain_local_path(self.fname)
        return None if path is None else _compiled_count(path, self.max_sentence_length, by_line=False)

    def compiled_ranges(self):
        """The file as byte ranges of whole sentences, for training in compiled code.

        Returns
        -------
        dict or None
            As :meth:`LineSentence.compiled_ranges`.
        """
        return _compiled_ranges(self, _plain_local_path(self.fname), by_line=False)

    def __iter__(self):
        size = self.max_sentence_length
        sentence, rest, offset = [], b"", 0  # offset: of ``rest`` in the file
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

    def __init__(self, source, max_sentence_length=MAX_WORDS_IN_BATCH, limit=None):
        self.source = os.fspath(source)
        self.max_sentence_length = max_sentence_length
        self.limit = limit
        if os.path.isfile(self.source):
            self.input_files = [self.source]
        elif os.path.isdir(self.source):
            self.input_files = sorted(
                os.path.join(self.source, name) for name in os.listdir(self.source)
                if os.path.isfile(os.path.join(self.source, name)))
            logger.info("PathLineSentences: %d files in %s", len(self.input_files), self.source)
        else:
            raise ValueError("input is neither a file nor a directory: %s" % self.source)

    def __iter__(self):
        for path in self.input_files:
            yield from LineSentence(path, self.max_sentence_length, self.limit)
