"""Word vectors: storage, lookup and queries (gensim 4 ``KeyedVectors`` API)."""
from __future__ import annotations

import copy
import datetime
import difflib
import json
import logging
import platform
import reprlib
import sys
import warnings
from collections.abc import Collection, Iterable, Sequence
from numbers import Integral, Real
from typing import IO, TYPE_CHECKING, Any, Literal, Protocol, TypeVar, Union, cast, overload

import numpy as np
import numpy.typing as npt

from fastw2v import evaluation, losses, persistence, word2vec_format
from fastw2v._fileio import MAX_VECTOR_SIZE
from fastw2v._types import FloatArray, Key, KeyLike, PathType
from fastw2v._version import __version__
from fastw2v.nearest import (cosine_scores, nearest, row_norms, scaled_similarities, top_k,
                             unit_rows)
from fastw2v.parameters import check_count

if TYPE_CHECKING:
    from typing import TypeGuard  # (Python 3.10)

logger = logging.getLogger(__name__)

_KV = TypeVar("_KV", bound="KeyedVectors")
#: A query term: a key, or a vector.
Term = Union[KeyLike, npt.ArrayLike]
#: A ranked answer: ``(key, cosine similarity)`` pairs, best first.
Ranked = list[tuple[Key, float]]
#: gensim's lifecycle event: a JSON-able dict.
Event = dict[str, Any]


class Indexer(Protocol):
    """An approximate nearest-neighbour index, as gensim's ``AnnoyIndexer``."""

    def most_similar(self, vector: FloatArray, num_neighbors: int) -> Ranked: ...

_KEY_TYPES = (str, int, np.integer)
_INT64_RANGE = (-2 ** 63, 2 ** 63)  # int keys are saved as int64
_SUGGEST_AMONG = 5000  # near-spelling suggestions look at this many (most frequent) keys


class MissingKeyError(KeyError):
    """A key is not in the vocabulary; the message suggests near spellings (computed lazily)."""

    def __init__(self, key: object, keys: Sequence[Key | None] = ()) -> None:
        super().__init__(key)
        self.key = key
        self._keys = keys

    def __str__(self) -> str:
        message = "Key %r not present in vocabulary" % (self.key,)
        key_type = _first_key_type(self._keys)
        if key_type is not None and not isinstance(self.key, key_type):
            message += " (this KeyedVectors has %s keys)" % key_type.__name__
        elif isinstance(self.key, str):
            candidates = [k for k in self._keys[:_SUGGEST_AMONG] if isinstance(k, str)]
            close = difflib.get_close_matches(self.key, candidates, n=3)
            if close:
                message += "; did you mean %s?" % ", ".join(repr(k) for k in close)
        return message


def _first_key_type(keys: Iterable[Key | None]) -> type[str] | type[int] | None:
    """``str`` or ``int``: the type of the first key of ``keys`` (a list, possibly with None
    slots, or a dict); None if there is none."""
    for key in keys[:64] if isinstance(keys, list) else keys:
        if key is not None:
            return str if isinstance(key, str) else int
    return None


def _describe(value: object) -> str:
    """``value`` for an error message: a short repr and its type."""
    return "%s (%s)" % (reprlib.repr(value), type(value).__name__)


def _is_key(value: object) -> TypeGuard[KeyLike]:
    """Whether ``value`` has a key type (str or int; bool is not taken for an int)."""
    return isinstance(value, _KEY_TYPES) and not isinstance(value, bool)


def _key_type_error(key: object, name: str = "key") -> TypeError:
    return TypeError("%s must be a str or int, got %s" % (name, _describe(key)))


def _plain_key(key: Any) -> Key:
    """A key as stored: numpy integers become the same Python int (numpy strs, the same str)."""
    if type(key) is str or type(key) is int:
        return key
    return str(key) if isinstance(key, str) else int(key)


def _kind(key: object) -> str:
    return "str" if isinstance(key, str) else "int"


def _mixed_key_error(key_type: type, key: object, name: str | None = None) -> TypeError:
    """The TypeError for adding ``key`` to vectors whose keys are ``key_type`` (str or int)."""
    return TypeError("this KeyedVectors has %s keys; got the %s key %s%s (a KeyedVectors has one "
                     "key type, str or int)" % (key_type.__name__, _kind(key), reprlib.repr(key),
                                                " at %s" % name if name else ""))


def _key_list(keys: Any, name: str) -> list[Any]:
    """``keys`` (any iterable but a str or bytes) as a list; TypeError naming ``name`` otherwise."""
    if isinstance(keys, (str, bytes)) or not isinstance(keys, Iterable) \
            or (isinstance(keys, np.ndarray) and keys.ndim == 0):
        raise TypeError("%s must be a list of keys, got %s" % (name, _describe(keys)))
    return list(keys)


#: gensim's default ``pickle_protocol`` (``gensim.utils.PICKLE_PROTOCOL``), accepted by ``save``.
PICKLE_PROTOCOL = 4
#: What ``save(ignore=...)`` names that fastw2v never stores anyway (computed, or not state).
NEVER_STORED = frozenset({"norms", "vectors_norm", "syn0norm", "cum_table", "mapfile_path",
                          "random", "callbacks", "trim_rule", "hashfxn"})


def add_lifecycle_event(obj: Any, event_name: str, log_level: int | Literal[False] = logging.INFO,
                        **event: Any) -> None:
    """gensim's ``SaveLoad.add_lifecycle_event`` for ``obj`` (see
    :meth:`KeyedVectors.add_lifecycle_event`), logged by the logger of the module of ``obj``'s
    class (``fastw2v.word2vec`` for a model)."""
    event_dict = copy.deepcopy(event)
    event_dict["datetime"] = datetime.datetime.now().isoformat()
    event_dict["fastw2v"] = __version__
    event_dict["python"] = sys.version
    event_dict["platform"] = platform.platform()
    event_dict["event"] = event_name
    if not hasattr(obj, "lifecycle_events"):
        obj.lifecycle_events = []
    if log_level:
        logging.getLogger(type(obj).__module__).log(log_level, "%s lifecycle event %s",
                                                    type(obj).__name__, event_dict)
    if obj.lifecycle_events is not None:
        obj.lifecycle_events.append(event_dict)


def saved_events(events: Iterable[Event] | None) -> list[Event] | None:
    """``lifecycle_events`` as JSON values for a saved file (anything else becomes its str)."""
    if events is None:
        return None
    return json.loads(json.dumps([{str(k): v for k, v in dict(event).items()} for event in events],
                                 default=str, allow_nan=True))


def loaded_events(events: Any) -> list[Event] | None:
    """The ``lifecycle_events`` of a file, checked to be None or a list of JSON objects."""
    if events is not None and not (isinstance(events, list)
                                   and all(isinstance(event, dict) for event in events)):
        raise ValueError("lifecycle_events must be a list of JSON objects, got %s"
                         % _describe(events))
    return events


def save_ignored(obj: object, separately: object, sep_limit: object, ignore: Any,
                 pickle_protocol: object, droppable: Collection[str]) -> set[str]:
    """Check gensim's ``save()`` options; return the names of ``ignore`` to leave out.

    ``separately``, ``sep_limit`` and ``pickle_protocol`` have no effect in fastw2v's format
    (every array is already its own aligned, mappable member; nothing is pickled), but are
    checked as gensim would use them. Of ``ignore``, the names in ``droppable`` are left
    out; names fastw2v never stores are accepted silently; others are still saved, with a
    warning (they are needed to load the object).
    """
    if separately is not None and (isinstance(separately, (str, bytes))
                                   or not isinstance(separately, Iterable)
                                   or not all(isinstance(name, str) for name in separately)):
        raise TypeError("separately must be None or a list of attribute names, got %s"
                        % _describe(separately))
    if not isinstance(sep_limit, Integral) or isinstance(sep_limit, bool) or sep_limit < 0:
        raise TypeError("sep_limit must be an int >= 0, got %s" % _describe(sep_limit))
    if not isinstance(pickle_protocol, Integral) or isinstance(pickle_protocol, bool):
        raise TypeError("pickle_protocol must be an int, got %s" % _describe(pickle_protocol))
    if isinstance(ignore, (str, bytes)) or not isinstance(ignore, Iterable) \
            or not all(isinstance(name, str) for name in ignore):
        raise TypeError("ignore must be a collection of attribute names, got %s"
                        % _describe(ignore))
    ignore = set(ignore)
    kept = sorted(ignore - set(droppable) - NEVER_STORED)
    if kept:
        logger.warning("save(ignore=...): %s always stores %s (needed to load it); only %s can "
                       "be left out", type(obj).__name__, ", ".join(kept),
                       ", ".join(sorted(droppable)))
    return ignore & set(droppable)


def _check_fname(fname_or_handle: PathType | IO[Any]) -> PathType:
    if hasattr(fname_or_handle, "write"):
        raise TypeError("fastw2v saves to a path (written atomically, so that it can be "
                        "memory-mapped), not to an open file object")
    return fname_or_handle


class _HuffmanVecattrs:
    """gensim's per-word ``code`` and ``point`` attributes of hierarchical softmax, derived
    on demand from the ``count`` attribute (the Huffman tree is a function of the counts and
    of how ties are ordered: ``ties``, see :data:`fastw2v.losses.HUFFMAN_TIES`)."""

    NAMES = ("code", "point")

    def __init__(self, ties: str = "gensim") -> None:
        self.ties = ties
        self._counts: npt.NDArray[Any] | None = None
        self._tables: tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8],
                            npt.NDArray[np.int32]] | None = None

    def get(self, kv: KeyedVectors, attr: str, index: int) -> npt.NDArray[Any]:
        counts = kv.expandos["count"]
        if self._tables is None or self._counts is not counts \
                or len(self._tables[0]) != len(counts) + 1:
            self._tables = losses.huffman_codes(counts, self.ties)
            self._counts = counts
        offsets, codes, points = self._tables
        start, end = offsets[index], offsets[index + 1]
        if attr == "code":
            return codes[start:end].copy()
        return points[start:end].astype(np.uint32)

    def __deepcopy__(self, memo: dict[int, Any]) -> _HuffmanVecattrs:
        return _HuffmanVecattrs(self.ties)


def _ensure_list(value: Any) -> list[Any]:
    """Wrap a single key or vector (or any non-list) in a list; split a 2-D array into its rows."""
    if value is None:
        return []
    if isinstance(value, _KEY_TYPES + (bytes,)) or not isinstance(value, Iterable) \
            or (isinstance(value, np.ndarray) and value.ndim <= 1):
        return [value]
    return list(value)  # a list, or the rows of a 2-D array


class KeyedVectors:
    """A set of vectors, one per key, with per-key attributes such as counts.

    Parameters
    ----------
    vector_size : int
        Dimensionality of the vectors.
    count : int
        Number of rows to allocate (filled with zeros).
    dtype : numpy dtype
        Vector dtype, float32 by default.
    mapfile_path : str, optional
        Accepted for gensim compatibility, where it is "currently unused" too.

    Attributes
    ----------
    vectors_lockf : numpy.ndarray of float32
        gensim's per-row lock factors: one per row (ones by default, kept the length of
        ``vectors`` as rows are added), saved with the vectors when any differs from 1.0.
        :meth:`intersect_word2vec_format` sets them (``lockf``). Assigning a one-element array
        (gensim's "no-op" default) applies its value to every row.
    lifecycle_events : list of dict or None
        gensim's event log (see :meth:`add_lifecycle_event`), saved and loaded with the vectors.
    output_vectors : numpy.ndarray or None
        The output vectors of the model that trained these vectors, one row per key (a
        :class:`~fastw2v.Word2Vec` model's ``syn1neg``), which ``most_similar(...,
        space="in-out")`` ranks. A model keeps its ``wv.output_vectors`` pointing at its own
        ``syn1neg`` (None when it trains without negative sampling); standalone vectors have
        None unless assigned. Never saved with the vectors (:meth:`save`, word2vec.c files):
        they are the model's, saved by ``Word2Vec.save``.

    Notes
    -----
    **Keys** are str or int, one type per instance (see :attr:`key_type`): the words of a
    text corpus, or the node or item ids of integer corpora (graph walks, item sequences).
    Adding a key of the other type raises TypeError; bool is not a key. A numpy integer
    (``np.int64(42)``) is the same key as the Python int ``42`` everywhere (and stored as
    the Python int).

    With int keys, an int is always a key: in queries (``most_similar(positive=[1, 2])``) it
    is never taken for a vector, and an int that is not a key is a missing key (KeyError;
    ``42 in wv`` is False) rather than a row number. gensim's :meth:`get_index` also takes an
    in-range int that is not a key as a row number; fastw2v keeps that for str keys only,
    since with int keys it would silently answer for another key (for example one dropped
    by ``min_count``). Rows are ``wv.vectors[i]`` and ``wv.index_to_key[i]``.

    Evaluation files (:meth:`evaluate_word_pairs`, :meth:`evaluate_word_analogies`) are read
    as ints when the keys are ints; :meth:`save` keeps int keys ints; word2vec.c files hold
    them as decimal strings (``load_word2vec_format(..., key_type=int)`` reads them back).
    """

    mapfile_path: str | None = None
    output_vectors: FloatArray | None = None

    def __init__(self, vector_size: int, count: int = 0, dtype: npt.DTypeLike = np.float32,
                 mapfile_path: str | None = None) -> None:
        if int(vector_size) <= 0:
            raise ValueError("vector_size must be a positive integer, got %r" % (vector_size,))
        self.vector_size = int(vector_size)
        # the keys by row; preallocated rows hold None until add_vector() fills them
        self.index_to_key: list[Key] = cast("list[Key]", [None] * count)
        self.next_index = 0  # where add_vector() puts the next key in a preallocated instance
        self.key_to_index: dict[Key, int] = {}
        self.vectors: FloatArray = np.zeros((count, self.vector_size), dtype=dtype)
        self.norms: FloatArray | None = None
        self.expandos: dict[str, npt.NDArray[Any]] = {}
        self.mapfile_path = mapfile_path
        self.lifecycle_events: list[Event] | None = []
        self._vectors_lockf: npt.NDArray[np.float32] | None = None
        self._derived_vecattrs: _HuffmanVecattrs | None = None

    def __str__(self) -> str:
        return "%s<vector_size=%d, %d keys>" % (type(self).__name__, self.vector_size, len(self))

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, key: object) -> bool:
        return self.has_index_for(key)

    @property
    def key_type(self) -> type[str] | type[int] | None:
        """The type of the keys, ``str`` or ``int`` (None while there is no key)."""
        return _first_key_type(self.key_to_index) if self.key_to_index \
            else _first_key_type(self.index_to_key)

    def has_index_for(self, key: object) -> bool:
        """Whether ``key`` (or, with str keys, an in-range integer index) has a vector."""
        return self.get_index(key, -1) >= 0

    @overload
    def get_index(self, key: object, default: None = None) -> int: ...

    @overload
    def get_index(self, key: object, default: int) -> int: ...

    def get_index(self, key: object, default: int | None = None) -> int:
        """Row index of ``key``.

        A key takes precedence. An int that is not a key but a valid row number is returned
        as it is (as gensim does) unless the keys are ints: then it is a missing key (see
        the class notes). A missing key returns ``default`` if given, else raises
        :class:`MissingKeyError` (a KeyError); a value that is not a str or int (a float,
        a bool, None...) is never a key: ``default``, else TypeError.
        """
        if not _is_key(key):
            if default is not None:
                return default
            raise _key_type_error(key)
        index = self.key_to_index.get(key, -1)  # type: ignore[arg-type]  # (numpy ints too)
        if index >= 0:
            return index
        if not isinstance(key, str):
            key = int(key)  # numpy ints as ints
            if 0 <= key < len(self.index_to_key) and self.key_type is not int:
                return key
        if default is not None:
            return default
        raise MissingKeyError(key, self.index_to_key)

    def _check_new_keys(self, keys: Sequence[Any], name: str | None = "keys") -> list[Key]:
        """``keys`` as stored (numpy ints as ints), checked to be keys of this one key type."""
        key_type = self.key_type
        if keys and key_type in (None, str) and all(type(key) is str for key in keys):
            return list(keys) if not isinstance(keys, list) else keys  # the common cases first
        if keys and key_type in (None, int) and all(type(key) is int for key in keys) \
                and _INT64_RANGE[0] <= min(keys) and max(keys) < _INT64_RANGE[1]:
            return list(keys) if not isinstance(keys, list) else keys
        plain: list[Key] = []
        for position, key in enumerate(keys):
            where = "%s[%d]" % (name, position) if name else None
            if not _is_key(key):
                raise _key_type_error(key, where or "key")
            key = _plain_key(key)
            if key_type is None:
                key_type = type(key)
            elif type(key) is not key_type:
                if position and self.key_type is None:
                    raise TypeError("%s mix key types: %s[0] is the %s key %s, %s is the %s key %s "
                                    "(a KeyedVectors has one key type, str or int)"
                                    % (name, name, _kind(plain[0]), reprlib.repr(plain[0]), where,
                                       _kind(key), reprlib.repr(key)))
                raise _mixed_key_error(key_type, key, where)
            if isinstance(key, int) and not _INT64_RANGE[0] <= key < _INT64_RANGE[1]:
                raise ValueError("int keys must fit in 64 bits (they are saved as int64), got %d%s"
                                 % (key, " at %s" % where if where else ""))
            plain.append(key)
        return plain

    def get_vector(self, key: KeyLike, norm: bool = False) -> FloatArray:
        """The vector of ``key`` as a read-only 1-D array (unit length if ``norm``)."""
        index = self.get_index(key)
        if norm:
            norms = self.fill_norms()
            result = self.vectors[index] / norms[index]
        else:
            result = self.vectors[index]
        result.setflags(write=False)
        return result

    def _vector(self, vector: npt.ArrayLike, name: str = "query vector") -> npt.NDArray[Any]:
        """``vector`` as a 1-D array, checked to hold ``vector_size`` finite numbers."""
        array = np.asarray(vector)
        if array.dtype.kind not in "iuf" or array.ndim == 0:
            raise TypeError("%s must be a key or a numeric vector, got %s" % (name, _describe(vector)))
        if array.shape != (self.vector_size,):
            raise ValueError("%s has shape %s, expected (%d,)" % (name, array.shape, self.vector_size))
        if not np.isfinite(array).all():
            raise ValueError("%s contains NaN or infinite values" % name)
        return array

    def __getitem__(self, keys: KeyLike | Iterable[KeyLike]) -> FloatArray:
        if isinstance(keys, (str, bytes)) or not isinstance(keys, Iterable):
            return self.get_vector(keys)  # type: ignore[arg-type]  # (get_index checks it)
        return self.vectors[[self.get_index(key) for key in keys]]

    def __setitem__(self, keys: KeyLike | list[KeyLike], weights: npt.ArrayLike) -> None:
        """Add or replace the vectors of ``keys`` (``add_vectors(..., replace=True)``): one
        key (str or int) and its vector, or a list of keys and their vectors."""
        if _is_key(keys):
            weights = np.asarray(weights).reshape(1, -1)  # add_vectors takes the key alone
        elif not isinstance(keys, list):
            keys = [keys]
            weights = np.asarray(weights).reshape(1, -1)
        self.add_vectors(keys, weights, replace=True)

    def fill_norms(self, force: bool = False) -> FloatArray:
        """Compute the L2 norm of every vector (cached until ``force`` or the row count changes).

        The norms are computed block by block in compiled code (:func:`fastw2v.nearest.row_norms`),
        with no temporary the size of the vectors; loading a word2vec binary file or a
        fastw2v file that stores them sets them already. Returns them (``norms``).
        """
        if self.norms is None or force or len(self.norms) != len(self.vectors):
            self.norms = row_norms(self.vectors)
        return self.norms

    def get_normed_vectors(self) -> FloatArray:
        """All vectors scaled to unit length, as a new 2-D array."""
        return self.vectors / self.fill_norms()[..., np.newaxis]

    def unit_normalize_all(self) -> None:
        """Scale every vector to unit length in place (training cannot continue afterwards)."""
        self.vectors /= self.fill_norms()[..., np.newaxis]
        self.norms = np.ones(len(self.vectors), dtype=self.vectors.dtype)

    def allocate_vecattrs(self, attrs: Iterable[str] | None = None,
                          types: Iterable[npt.DTypeLike] | None = None) -> None:
        """Make sure each named per-key attribute array has one slot per key."""
        names = list(self.expandos) if attrs is None else list(attrs)
        dtypes = [self.expandos[attr].dtype for attr in names] if types is None else list(types)
        for attr, dtype in zip(names, dtypes):
            old = self.expandos.get(attr)
            if old is not None and len(old) == len(self.index_to_key):
                continue
            new = np.zeros(len(self.index_to_key), dtype=old.dtype if old is not None else dtype)
            if old is not None:
                new[: min(len(old), len(new))] = old[: len(new)]
            self.expandos[attr] = new

    def get_vecattr(self, key: KeyLike, attr: str) -> Any:
        """The value of per-key attribute ``attr`` (e.g. ``"count"``) for ``key``.

        The vectors of a hierarchical-softmax ``Word2Vec`` model also answer ``"code"`` (the
        word's Huffman code, a uint8 array) and ``"point"`` (the inner nodes on its path, rows
        of ``syn1``, a uint32 array), as gensim stores them; they are derived from the counts
        on demand, not kept in ``expandos``.
        """
        index = self.get_index(key)
        derived = getattr(self, "_derived_vecattrs", None)
        if attr not in self.expandos and derived is not None and attr in derived.NAMES:
            return derived.get(self, attr, index)
        return self.expandos[attr][index].item()

    def set_vecattr(self, key: KeyLike, attr: str, val: Any) -> None:
        """Set per-key attribute ``attr`` of ``key`` to ``val``."""
        self.allocate_vecattrs([attr], [np.asarray(val).dtype])
        self.expandos[attr][self.get_index(key)] = val

    @property
    def vectors_lockf(self) -> npt.NDArray[np.float32]:
        lockf = getattr(self, "_vectors_lockf", None)
        rows = len(self.vectors)
        if lockf is None or len(lockf) != rows:
            resized = np.ones(rows, dtype=np.float32)
            if lockf is not None and len(lockf) == 1:
                resized[:] = lockf[0]  # gensim's one factor for every row
            elif lockf is not None:
                resized[:min(rows, len(lockf))] = lockf[:rows]
            self._vectors_lockf = lockf = resized
        return lockf

    @vectors_lockf.setter
    def vectors_lockf(self, value: npt.ArrayLike) -> None:
        lockf = np.asarray(value, dtype=np.float32)
        if lockf.ndim != 1:
            raise ValueError("vectors_lockf must be a 1-D array, got shape %s" % (lockf.shape,))
        if not np.isfinite(lockf).all():
            raise ValueError("vectors_lockf contains NaN or infinite values")
        self._vectors_lockf = lockf

    def resize_vectors(self, seed: int = 0) -> None:
        """Make ``vectors`` match ``index_to_key``: new rows random (as gensim draws them),
        extra rows dropped; per-key attributes and ``vectors_lockf`` follow.

        Parameters
        ----------
        seed : int
            Seed of the generator the new rows are drawn from (``numpy.random.default_rng``).
        """
        target_shape = (len(self.index_to_key), self.vector_size)
        if self.vectors.shape != target_shape:
            rng = np.random.default_rng(seed=seed)
            new_vectors = rng.random(target_shape, dtype=np.float32)
            new_vectors *= 2.0
            new_vectors -= 1.0
            new_vectors /= self.vector_size
            prior = self.vectors[:target_shape[0]]
            new_vectors[:len(prior), :prior.shape[1]] = prior
            self.vectors = new_vectors
        self.allocate_vecattrs()
        self.norms = None

    def add_lifecycle_event(self, event_name: str,
                            log_level: int | Literal[False] = logging.INFO, **event: Any) -> None:
        """Append an event to ``lifecycle_events`` (and log it at ``log_level``), as gensim does.

        The event dict gets ``datetime``, ``fastw2v`` (the version; gensim records ``gensim``),
        ``python``, ``platform`` and ``event`` (``event_name``). ``lifecycle_events`` is saved
        and loaded with the object (values that are not JSON are saved as their ``str``). Set
        ``lifecycle_events = None`` to stop recording.

        Parameters
        ----------
        event_name : str
        log_level : int or False
            Level to log the event at; False does not log it.
        **event
            Key-values of the event (keep them JSON-serialisable).
        """
        add_lifecycle_event(self, event_name, log_level, **event)

    def sort_by_descending_frequency(self) -> None:
        """Reorder keys, vectors and attributes so the highest ``count`` comes first."""
        if not len(self):
            return
        counts = np.asarray(self.expandos["count"], dtype=np.int64)
        order = np.lexsort((-np.arange(len(counts)), -counts))
        self.index_to_key = [self.index_to_key[i] for i in order]
        lockf = getattr(self, "_vectors_lockf", None)
        if lockf is not None and len(lockf) == len(self.vectors) == len(order):
            self._vectors_lockf = lockf[order]
        self.allocate_vecattrs()
        for attr in self.expandos:
            self.expandos[attr] = self.expandos[attr][order]
        if len(self.vectors):
            self.vectors = np.ascontiguousarray(self.vectors[order])
        self.key_to_index = {key: i for i, key in enumerate(self.index_to_key)}
        self.norms = None

    def add_vector(self, key: KeyLike, vector: npt.ArrayLike) -> int:
        """Add one key and its vector, in the next preallocated slot if any; return its index."""
        key, = self._check_new_keys([key], None)
        vector = self._vector(vector, "vector")
        target = self.next_index
        if target >= len(self) or self.index_to_key[target] is not None:
            warnings.warn("Adding single vectors to a KeyedVectors which grows by one each time "
                          "can be costly. Consider adding in batches or preallocating.", UserWarning)
            target = len(self)
            self.add_vectors([key], [vector])
        else:
            self.index_to_key[target] = key
            self.key_to_index[key] = target
            self.vectors[target] = vector
            self.norms = None
        self.next_index = target + 1
        return target

    def add_vectors(self, keys: KeyLike | Iterable[KeyLike], weights: npt.ArrayLike,
                    extras: dict[str, npt.ArrayLike] | None = None, replace: bool = False) -> None:
        """Append keys and their vectors; existing keys keep their vector unless ``replace``.

        Parameters
        ----------
        keys : key or list of keys
        weights : numpy.ndarray or list of numpy.ndarray
            One vector per key (2-D array or list of 1-D arrays).
        extras : dict of str -> numpy.ndarray, optional
            Per-key attribute values, one per key.
        replace : bool
            Overwrite the vectors (and extras) of keys already present.
        """
        if _is_key(keys):
            new_keys = self._check_new_keys([keys], None)
            rows = np.asarray(weights).reshape(1, -1)
        else:
            new_keys = self._check_new_keys(_key_list(keys, "keys"))
            rows = np.asarray(weights)
        rows = np.asarray(rows, dtype=self.vectors.dtype)
        if rows.ndim != 2 or rows.shape != (len(new_keys), self.vector_size):
            raise ValueError("expected %d vectors of size %d, got an array of shape %s"
                             % (len(new_keys), self.vector_size, rows.shape))
        finite = np.isfinite(rows).all(axis=1)
        if not finite.all():
            raise ValueError("the vector of key %r contains NaN or infinite values"
                             % (new_keys[np.argmin(finite)],))
        values_of = {attr: np.asarray(values) for attr, values in (extras or {}).items()}
        for attr, values in values_of.items():
            if len(values) != len(new_keys):
                raise ValueError("extras[%r] has %d values for %d keys"
                                 % (attr, len(values), len(new_keys)))
        existing: list[int] = []
        new: list[int] = []
        seen: set[Key] = set()
        for position, key in enumerate(new_keys):
            if key in self.key_to_index:
                existing.append(position)
            elif key not in seen:
                seen.add(key)
                new.append(position)
        start = len(self.index_to_key)
        for position in new:
            self.key_to_index[new_keys[position]] = len(self.index_to_key)
            self.index_to_key.append(new_keys[position])
        self.vectors = np.ascontiguousarray(np.vstack((self.vectors, rows[new])))
        self.allocate_vecattrs(list(self.expandos) + list(values_of),
                               [a.dtype for a in self.expandos.values()]
                               + [v.dtype for v in values_of.values()])
        for attr, values in values_of.items():
            self.expandos[attr][start:] = values[new]
        if replace and existing:
            targets = [self.key_to_index[new_keys[position]] for position in existing]
            self.vectors[targets] = rows[existing]
            for attr, values in values_of.items():
                self.expandos[attr][targets] = values[existing]
        self.norms = None

    def get_mean_vector(self, keys: Iterable[Term], weights: npt.ArrayLike | None = None,
                        pre_normalize: bool = True, post_normalize: bool = False,
                        ignore_missing: bool = True) -> FloatArray:
        """Weighted mean of the vectors of ``keys`` (keys or raw vectors).

        Parameters
        ----------
        keys : list of (key or numpy.ndarray)
        weights : list or numpy.ndarray, optional
            One weight per key (default 1.0). The mean divides by the sum of ``|weight|``.
        pre_normalize : bool
            Use unit-length key vectors (raw vectors are taken as they are).
        post_normalize : bool
            Return the mean scaled to unit length.
        ignore_missing : bool
            Skip missing keys instead of raising KeyError.
        """
        terms = _key_list(keys, "keys")
        if len(terms) == 0:
            raise ValueError("cannot compute mean with no input")
        dtype = np.result_type(self.vectors.dtype, np.float32)  # float16 rows: a float32 sum
        if weights is None:
            factors = np.ones(len(terms), dtype=dtype)
        elif not isinstance(weights, np.ndarray):
            factors = np.array(weights, dtype=dtype)
        else:
            factors = weights
        if factors.shape != (len(terms),):
            raise ValueError("keys and weights array must have same number of elements")
        if not np.isfinite(factors).all():
            raise ValueError("weights contain NaN or infinite values")
        mean = np.zeros(self.vector_size, dtype)
        total_weight = 0
        for position, (key, weight) in enumerate(zip(terms, factors)):
            if isinstance(key, np.ndarray):
                mean += weight * self._vector(key, "keys[%d]" % position)
            elif self.has_index_for(key):
                mean += weight * self.get_vector(key, norm=pre_normalize)
            elif not _is_key(key):
                raise _key_type_error(key, "keys[%d]" % position)
            elif ignore_missing:
                continue
            else:
                raise MissingKeyError(key, self.index_to_key)
            total_weight += abs(weight)
        if total_weight > 0:
            mean = mean / total_weight
        if post_normalize:
            length = np.linalg.norm(mean)
            if length > 0:
                mean = mean * (1.0 / length)
            mean = mean.astype(np.float32)
        return mean

    # ---- similarity queries -------------------------------------------------------------

    def _term(self, term: Term, name: str) -> Any:
        """A query term: a key as it is, anything else as a checked vector (with int keys, an
        integer array is refused: it is more likely keys than a vector)."""
        if _is_key(term):
            return term
        if isinstance(term, np.ndarray) and term.dtype.kind in "iu" and self.key_type is int:
            raise TypeError("%s is an integer array: with int keys, pass keys as a list "
                            "(array.tolist()) and vectors as float arrays" % name)
        return self._vector(term, name)

    def _terms(self, items: Any, name: str) -> list[Any]:
        """The terms of a ``positive`` or ``negative`` argument (a term or a list of them)."""
        return [self._term(item, "%s[%d]" % (name, i)) for i, item in enumerate(_ensure_list(items))]

    def _clip(self, clip_start: int, clip_end: int | None,
              restrict_vocab: int | None) -> tuple[int, int]:
        if restrict_vocab:
            return 0, min(int(restrict_vocab), len(self.vectors))
        return clip_start, min(clip_end or len(self.vectors), len(self.vectors))

    def _ranked(self, dists: FloatArray, topn: int, exclude: Collection[int],
                offset: int = 0) -> Ranked:
        """(key, similarity) pairs of the best ``topn`` of ``dists``, skipping the rows in
        ``exclude`` and NaN similarities (keys of zero norm)."""
        best = top_k(dists[np.newaxis, :], topn + len(exclude))[0]
        result = [(self.index_to_key[i + offset], float(dists[i]))
                  for i in best if i + offset not in exclude and dists[i] > -np.inf]
        return result[:topn]

    def _checked_output_vectors(self) -> FloatArray:
        """:attr:`output_vectors`, checked to hold one row of ``vector_size`` per key."""
        output = self.output_vectors
        if output is None:
            raise ValueError(
                "space='in-out' needs output vectors (a word2vec model's syn1neg) and these "
                "KeyedVectors have none: query model.wv of a Word2Vec model trained with "
                "negative sampling (negative > 0; hierarchical softmax alone keeps no output "
                "vector per word), or assign wv.output_vectors an array of shape (%d, %d)"
                % (len(self.vectors), self.vector_size))
        output = np.asarray(output)
        if output.shape != (len(self.vectors), self.vector_size) or output.dtype.kind != "f":
            raise ValueError("output_vectors must be a float array of shape (%d, %d), one row "
                             "per key, got %s of shape %s"
                             % (len(self.vectors), self.vector_size, output.dtype, output.shape))
        return output

    @overload
    def most_similar(self, positive: Term | Iterable[Any] | None = None,
                     negative: Term | Iterable[Any] | None = None, topn: int = 10,
                     clip_start: int = 0, clip_end: int | None = None,
                     restrict_vocab: int | None = None, indexer: Indexer | None = None,
                     space: Literal["in", "in-out"] = "in") -> Ranked: ...

    @overload
    def most_similar(self, positive: Term | Iterable[Any] | None = None,
                     negative: Term | Iterable[Any] | None = None, *, topn: None,
                     clip_start: int = 0, clip_end: int | None = None,
                     restrict_vocab: int | None = None, indexer: Indexer | None = None,
                     space: Literal["in", "in-out"] = "in") -> FloatArray: ...

    def most_similar(self, positive: Term | Iterable[Any] | None = None,
                     negative: Term | Iterable[Any] | None = None, topn: int | None = 10,
                     clip_start: int = 0, clip_end: int | None = None,
                     restrict_vocab: int | None = None, indexer: Indexer | None = None,
                     space: Literal["in", "in-out"] = "in") -> Ranked | FloatArray:
        """Top-N keys most similar (cosine) to the weighted mean of the query keys/vectors.

        Parameters
        ----------
        positive, negative : key, vector, or list of (key or vector or (key, weight))
            Queries contributing with weight 1.0 and -1.0 unless a weight is given.
        topn : int or None
            How many results (0 gives ``[]``); None returns the similarities to every key as
            one array.
        clip_start, clip_end : int
            Search only rows ``[clip_start, clip_end)``.
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` rows (overrides the clip range; 0 or
            None searches all).
        indexer : object, optional
            An approximate-neighbour index with ``most_similar(vector, topn)`` (default space
            only).
        space : {"in", "in-out"}
            What the query is compared with. ``"in"`` (the default, gensim's only behaviour):
            the keys' input vectors, which rank substitutes, keys seen in similar contexts
            (film ~ movie). ``"in-out"``: the keys' :attr:`output_vectors`, which rank keys
            seen *together with* the query (film ~ director): the cosine of the query's
            (unit) input vector with each output vector, the IN-OUT similarity of Nalisnick
            et al. (2016), "Improving document ranking with dual word embeddings". See
            ``docs/similar-words.md``.

        Returns
        -------
        list of (str, float) or numpy.ndarray
            Best first, the query keys excluded.

        Raises
        ------
        TypeError, ValueError
            A count that is not an int >= 0, a term that is neither a key nor a finite vector
            of ``vector_size`` numbers, an unknown ``space``; ``space="in-out"`` without
            :attr:`output_vectors` or with an ``indexer``.
        KeyError
            A key that is not present.

        Notes
        -----
        The output vectors belong to the model, not to the vectors: negative sampling trains
        them (``Word2Vec.syn1neg``), and gensim's KeyedVectors, word2vec.c files and
        ``wv.save`` hold the input vectors only. fastw2v still offers the in-out space here,
        on ``model.wv``, because that is where a gensim user asks for neighbours: the model
        keeps ``wv.output_vectors`` referring to its ``syn1neg`` (the same array, no copy,
        followed through training, vocabulary updates and ``Word2Vec.load``), while
        ``wv.save`` and the files of the vectors stay as they were. Vectors without a
        model (loaded from a vectors file, or of a model trained with ``negative=0``) raise
        a ValueError naming what is needed, and can be given output vectors by assigning
        :attr:`output_vectors`.
        """
        topn = check_count(topn, "topn")
        restrict_vocab = check_count(restrict_vocab, "restrict_vocab")
        start, end = self._clip(check_count(clip_start, "clip_start"),
                                check_count(clip_end, "clip_end"), restrict_vocab)
        if space not in ("in", "in-out"):
            raise ValueError("space must be 'in' or 'in-out', got %r" % (space,))
        if space == "in-out":
            output = self._checked_output_vectors()
            if indexer is not None:
                raise ValueError("an indexer searches the input vectors: it cannot answer "
                                 "space='in-out'")
        if topn == 0:
            return []
        keys: list[Any] = []
        weights: list[float] = []
        for name, sign, items in (("positive", 1.0, positive), ("negative", -1.0, negative)):
            for i, item in enumerate(_ensure_list(items)):
                term, weight = item, sign
                if isinstance(item, (list, tuple)):
                    if len(item) != 2 or not isinstance(item[1], Real):
                        raise TypeError("%s[%d] must be a key, a vector or a (key, weight) pair, "
                                        "got %s" % (name, i, _describe(item)))
                    term, weight = item
                keys.append(self._term(term, "%s[%d]" % (name, i)))
                weights.append(weight)
        norms = self.fill_norms()
        mean = self.get_mean_vector(keys, np.array(weights, dtype=np.float64), pre_normalize=True,
                                    post_normalize=True, ignore_missing=False)
        exclude = {self.get_index(key) for key in keys if _is_key(key)}
        if indexer is not None and isinstance(topn, int):
            return indexer.most_similar(mean, topn)
        # zero rows score NaN and never rank; no temporary the size of the vectors
        if space == "in-out":  # the output rows' norms: not cached, training changes them
            rows = output[start:end]
            dists = cosine_scores(rows, mean, row_norms(rows))
        else:
            dists = cosine_scores(self.vectors[start:end], mean, norms[start:end])
        if not topn:
            return dists
        return self._ranked(dists, topn, exclude, start)

    @overload
    def most_similar_batch(self, queries: Iterable[Term] | npt.NDArray[Any], topn: int = 10,
                           restrict_vocab: int | None = None, bf16: bool = False,
                           ) -> list[Ranked]: ...

    @overload
    def most_similar_batch(self, queries: Iterable[Term] | npt.NDArray[Any], topn: None,
                           restrict_vocab: int | None = None, bf16: bool = False,
                           ) -> FloatArray: ...

    def most_similar_batch(self, queries: Iterable[Term] | npt.NDArray[Any],
                           topn: int | None = 10, restrict_vocab: int | None = None,
                           bf16: bool = False) -> list[Ranked] | FloatArray:
        """Nearest keys of many queries at once, through matrix-matrix products.

        Equivalent to ``[most_similar(positive=[q], topn=topn) for q in queries]``, but
        many times faster: up to 1,024 queries are scored against blocks of 8,192 keys by
        one matrix product each, keeping a running top-N (memory stays around 32 MB). Of
        equal similarities the earlier key comes first.

        Parameters
        ----------
        queries : list of (key or numpy.ndarray) or 2-D numpy.ndarray
            Query keys or vectors (a 2-D array is one query vector per row).
        topn : int or None
            Results per query; None returns the full ``(len(queries), n)`` similarity matrix.
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` keys.
        bf16 : bool
            On CPUs with AVX512_BF16, let a bfloat16 first pass shortlist the keys of large
            batches (about twice as fast; ignored elsewhere). The shortlist is scored exactly
            in float32, so the results are the same top-N up to float32 rounding: keys whose
            similarities differ by less than a rounding error may swap places.

        Returns
        -------
        list of list of (str, float) or numpy.ndarray
            One best-first result list per query, each without its own query key.
        """
        terms = _key_list(queries, "queries")
        topn = check_count(topn, "topn")
        _, end = self._clip(0, None, check_count(restrict_vocab, "restrict_vocab"))
        if topn == 0:
            return [[] for _ in terms]
        norms = self.fill_norms()
        rows: list[npt.NDArray[Any]] = []
        exclude: list[int] = []
        for i, query in enumerate(terms):
            term = self._term(query, "queries[%d]" % i)
            if _is_key(term):
                index = self.get_index(term)
                rows.append(self.vectors[index] / norms[index])
                exclude.append(index)
            else:
                rows.append(term)
                exclude.append(-1)
        if not rows or end == 0:  # nothing to rank, or no keys to rank
            return np.empty((len(rows), end), np.float32) if topn is None else [[] for _ in rows]
        matrix = unit_rows(np.vstack(rows))
        if not topn:
            return scaled_similarities(matrix, self.vectors[:end], norms[:end])
        indices, sims = nearest(matrix, self.vectors[:end], norms[:end], topn + 1, bf16=bf16)
        keys = self.index_to_key
        return [[(keys[i], s) for i, s in zip(row, row_sims) if i != skip and s > -np.inf][:topn]
                for row, row_sims, skip in zip(indices.tolist(), sims.tolist(), exclude)]

    @overload
    def similar_by_key(self, key: KeyLike, topn: int = 10,
                       restrict_vocab: int | None = None) -> Ranked: ...

    @overload
    def similar_by_key(self, key: KeyLike, topn: None,
                       restrict_vocab: int | None = None) -> FloatArray: ...

    def similar_by_key(self, key: KeyLike, topn: int | None = 10,
                       restrict_vocab: int | None = None) -> Ranked | FloatArray:
        """Top-N keys most similar to ``key``."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    @overload
    def similar_by_word(self, word: KeyLike, topn: int = 10,
                        restrict_vocab: int | None = None) -> Ranked: ...

    @overload
    def similar_by_word(self, word: KeyLike, topn: None,
                        restrict_vocab: int | None = None) -> FloatArray: ...

    def similar_by_word(self, word: KeyLike, topn: int | None = 10,
                        restrict_vocab: int | None = None) -> Ranked | FloatArray:
        """Top-N keys most similar to ``word`` (:meth:`similar_by_key`)."""
        return self.similar_by_key(word, topn, restrict_vocab)

    @overload
    def similar_by_vector(self, vector: npt.ArrayLike, topn: int = 10,
                          restrict_vocab: int | None = None) -> Ranked: ...

    @overload
    def similar_by_vector(self, vector: npt.ArrayLike, topn: None,
                          restrict_vocab: int | None = None) -> FloatArray: ...

    def similar_by_vector(self, vector: npt.ArrayLike, topn: int | None = 10,
                          restrict_vocab: int | None = None) -> Ranked | FloatArray:
        """Top-N keys most similar to ``vector``."""
        checked = self._vector(vector, "vector")
        return self.most_similar(positive=[checked], topn=topn, restrict_vocab=restrict_vocab)

    @overload
    def most_similar_cosmul(self, positive: Term | Iterable[Any] | None = None,
                            negative: Term | Iterable[Any] | None = None, topn: int = 10,
                            restrict_vocab: int | None = None) -> Ranked: ...

    @overload
    def most_similar_cosmul(self, positive: Term | Iterable[Any] | None = None,
                            negative: Term | Iterable[Any] | None = None, *, topn: None,
                            restrict_vocab: int | None = None) -> FloatArray: ...

    def most_similar_cosmul(self, positive: Term | Iterable[Any] | None = None,
                            negative: Term | Iterable[Any] | None = None,
                            topn: int | None = 10,
                            restrict_vocab: int | None = None) -> Ranked | FloatArray:
        """Top-N keys by the multiplicative 3CosMul objective (Levy and Goldberg, 2014).

        Similarities are shifted to [0, 1]; the score is the product over ``positive`` divided
        by the product over ``negative`` (+1e-6). Keys use unit vectors, raw vectors are used
        as given. Returns like :meth:`most_similar`.
        """
        topn = check_count(topn, "topn")
        _, end = self._clip(0, None, check_count(restrict_vocab, "restrict_vocab"))
        if topn == 0:
            return []
        plus, minus = self._terms(positive, "positive"), self._terms(negative, "negative")
        if not plus:
            raise ValueError("cannot compute similarity with no input")
        norms = self.fill_norms()
        exclude = {self.get_index(k) for k in plus + minus if _is_key(k)}

        def shifted(term: Any) -> FloatArray:
            vector = self.get_vector(term, norm=True) if _is_key(term) else term
            return (1 + self.vectors[:end] @ vector / norms[:end]) / 2

        numerator = np.prod([shifted(t) for t in plus], axis=0)
        denominator = np.prod([shifted(t) for t in minus], axis=0) if minus else 1.0
        dists = numerator / (denominator + 0.000001)
        if not topn:
            return dists
        return self._ranked(dists, topn, exclude)

    def rank_by_centrality(self, words: Iterable[KeyLike],
                           use_norm: bool = True) -> list[tuple[float, Key]]:
        """``(similarity, key)`` pairs ranked by similarity to the centroid of ``words``.

        Missing keys are left out (with a warning), as in gensim.
        """
        given = _key_list(words, "words")
        for position, word in enumerate(given):
            if not _is_key(word) and word not in self:
                raise _key_type_error(word, "words[%d]" % position)
        used = [_plain_key(word) for word in given if word in self]  # numpy ints as ints
        if len(used) != len(given):
            logger.warning("vectors for words %s are not present in the model, ignoring these words",
                           set(given) - set(used))
        if not used:
            raise ValueError("cannot select a word from an empty list")
        vectors = np.vstack([self.get_vector(word, norm=use_norm) for word in used]).astype(np.float32)
        mean = self.get_mean_vector(vectors, post_normalize=True)
        return sorted(zip(vectors @ mean, used), reverse=True)

    def doesnt_match(self, words: Iterable[KeyLike]) -> Key:
        """The key of ``words`` furthest from the mean of them all."""
        return self.rank_by_centrality(words)[-1][1]

    @staticmethod
    def cosine_similarities(vector_1: npt.ArrayLike, vectors_all: npt.ArrayLike) -> FloatArray:
        """Cosine similarity between ``vector_1`` and each row of ``vectors_all``."""
        vector, rows = np.asarray(vector_1), np.asarray(vectors_all)
        norm = np.linalg.norm(vector)
        all_norms = np.linalg.norm(rows, axis=1)
        return (rows @ vector) / (norm * all_norms)

    def distances(self, word_or_vector: Term,
                  other_words: Iterable[KeyLike] = ()) -> FloatArray:
        """Cosine distances from a key or vector to ``other_words`` (all keys if empty)."""
        vector = self._term(word_or_vector, "word_or_vector")
        if _is_key(vector):
            vector = self.get_vector(vector)
        others_keys = _key_list(other_words, "other_words")
        others = self[others_keys] if others_keys else self.vectors
        return 1 - self.cosine_similarities(vector, others)

    def similarity(self, w1: KeyLike, w2: KeyLike) -> np.floating:
        """Cosine similarity of two keys (exactly 1.0 for a key and itself, unless its vector
        is zero)."""
        v1, v2 = self.get_vector(w1), self.get_vector(w2)
        norm1 = np.linalg.norm(v1)
        if self.get_index(w1) == self.get_index(w2) and 0 < norm1 < np.inf:
            return self.vectors.dtype.type(1.0)  # not 0.99999994, however the vector rounds
        return np.dot(v1 / norm1, v2 / np.linalg.norm(v2))

    def distance(self, w1: KeyLike, w2: KeyLike) -> np.floating:
        """Cosine distance (1 - similarity) of two keys: exactly 0 for a key and itself."""
        return 1 - self.similarity(w1, w2)

    def wmdistance(self, document1: Iterable[KeyLike], document2: Iterable[KeyLike],
                   norm: bool = True) -> float:
        """Word Mover's Distance between two documents, as gensim computes it.

        Needs POT (``pip install pot``), imported as ``ot``, as gensim does. Out-of-vocabulary
        words are left out; a document left empty gives ``inf``, as in gensim.

        Parameters
        ----------
        document1, document2 : list of str
        norm : bool
            Use unit-length word vectors.

        Returns
        -------
        float

        Raises
        ------
        ImportError
            POT is not installed.
        """
        try:
            from ot import emd2
        except ImportError as err:
            raise ImportError("wmdistance needs the POT package (Python Optimal Transport), "
                              "imported as 'ot': pip install pot") from err
        from scipy.spatial.distance import cdist

        given1, given2 = _key_list(document1, "document1"), _key_list(document2, "document2")
        len_pre_oov1, len_pre_oov2 = len(given1), len(given2)
        document1 = [token for token in given1 if token in self]
        document2 = [token for token in given2 if token in self]
        diff1, diff2 = len_pre_oov1 - len(document1), len_pre_oov2 - len(document2)
        if diff1 > 0 or diff2 > 0:
            logger.info("Removed %d and %d OOV words from document 1 and 2 (respectively).",
                        diff1, diff2)
        if not document1 or not document2:
            logger.warning("At least one of the documents had no words that were in the vocabulary.")
            return float("inf")
        # token ids as gensim's Dictionary([document1, document2]) numbers them
        token_ids: dict[Any, int] = {}
        for document in (document1, document2):
            for token in sorted(set(document) - set(token_ids), key=lambda t: (str(type(t)), t)):
                token_ids[token] = len(token_ids)
        vocab_len = len(token_ids)
        if vocab_len == 1:
            return 0.0  # both documents are one and the same token
        doclist1, doclist2 = list(set(document1)), list(set(document2))
        v1 = np.array([self.get_vector(token, norm=norm) for token in doclist1])
        v2 = np.array([self.get_vector(token, norm=norm) for token in doclist2])
        distance_matrix = np.zeros((vocab_len, vocab_len), dtype=np.double)
        distance_matrix[np.ix_([token_ids[t] for t in doclist1],
                               [token_ids[t] for t in doclist2])] = cdist(v1, v2)
        if abs(np.sum(distance_matrix)) < 1e-8:
            logger.info("The distance matrix is all zeros. Aborting (returning inf).")
            return float("inf")

        def nbow(document: list[Any]) -> npt.NDArray[np.float64]:
            d = np.zeros(vocab_len, dtype=np.double)
            for token in document:
                d[token_ids[token]] += 1
            return d / float(len(document))

        return float(emd2(nbow(document1), nbow(document2), distance_matrix))

    def n_similarity(self, ws1: Iterable[KeyLike], ws2: Iterable[KeyLike]) -> np.floating:
        """Cosine similarity of the means of two lists of keys.

        An empty list raises ZeroDivisionError, as in gensim; a missing key raises KeyError
        (gensim >= 4.2 would silently leave it out).
        """
        keys1, keys2 = _key_list(ws1, "ws1"), _key_list(ws2, "ws2")
        if not (keys1 and keys2):
            raise ZeroDivisionError("At least one of the passed list is empty.")
        mean1 = self.get_mean_vector(keys1, pre_normalize=False, ignore_missing=False)
        mean2 = self.get_mean_vector(keys2, pre_normalize=False, ignore_missing=False)
        return np.dot(mean1 / np.linalg.norm(mean1), mean2 / np.linalg.norm(mean2))

    def most_similar_to_given(self, key1: KeyLike, keys_list: Iterable[KeyLike]) -> Key:
        """The key of ``keys_list`` most similar to ``key1``."""
        candidates = _key_list(keys_list, "keys_list")
        if not candidates:
            raise ValueError("keys_list is empty")
        best = candidates[int(np.argmax([self.similarity(key1, key) for key in candidates]))]
        return _plain_key(best)  # a numpy int as the int

    def closer_than(self, key1: KeyLike, key2: KeyLike) -> list[Key]:
        """All keys closer to ``key1`` than ``key2`` is."""
        index1, index2 = self.get_index(key1), self.get_index(key2)
        all_distances = self.distances(key1)
        closer = np.flatnonzero(all_distances < all_distances[index2])
        return [self.index_to_key[i] for i in closer if i != index1]

    def rank(self, key1: KeyLike, key2: KeyLike) -> int:
        """Rank of ``key2`` among all keys by distance from ``key1`` (1 = closest)."""
        return len(self.closer_than(key1, key2)) + 1

    def relative_cosine_similarity(self, wa: KeyLike, wb: KeyLike, topn: int = 10) -> float:
        """Similarity of ``wa`` and ``wb`` divided by the sum of ``wa``'s top-N similarities."""
        sims = self.similar_by_key(wa, topn)
        if not sims:
            raise ValueError("Cannot calculate relative cosine similarity without any similar words.")
        return float(self.similarity(wa, wb)) / sum(sim for _, sim in sims)

    # ---- evaluation and files --------------------------------------------------------------

    @staticmethod
    def log_accuracy(section: evaluation.AnalogySection) -> None:
        """Log the accuracy of one section of :meth:`evaluate_word_analogies`' result, as gensim."""
        correct, incorrect = len(section["correct"]), len(section["incorrect"])
        if correct + incorrect > 0:
            logger.info("%s: %.1f%% (%i/%i)", section["section"],
                        100.0 * correct / (correct + incorrect), correct, correct + incorrect)

    @staticmethod
    def log_evaluate_word_pairs(pearson: Sequence[float], spearman: Sequence[float], oov: float,
                                pairs: PathType) -> None:
        """Log the result of :meth:`evaluate_word_pairs`, as gensim does."""
        logger.info("Pearson correlation coefficient against %s: %.4f", pairs, pearson[0])
        logger.info("Spearman rank-order correlation coefficient against %s: %.4f", pairs, spearman[0])
        logger.info("Pairs with unknown words ratio: %.1f%%", oov)

    def evaluate_word_analogies(self, analogies: PathType, restrict_vocab: int = 300000,
                                case_insensitive: bool = True, dummy4unknown: bool = False,
                                similarity_function: str = "most_similar",
                                ) -> tuple[float, list[evaluation.AnalogySection]]:
        """Accuracy on an analogy file; see :func:`fastw2v.evaluation.evaluate_word_analogies`
        (with int keys, the file's words are read as ints)."""
        return evaluation.evaluate_word_analogies(self, analogies, restrict_vocab=restrict_vocab,
                                       case_insensitive=case_insensitive,
                                       dummy4unknown=dummy4unknown,
                                       similarity_function=similarity_function)

    def evaluate_word_pairs(self, pairs: PathType, delimiter: str = "\t", encoding: str = "utf8",
                            restrict_vocab: int = 300000, case_insensitive: bool = True,
                            dummy4unknown: bool = False,
                            ) -> tuple[tuple[float, float], tuple[float, float], float]:
        """Correlation with human similarity scores; see :func:`fastw2v.evaluation.evaluate_word_pairs`
        (with int keys, the file's words are read as ints: a file of node id pairs works)."""
        return evaluation.evaluate_word_pairs(self, pairs, delimiter=delimiter, encoding=encoding,
                                   restrict_vocab=restrict_vocab, case_insensitive=case_insensitive,
                                   dummy4unknown=dummy4unknown)

    def save_word2vec_format(self, fname: PathType, fvocab: PathType | None = None,
                             binary: bool = False, total_vec: int | None = None,
                             write_header: bool = True, prefix: str = "", append: bool = False,
                             sort_attr: str = "count") -> None:
        """Write word2vec.c text or binary format; see :func:`fastw2v.word2vec_format.save`.

        int keys are written as decimal strings (as gensim writes ``str(key)``); read them
        back as ints with ``load_word2vec_format(..., key_type=int)``.
        """
        word2vec_format.save(self, fname, fvocab=fvocab, binary=binary, total_vec=total_vec,
                             write_header=write_header, prefix=prefix, append=append,
                             sort_attr=sort_attr)

    @classmethod
    def load_word2vec_format(cls: type[_KV], fname: PathType | IO[bytes],
                             fvocab: PathType | None = None, binary: bool = False,
                             encoding: str = "utf8", unicode_errors: str = "strict",
                             limit: int | None = None, datatype: npt.DTypeLike = np.float32,
                             no_header: bool = False,
                             key_type: type[str] | type[int] = str) -> _KV:
        """Read word2vec.c text or binary format; see :func:`fastw2v.word2vec_format.load`.

        ``key_type=int`` (a fastw2v addition) reads the keys as ints, as
        :meth:`save_word2vec_format` writes int keys (decimal): a key that is not a decimal
        integer is a ValueError naming its line (text) or vector (binary).
        """
        kv = word2vec_format.load(cls, fname, fvocab=fvocab, binary=binary, encoding=encoding,
                                  unicode_errors=unicode_errors, limit=limit, datatype=datatype,
                                  no_header=no_header, key_type=key_type)
        kv.add_lifecycle_event("load_word2vec_format", msg="loaded %s matrix of type %s from %s"
                               % (kv.vectors.shape, kv.vectors.dtype, fname),
                               binary=binary, encoding=encoding)
        return kv

    def intersect_word2vec_format(self, fname: PathType, lockf: float = 0.0, binary: bool = False,
                                  encoding: str = "utf8", unicode_errors: str = "strict") -> None:
        """Take the vectors of the keys of a word2vec.c-format file that are also keys here.

        No key is added: the keys present in both take the file's vectors, and their
        ``vectors_lockf`` becomes ``lockf``; the others are left alone, as in gensim.

        Parameters
        ----------
        fname : str or os.PathLike
            The word2vec.c-format file (read and checked as by :meth:`load_word2vec_format`,
            whole, before anything changes; a key the file repeats takes its first vector).
        lockf : float
            Lock factor of the merged rows: gensim's 0.0 keeps them unchanged by training once
            per-row locking is applied, 1.0 lets them train.
        binary : bool
            Binary rather than text format.
        encoding, unicode_errors : str
            How the file's keys are decoded (with int keys here, the file's keys are read as
            ints: ``key_type=int`` of :meth:`load_word2vec_format`).

        Raises
        ------
        ValueError
            The file's vector size differs, or the file is invalid.
        """
        lockf = float(lockf)
        if not np.isfinite(lockf):
            raise ValueError("lockf must be a finite number, got %r" % (lockf,))
        other = word2vec_format.load(KeyedVectors, fname, binary=binary, encoding=encoding,
                                     unicode_errors=unicode_errors, datatype=self.vectors.dtype,
                                     key_type=int if self.key_type is int else str)
        if other.vector_size != self.vector_size:
            raise ValueError("incompatible vector size %d in file %s" % (other.vector_size, fname))
        pairs = [(self.key_to_index[key], row) for row, key in enumerate(other.index_to_key)
                 if key in self.key_to_index]
        if pairs:
            mine, theirs = (list(side) for side in zip(*pairs))
            self.vectors[mine] = other.vectors[theirs]
            self.vectors_lockf[mine] = lockf
            self.norms = None
        self.add_lifecycle_event("intersect_word2vec_format", msg="merged %d vectors into %s "
                                 "matrix from %s" % (len(pairs), self.vectors.shape, fname))

    def vectors_for_all(self, keys: Iterable[KeyLike], allow_inference: bool = True,
                        copy_vecattrs: bool = False) -> KeyedVectors:
        """The vectors of ``keys`` as a new :class:`KeyedVectors`, as gensim makes it.

        Keys are deduplicated (first occurrence kept, in order); keys without a vector are
        left out. New ``count`` attributes descend from the number of keys, as gensim fakes
        them, unless ``copy_vecattrs``.

        Parameters
        ----------
        keys : iterable of keys
            (numpy integers are taken as the same Python ints.)
        allow_inference : bool
            Take every key for which ``key in self`` (so also, with str keys, an in-range
            integer row number, which becomes an int key); False: only actual keys. (gensim's FastText infers vectors of unknown words from
            their character n-grams here; fastw2v has no n-gram vectors, so this is the only
            difference it makes.)
        copy_vecattrs : bool
            Copy the per-key attributes (``expandos``, e.g. the true ``count``).

        Returns
        -------
        KeyedVectors
        """
        if isinstance(keys, (str, bytes)) or not isinstance(keys, Iterable):
            raise TypeError("keys must be an iterable of keys, got %s" % _describe(keys))
        vocab: list[Key] = []
        seen: set[Any] = set()
        for key in keys:
            if key not in seen:
                seen.add(key)
                if (self.has_index_for(key) if allow_inference
                        else _is_key(key) and key in self.key_to_index):
                    vocab.append(_plain_key(key))
        kv = KeyedVectors(self.vector_size, 0, dtype=self.vectors.dtype)
        vocab = kv._check_new_keys(vocab)  # str keys and int row numbers would mix: TypeError
        rows = [self.get_index(key) for key in vocab]
        kv.vectors = np.array(self.vectors[rows], dtype=self.vectors.dtype, order="C")
        kv.index_to_key = vocab
        kv.key_to_index = {key: i for i, key in enumerate(vocab)}
        kv.next_index = len(vocab)
        if vocab:
            kv.expandos["count"] = np.arange(len(vocab), 0, -1, dtype=np.int64)
            if copy_vecattrs:
                for attr, values in self.expandos.items():
                    kv.expandos[attr] = np.array(values[rows])
        return kv

    def save(self, fname_or_handle: PathType, separately: Sequence[str] | None = None,
             sep_limit: int = 10 * 1024**2, ignore: Collection[str] = frozenset(),
             pickle_protocol: int = PICKLE_PROTOCOL) -> None:
        """Save the keys, vectors and per-key attributes (no pickle; see ``docs/file-format.md``).

        Parameters
        ----------
        fname_or_handle : str or os.PathLike
            The file to write; an existing file is replaced atomically. (gensim also takes an
            open file; fastw2v needs a path, to write atomically.)
        separately : list of str, optional
            Accepted for gensim compatibility, no effect: gensim stores the large arrays it
            names in ``.npy`` files beside the pickle so that they can be memory-mapped;
            fastw2v's file always stores every array as its own aligned ``.npy`` member, which
            ``load(..., mmap="r")`` maps in place.
        sep_limit : int
            Accepted for gensim compatibility, no effect (gensim's size threshold for
            ``separately=None``; see above).
        ignore : collection of str
            Attributes not to store, as in gensim: ``"lifecycle_events"`` (loaded as ``[]``)
            and ``"vectors_lockf"`` (loaded as ones). Other computed attributes (``cum_table``...)
            are never stored; the norms are always stored (recomputed from the vectors), so that
            a loaded or memory-mapped file answers its first query without a pass over the
            vectors; naming anything else logs a warning and it is stored anyway.
        pickle_protocol : int
            Accepted for gensim compatibility, no effect: nothing is pickled.
        """
        ignored = save_ignored(self, separately, sep_limit, ignore, pickle_protocol,
                               droppable=("lifecycle_events", "vectors_lockf"))
        fname = _check_fname(fname_or_handle)
        self.add_lifecycle_event("saving", fname_or_handle=str(fname), separately=str(separately),
                                 sep_limit=sep_limit, ignore=sorted(ignore))
        meta, arrays = self.to_state(ignore=ignored)
        persistence.write_archive(fname, meta, arrays)

    @classmethod
    def load(cls: type[_KV], fname: PathType, mmap: persistence.MmapMode = None) -> _KV:
        """Load vectors saved by :meth:`save`, or the vectors of a saved ``Word2Vec`` model.

        Parameters
        ----------
        fname : str or os.PathLike
            The file.
        mmap : {None, "r", "c"}
            None reads the arrays; ``"r"`` maps them read-only (shared between processes);
            ``"c"`` maps them copy-on-write.
        """
        return persistence.load(cls, fname, mmap=mmap)

    def to_state(self, ignore: Collection[str] = frozenset(),
                 ) -> tuple[persistence.Meta, dict[str, persistence.Member]]:
        """``(meta, arrays)``, what :func:`fastw2v.persistence.save` writes of these vectors
        (without the attributes named in ``ignore``: see :meth:`save`)."""
        arrays: dict[str, persistence.Member] = {}
        return {"class": "KeyedVectors", "keyedvectors": self.describe(arrays, "", ignore)}, arrays

    @classmethod
    def from_state(cls: type[_KV], reader: persistence.Reader) -> _KV:
        """The vectors of an open archive (a ``persistence.ArchiveReader``): saved vectors,
        or the ``wv`` of a saved model."""
        kind = reader.meta.get("class")
        with reader.invalid_metadata():
            if kind == "KeyedVectors":
                kv = cls.from_description(reader, reader.meta["keyedvectors"], "")
            elif kind == "Word2Vec":
                kv = cls.from_description(reader, reader.meta["wv"], "wv/")
            else:
                raise ValueError("unknown class %r" % (kind,))
        kv.add_lifecycle_event("loaded", fname=reader.path)
        return kv

    def describe(self, arrays: dict[str, persistence.Member], prefix: str,
                 ignore: Collection[str] = frozenset()) -> dict[str, Any]:
        """Add these vectors' arrays to ``arrays`` (member names under ``prefix``); return
        their JSON description (for a model that saves its vectors inside its own state).
        ``ignore`` may name ``"lifecycle_events"`` and ``"vectors_lockf"`` to leave out."""
        key_type = persistence.key_arrays(self.index_to_key, prefix, arrays)
        arrays[prefix + "vectors.npy"] = self.vectors
        arrays[prefix + "norms.npy"] = row_norms(self.vectors)  # fresh: the cache may be stale
        names = sorted(self.expandos)
        for i, name in enumerate(names):
            arrays["%sexpandos/%d.npy" % (prefix, i)] = self.expandos[name]
        desc: dict[str, Any] = {"vector_size": self.vector_size, "count": len(self.index_to_key),
                "key_type": key_type, "next_index": getattr(self, "next_index", len(self)),
                "expandos": names, "norms": True}
        lockf = self.vectors_lockf
        if "vectors_lockf" not in ignore and len(lockf) == len(self.vectors) \
                and not np.all(lockf == 1.0):
            arrays[prefix + "vectors_lockf.npy"] = lockf
            desc["vectors_lockf"] = True
        if "lifecycle_events" not in ignore:
            desc["lifecycle_events"] = saved_events(getattr(self, "lifecycle_events", []))
        derived = getattr(self, "_derived_vecattrs", None)
        if derived is not None:
            desc["huffman_vecattrs"] = derived.ties
        return desc

    @classmethod
    def from_description(cls: type[_KV], reader: persistence.Reader, desc: dict[str, Any],
                         prefix: str, vector_types: np.dtype[Any] | str = "f",
                         key_types: Sequence[str] = ("str", "int")) -> _KV:
        """The vectors that :meth:`describe` described as ``desc``, arrays read from ``reader``
        under ``prefix``; a ValueError for anything inconsistent."""
        persistence.check_object(desc, prefix.rstrip("/") or "keyedvectors")
        count = persistence.integer(desc["count"], "count")
        names = desc["expandos"]
        if not isinstance(names, list) or not all(type(name) is str for name in names) \
                or len(set(names)) != len(names):
            raise ValueError("expandos must be a list of distinct names, got %r" % (names,))
        if desc["key_type"] not in key_types:
            raise ValueError("key_type must be %s, got %r"
                             % (" or ".join(map(repr, key_types)), desc["key_type"]))
        kv = cls(persistence.integer(desc["vector_size"], "vector_size", low=1,
                                     high=MAX_VECTOR_SIZE))
        keys = persistence.load_keys(reader, prefix, desc["key_type"])
        if len(keys) != count:
            raise ValueError("%d keys stored, %d described" % (len(keys), count))
        kv.index_to_key = keys
        kv.key_to_index = dict(zip(keys, range(len(keys))))
        if len(kv.key_to_index) != len(keys):
            seen: set[Key] = set()
            for key in keys:
                if key in seen:
                    raise ValueError("%r: key %r appears more than once in %skeys.npy"
                                     % (reader.path, key, prefix))
                seen.add(key)
        kv.vectors = reader.array(prefix + "vectors.npy", vector_types, (len(keys), kv.vector_size))
        kv.expandos = {name: reader.array("%sexpandos/%d.npy" % (prefix, i), persistence.NUMERIC,
                                          (len(keys),))
                       for i, name in enumerate(names)}
        kv.next_index = persistence.integer(desc["next_index"], "next_index", high=count)
        kv.norms = None
        if desc.get("norms", False) is not False:  # absent from files of earlier versions
            if desc["norms"] is not True:
                raise ValueError("norms must be true or absent, got %r" % (desc["norms"],))
            norms = reader.array(prefix + "norms.npy", "f", (len(keys),), mmap=False)
            if len(norms) and not (np.isfinite(norms).all() and norms.min() >= 0):
                raise ValueError("%r: the stored norms must be finite and non-negative"
                                 % reader.path)
            kv.norms = norms.astype(kv.vectors.dtype, copy=False)
        if desc.get("vectors_lockf", False) is not False:
            if desc["vectors_lockf"] is not True:
                raise ValueError("vectors_lockf must be true or absent, got %r"
                                 % (desc["vectors_lockf"],))
            kv.vectors_lockf = reader.array(prefix + "vectors_lockf.npy", np.dtype(np.float32),
                                            (len(keys),), mmap=False)
        kv.lifecycle_events = loaded_events(desc.get("lifecycle_events", []))
        ties = desc.get("huffman_vecattrs", False)
        if ties is True:  # written before the ties were named: the word-id order
            ties = "index"
        if ties is not False and ties not in losses.HUFFMAN_TIES:
            raise ValueError("huffman_vecattrs must be one of %s or absent, got %r"
                             % (losses.HUFFMAN_TIES, ties))
        if ties:
            kv._derived_vecattrs = _HuffmanVecattrs(ties)
        return kv
