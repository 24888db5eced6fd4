"""fastw2v's file format: one uncompressed zip of ``.npy`` arrays and a JSON description.

No pickle is written or read: arrays are parsed as ``.npy`` with object dtypes refused, the
rest is JSON, so loading a file never runs code. Every array member starts on a 64-byte
boundary, so ``mmap="r"`` maps the arrays in place without reading them. The archive is
written to a temporary sibling, fsynced and renamed over ``path``: an interrupted save leaves
the previous file intact. See ``docs/file-format.md`` for the specification.
"""
from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import os
import struct
import time
import tokenize
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import IO, Any, Literal, Protocol, TypeVar, Union, cast

import numpy as np
import numpy.typing as npt
from numpy.lib import format as npy_format

from fastw2v._fileio import atomic_write, is_compressed
from fastw2v._types import Key, PathType
from fastw2v.threads import Overlap
from fastw2v._version import __version__

logger = logging.getLogger(__name__)

#: An archive's JSON description (``meta.json``).
Meta = dict[str, Any]
#: A member's array: the array, a stream of its blocks, or a function that makes it when
#: the member is written.
Member = Union[npt.NDArray[Any], "ArrayStream", Callable[[], npt.NDArray[Any]]]
_Loaded = TypeVar("_Loaded", bound="Restorable")
#: How arrays are read: into memory (None), or mapped read-only ("r") or copy-on-write ("c").
MmapMode = Literal["r", "c", None]


class Reader(Protocol):
    """What a ``from_state`` reads an object from: an open archive (:class:`ArchiveReader`),
    or a state in memory (``gensim_import.StateReader``)."""

    path: str
    meta: Meta

    def array(self, name: str, types: np.dtype[Any] | str, shape: Sequence[int] | None,
              mmap: bool = True) -> npt.NDArray[Any]: ...

    def invalid_metadata(self) -> contextlib.AbstractContextManager[None]: ...


class Restorable(Protocol):
    """A class whose objects :func:`load` reads (``Word2Vec``, ``KeyedVectors``...)."""

    @classmethod
    def from_state(cls, reader: Reader) -> Any: ...

FORMAT = "fastw2v"
FORMAT_VERSION = 1
META = "fastw2v.json"
ALIGN = 64

_PADDING_ID = 0xD935  # zip extra-field id of the alignment padding (as Android's zipalign)
#: dtype kinds of the arrays a file may hold: bool, signed, unsigned, float.
NUMERIC = "biuf"
_MMAP_MODES = (None, "r", "c")


# ----------------------------------------------------------------- the contract

def save(obj: Any, path: PathType) -> None:
    """Write ``obj`` to ``path`` as a fastw2v archive, atomically.

    ``obj.to_state()`` gives ``(meta, arrays)``: a JSON-able dict (with a ``"class"``) and
    ``{member name: ndarray}``. This module knows nothing else of the object.
    """
    meta, arrays = obj.to_state()
    write_archive(path, meta, arrays)


def load(cls: type[_Loaded], path: PathType, mmap: MmapMode = None) -> _Loaded:
    """``cls.from_state(reader)`` of the archive at ``path``, ``reader`` an open
    :class:`ArchiveReader` (its ``meta`` and checked ``array`` members).

    Parameters
    ----------
    cls : type
        A class with a ``from_state`` classmethod (``Word2Vec``, ``KeyedVectors``...).
    path : str or os.PathLike
        The file.
    mmap : {None, "r", "c"}
        None reads the arrays into memory; ``"r"`` maps them read-only; ``"c"`` maps them
        copy-on-write (the file is never changed).

    A model saved by gensim's ``save()`` (a pickle) is imported by
    :func:`fastw2v.gensim_import.load` instead, which runs nothing from the file.
    """
    from fastw2v import gensim_import  # (imported here: it imports this module)
    logger.info("loading %s object from %s", cls.__name__, path)
    loaded: _Loaded
    if gensim_import.is_gensim_file(path):  # a pickle from gensim's save(): imported safely
        loaded = gensim_import.load(cls, path, mmap)
    else:
        with ArchiveReader(path, mmap) as reader:
            loaded = cls.from_state(reader)
    return loaded


# ----------------------------------------------------------------- checked JSON values

def check_object(value: object, name: str) -> None:
    if not isinstance(value, dict):
        raise ValueError("%s must be a JSON object, got %r" % (name, value))


def integer(value: Any, name: str, low: int = 0, high: int | None = None) -> int:
    """``value`` if it is an int in ``[low, high]`` (JSON true and false are not)."""
    if type(value) is not int or value < low or (high is not None and value > high):
        raise ValueError("%s must be an int in [%d, %s], got %r"
                         % (name, low, "inf" if high is None else high, value))
    return value


def number(value: Any, name: str, low: float = -math.inf, finite: bool = True) -> float:
    """``value`` as a float if it is a number ``>= low``, finite unless ``finite=False``."""
    if type(value) not in (int, float) or (finite and not math.isfinite(value)) or value < low:
        raise ValueError("%s must be a %snumber%s, got %r" % (
            name, "finite " if finite else "", "" if low == -math.inf else " >= %s" % low, value))
    return float(value)


# ----------------------------------------------------------------- keys

def key_arrays(keys: Sequence[Key], prefix: str, arrays: dict[str, Member]) -> str:
    """Store ``keys`` (all str, or all int) as arrays; return the key type, "str" or "int".

    str keys are one UTF-8 blob, each key followed by "\\n", with the byte offset where each
    key starts (plus the blob's length): when no key contains "\\n", they load with a
    single ``split``.
    """
    types = set(map(type, keys))
    if types <= {str}:
        words = cast("Sequence[str]", keys)  # (all str)
        text = "\n".join(words) + "\n" if words else ""
        blob = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
        ends = np.flatnonzero(blob == 10) + 1
        if len(ends) != len(words):  # some key contains "\n"
            ends = np.cumsum([len(word.encode("utf-8", "surrogatepass")) + 1 for word in words])
        arrays[prefix + "keys.npy"] = blob
        arrays[prefix + "key_offsets.npy"] = np.concatenate([[0], ends]).astype(np.int64)
        return "str"
    if all(issubclass(kind, (int, np.integer)) and kind is not bool for kind in types):
        arrays[prefix + "keys.npy"] = np.array(keys, dtype=np.int64)
        return "int"
    bad = next(key for key in keys if type(key) is not str)
    raise TypeError("cannot save key %r of type %s: keys must be all str or all int"
                    % (bad, type(bad).__name__))


def load_keys(reader: Reader, prefix: str, key_type: str = "str") -> list[Any]:
    """The keys stored by :func:`key_arrays` under ``prefix``, as a list, validated."""
    if key_type == "int":
        keys = reader.array(prefix + "keys.npy", "i", None, mmap=False)
        if keys.ndim != 1:
            raise ValueError("%skeys.npy must be 1-D, not of shape %s" % (prefix, keys.shape))
        return keys.tolist()
    blob = reader.array(prefix + "keys.npy", np.dtype(np.uint8), None, mmap=False)
    offsets = reader.array(prefix + "key_offsets.npy", "i", None, mmap=False).astype(np.int64)
    # compared, not subtracted, so that no crafted offset can overflow
    if blob.ndim != 1 or offsets.ndim != 1 or not len(offsets) or offsets[0] != 0 \
            or offsets[-1] != len(blob) or np.any(offsets[1:] <= offsets[:-1]) \
            or np.any(blob[offsets[1:] - 1] != 10):
        raise ValueError("the key offsets do not match the key blob")
    count = len(offsets) - 1
    data = blob.tobytes()
    if np.count_nonzero(blob == 10) == count:
        return data[:-1].decode("utf-8", "surrogatepass").split("\n") if count else []
    return [data[a:b - 1].decode("utf-8", "surrogatepass")  # some key contains "\n"
            for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]


# ----------------------------------------------------------------- writing

def write_archive(path: PathType, meta: Meta, arrays: Mapping[str, Member]) -> None:
    """Write ``meta`` (JSON-able dict) and ``arrays`` to ``path`` as a fastw2v archive,
    atomically.

    ``arrays`` maps member names, in the order they are written, to an ndarray, an
    :class:`ArrayStream`, or a function called with no argument when its member is written
    (after those before it) that returns the ndarray.
    """
    filename = os.fspath(path)
    if is_compressed(filename):
        raise ValueError("the fastw2v format is an uncompressed archive (so that it can be "
                         "memory-mapped): save to a path without a compression suffix, not %r"
                         % filename)
    meta = dict(format=FORMAT, format_version=FORMAT_VERSION, fastw2v_version=__version__, **meta)
    text = json.dumps(meta, indent=1, default=_json_value, allow_nan=True).encode("utf-8")
    with atomic_write(filename, "wb") as fout:
        with zipfile.ZipFile(fout, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            _write_member(archive, fout, META, lambda out: out.write(text))
            for name, member in arrays.items():
                _write_member(archive, fout, name, functools.partial(_write_array, array=member))
    logger.info("saved %s", filename)


class ArrayStream:
    """An array member written block by block, for arrays larger than memory should hold.

    Parameters
    ----------
    shape : tuple of int
        The array's shape.
    dtype : numpy dtype
        Its (numeric) dtype.
    blocks : iterable of numpy.ndarray
        Its data in C order, in pieces of any shape; they must add up to ``shape``. Each
        block is written on a helper thread while the next one is produced, so a block's
        memory may be reused once the block after it has been yielded, not before.
    """

    def __init__(self, shape: Iterable[int], dtype: npt.DTypeLike,
                 blocks: Iterable[npt.ArrayLike]) -> None:
        self.shape, self.dtype, self.blocks = tuple(shape), np.dtype(dtype), blocks

    def write(self, out: IO[bytes]) -> None:
        """Write the ``.npy`` header and the blocks to ``out``."""
        if self.dtype.kind not in NUMERIC:
            raise TypeError("cannot save an array of dtype %s" % self.dtype)
        npy_format.write_array_header_1_0(out, {"descr": npy_format.dtype_to_descr(self.dtype),
                                                "fortran_order": False, "shape": self.shape})
        expected, written = math.prod(self.shape) * self.dtype.itemsize, 0
        with Overlap(out.write, name="fastw2v-writer") as writer:  # the CRC and write free the GIL
            for block in self.blocks:
                data = np.ascontiguousarray(block, dtype=self.dtype)
                written += data.nbytes
                if written > expected:
                    break
                writer.submit(data.reshape(-1).view(np.uint8).data)
        if written != expected:
            raise ValueError("array stream of shape %s gave %s bytes, not %d"
                             % (self.shape, "more" if written > expected else written, expected))


def _write_array(out: IO[bytes], array: Member) -> None:
    if isinstance(array, ArrayStream):
        return array.write(out)
    # a function is called when its member is written, after the members before it
    data = np.asarray(array() if callable(array) else array)
    if data.dtype.kind not in NUMERIC:
        raise TypeError("cannot save an array of dtype %s" % data.dtype)
    data = np.ascontiguousarray(data)
    npy_format.write_array_header_1_0(out, npy_format.header_data_from_array_1_0(data))
    out.write(data.reshape(-1).view(np.uint8).data)


def _write_member(archive: zipfile.ZipFile, fout: IO[bytes], name: str,
                  write: Callable[[IO[bytes]], object]) -> None:
    """Add a stored member whose data starts on an ``ALIGN``-byte boundary of the file."""
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_STORED
    # local header: 30 bytes, the name, our padding field, then the 20-byte zip64 field that
    # force_zip64 adds; the padding field (4-byte header + zeros) aligns what follows.
    header = fout.tell() + 30 + len(name.encode("utf-8")) + 4 + 20
    info.extra = struct.pack("<HH", _PADDING_ID, -header % ALIGN) + bytes(-header % ALIGN)
    with archive.open(info, "w", force_zip64=True) as out:
        write(out)


def _json_value(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError("cannot save a %s in the file's JSON metadata: %r"
                    % (type(value).__name__, value))


# ----------------------------------------------------------------- reading

@contextlib.contextmanager
def invalid_metadata(path: str) -> Iterator[None]:
    """Turn a malformed description of the file at ``path`` (a missing field, a wrong type)
    into a ValueError naming it."""
    try:
        yield
    except (KeyError, TypeError, AttributeError, ValueError, OverflowError) as exc:
        if isinstance(exc, ValueError) and str(exc).startswith(repr(path)):
            raise
        raise ValueError("%r: invalid fastw2v metadata: %s%s"
                         % (path, "missing field " if type(exc) is KeyError else "",
                            exc)) from exc


class ArchiveReader:
    """An open fastw2v archive: validated metadata and member arrays (read or mapped)."""

    def __init__(self, path: PathType, mmap: MmapMode) -> None:
        if mmap not in _MMAP_MODES:
            raise ValueError("mmap must be None, 'r' or 'c', got %r" % (mmap,))
        self.path = os.fspath(path)
        self.mmap = mmap
        if os.path.isdir(self.path):
            raise ValueError("%r is a directory, not a fastw2v file" % self.path)
        self.file = open(self.path, "rb")
        self.archive: zipfile.ZipFile | None = None
        try:
            self.size = os.fstat(self.file.fileno()).st_size
            self.archive = self._open_archive()
            self.meta = self._read_meta()
        except BaseException:
            self.__exit__()
            raise

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, kind: type[BaseException] | None = None, exc: BaseException | None = None,
                 traceback: TracebackType | None = None) -> None:
        if self.archive is not None:
            self.archive.close()
        self.file.close()

    def _open_archive(self) -> zipfile.ZipFile:
        try:
            archive = zipfile.ZipFile(self.file)
        except NotImplementedError as exc:  # e.g. a zip version Python does not read
            raise ValueError("%r is not a fastw2v file: unsupported zip archive (%s)"
                             % (self.path, exc)) from None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            self.file.seek(0)
            start = self.file.read(2)
            hint = (" (it looks like a pickle, e.g. from gensim's save(): fastw2v never "
                    "unpickles; export vectors there with save_word2vec_format)"
                    if start[:1] == b"\x80" else "")
            raise ValueError("%r is not a fastw2v file, or it is truncated: no zip directory "
                             "found%s" % (self.path, hint)) from None
        names = set(archive.namelist())
        if META not in names:
            archive.close()
            raise ValueError("%r is not a fastw2v file: it has no %s member" % (self.path, META))
        return archive

    def _read_meta(self) -> Meta:
        text = self._member_bytes(META)
        try:
            meta = json.loads(text.decode("utf-8"))
        except (ValueError, RecursionError) as exc:  # also bad UTF-8, too deep, too long an int
            raise ValueError("%r: its %s is corrupt (%s)" % (self.path, META, exc)) from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError("%r is not a fastw2v file: %s does not say format %r"
                             % (self.path, META, FORMAT))
        version = meta.get("format_version")
        if type(version) is not int or version < 1:
            raise ValueError("%r: invalid format_version %r" % (self.path, version))
        if version > FORMAT_VERSION:
            raise ValueError("%r uses format version %d (written by fastw2v %s); this fastw2v %s "
                             "reads versions up to %d: upgrade fastw2v"
                             % (self.path, version, meta.get("fastw2v_version"), __version__,
                                FORMAT_VERSION))
        return meta

    def invalid_metadata(self) -> contextlib.AbstractContextManager[None]:
        """Turn a malformed description (a missing field, a wrong type) into a ValueError."""
        return invalid_metadata(self.path)

    def _member(self, name: str) -> tuple[zipfile.ZipInfo, int]:
        assert self.archive is not None  # (open from __init__ on)
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise ValueError("%r: member %s is missing" % (self.path, name)) from None
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
            raise ValueError("%r: member %s is compressed or encrypted; fastw2v files store "
                             "their members uncompressed" % (self.path, name))
        if not 0 <= info.header_offset <= self.size - 30:
            raise ValueError("%r: member %s has its local header at byte %d of %d (truncated "
                             "or corrupt file)" % (self.path, name, info.header_offset, self.size))
        self.file.seek(info.header_offset)
        header = self.file.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise ValueError("%r: member %s has no valid local header (truncated?)"
                             % (self.path, name))
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        start = info.header_offset + 30 + name_length + extra_length
        if start + info.file_size > self.size:
            raise ValueError("%r is truncated: member %s ends at byte %d of %d"
                             % (self.path, name, start + info.file_size, self.size))
        return info, start

    def _member_bytes(self, name: str) -> bytes:
        info, start = self._member(name)
        self.file.seek(start)
        data = self.file.read(info.file_size)
        if zlib.crc32(data) != info.CRC:
            raise ValueError("%r: member %s is corrupt (CRC mismatch)" % (self.path, name))
        return data

    def array(self, name: str, types: np.dtype[Any] | str, shape: Sequence[int] | None,
              mmap: bool = True) -> npt.NDArray[Any]:
        """The array of member ``name``, checked to have ``shape`` and a dtype in ``types``.

        ``types`` is a dtype or a string of accepted dtype kinds; ``shape`` None accepts any.
        ``mmap=False`` reads it even when the file is opened with ``mmap``.
        """
        info, start = self._member(name)
        self.file.seek(start)
        try:
            version = npy_format.read_magic(self.file)
            if version == (1, 0):
                array_shape, fortran, dtype = npy_format.read_array_header_1_0(self.file)
            elif version == (2, 0):
                array_shape, fortran, dtype = npy_format.read_array_header_2_0(self.file)
            else:
                raise ValueError("unsupported .npy version %d.%d" % version)
        except (ValueError, SyntaxError, TypeError, tokenize.TokenError, RecursionError) as exc:
            raise ValueError("%r: member %s is not a valid .npy array (%s)"
                             % (self.path, name, exc)) from None
        if any(length < 0 for length in array_shape):
            raise ValueError("%r: member %s has a negative shape %s"
                             % (self.path, name, array_shape))
        if dtype.hasobject or dtype.fields is not None or (
                dtype != types if isinstance(types, np.dtype) else dtype.kind not in types):
            raise ValueError("%r: member %s has dtype %s; fastw2v files hold only plain "
                             "numeric arrays (object arrays are never loaded)"
                             % (self.path, name, dtype))
        if fortran or (shape is not None and tuple(array_shape) != tuple(shape)):
            raise ValueError("%r: member %s has shape %s%s, expected %s"
                             % (self.path, name, array_shape, " (Fortran order)" if fortran
                                else "", shape))
        data_start = self.file.tell()
        nbytes = math.prod(array_shape) * dtype.itemsize
        if data_start + nbytes != start + info.file_size:
            raise ValueError("%r: member %s is truncated or inconsistent: %d data bytes "
                             "expected, %d stored" % (self.path, name, nbytes,
                                                      start + info.file_size - data_start))
        if mmap and self.mmap and nbytes:
            return np.memmap(self.file, dtype=dtype, mode=self.mmap, offset=data_start,
                             shape=tuple(array_shape))
        array = np.empty(array_shape, dtype=dtype)
        if nbytes and self.file.readinto(array.data.cast("B")) != nbytes:
            raise ValueError("%r is truncated in member %s" % (self.path, name))
        self.file.seek(start)
        crc = zlib.crc32(self.file.read(data_start - start))
        if zlib.crc32(array.data, crc) != info.CRC:
            raise ValueError("%r: member %s is corrupt (CRC mismatch)" % (self.path, name))
        if mmap and self.mmap == "r":
            array.setflags(write=False)
        return array
