"""word2vec.c's text and binary vector files: streaming, validating load and atomic save.

Text format: a header line ``"<count> <size>\\n"``, then one line per key,
``"<key> <v1> <v2> ... <vN>\\n"``. Binary format: the same header, then per key
``"<key> "`` followed by ``size`` little-endian float32 values (word2vec.c adds a newline
after each vector; gensim 4 does not; both are read). Saved files are byte-identical to
gensim 4.4's ``save_word2vec_format``. int keys are written as decimal strings (``str(key)``,
as gensim writes them) and read back as ints with ``key_type=int``.
"""
from __future__ import annotations

import codecs
import concurrent.futures
import contextlib
import io
import locale
import logging
import mmap
import os
import shutil
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

from fastw2v._fileio import MAX_VECTOR_SIZE, atomic_write, open_input
from fastw2v._types import FloatArray, Key, PathType

if TYPE_CHECKING:
    from fastw2v.keyedvectors import KeyedVectors

_KV = TypeVar("_KV", bound="KeyedVectors")
#: ``take(row, rows)``: ``(vectors, norms)``, the float32 rows to parse vectors ``row...``
#: into, and their norms; see :func:`binary_blocks`.
Take = Callable[[int, int], tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]]

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 24  # binary input is read in blocks of this size
TEXT_BATCH_LINES = 4096  # text lines parsed per vectorised batch
MAX_WORD_BYTES = 1 << 16  # longer "words" mean a damaged file or a wrong vector size
_SAVE_BATCH_ROWS = 8192


class TruncatedFileError(ValueError, EOFError):
    """A word2vec file ends before the vectors its header declares (or inside the last one).

    Both a ValueError, as fastw2v raises for every damaged file, and an EOFError, as gensim
    raises for a truncated one, so that code written for either catches it.
    """


def load(cls: type[_KV], fname: PathType | IO[bytes], fvocab: PathType | None = None,
         binary: bool = False, encoding: str = "utf8", unicode_errors: str = "strict",
         limit: int | None = None, datatype: npt.DTypeLike = np.float32, no_header: bool = False,
         key_type: type[str] | type[int] = str) -> _KV:
    """Read a word2vec.c-format file into a ``cls`` (KeyedVectors or a subclass).

    The file is streamed (plain, ``.gz``, ``.bz2`` or any smart_open URL); binary records are
    parsed by a compiled kernel, text lines in vectorised batches.

    Parameters
    ----------
    cls : type
        The KeyedVectors class to build.
    fname : str or os.PathLike or file-like
        The vectors file.
    fvocab : str, optional
        word2vec.c ``-save-vocab`` file (``word count`` lines) giving the ``count`` attribute.
        Without it counts are made up, descending from the number of keys (as gensim does).
    binary : bool
        Binary rather than text format.
    encoding, unicode_errors : str
        How keys are decoded (``unicode_errors="ignore"`` or ``"replace"`` accept words
        word2vec.c truncated inside a UTF-8 character).
    limit : int, optional
        Read at most this many vectors.
    datatype : numpy dtype
        dtype of the loaded vectors.
    no_header : bool
        The file has no header line (text only, e.g. GloVe); sizes come from the data.
    key_type : type
        ``str`` (default), or ``int`` to read keys as ints (node or item ids): each key must
        be a decimal integer (ASCII digits, an optional leading ``-``) that fits in 64 bits.
        Keys that are the same int (``7`` and ``007``) are duplicates: the first is kept.
        The ``fvocab`` file's words are read as ints too.

    Returns
    -------
    KeyedVectors

    Raises
    ------
    ValueError
        The file is empty, disagrees with its header, has a vector of the wrong length, a
        value that is not a number, (with ``unicode_errors="strict"``) a key that is not
        valid in ``encoding``, or (with ``key_type=int``) a key that is not a decimal integer.
        The message names the line, byte offset or vector.
    TruncatedFileError
        (a ValueError and an EOFError, as gensim raises) The file ends before the vectors
        its header declares, or inside its last vector.
    """
    check_options(limit, binary, no_header, key_type)
    name = display_name(fname)
    if fvocab is not None:
        logger.info("loading word counts from %s", display_name(fvocab))
    counts = read_counts(fvocab, unicode_errors, key_type)
    logger.info("loading projection weights from %s", name)
    with open_input(fname, "rb") as fin:
        count: int | None
        size: int | None
        if no_header:
            count, size, header_bytes, check_end = limit, None, 0, False
        else:
            count, size, header_bytes = read_header(fin, name)
            check_end = limit is None or int(limit) >= count
            if limit is not None:
                count = min(count, int(limit))
        keys, norms = _Keys(), None
        if binary:
            assert count is not None and size is not None  # (from the header)
            vectors, norms = _read_binary(fin, name, count, size, header_bytes, check_end,
                                          encoding, unicode_errors, datatype, keys)
        else:
            vectors = _read_text(fin, name, count, size, check_end, not no_header, encoding,
                                 unicode_errors, datatype, keys)
    words = keys.words
    key_to_index: dict[Key, int] | None = keys.index
    if key_type is int:
        words = int_keys(cast("list[str]", words), name, binary, 1 + (not no_header))
        key_to_index = None
    return _build(cls, words, vectors, norms, counts, name, key_to_index)


class _Keys:
    """The keys of a load in file order, and the index of each, both built block by block as
    the blocks are read: the index dict then grows while the vectors are still being filled,
    not on top of them all at the end (for 3M keys it briefly holds ~30 MB more while it
    grows). A key seen twice is indexed at its last place here; :func:`_build` redoes the
    index then."""

    def __init__(self) -> None:
        self.words: list[Key] = []
        self.index: dict[Key, int] = {}

    def add(self, words: list[str]) -> None:
        start = len(self.words)
        self.words += words
        self.index.update(zip(words, range(start, start + len(words))))


_INT64_MAX = 2 ** 63 - 1


def _is_decimal(word: str) -> bool:
    """Whether ``word`` is a decimal integer: ASCII digits, an optional leading "-"."""
    digits = word[1:] if word[:1] == "-" else word
    return digits.isascii() and digits.isdecimal()


def _is_int_key(word: str) -> bool:
    """Whether ``word`` is a decimal integer that fits in 64 bits."""
    return _is_decimal(word) and (len(word) < 19 or -_INT64_MAX - 1 <= int(word) <= _INT64_MAX)


def int_keys(words: Sequence[str], name: str, binary: bool, first_line: int,
             start: int = 0) -> list[Key]:
    """``words`` (vectors ``start...`` of the file) as ints; a ValueError naming the first
    that is not a decimal integer (its line of a text file, whose first vector is on
    ``first_line``, or its vector number)."""
    for i, word in enumerate(words, start):
        if not _is_int_key(word):
            where = "vector %d" % (i + 1) if binary else "line %d" % (first_line + i)
            raise ValueError("%s: %s: key %r is %s (key_type=int)"
                             % (name, where, word, "an integer outside the 64-bit range"
                                if _is_decimal(word) else "not a decimal integer"))
    return [int(word) for word in words]


def display_name(fname: PathType | IO[Any]) -> str:
    """How messages name ``fname``: its path, or an open file's name."""
    if isinstance(fname, (str, os.PathLike)):
        return os.fspath(fname)
    return str(getattr(fname, "name", "<file>"))


def check_options(limit: int | None, binary: bool, no_header: bool, key_type: type) -> None:
    """Refuse a negative ``limit``, ``no_header`` with ``binary`` and a ``key_type`` other
    than str or int, as loading and converting do."""
    if limit is not None and int(limit) < 0:
        raise ValueError("limit must be >= 0, got %r" % (limit,))
    if no_header and binary:
        raise NotImplementedError("no_header only available for text-format files")
    if key_type is not str and key_type is not int:
        raise ValueError("key_type must be str or int, got %r" % (key_type,))


def read_counts(fvocab: PathType | None, unicode_errors: str,
                key_type: type[str] | type[int] = str) -> dict[Key, int] | None:
    """The counts of word2vec.c's vocabulary file ``fvocab`` (``"word count"`` lines) as a
    dict, keys of ``key_type`` (int: words that are not decimal integers left out); None
    when ``fvocab`` is None."""
    if fvocab is None:
        return None
    counts: dict[Key, int] = {}
    with open_input(fvocab, "rb") as fin:
        for line_no, line in enumerate(fin, 1):
            parts = line.decode("utf8", errors=unicode_errors).split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
                raise ValueError("%s: line %d: expected 'word count', got %r"
                                 % (display_name(fvocab), line_no, line[:80]))
            counts[parts[0]] = int(parts[1])
    if key_type is int:
        return {int(word): count for word, count in counts.items()
                if isinstance(word, str) and _is_int_key(word)}
    return counts


def read_header(fin: IO[bytes], name: str) -> tuple[int, int, int]:
    """``(count, size, header length in bytes)`` from the first line."""
    line = fin.readline(1024)
    if not line:
        raise ValueError("%s: empty file (expected a header line 'count size')" % name)
    parts = line.split()
    try:
        count, size = (int(part) for part in parts)
    except ValueError:
        raise ValueError("%s: line 1: expected a header 'count size', got %r (pass "
                         "no_header=True for files without one)" % (name, line[:80])) from None
    if count < 0 or not 0 < size <= MAX_VECTOR_SIZE:
        raise ValueError("%s: line 1: invalid header %r (expected a count >= 0 and a vector size "
                         "in [1, %d])" % (name, line[:80], MAX_VECTOR_SIZE))
    return count, size, len(line)


class _Rows:
    """The rows a load fills, parsed straight into the final array: allocated at the first
    block (``capacity`` rows, at least what the block needs), grown by doubling when the
    input's length is unknown, trimmed to the rows filled by :meth:`result`."""

    def __init__(self, size: int, dtype: npt.DTypeLike, capacity: int, norms: bool) -> None:
        self.size, self.dtype, self.capacity = size, dtype, capacity
        self.vectors: FloatArray | None = None
        self.norms: npt.NDArray[np.float32] | None = None
        self.with_norms = norms

    def take(self, row: int, rows: int
             ) -> tuple[FloatArray, npt.NDArray[np.float32] | None]:
        """``(vectors, norms)``: views of rows ``[row, row + rows)`` to fill (norms None
        unless asked for)."""
        if self.vectors is None:
            self.vectors = np.empty((max(self.capacity, row + rows), self.size), self.dtype)
            self.norms = np.empty(len(self.vectors), np.float32) if self.with_norms else None
        elif row + rows > len(self.vectors):
            grown = max(row + rows, 2 * len(self.vectors))
            self.vectors.resize((grown, self.size), refcheck=False)
            if self.norms is not None:
                self.norms.resize(grown, refcheck=False)
        return (self.vectors[row:row + rows],
                None if self.norms is None else self.norms[row:row + rows])

    def result(self, rows: int) -> tuple[FloatArray, npt.NDArray[np.float32] | None]:
        """``(vectors, norms)`` of the first ``rows`` rows, the spare capacity released."""
        if self.vectors is None:
            self.take(0, 0)
        assert self.vectors is not None
        if len(self.vectors) != rows:
            self.vectors.resize((rows, self.size), refcheck=False)
            if self.norms is not None:
                self.norms.resize(rows, refcheck=False)
        return self.vectors, self.norms


class Block:
    """One reused block of float32 rows (and their norms) for :func:`binary_blocks` to
    fill: its ``take``."""

    def __init__(self, size: int) -> None:
        self.vectors = np.empty((0, size), dtype=np.float32)
        self.norms = np.empty(0, dtype=np.float32)

    def take(self, row: int, rows: int
             ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """``(vectors, norms)`` of ``rows`` rows (``row`` is ignored: the block is reused)."""
        if rows > len(self.vectors):
            self.vectors = np.empty((rows, self.vectors.shape[1]), dtype=np.float32)
            self.norms = np.empty(rows, dtype=np.float32)
        return self.vectors[:rows], self.norms[:rows]


def _read_binary(fin: IO[bytes], name: str, count: int, size: int, offset: int,
                 check_end: bool, encoding: str, unicode_errors: str, datatype: npt.DTypeLike,
                 keys: _Keys) -> tuple[FloatArray, npt.NDArray[np.float32] | None]:
    """Parse ``count`` binary records of ``size`` floats starting at byte ``offset``.

    Returns ``(vectors, norms)``, the words added to ``keys`` (a :class:`_Keys`). float32 rows on a little-endian machine are parsed
    straight into the final array, their norms computed as they are copied; other dtypes
    (and byte orders) go through one reused block and are converted into the final array,
    their norms left to the first query (None). A plain file's rows are allocated once,
    other input's (compressed, remote) grow as records arrive, to at most twice the bytes
    read.
    """
    direct = np.dtype(datatype) == np.float32 and sys.byteorder == "little"
    rows = _Rows(size, datatype, count if _bytes_left(fin) is not None else 0, norms=direct)
    block = Block(size)

    def take_rows(row: int, count: int) -> tuple[npt.NDArray[np.float32],
                                                 npt.NDArray[np.float32]]:
        vectors, norms = rows.take(row, count)  # (float32, with their norms: direct)
        assert norms is not None
        return cast("npt.NDArray[np.float32]", vectors), norms

    take: Take = take_rows if direct else block.take
    for block_words in binary_blocks(fin, name, count, size, offset, check_end, encoding,
                                     unicode_errors, take):
        if not direct:
            little_endian = block.vectors[:len(block_words)].view("<f4")
            rows.take(len(keys.words), len(block_words))[0][...] = little_endian
        keys.add(block_words)
    return rows.result(len(keys.words))


def binary_blocks(fin: IO[bytes], name: str, count: int, size: int, offset: int,
                  check_end: bool, encoding: str, unicode_errors: str,
                  take: Take) -> Iterator[list[str]]:
    """Parse ``count`` binary records of ``size`` floats starting at byte ``offset``, one
    block of input at a time.

    ``take(row, rows)`` gives ``(vectors, norms)``, float32 arrays of ``rows`` rows to parse
    vectors ``row...`` into (read them before the next block). Yields the words of each
    block.

    A plain file must be long enough for what the header declares before anything is
    taken. Each block is read in after the incomplete record left over from the previous
    one; its records are copied straight into the rows given. With ``check_end``, whatever
    follows the last record must be whitespace.
    """
    from fastw2v._word2vec_format import parse_binary_records

    record_bytes = 4 * size + 1  # the shortest record: an empty word, its space, the vector
    available = _bytes_left(fin)
    if available is not None and count * record_bytes > available:
        raise TruncatedFileError(
            "%s: the header declares %d vectors of size %d, at least %d bytes, but only %d "
            "bytes follow it (truncated file or wrong header?)"
            % (name, count, size, count * record_bytes, available))
    max_buffer = CHUNK_BYTES + MAX_WORD_BYTES + record_bytes + 1  # holds the longest record
    buf = _anonymous(min(CHUNK_BYTES, max_buffer))
    word_bytes = _anonymous(len(buf))
    filled, row = 0, 0
    while row < count:
        if filled == len(buf):  # full, without a complete record: make room for a longer one
            buf = _anonymous(min(2 * len(buf), max_buffer), buf)
            word_bytes = _anonymous(len(buf))
        with memoryview(buf) as view:
            received = _read_into(fin, view[filled:])
        filled += received
        rows = min(count - row, filled // record_bytes)  # the most records the buffer can hold
        vectors, norms = take(row, rows)
        starts, ends = np.empty(rows, dtype=np.intp), np.empty(rows, dtype=np.intp)
        with memoryview(buf) as view:
            parsed, pos, overlong, used = parse_binary_records(
                view[:filled], 0, vectors, MAX_WORD_BYTES, starts, ends, norms, word_bytes)
        words = _decode_words(buf, word_bytes, used, starts[:parsed], ends[:parsed], name,
                              row, offset, encoding, unicode_errors)
        row += parsed
        if overlong or (row < count and filled == max_buffer and pos == 0):
            raise ValueError("%s: no space after a word within %d bytes at byte offset %d (vector "
                             "%d): damaged file, wrong vector size in the header, or not a binary "
                             "file" % (name, MAX_WORD_BYTES, offset + pos, row + 1))
        if row < count and not received:
            raise TruncatedFileError(
                "%s: unexpected end of file at byte offset %d: the header declares %d vectors "
                "of size %d, found %d (truncated file or wrong header?)"
                % (name, offset + filled, count, size, row))
        buf[:filled - pos] = buf[pos:filled]
        offset += pos
        filled -= pos
        if parsed:
            yield words
    if check_end:
        _check_only_whitespace(fin, bytes(buf[:filled]), name, offset, count)


#: encodings in which a newline byte is always a newline: words joined by newlines decode at once
_NEWLINE_SAFE = frozenset({"utf-8", "ascii", "latin-1", "iso8859-1", "iso8859-15", "cp1252"})


def _anonymous(size: int, start: bytes | mmap.mmap = b"") -> mmap.mmap:
    """A zeroed buffer of ``size`` bytes beginning with ``start``: an anonymous memory map,
    whose pages go back to the system when it is freed (a large malloc'ed buffer may stay
    in the process's heap after a load)."""
    buf = mmap.mmap(-1, size)
    buf[:len(start)] = start
    return buf


def _decode_words(buf: mmap.mmap, word_bytes: mmap.mmap, used: int,
                  starts: npt.NDArray[np.intp], ends: npt.NDArray[np.intp], name: str, row: int,
                  offset: int, encoding: str, unicode_errors: str) -> list[str]:
    """The words of one parsed block: ``word_bytes[:used]`` holds them each followed by a
    newline, ``buf[starts[i]:ends[i]]`` is word ``i`` (vector ``row + i + 1``)."""
    if codecs.lookup(encoding).name in _NEWLINE_SAFE:
        words: list[str] | None
        try:
            words = word_bytes[:used].decode(encoding, unicode_errors).split("\n")
        except UnicodeDecodeError:
            words = None
        if words is not None and len(words) == len(starts) + 1:  # no word holds a newline
            words.pop()
            return words
    spans = list(zip(starts.tolist(), ends.tolist()))
    try:
        return [buf[lo:hi].decode(encoding, unicode_errors) for lo, hi in spans]
    except UnicodeDecodeError as err:
        index = next(i for i, (lo, hi) in enumerate(spans) if not _decodes(buf[lo:hi], encoding))
        raise ValueError("%s: word of vector %d at byte offset %d is not valid %s (%s); pass "
                         "unicode_errors='ignore' or 'replace' to accept it"
                         % (name, row + index + 1, offset + spans[index][0], encoding,
                            err.reason)) from None


def _bytes_left(fin: IO[bytes]) -> int | None:
    """The bytes from the position of ``fin`` to its end if it is a plain file, else None."""
    raw = getattr(fin, "raw", None)
    if not isinstance(raw, io.FileIO):
        return None
    info = os.fstat(raw.fileno())
    return info.st_size - fin.tell() if stat.S_ISREG(info.st_mode) else None


def _read_into(fin: Any, view: memoryview) -> int:
    """Fill as much of ``view`` as one read gives; 0 only at the end of the file. A plain
    file is then asked to read as much again ahead (``posix_fadvise`` WILLNEED), so that the
    disk works while the caller parses."""
    if hasattr(fin, "readinto"):
        received = fin.readinto(view) or 0
        raw = getattr(fin, "raw", None)
        if received and isinstance(raw, io.FileIO) and hasattr(os, "posix_fadvise"):
            with contextlib.suppress(OSError):  # a pipe, say
                os.posix_fadvise(raw.fileno(), fin.tell(), len(view), os.POSIX_FADV_WILLNEED)
        return received
    data = fin.read(len(view))
    view[:len(data)] = data
    return len(data)


def _check_only_whitespace(fin: IO[bytes], buf: bytes, name: str, offset: int,
                           count: int) -> None:
    while buf:
        if buf.strip():
            position = offset + len(buf) - len(buf.lstrip())
            raise ValueError("%s: data continues at byte offset %d after the %d vectors declared "
                             "in the header (wrong header or vector size?)" % (name, position, count))
        offset += len(buf)
        buf = fin.read(1 << 16)  # small: a 16 MB read would stay in the heap


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def _read_text(fin: IO[bytes], name: str, count: int | None, size: int | None,
               check_end: bool, header: bool, encoding: str, unicode_errors: str,
               datatype: npt.DTypeLike, keys: _Keys) -> FloatArray:
    """The vectors of up to ``count`` text lines (see :func:`text_batches`), their words
    added to ``keys`` (a :class:`_Keys`); each
    batch copied into the final array (allocated once when the header gives the count and
    the file is long enough for it, else grown by doubling)."""
    available, capacity = _bytes_left(fin), 0
    if header and count is not None and size is not None:  # a line: a word and size " 0"
        capacity = min(count, 1 << 16 if available is None else available // (2 * size + 1) + 1)
    rows: _Rows | None = None
    for block_words, block in text_batches(fin, name, count, size, check_end, header, encoding,
                                           unicode_errors, datatype):
        if rows is None:
            rows = _Rows(block.shape[1], block.dtype, capacity, norms=False)
        rows.take(len(keys.words), len(block))[0][...] = block
        keys.add(block_words)
    if rows is None:  # no vectors: the size comes from the header
        return np.empty((0, size or 0), dtype=datatype)
    return rows.result(len(keys.words))[0]


def text_batches(fin: Iterable[bytes], name: str, count: int | None, size: int | None,
                 check_end: bool, header: bool, encoding: str, unicode_errors: str,
                 datatype: npt.DTypeLike) -> Iterator[tuple[list[str], FloatArray]]:
    """Parse up to ``count`` text lines in batches (``count`` None: all; ``size`` None: from
    the first line), yielding ``(words, vectors)`` per batch. With ``check_end``, only blank
    lines may follow the last vector; with ``header``, fewer than ``count`` vectors is an
    error."""
    rows, line_no = 0, int(header)
    batch: list[bytes] = []
    batch_start = line_no + 1
    blank: int | None = None
    unterminated: int | None = None
    for line in fin:
        line_no += 1
        if not line.endswith(b"\n"):
            unterminated = line_no  # only the file's last line can lack one: cut short?
        line = line.rstrip()
        if not line:
            blank = blank or line_no
            continue
        if count is not None and rows + len(batch) >= count:
            if check_end:
                raise ValueError("%s: line %d: more vectors than the %d declared in the header"
                                 % (name, line_no, count))
            break
        if blank is not None:
            raise ValueError("%s: line %d is empty" % (name, blank))
        if size is None:
            size = len(line.split()) - 1
            if size <= 0:
                raise ValueError("%s: line %d: expected a word followed by numbers, got %r"
                                 % (name, line_no, line[:80]))
        if not batch:
            batch_start = line_no
        batch.append(line)
        if len(batch) == TEXT_BATCH_LINES:
            yield _parse_text_batch(batch, batch_start, size, name, encoding, unicode_errors,
                                    datatype, unterminated)
            rows += len(batch)
            batch = []
    if batch:
        assert size is not None  # (from the first line)
        yield _parse_text_batch(batch, batch_start, size, name, encoding, unicode_errors,
                                datatype, unterminated)
        rows += len(batch)
    if header and count is not None and rows < count:
        raise TruncatedFileError("%s: unexpected end of file after line %d: the header declares "
                                 "%d vectors, found %d (truncated file or wrong header?)"
                                 % (name, line_no, count, rows))
    if size is None:
        raise ValueError("%s: empty file" % name)


def _parse_numbers(rests: Sequence[bytes], values: npt.NDArray[np.float64]) -> bool:
    """Whether the compiled kernel parsed the numbers of ``rests`` (one line's values each)
    into the rows of ``values``: the lines are split among threads, one per CPU (at most
    4), each parsing its share with the GIL released."""
    from fastw2v._word2vec_format import parse_numbers

    parts = min(_cpus(), 4, max(1, len(rests) // 256))
    bounds = [len(rests) * i // parts for i in range(parts + 1)]
    per_line = values.shape[1]
    shares = [(b"\n".join(rest.rstrip(b"\r\n") for rest in rests[lo:hi]),
               values[lo:hi].reshape(-1), per_line)
              for lo, hi in zip(bounds[:-1], bounds[1:])]
    if parts == 1:
        return parse_numbers(*shares[0]) >= 0
    with concurrent.futures.ThreadPoolExecutor(parts - 1) as pool:
        others = pool.map(lambda share: parse_numbers(*share), shares[1:])
        first = parse_numbers(*shares[0])
        return first >= 0 and all(count >= 0 for count in others)


def _cpus() -> int:
    """The CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _parse_text_batch(lines: Sequence[bytes], first_line: int, size: int, name: str,
                      encoding: str, unicode_errors: str, datatype: npt.DTypeLike,
                      unterminated: int | None = None) -> tuple[list[str], FloatArray]:
    """``(words, vectors)`` of ``lines``, the vectors as one array.

    Plain decimal numbers are parsed by a compiled kernel (``parse_numbers``) without the
    GIL; a batch holding anything else (``nan``, ``1_0``, a bad value or count) by numpy,
    which reports the first bad line. ``unterminated``: the number of the file's last line
    if it has no newline at its end (too few values there mean a truncated file)."""
    rests: list[bytes] = []
    words: list[str] = []
    for i, line in enumerate(lines):
        word, _, rest = line.partition(b" ")
        try:
            words.append(word.decode(encoding, errors=unicode_errors))
        except UnicodeDecodeError as err:
            raise ValueError("%s: line %d: word is not valid %s (%s); pass unicode_errors="
                             "'ignore' or 'replace' to accept it"
                             % (name, first_line + i, encoding, err.reason)) from None
        rests.append(rest)
    room = sum(map(len, rests)) + len(rests)  # n numbers take at least 2n bytes, spaces included
    if locale.localeconv()["decimal_point"] == "." and 2 * len(lines) * size <= room:
        values = np.empty((len(lines), size), dtype=np.float64)
        if _parse_numbers(rests, values):
            return words, values.astype(datatype)
    split = [rest.split() for rest in rests]  # numpy parses what the kernel does not
    if all(len(line_values) == size for line_values in split):
        tokens = [token for line_values in split for token in line_values]
        try:
            return words, np.array(tokens).astype(datatype).reshape(len(lines), size)
        except ValueError:
            pass
    for i, rest in enumerate(rests):  # find and report the first bad line
        line_values = rest.split()
        if len(line_values) != size:
            error: type[ValueError] = ValueError
            if first_line + i == unterminated and len(line_values) < size:
                error = TruncatedFileError
            raise error("%s: line %d: expected %d values, got %d%s"
                        % (name, first_line + i, size, len(line_values),
                           " (the file ends inside it: truncated?)" if error is not ValueError
                           else ""))
        try:
            np.array(line_values).astype(datatype)
        except ValueError:
            raise ValueError("%s: line %d: not a number in %r" % (name, first_line + i, rest[:80])) \
                from None
    raise AssertionError("unreachable")


def _build(cls: type[_KV], words: list[Key], vectors: FloatArray,
           norms: npt.NDArray[np.float32] | None, counts: dict[Key, int] | None, name: str,
           key_to_index: dict[Key, int] | None = None) -> _KV:
    """A ``cls`` instance holding ``words`` and ``vectors`` (duplicate words: first kept),
    and their ``norms`` if known (else None: computed on first use). ``key_to_index``: the
    index of ``words`` if built already."""
    if key_to_index is None:
        key_to_index = dict(zip(words, range(len(words))))
    if len(key_to_index) != len(words):
        keep: list[int] = []
        seen: set[Key] = set()
        for i, word in enumerate(words):
            if word in seen:
                logger.warning("%s: duplicate word %r in word2vec file, ignoring all but first",
                               name, word)
            else:
                seen.add(word)
                keep.append(i)
        logger.info("duplicate words detected, shrinking matrix size from %i to %i",
                    len(words), len(keep))
        words = [words[i] for i in keep]
        vectors = vectors[keep]
        norms = None if norms is None else norms[keep]
        key_to_index = {word: i for i, word in enumerate(words)}
    kv = cls(vectors.shape[1], 0, dtype=vectors.dtype)
    kv.vectors = np.ascontiguousarray(vectors)
    kv.norms = norms
    kv.index_to_key = words
    kv.key_to_index = key_to_index
    kv.next_index = len(words)
    if counts is None:
        kv.expandos["count"] = np.arange(len(words), 0, -1, dtype=np.int64)
    else:
        missing = [word for word in words if word not in counts]
        if missing:
            logger.warning("vocabulary file is incomplete: %d words missing (e.g. %r); their "
                           "count is 0", len(missing), missing[0])
        kv.expandos["count"] = np.array([counts.get(word, 0) for word in words], dtype=np.int64)
    return kv


def save(kv: KeyedVectors, fname: PathType, fvocab: PathType | None = None, binary: bool = False,
         total_vec: int | None = None, write_header: bool = True, prefix: str = "",
         append: bool = False, sort_attr: str = "count") -> None:
    """Write ``kv`` in word2vec.c format, byte-identical to gensim 4.4.

    Keys are written in descending order of ``sort_attr`` (ties in index order), or in index
    order when the attribute is absent. Every file is written to a temporary file, fsynced
    and renamed into place.

    int keys are written as decimal strings (``str(key)``, as gensim writes them; read them
    back with ``load(..., key_type=int)``). One difference from gensim: when the first keys
    are the ints ``0, 1, ...`` at rows ``0, 1, ...`` (its Doc2Vec int tags), gensim 4.4 writes
    their vectors twice, first in row order, which makes a file with more vectors than its
    header declares; fastw2v writes every key once.

    Parameters
    ----------
    kv : KeyedVectors
    fname : str or os.PathLike
        Output path (``.gz``/``.bz2`` compress).
    fvocab : str, optional
        Also write ``key count`` lines (word2vec.c ``-save-vocab`` format) here.
    binary : bool
        Binary (float32) rather than text format.
    total_vec : int, optional
        Count written in the header (default: number of keys).
    write_header : bool
        Write the ``"count size"`` header line.
    prefix : str
        Prepended to every key.
    append : bool
        Add to the end of an existing file instead of replacing it.
    sort_attr : str
        Per-key attribute to order keys by, descending.
    """
    if kv.vectors.shape != (len(kv.index_to_key), kv.vector_size):
        raise ValueError("vectors have shape %s but there are %d keys of size %d"
                         % (kv.vectors.shape, len(kv.index_to_key), kv.vector_size))
    if total_vec is None:
        total_vec = len(kv.index_to_key)
    if sort_attr in kv.expandos:
        values = np.asarray(kv.expandos[sort_attr])
        order = np.argsort(-values.astype(np.float64), kind="stable")
    else:
        if fvocab is not None:
            raise ValueError("Cannot store vocabulary with '%s' because that attribute does not "
                             "exist" % sort_attr)
        logger.warning("attribute %s not present in %s; will store in internal index_to_key order",
                       sort_attr, kv)
        order = np.arange(len(kv.index_to_key))
    keys = [prefix + str(kv.index_to_key[i]) for i in order.tolist()]  # int keys: decimal
    if fvocab is not None:
        logger.info("storing vocabulary in %s", display_name(fvocab))
        with _output(fvocab, append) as vout:
            counts = values[order].astype(str)
            for lo in range(0, len(keys), _SAVE_BATCH_ROWS):
                lines = ["%s %s\n" % pair for pair in zip(keys[lo:lo + _SAVE_BATCH_ROWS],
                                                           counts[lo:lo + _SAVE_BATCH_ROWS])]
                vout.write("".join(lines).encode("utf8"))
    logger.info("storing %sx%s projection weights into %s", total_vec, kv.vector_size,
                display_name(fname))
    with _output(fname, append) as fout:
        if write_header:
            fout.write(("%d %d\n" % (total_vec, kv.vector_size)).encode("utf8"))
        for lo in range(0, len(keys), _SAVE_BATCH_ROWS):
            rows = kv.vectors[order[lo:lo + _SAVE_BATCH_ROWS]]
            batch_keys = keys[lo:lo + _SAVE_BATCH_ROWS]
            if binary:
                data = rows.astype("<f4").tobytes()
                width = 4 * kv.vector_size
                fout.write(b"".join((key + " ").encode("utf8") + data[i * width:(i + 1) * width]
                                    for i, key in enumerate(batch_keys)))
            else:
                # str() of each numpy scalar: its shortest round-trip form, exactly as gensim
                fout.write("".join("%s %s\n" % (key, " ".join(map(str, row)))
                                   for key, row in zip(batch_keys, rows)).encode("utf8"))


@contextlib.contextmanager
def _output(path: PathType, append: bool) -> Iterator[IO[bytes]]:
    """Atomic writer for ``path``, starting with its current content when ``append``."""
    with atomic_write(path, "wb") as fout:
        if append and os.path.exists(path):
            with open_input(path, "rb") as old:
                shutil.copyfileobj(old, fout, 1 << 20)
        yield fout
