"""Corpus readers: restartable iterables of sentences (lists of str tokens), as in gensim.

Each reads plain, ``.gz`` and ``.bz2`` files and remote URLs through smart_open, and can be
iterated any number of times (one pass builds the vocabulary, one pass trains each epoch).
"""
import itertools
import logging
import os

from fastw2v._fileio import open_input

logger = logging.getLogger(__name__)

MAX_WORDS_IN_BATCH = 10000
_CHUNK_BYTES = 1 << 20


def _decode(data, source):
    try:
        return data.decode("utf8")
    except UnicodeDecodeError as exc:
        raise ValueError("%s is not valid UTF-8 near byte %d: %s" % (source, exc.start, exc.reason)) from None


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

    def __iter__(self):
        if hasattr(self.source, "seek"):
            self.source.seek(0)
        with open_input(self.source, "rb") as fin:
            for line in itertools.islice(fin, self.limit):
                words = _decode(line, self.source).split()
                for start in range(0, len(words), self.max_sentence_length):
                    yield words[start:start + self.max_sentence_length]


class Text8Corpus:
    """A file of whitespace-separated words with no meaningful lines (text8's format).

    The stream of words is cut into sentences of ``max_sentence_length`` words, as gensim
    does; the file is read in 1 MB chunks, never whole.
    """

    def __init__(self, fname, max_sentence_length=MAX_WORDS_IN_BATCH):
        self.fname = fname
        self.max_sentence_length = max_sentence_length

    def __iter__(self):
        sentence, rest = [], b""
        size = self.max_sentence_length
        with open_input(self.fname, "rb") as fin:
            while True:
                chunk = fin.read(_CHUNK_BYTES)
                text = rest + chunk
                if not chunk:
                    sentence.extend(_decode(text, self.fname).split())
                    break
                cut = max(text.rfind(b" "), text.rfind(b"\n"))
                if cut < 0:
                    rest = text
                    continue
                sentence.extend(_decode(text[:cut], self.fname).split())
                rest = text[cut:]
                if len(sentence) >= size:
                    full = len(sentence) - len(sentence) % size
                    for start in range(0, full, size):
                        yield sentence[start:start + size]
                    sentence = sentence[full:]
        for start in range(0, len(sentence), size):
            yield sentence[start:start + size]


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
