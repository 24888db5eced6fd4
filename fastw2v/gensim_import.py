"""Importing models saved by gensim's ``save()``: its pickles, read without gensim and
without running code from the file.

gensim (1.x to 4.x) pickles whole objects, and stores large arrays beside the pickle as
``<fname>.<attribute>.npy`` files. ``pickle.load`` would run whatever the file names; here a
restricted unpickler (as PyTorch's ``torch.load(weights_only=True)``) resolves only an
allowlist of globals, each to an inert stand-in of this module:

- numpy arrays, dtypes and scalars of plain numeric types, rebuilt here from their bytes
  (numpy's own reconstruction functions are never called); object arrays only as lists of
  their items, which went through the same allowlist (gensim 4 keeps Huffman codes so);
- the builtin containers gensim's objects hold (``set``, ``frozenset``, ``defaultdict(int)``,
  ``OrderedDict``), and ``bytes`` as Python pickles them (Python 2's ``str`` arrive as
  bytes: attribute names are read as ASCII, words as UTF-8, else latin-1 as gensim reads them);
- gensim's classes of word2vec, keyed vectors and phrase models, each mapped to a
  :class:`Record` that only stores the pickled attributes; gensim's scoring functions and
  the few callables gensim stores in attributes (``hash``, numpy's random generators) as
  inert markers, never called.

Any other global (``os.system``, ``builtins.eval``, a numpy function outside the list, a
user's class) is refused with a :class:`RefusedGlobalError` naming it, before anything could
use it. The separately stored arrays are read with ``numpy.load(allow_pickle=False)``, only
those the pickle declares (gensim's ``__numpys``), and only beside the file.

The records are then converted to the state fastw2v's own files hold (``meta`` and named
arrays), served by a :class:`StateReader` to the classes' ``from_state``, so an imported
model passes every check a fastw2v file passes.
"""
from __future__ import annotations

import _compat_pickle
import bz2
import gzip
import io
import lzma
import math
import os
import pickle
import re
import warnings
from typing import Any

import numpy as np
from numpy.lib import format as npy_format

from fastw2v import persistence

_PICKLE_MAGIC_PROTOCOLS = (2, 3, 4, 5)
_ATTRIBUTE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_DTYPE_SPEC = re.compile(r"(?:[biuf][0-9]{1,2}|O[48])\Z")


class RefusedGlobalError(pickle.UnpicklingError, ValueError):
    """A gensim file references a global outside the allowlist (nothing was run)."""


class WrongModelError(AttributeError, ValueError):
    """The gensim file holds another kind of model (gensim raises AttributeError here)."""


# ----------------------------------------------------------------- recognising the file

def _decompressor(path):
    """An opener for ``path``'s compression (by its first bytes), or None if uncompressed."""
    with open(path, "rb") as fin:
        head = fin.read(6)
    if head[:2] == b"\x1f\x8b":
        return gzip.open
    if head[:3] == b"BZh":
        return bz2.open
    if head[:6] == b"\xfd7zXZ\x00":
        return lzma.open
    return None


def is_gensim_file(path):
    """Whether ``path`` looks like a pickle (as gensim's ``save()`` writes, possibly
    compressed) rather than a fastw2v archive: decided from its first bytes only."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        return False
    try:
        opener = _decompressor(path) or open
        with opener(path, "rb") as fin:
            head = fin.read(64)
    except (OSError, EOFError, lzma.LZMAError, ValueError):
        return False
    return _looks_like_pickle(head)


def _looks_like_pickle(head):
    if head[:1] == b"\x80":  # PROTO: protocol 2 and later
        return len(head) > 1 and head[1] in _PICKLE_MAGIC_PROTOCOLS
    # protocol 0/1: an object starts with a GLOBAL ("c" module "\n" name "\n"), as
    # copy_reg._reconstructor or the class of an INST/OBJ, or with a MARK before them
    text = head[1:] if head[:1] == b"(" else head
    if text[:1] in (b"c", b"i"):
        lines = text[1:].split(b"\n")
        return len(lines) >= 3 and all(
            re.fullmatch(rb"[A-Za-z_][A-Za-z0-9_.]*", line) for line in lines[:2])
    return False


# ----------------------------------------------------------------- inert stand-ins

class Record:
    """A gensim object as pickled: its attributes in ``fields``, and nothing else.

    No method of gensim's class exists here; unpickling only assigns the state.
    """

    gensim_name = "?"
    fields: dict[str, Any]

    def __new__(cls, *args, **kwargs):
        if args or kwargs:
            raise RefusedGlobalError("%s was pickled with constructor arguments, which "
                                     "gensim's models never are" % cls.gensim_name)
        record = object.__new__(cls)
        record.fields = {}
        return record

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        slots = None
        if isinstance(state, tuple) and len(state) == 2:
            state, slots = state
        for part in (state, slots):
            if part is None:
                continue
            if isinstance(part, dict):  # a Python 2 pickle's attribute names are str: bytes
                part = {_attribute_name(k): v for k, v in part.items()}
            if not isinstance(part, dict) or not all(isinstance(k, str) for k in part):
                raise ValueError("the state of %s is not a dict of attributes"
                                 % self.gensim_name)
            self.fields.update(part)

    def get(self, name, default=None):
        return self.fields.get(name, default)

    def __repr__(self):
        return "<record of %s>" % self.gensim_name


def _attribute_name(value):
    """An attribute name: Python 2's str (bytes here) as ASCII text, anything else as is."""
    if isinstance(value, bytes):
        try:
            return value.decode("ascii")
        except UnicodeDecodeError:
            return value
    return value


class _Marker:
    """A global gensim stores as an attribute value (``hash``, a scorer...): never called."""

    def __init__(self, name):
        self.name = name

    def __call__(self, *args, **kwargs):
        raise RefusedGlobalError("it calls %s, which is not allowed" % self.name)

    def __repr__(self):
        return "<%s>" % self.name


class _Inert:
    """A numpy random generator as pickled: its state is accepted and dropped (a model
    imported here draws from generators seeded by its ``seed``)."""

    def __setstate__(self, state):
        pass


def _inert(*args, **kwargs):
    return _Inert()


class _DType:
    """A ``numpy.dtype`` as pickled: a plain numeric type (or ``object``, whose arrays become
    lists of their items), built by this module from the checked spec and byte order."""

    def __init__(self, spec, align=False, copy=True):
        if isinstance(spec, bytes):
            spec = spec.decode("latin1")
        if not isinstance(spec, str) or not _DTYPE_SPEC.match(spec):
            raise RefusedGlobalError("a numpy dtype %r is not allowed (only plain numeric "
                                     "dtypes)" % (spec,))
        self.dtype = np.dtype(spec)

    def __setstate__(self, state):
        if not isinstance(state, tuple) or len(state) < 5:
            raise ValueError("invalid numpy dtype state %r" % (state,))
        endian = state[1]
        if isinstance(endian, bytes):
            endian = endian.decode("latin1")
        if any(part is not None for part in state[2:5]):
            raise RefusedGlobalError("a structured or sub-array numpy dtype is not allowed")
        if endian in ("<", ">") and self.dtype.kind != "O":
            self.dtype = self.dtype.newbyteorder(endian)
        elif endian not in ("|", "="):
            raise ValueError("invalid numpy dtype byte order %r" % (endian,))


def _dtype_of(value):
    if not isinstance(value, _DType):
        raise RefusedGlobalError("a numpy array or scalar needs a dtype, got %r" % (value,))
    return value.dtype


def _as_bytes(data):
    if isinstance(data, str):  # a Python 2 pickle: bytes arrive as latin-1 text
        return data.encode("latin1")
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    if isinstance(data, pickle.PickleBuffer):
        return bytes(data.raw())
    raise ValueError("array data must be bytes, got %s" % type(data).__name__)


def _plain_array(raw, dtype, shape, fortran):
    if not isinstance(shape, tuple) or not all(type(n) is int and n >= 0 for n in shape):
        raise ValueError("invalid array shape %r" % (shape,))
    data = _as_bytes(raw)
    if len(data) != math.prod(shape) * dtype.itemsize:
        raise ValueError("an array of shape %s and dtype %s holds %d bytes, not %d"
                         % (shape, dtype, len(data), math.prod(shape) * dtype.itemsize))
    flat = np.frombuffer(data, dtype=dtype)
    array = flat.reshape(shape, order="F" if fortran else "C")
    return np.array(array, dtype=dtype.newbyteorder("="), order="C")


class ObjectArray:
    """An object array as pickled: ``items`` (each through the allowlist) and ``shape``."""

    def __init__(self, shape, items):
        self.shape, self.items = shape, items


class _ArrayStub:
    """``numpy._core.multiarray._reconstruct(ndarray, (0,), b"b")``: the array is built by
    ``__setstate__`` from the pickled shape, dtype and bytes, as ``array``."""

    def __init__(self):
        self.array = None

    def __setstate__(self, state):
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise ValueError("invalid numpy array state")
        shape, dtype, fortran, raw = state[-4:]
        dtype = _dtype_of(dtype)
        if dtype.kind == "O":
            if not isinstance(raw, list) or not isinstance(shape, tuple) \
                    or len(raw) != math.prod(shape):
                raise ValueError("invalid object array state")
            self.array = ObjectArray(shape, raw)
        else:
            self.array = _plain_array(raw, dtype, shape, bool(fortran))


def _reconstruct(subtype, shape, dtype):
    if subtype is not _NDARRAY or not isinstance(dtype, (bytes, str)):
        raise RefusedGlobalError("numpy's _reconstruct is allowed only for plain ndarrays")
    return _ArrayStub()


def _frombuffer(buffer, dtype, shape, order):
    """numpy's pickles at protocol 5: ``_frombuffer(bytes, dtype, shape, order)``."""
    dtype = _dtype_of(dtype) if isinstance(dtype, _DType) else None
    if dtype is None or dtype.kind == "O" or order not in ("C", "F"):
        raise RefusedGlobalError("numpy's _frombuffer is allowed only for numeric arrays")
    stub = _ArrayStub()
    stub.array = _plain_array(buffer, dtype, tuple(shape), order == "F")
    return stub


def _scalar(dtype, data=None):
    dtype = _dtype_of(dtype)
    if dtype.kind == "O":
        raise RefusedGlobalError("numpy object scalars are not allowed")
    data = _as_bytes(data)
    if len(data) != dtype.itemsize:
        raise ValueError("a numpy %s scalar of %d bytes" % (dtype, len(data)))
    return np.frombuffer(data, dtype=dtype)[0].item()


def _defaultdict(factory=None, *args):
    if args or factory not in (None, _INT):
        raise RefusedGlobalError("defaultdict is allowed only as defaultdict(int)")
    return {}


def _codecs_encode(text, encoding="utf-8"):
    """How Python 3 pickles bytes at protocol 2: ``_codecs.encode(text, "latin1")``."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise RefusedGlobalError("_codecs.encode is allowed only to latin1 bytes")
    return text.encode("latin1")


def _bytes(*args):
    if args:
        raise RefusedGlobalError("bytes(...) is allowed only without arguments")
    return b""


def _reconstructor(cls, base, state=None):
    """``copyreg._reconstructor`` of protocol 0/1 pickles, for records only."""
    if not (isinstance(cls, type) and issubclass(cls, Record)) or base is not _OBJECT \
            or state is not None:
        raise RefusedGlobalError("copyreg._reconstructor is allowed only for gensim's classes")
    return cls()


_NDARRAY = _Marker("numpy.ndarray")
_INT = _Marker("builtins.int")
_OBJECT = _Marker("builtins.object")
_ORIGINAL_SCORER = _Marker("gensim.models.phrases.original_scorer")
_NPMI_SCORER = _Marker("gensim.models.phrases.npmi_scorer")

_RECORD_CLASSES: dict[str, type[Record]] = {}


def _record_class(kind, name):
    if name not in _RECORD_CLASSES:
        _RECORD_CLASSES[name] = type("Record_" + name.replace(".", "_"), (Record,),
                                     {"gensim_name": name, "kind": kind})
    return _RECORD_CLASSES[name]


_GENSIM_CLASSES = {
    "word2vec": ["gensim.models.word2vec.Word2Vec",
                 "gensim.models.deprecated.word2vec.Word2Vec"],
    "keyedvectors": ["gensim.models.keyedvectors.KeyedVectors",
                     "gensim.models.keyedvectors.Word2VecKeyedVectors",
                     "gensim.models.keyedvectors.EuclideanKeyedVectors",
                     "gensim.models.deprecated.keyedvectors.KeyedVectors",
                     "gensim.models.deprecated.keyedvectors.EuclideanKeyedVectors"],
    "vocab": ["gensim.models.keyedvectors.Vocab", "gensim.models.keyedvectors.CompatVocab",
              "gensim.models.word2vec.Vocab", "gensim.models.deprecated.word2vec.Vocab",
              "gensim.models.deprecated.keyedvectors.Vocab"],
    "vocabulary": ["gensim.models.word2vec.Word2VecVocab"],
    "trainables": ["gensim.models.word2vec.Word2VecTrainables"],
    "phrases": ["gensim.models.phrases.Phrases"],
    "frozenphrases": ["gensim.models.phrases.FrozenPhrases", "gensim.models.phrases.Phraser"],
}

_MODULE_ALIASES = {"__builtin__": "builtins", "copy_reg": "copyreg",
                   "numpy.core.multiarray": "numpy._core.multiarray",
                   "numpy.core.numeric": "numpy._core.numeric"}

#: Every global a gensim file may reference, and what it resolves to here.
ALLOWED_GLOBALS = {
    "numpy._core.multiarray._reconstruct": _reconstruct,
    "numpy._core.multiarray.scalar": _scalar,
    "numpy._core.numeric._frombuffer": _frombuffer,
    "numpy.ndarray": _NDARRAY,
    "numpy.dtype": _DType,
    "numpy.random._pickle.__randomstate_ctor": _inert,
    "numpy.random._pickle.__generator_ctor": _inert,
    "numpy.random._pickle.__bit_generator_ctor": _inert,
    "numpy.random.__RandomState_ctor": _inert,
    "numpy.random._mt19937.MT19937": _Marker("numpy.random._mt19937.MT19937"),
    "numpy.random._pcg64.PCG64": _Marker("numpy.random._pcg64.PCG64"),
    "collections.defaultdict": _defaultdict,
    "collections.OrderedDict": dict,
    "builtins.set": set,
    "builtins.frozenset": frozenset,
    "builtins.bytes": _bytes,
    "builtins.int": _INT,
    "builtins.object": _OBJECT,
    "builtins.hash": _Marker("builtins.hash"),
    "_codecs.encode": _codecs_encode,
    "copyreg._reconstructor": _reconstructor,
    "gensim.utils.call_on_class_only": _Marker("gensim.utils.call_on_class_only"),
    "gensim.models.phrases.original_scorer": _ORIGINAL_SCORER,
    "gensim.models.phrases.npmi_scorer": _NPMI_SCORER,
}
for _kind, _names in _GENSIM_CLASSES.items():
    for _name in _names:
        ALLOWED_GLOBALS[_name] = _record_class(_kind, _name)


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only :data:`ALLOWED_GLOBALS`, to inert stand-ins."""

    def __init__(self, file, path):
        # Python 2's str arrive as bytes (not as latin-1 text, as gensim reads them): gensim
        # < 4 kept the phrases' words as UTF-8 str, decoded as UTF-8 where they are used
        super().__init__(file, encoding="bytes")
        self.path = path

    def find_class(self, module, name):
        # Python 2's names, as pickle's fix_imports maps them (Python 3 writes them too at
        # protocol 2: bytes as _codecs.encode, int as __builtin__.long)
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        module = _MODULE_ALIASES.get(module, module)
        target = ALLOWED_GLOBALS.get("%s.%s" % (module, name))
        if target is None and module.startswith("gensim.models.") and name[:1].isupper():
            raise RefusedGlobalError(
                "refusing to load gensim file %r: it references %s.%s, which is not allowed: "
                "it is a gensim %s (or holds one), and fastw2v imports only gensim's "
                "Word2Vec, KeyedVectors, Phrases and FrozenPhrases models (nothing from the "
                "file was run)" % (self.path, module, name, name))
        if target is None:
            raise RefusedGlobalError(
                "refusing to load gensim file %r: it references %s.%s, which is not allowed "
                "(it looks like a pickle, e.g. from gensim's save(): fastw2v never unpickles "
                "anything but gensim's word2vec, vectors and phrase models, with numpy arrays "
                "and builtin containers; nothing from the file was run)"
                % (self.path, module, name))
        return target

    def persistent_load(self, pid):
        raise RefusedGlobalError("refusing to load gensim file %r: it holds a persistent id"
                                 % self.path)


def unpickle(path):
    """The records of the gensim pickle at ``path`` (decompressed if it is compressed)."""
    opener = _decompressor(path) or open
    try:
        with opener(path, "rb") as fin:
            data = fin.read()
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise ValueError("%r: cannot read the gensim file (%s)" % (path, exc)) from None
    try:
        return RestrictedUnpickler(io.BytesIO(data), path).load()
    except RefusedGlobalError as exc:
        if str(exc).startswith("refusing"):
            raise
        raise RefusedGlobalError("refusing to load gensim file %r: %s" % (path, exc)) from None
    except (EOFError, pickle.UnpicklingError) as exc:
        raise ValueError("%r is truncated or corrupt: not a complete pickle (%s)"
                         % (path, exc or type(exc).__name__)) from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError,
            RecursionError, MemoryError, UnicodeError) as exc:
        raise ValueError("%r is not a gensim model fastw2v can import (%s: %s)"
                         % (path, type(exc).__name__, exc)) from None


# ----------------------------------------------------------------- separately stored arrays

def _load_npy(path, mmap, compressed):
    """One array gensim stored beside its pickle, read without pickle."""
    if compressed:
        if mmap:
            raise ValueError("%r: arrays of a compressed gensim file cannot be memory-mapped; "
                             "load it with mmap=None" % path)
        try:
            with np.load(path, allow_pickle=False) as archive:
                array = archive["val"]
        except (OSError, ValueError, KeyError, EOFError) as exc:
            raise ValueError("%r: cannot read the array (%s)" % (path, exc)) from None
        return _checked_npy(array, path)
    if not os.path.isfile(path):
        raise ValueError("%r is missing: the gensim file stores an array there" % path)
    try:
        with open(path, "rb") as fin:
            version = npy_format.read_magic(fin)
            if version == (1, 0):
                shape, fortran, dtype = npy_format.read_array_header_1_0(fin)
            elif version == (2, 0):
                shape, fortran, dtype = npy_format.read_array_header_2_0(fin)
            else:
                raise ValueError("unsupported .npy version %d.%d" % version)
            start = fin.tell()
    except (ValueError, SyntaxError, TypeError, EOFError, OSError, RecursionError) as exc:
        raise ValueError("%r is not a valid .npy array (%s)" % (path, exc)) from None
    if dtype.hasobject or dtype.kind not in persistence.NUMERIC or dtype.fields is not None:
        raise ValueError("%r holds an array of dtype %s; only plain numeric arrays are loaded "
                         "(object arrays would need pickle)" % (path, dtype))
    expected = start + math.prod(shape) * dtype.itemsize
    if os.path.getsize(path) < expected:
        raise ValueError("%r is truncated: %d bytes, the array needs %d"
                         % (path, os.path.getsize(path), expected))
    try:
        return np.load(path, mmap_mode=mmap, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ValueError("%r: cannot read the array (%s)" % (path, exc)) from None


def _checked_npy(array, path):
    if array.dtype.hasobject or array.dtype.kind not in persistence.NUMERIC:
        raise ValueError("%r holds an array of dtype %s; only plain numeric arrays are loaded"
                         % (path, array.dtype))
    return array


def _load_specials(record, fname, mmap, compressed, depth=0):
    """Put back what gensim stored apart, as its ``SaveLoad._load_specials``: arrays from
    ``fname.<attribute>.npy`` (``.npz`` if compressed) and, recursively, those of the
    records in attributes."""
    if depth > 8:
        raise ValueError("%r: gensim objects nested too deep" % fname)
    fields = record.fields

    def names(key):
        value = fields.pop(key, [])
        if isinstance(value, list):
            value = [_attribute_name(n) for n in value]
        if not isinstance(value, list) or not all(
                isinstance(n, str) and _ATTRIBUTE.match(n) for n in value):
            raise ValueError("%r: invalid %s list %r in the gensim file" % (fname, key, value))
        return value

    for attrib in names("__recursive_saveloads"):
        child = fields.get(attrib)
        if isinstance(child, Record):
            _load_specials(child, fname + "." + attrib, mmap, compressed, depth + 1)
    for attrib in names("__numpys"):
        fields[attrib] = _load_npy("%s.%s.%s" % (fname, attrib, "npz" if compressed else "npy"),
                                   mmap, compressed)
    scipys = names("__scipys")
    if scipys:
        raise ValueError("%r: attribute %s is a scipy sparse matrix, which no model fastw2v "
                         "imports holds" % (fname, scipys[0]))
    for attrib in names("__ignoreds"):
        fields[attrib] = None


def read_records(path, mmap=None):
    """The top record of the gensim file at ``path``, separately stored arrays put back."""
    path = os.fspath(path)
    top = unpickle(path)
    if not isinstance(top, Record):
        raise ValueError("%r is a pickle of a %s, not a gensim model" % (path, type(top).__name__))
    compressed = path.endswith((".gz", ".bz2"))  # gensim's SaveLoad._adapt_by_suffix
    _load_specials(top, path, mmap, compressed)
    return top


# ----------------------------------------------------------------- values of the records

def _array(value, what, path):
    """``value`` (an array stub or a loaded array) as an ndarray, or None."""
    if isinstance(value, _ArrayStub):
        value = value.array
    if value is None or isinstance(value, np.ndarray):
        return value
    raise ValueError("%r: %s is not an array but %s" % (path, what, type(value).__name__))


def _items(value, what, path):
    """The items of an object array (gensim 4's code/point expandos)."""
    if isinstance(value, _ArrayStub):
        value = value.array
    if isinstance(value, ObjectArray):
        return [_array(item, what, path) if isinstance(item, _ArrayStub) else item
                for item in value.items]
    raise ValueError("%r: %s is not an object array" % (path, what))


def _text(value):
    """A key or word: gensim < 4 kept phrases' strings as UTF-8 bytes, and Python 2 pickles
    hold str (bytes here) where Python 2 code used str; bytes that are not UTF-8 are read as
    latin-1, as gensim reads Python 2's str."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.decode("latin1")
    return value


def _int(value, name, path, default=None):
    if value is None:
        return default
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    raise ValueError("%r: %s must be an integer, got %r" % (path, name, value))


def _float(value, name, path, default=None):
    if value is None:
        return default
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    raise ValueError("%r: %s must be a number, got %r" % (path, name, value))


class _Model:
    """A Word2Vec record's fields, looked up where the gensim version kept them (gensim 3
    moved some to ``vocabulary`` and ``trainables`` records)."""

    def __init__(self, record):
        self.records = [record] + [record.get(name) for name in ("vocabulary", "trainables")
                                   if isinstance(record.get(name), Record)]

    def get(self, name, default=None):
        for record in self.records:
            if name in record.fields and record.fields[name] is not None:
                return record.fields[name]
        return default


# ----------------------------------------------------------------- keyed vectors

class _Vectors:
    """The keys, vectors and per-key attributes of a gensim KeyedVectors record (any
    version), or of a gensim < 1.0 Word2Vec record that held them itself."""

    def __init__(self, record, path):
        fields = record.fields
        self.path = path
        vectors = fields.get("vectors")
        if vectors is None:
            vectors = fields.get("syn0")
        vectors = _array(vectors, "vectors", path)
        if vectors is None or vectors.ndim != 2:
            raise ValueError("%r: the gensim vectors are missing or not a matrix" % path)
        if vectors.dtype.kind != "f":
            raise ValueError("%r: the gensim vectors have dtype %s" % (path, vectors.dtype))
        self.vectors = vectors
        keys = fields.get("index_to_key")
        if keys is None:
            keys = fields.get("index2word", fields.get("index2entity"))
        if not isinstance(keys, list):
            raise ValueError("%r: the gensim vectors have no list of keys" % path)
        self.keys = [_text(key) for key in keys]
        n = len(self.keys)
        if len(vectors) != n:
            raise ValueError("%r: %d keys but %d vectors" % (path, n, len(vectors)))
        self.vector_size = _int(fields.get("vector_size"), "vector_size", path,
                                vectors.shape[1])
        self.next_index = min(max(_int(fields.get("next_index"), "next_index", path, n), 0), n)
        self.expandos, self.codes, self.points = {}, None, None
        if "key_to_index" in fields:  # gensim 4
            expandos = fields.get("expandos") or {}
            if not isinstance(expandos, dict):
                raise ValueError("%r: invalid gensim expandos" % path)
            for name, value in expandos.items():
                if name in ("code", "point"):
                    items = _items(value, name, path)
                    if len(items) != n:
                        raise ValueError("%r: %d %ss for %d keys" % (path, len(items), name, n))
                    setattr(self, name + "s", items)
                    continue
                array = _array(value, "expando %r" % name, path)
                if array is not None and array.ndim == 1 and array.dtype.kind in \
                        persistence.NUMERIC:
                    self.expandos[name] = array[:n] if len(array) >= n else None
                    if self.expandos[name] is None:
                        raise ValueError("%r: expando %r has %d values for %d keys"
                                         % (path, name, len(array), n))
        else:  # gensim < 4: a {key: Vocab} dict
            self._read_vocab(fields.get("vocab"), n)

    def _read_vocab(self, vocab, n):
        path = self.path
        if not isinstance(vocab, dict):
            raise ValueError("%r: the gensim vectors have no vocabulary" % path)
        attrs: dict[str, Any] = {}
        codes, points, seen = [None] * n, [None] * n, set()
        for key, entry in vocab.items():
            if not isinstance(entry, Record):
                raise ValueError("%r: invalid vocabulary entry for %r" % (path, key))
            index = _int(entry.get("index"), "index", path)
            if index is None or not 0 <= index < n or self.keys[index] != _text(key) \
                    or index in seen:
                raise ValueError("%r: the vocabulary entry of %r has index %r, which does not "
                                 "match the list of keys" % (path, key, index))
            seen.add(index)
            for name, value in entry.fields.items():
                # every attribute, "index" too, becomes a per-key attribute, as gensim 4's
                # KeyedVectors._upconvert_old_vocab converts them
                if name in ("code", "point"):
                    (codes if name == "code" else points)[index] = _array(value, name, path)
                elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
                    attrs.setdefault(name, np.zeros(n, np.int64))[index] = value
        if len(seen) != n:
            raise ValueError("%r: %d keys but %d vocabulary entries" % (path, n, len(seen)))
        self.expandos = attrs
        if "sample_int" in attrs:
            self.expandos["sample_int"] = attrs["sample_int"].astype(np.uint32)
        if all(code is not None for code in codes) and all(p is not None for p in points) and n:
            self.codes, self.points = codes, points

    def describe(self, arrays, prefix, names, vectors):
        """The fastw2v description of these vectors (``KeyedVectors.describe``'s layout),
        with ``vectors`` and the expandos ``names``."""
        key_type = persistence.key_arrays(self.keys, prefix, arrays)
        arrays[prefix + "vectors.npy"] = vectors
        names = sorted(names)
        for i, name in enumerate(names):
            arrays["%sexpandos/%d.npy" % (prefix, i)] = self.expandos[name]
        return {"vector_size": self.vector_size, "count": len(self.keys), "key_type": key_type,
                "next_index": self.next_index, "expandos": names}


def _vectors_of_model(record, path):
    """The vectors of a Word2Vec record: its ``wv``, or (gensim < 1.0) its own fields."""
    wv = record.get("wv")
    if isinstance(wv, Record):
        merged = wv
        if "vocab" not in wv.fields and "key_to_index" not in wv.fields \
                and "vocab" in record.fields:
            merged = Record.__new__(Record)
            merged.fields = dict(record.fields, **wv.fields)
        return _Vectors(merged, path)
    return _Vectors(record, path)


# ----------------------------------------------------------------- conversion to fastw2v state

def keyedvectors_state(record, path):
    """``(meta, arrays)`` of a fastw2v KeyedVectors file for a gensim KeyedVectors record,
    or for the vectors of a gensim Word2Vec record."""
    if getattr(record, "kind", None) == "word2vec":
        vectors = _vectors_of_model(record, path)
    else:
        vectors = _Vectors(record, path)
    arrays: dict[str, persistence.Member] = {}
    desc = vectors.describe(arrays, "", vectors.expandos, vectors.vectors)
    return {"class": "KeyedVectors", "keyedvectors": desc}, arrays


# gensim's Word2Vec parameters read as they are, by kind (the others need a default or a
# fallback: see word2vec_state)
_INT_PARAMS = ("window", "min_count", "max_vocab_size", "seed", "workers", "sg", "hs", "negative",
               "cbow_mean", "null_word", "sorted_vocab", "batch_words", "max_final_vocab")
_FLOAT_PARAMS = ("alpha", "sample", "min_alpha", "ns_exponent")


def word2vec_state(record, path, cls):
    """``(meta, arrays)`` of a fastw2v Word2Vec file for a gensim Word2Vec record."""
    import inspect
    model = _Model(record)
    vectors = _vectors_of_model(record, path)
    n, dim = len(vectors.keys), vectors.vectors.shape[1]
    counts = vectors.expandos.get("count")
    if counts is None:
        raise ValueError("%r: the gensim model has no word counts" % path)
    given = {name: _int(model.get(name), name, path) for name in _INT_PARAMS}
    given.update({name: _float(model.get(name), name, path) for name in _FLOAT_PARAMS})
    given.update({
        "vector_size": _int(model.get("vector_size"), "vector_size", path, dim),
        "epochs": _int(model.get("epochs", model.get("iter", 5)), "epochs", path),
        "compute_loss": bool(model.get("compute_loss", False)),
        "comment": _text(model.get("comment")),
        "shrink_windows": bool(model.get("shrink_windows", True)),
    })
    defaults = {name: p.default for name, p in inspect.signature(cls.__init__).parameters.items()
                if p.default is not inspect.Parameter.empty}
    params: dict[str, Any] = {}
    for name in cls.SAVED_PARAMS:
        value = given.get(name)
        params[name] = defaults.get(name) if value is None else value
    if params["comment"] is not None and not isinstance(params["comment"], str):
        params["comment"] = str(params["comment"])
    train_count = _int(model.get("train_count"), "train_count", path, 0)
    state = {
        "corpus_count": _int(model.get("corpus_count"), "corpus_count", path, 0),
        "corpus_total_words": _int(model.get("corpus_total_words"), "corpus_total_words", path,
                                   0),
        "effective_min_count": _int(model.get("effective_min_count"), "effective_min_count",
                                    path, params["min_count"]),
        # gensim keeps no count of epochs: each train() call trained `epochs` of them
        "epochs_trained": train_count * params["epochs"],
        "train_count": train_count,
        "total_train_time": _float(model.get("total_train_time"), "total_train_time", path, 0.0),
        "training_loss": [],
        "running_training_loss": _float(model.get("running_training_loss"),
                                        "running_training_loss", path, 0.0),
        "min_alpha_yet_reached": _float(model.get("min_alpha_yet_reached"),
                                        "min_alpha_yet_reached", path, params["alpha"]),
        "train_state": None,
    }
    state = {name: state[name] for name in cls.SAVED_STATE if name in state}
    arrays: dict[str, persistence.Member] = {}
    meta = {"class": "Word2Vec", "params": params, "state": state, "huffman_ties": "gensim",
            "wv": vectors.describe(arrays, "wv/", ["count"],
                                   vectors.vectors.astype(np.float32, copy=False))}

    def output(name, used):
        weights = _array(model.get(name), name, path)
        if not used:
            return np.zeros((0, dim), np.float32)
        if weights is None or weights.shape != (n, dim):
            raise ValueError("%r: the model trains %s but it is %s, not of shape (%d, %d)"
                             % (path, name, "missing" if weights is None else
                                "of shape %s" % (weights.shape,), n, dim))
        return weights.astype(np.float32, copy=False)

    arrays["syn1neg.npy"] = output("syn1neg", params["negative"])
    syn1 = output("syn1", params["hs"])
    if params["hs"] and n:
        syn1 = _match_huffman_tree(vectors, counts, syn1, path)
    arrays["syn1.npy"] = syn1
    arrays["rng_states.npy"] = np.random.SeedSequence(params["seed"]).generate_state(
        params["workers"], np.uint64)
    raw = model.get("raw_vocab") or {}
    if not isinstance(raw, dict):
        raise ValueError("%r: invalid raw_vocab" % path)
    raw_keys = [_text(key) for key in raw]
    persistence.key_arrays(raw_keys, "raw_vocab/", arrays)
    arrays["raw_vocab/counts.npy"] = np.array([_int(v, "raw_vocab count", path)
                                               for v in raw.values()], np.int64)
    return meta, arrays


def _match_huffman_tree(vectors, counts, syn1, path):
    """``syn1`` with its rows where fastw2v's Huffman tree of ``counts`` has gensim's inner
    nodes. fastw2v builds the tree from the counts as gensim 4 does; when gensim's stored
    codes are the same but its inner nodes are numbered otherwise (older versions break
    ties differently), the rows are renumbered; when the codes differ, a warning says so."""
    from fastw2v import losses
    if vectors.codes is None:
        return syn1
    offsets, codes, points = losses.huffman_codes(counts)
    mapping = np.full(len(syn1), -1, np.int64)
    for i, (code, point) in enumerate(zip(vectors.codes, vectors.points)):
        start, end = offsets[i], offsets[i + 1]
        code, point = np.asarray(code), np.asarray(point, dtype=np.int64)
        if len(code) != end - start or np.any(code != codes[start:end]) \
                or len(point) != len(code) or np.any(point < 0) or np.any(point >= len(syn1)):
            warnings.warn("%r: the model's Huffman codes differ from those fastw2v builds from "
                          "its word counts (they break ties between equal counts otherwise): syn1 is kept as it is, and further hierarchical-softmax "
                          "training relearns it" % path, RuntimeWarning, stacklevel=4)
            return syn1
        ours = points[start:end]
        known = mapping[ours]
        if np.any((known >= 0) & (known != point)):
            warnings.warn("%r: the model's Huffman tree is inconsistent; syn1 is kept as it is"
                          % path, RuntimeWarning, stacklevel=4)
            return syn1
        mapping[ours] = point
    used = mapping >= 0
    if np.array_equal(mapping[used], np.flatnonzero(used)):
        return syn1
    renumbered = np.zeros_like(syn1)
    renumbered[used] = syn1[mapping[used]]
    return renumbered


# ---- phrases

def _scorer(value, path):
    from fastw2v import phrases
    value = _text(value)
    if value is None or value is _ORIGINAL_SCORER or value == "default":
        return "default", phrases.original_scorer
    if value is _NPMI_SCORER or value == "npmi":
        return "npmi", phrases.npmi_scorer
    raise ValueError("%r: unknown phrase scoring %r" % (path, value))


def _phrase_settings(record, path):
    fields = record.fields
    delimiter = _text(fields.get("delimiter", "_"))
    connectors = fields.get("connector_words", fields.get("common_terms", frozenset()))
    if not isinstance(connectors, (set, frozenset, list, tuple)):
        raise ValueError("%r: invalid connector_words" % path)
    return delimiter, sorted(_text(word) for word in connectors)


def _phrase_keys(keys, delimiter):
    """Split gensim's phrase strings into fastw2v's atoms (gensim's keys are the atoms
    joined by the delimiter): ``(words, word ids, lengths, atoms)`` over all the keys."""
    words: list[str] = []
    ids: dict[str, int] = {}

    def word_id(word):
        if word not in ids:
            ids[word] = len(words)
            words.append(word)
        return ids[word]

    lengths: list[int] = []
    atoms: list[int] = []
    for key in keys:
        parts = key.split(delimiter)
        lengths.append(len(parts))
        atoms.extend(word_id(part) for part in parts)
    return words, word_id, np.array(lengths, np.int32), np.array(atoms, np.int32)


def phrases_state(record, path):
    """``(meta, arrays)`` of a fastw2v Phrases file for a gensim Phrases record."""
    fields = record.fields
    name, _ = _scorer(fields.get("scoring"), path)
    delimiter, connectors = _phrase_settings(record, path)
    vocab = fields.get("vocab")
    if not isinstance(vocab, dict):
        raise ValueError("%r: the gensim Phrases model has no vocab" % path)
    unigrams: dict[str, int] = {}
    ngrams: dict[str, int] = {}
    for key, count in vocab.items():
        key, count = _text(key), _int(count, "a phrase count", path)
        if not isinstance(key, str):
            raise ValueError("%r: invalid phrase key %r" % (path, key))
        if count and delimiter in key:
            ngrams[key] = ngrams.get(key, 0) + count
        elif count:
            unigrams[key] = unigrams.get(key, 0) + count
    words, word_id, lengths, atoms = _phrase_keys(ngrams, delimiter)
    for word in unigrams:
        word_id(word)
    unigram_counts = np.array([unigrams.get(word, 0) for word in words], np.int64)
    arrays = {"words/counts.npy": unigram_counts, "keys/lengths.npy": lengths,
              "keys/atoms.npy": atoms,
              "keys/counts.npy": np.array(list(ngrams.values()), np.int64)}
    persistence.key_arrays(words, "words/", arrays)
    params = {"min_count": _number(fields.get("min_count", 5), "min_count", path),
              "threshold": _number(fields.get("threshold", 10.0), "threshold", path),
              "delimiter": delimiter, "scoring": name, "connector_words": connectors,
              "max_vocab_size": _int(fields.get("max_vocab_size"), "max_vocab_size", path,
                                     40000000),
              "progress_per": _int(fields.get("progress_per"), "progress_per", path, 10000),
              "corpus_word_count": _int(fields.get("corpus_word_count"), "corpus_word_count",
                                        path, 0),
              "min_reduce": _int(fields.get("min_reduce"), "min_reduce", path, 1)}
    meta = {"class": "Phrases", "params": params,
            "sizes": {"words": len(words), "keys": len(lengths), "atoms": len(atoms)}}
    return meta, arrays


def frozenphrases_state(record, path):
    """``(meta, arrays)`` of a fastw2v FrozenPhrases file for a gensim FrozenPhrases (or
    Phraser) record."""
    fields = record.fields
    name, _ = _scorer(fields.get("scoring"), path)
    delimiter, connectors = _phrase_settings(record, path)
    grams = fields.get("phrasegrams")
    if not isinstance(grams, dict):
        raise ValueError("%r: the gensim FrozenPhrases model has no phrasegrams" % path)
    phrases = {}
    for key, score in grams.items():
        if isinstance(key, tuple):  # gensim < 4: (b"new", b"york") -> (count, score) or score
            key = delimiter.join(_text(part) for part in key)
        if isinstance(score, tuple):
            score = score[-1]
        phrases[_text(key)] = _number(score, "the score of %r" % (key,), path)
    words, _, lengths, atoms = _phrase_keys(phrases, delimiter)
    arrays = {"keys/lengths.npy": lengths, "keys/atoms.npy": atoms,
              "keys/scores.npy": np.array(list(phrases.values()), np.float64)}
    persistence.key_arrays(words, "words/", arrays)
    params = {"min_count": _number(fields.get("min_count", 5), "min_count", path),
              "threshold": _number(fields.get("threshold", 10.0), "threshold", path),
              "delimiter": delimiter, "scoring": name, "connector_words": connectors}
    meta = {"class": "FrozenPhrases", "params": params,
            "sizes": {"words": len(words), "keys": len(lengths), "atoms": len(atoms)}}
    return meta, arrays


def _number(value, name, path):
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    return _float(value, name, path)


# ----------------------------------------------------------------- the reader

class StateReader:
    """``(meta, arrays)`` in memory behind :class:`fastw2v.persistence.ArchiveReader`'s
    interface (``path``, ``meta``, ``array``, ``invalid_metadata``), for ``from_state``."""

    def __init__(self, path, meta, arrays, mmap=None):
        self.path, self.meta, self.arrays, self.mmap = path, meta, arrays, mmap

    def invalid_metadata(self):
        """As ``ArchiveReader.invalid_metadata``."""
        return persistence.invalid_metadata(self.path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def array(self, name, types, shape, mmap=True):
        """As ``ArchiveReader.array``: the array ``name``, checked."""
        if name not in self.arrays:
            raise ValueError("%r: member %s is missing" % (self.path, name))
        array = self.arrays[name]
        dtype = array.dtype
        if dtype.hasobject or dtype.fields is not None or (
                dtype != types if isinstance(types, np.dtype) else dtype.kind not in types):
            raise ValueError("%r: %s has dtype %s, not %s" % (self.path, name, dtype, types))
        if shape is not None and tuple(array.shape) != tuple(shape):
            raise ValueError("%r: %s has shape %s, expected %s"
                             % (self.path, name, array.shape, shape))
        if not mmap and isinstance(array, np.memmap):
            return np.array(array)
        if mmap and self.mmap == "r" and not isinstance(array, np.memmap):
            array = array.view()
            array.setflags(write=False)
        return array


def model_state(record, path, cls=None):
    """``(meta, arrays)``: the fastw2v state of a gensim record."""
    from fastw2v.keyedvectors import KeyedVectors
    from fastw2v.word2vec import Word2Vec
    kind = getattr(record, "kind", None)
    if kind == "word2vec" and not _is_subclass(cls, KeyedVectors):
        return word2vec_state(record, path, cls if _is_subclass(cls, Word2Vec) else Word2Vec)
    if kind == "keyedvectors" or (kind == "word2vec" and _is_subclass(cls, KeyedVectors)):
        return keyedvectors_state(record, path)
    if kind == "phrases":
        return phrases_state(record, path)
    if kind == "frozenphrases":
        return frozenphrases_state(record, path)
    raise ValueError("%r holds a gensim %s, not a model fastw2v imports"
                     % (path, record.gensim_name))


def _is_subclass(cls, base):
    return isinstance(cls, type) and issubclass(cls, base)


_KIND_NAMES: dict[str | None, str] = {"word2vec": "Word2Vec", "keyedvectors": "KeyedVectors",
                                      "phrases": "Phrases", "frozenphrases": "FrozenPhrases"}


def load(cls, path, mmap=None, scoring=None):
    """The fastw2v ``cls`` object of the gensim file at ``path``.

    Parameters
    ----------
    cls : type
        ``Word2Vec``, ``KeyedVectors`` (which takes the vectors of a Word2Vec model too),
        ``Phrases`` or ``FrozenPhrases`` (either returns the phrase model the file holds), or
        a subclass.
    path : str or os.PathLike
        The file gensim's ``save()`` wrote; its separately stored arrays lie beside it.
    mmap : {None, "r", "c"}
        Memory-map the separately stored arrays (read-only, or copy-on-write).
    scoring : callable, optional
        For phrase models: a scoring function to use instead of the file's.

    Raises
    ------
    RefusedGlobalError
        (a ValueError) if the pickle references a global outside the allowlist.
    WrongModelError
        (an AttributeError, as gensim raises, and a ValueError) for ``Word2Vec`` and a file
        of another model.
    ValueError
        For a truncated or invalid file or array.
    """
    from fastw2v.keyedvectors import KeyedVectors
    from fastw2v.phrases import FrozenPhrases, Phrases, _resolve_scoring
    from fastw2v.word2vec import Word2Vec
    if mmap not in (None, "r", "c"):
        raise ValueError("mmap must be None, 'r' or 'c', got %r" % (mmap,))
    path = os.fspath(path)
    record = read_records(path, mmap)
    kind = getattr(record, "kind", None)
    found = _KIND_NAMES.get(kind, record.gensim_name)
    phrase_model = _is_subclass(cls, (Phrases, FrozenPhrases))
    if _is_subclass(cls, Word2Vec) and kind != "word2vec":
        raise WrongModelError("Model of type %s can't be loaded by %s (%r holds a gensim %s)"
                              % (record.gensim_name, cls.__name__, path, found))
    if (_is_subclass(cls, KeyedVectors) and kind not in ("word2vec", "keyedvectors")) or (
            phrase_model and kind not in ("phrases", "frozenphrases")):
        raise ValueError("%r holds a gensim %s, not a model %s.load reads"
                         % (path, found, cls.__name__))
    try:
        meta, arrays = model_state(record, path, cls)
    except (TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        raise ValueError("%r: invalid gensim model (%s: %s)"
                         % (path, type(exc).__name__, exc)) from None
    reader = StateReader(path, meta, arrays, mmap)
    if not phrase_model:
        return cls.from_state(reader)
    model_class = Phrases if kind == "phrases" else FrozenPhrases
    with reader.invalid_metadata():
        params, sizes = meta["params"], meta["sizes"]
        scoring = _resolve_scoring(scoring) if scoring is not None else _scorer(
            params["scoring"], path)[1]
        words = persistence.load_keys(reader, "words/")
        lengths = reader.array("keys/lengths.npy", np.dtype(np.int32), (sizes["keys"],))
        atoms = reader.array("keys/atoms.npy", np.dtype(np.int32), (sizes["atoms"],))
        return model_class._from_arrays(reader, params, scoring, words, sizes, lengths, atoms)
