"""Word vectors: storage, lookup and queries (gensim 4 ``KeyedVectors`` API)."""
import difflib
import logging
import reprlib
import warnings
from collections.abc import Iterable
from numbers import Real

import numpy as np

from fastw2v import evaluation, persistence, word2vec_format
from fastw2v._fileio import MAX_VECTOR_SIZE
from fastw2v.nearest import nearest, scaled_similarities, top_k, unit_rows
from fastw2v.parameters import check_count

logger = logging.getLogger(__name__)

_KEY_TYPES = (str, int, np.integer)
_SUGGEST_AMONG = 5000  # near-spelling suggestions look at this many (most frequent) keys


class MissingKeyError(KeyError):
    """A key is not in the vocabulary; the message suggests near spellings (computed lazily)."""

    def __init__(self, key, keys=()):
        super().__init__(key)
        self.key = key
        self._keys = keys

    def __str__(self):
        message = "Key %r not present in vocabulary" % (self.key,)
        if isinstance(self.key, str):
            candidates = [k for k in self._keys[:_SUGGEST_AMONG] if isinstance(k, str)]
            close = difflib.get_close_matches(self.key, candidates, n=3)
            if close:
                message += "; did you mean %s?" % ", ".join(repr(k) for k in close)
        return message


def _describe(value):
    """``value`` for an error message: a short repr and its type."""
    return "%s (%s)" % (reprlib.repr(value), type(value).__name__)


def _is_key(value):
    """Whether ``value`` has a key type (str or int; bool is not taken for an int)."""
    return isinstance(value, _KEY_TYPES) and not isinstance(value, bool)


def _key_type_error(key, name="key"):
    return TypeError("%s must be a str or int, got %s" % (name, _describe(key)))


def _key_list(keys, name):
    """``keys`` (any iterable but a str or bytes) as a list; TypeError naming ``name`` otherwise."""
    if isinstance(keys, (str, bytes)) or not isinstance(keys, Iterable) \
            or (isinstance(keys, np.ndarray) and keys.ndim == 0):
        raise TypeError("%s must be a list of keys, got %s" % (name, _describe(keys)))
    return list(keys)


def _ensure_list(value):
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
    """

    def __init__(self, vector_size, count=0, dtype=np.float32):
        if int(vector_size) <= 0:
            raise ValueError("vector_size must be a positive integer, got %r" % (vector_size,))
        self.vector_size = int(vector_size)
        self.index_to_key = [None] * count
        self.next_index = 0  # where add_vector() puts the next key in a preallocated instance
        self.key_to_index = {}
        self.vectors = np.zeros((count, self.vector_size), dtype=dtype)
        self.norms = None
        self.expandos = {}

    def __str__(self):
        return "%s<vector_size=%d, %d keys>" % (type(self).__name__, self.vector_size, len(self))

    def __len__(self):
        return len(self.index_to_key)

    def __contains__(self, key):
        return self.has_index_for(key)

    def has_index_for(self, key):
        """Whether ``key`` (or an in-range integer index) has a vector."""
        return self.get_index(key, -1) >= 0

    def get_index(self, key, default=None):
        """Row index of ``key``.

        An integer that is not a key but a valid row number is returned as it is. A missing
        key returns ``default`` if given, else raises :class:`MissingKeyError` (a KeyError);
        a missing key that is not a str or int raises TypeError.
        """
        try:
            index = self.key_to_index.get(key, -1)
        except TypeError:  # unhashable
            raise _key_type_error(key) from None
        if index >= 0:
            return index
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool) \
                and 0 <= key < len(self.index_to_key):
            return int(key)
        if default is not None:
            return default
        if not _is_key(key):
            raise _key_type_error(key)
        raise MissingKeyError(key, self.index_to_key)

    def get_vector(self, key, norm=False):
        """The vector of ``key`` as a read-only 1-D array (unit length if ``norm``)."""
        index = self.get_index(key)
        if norm:
            self.fill_norms()
            result = self.vectors[index] / self.norms[index]
        else:
            result = self.vectors[index]
        result.setflags(write=False)
        return result

    def _vector(self, vector, name="query vector"):
        """``vector`` as a 1-D array, checked to hold ``vector_size`` finite numbers."""
        array = np.asarray(vector)
        if array.dtype.kind not in "iuf" or array.ndim == 0:
            raise TypeError("%s must be a key or a numeric vector, got %s" % (name, _describe(vector)))
        if array.shape != (self.vector_size,):
            raise ValueError("%s has shape %s, expected (%d,)" % (name, array.shape, self.vector_size))
        if not np.isfinite(array).all():
            raise ValueError("%s contains NaN or infinite values" % name)
        return array

    def __getitem__(self, keys):
        if isinstance(keys, (str, bytes)) or not isinstance(keys, Iterable):
            return self.get_vector(keys)  # one key (get_index refuses a wrong type)
        return self.vectors[[self.get_index(key) for key in keys]]

    def __setitem__(self, keys, weights):
        """Add or replace the vectors of ``keys`` (``add_vectors(..., replace=True)``)."""
        if not isinstance(keys, list):
            keys = [keys]
            weights = np.asarray(weights).reshape(1, -1)
        self.add_vectors(keys, weights, replace=True)

    def fill_norms(self, force=False):
        """Compute the L2 norm of every vector (cached until ``force`` or the row count changes)."""
        if self.norms is None or force or len(self.norms) != len(self.vectors):
            self.norms = np.linalg.norm(self.vectors, axis=1)

    def get_normed_vectors(self):
        """All vectors scaled to unit length, as a new 2-D array."""
        self.fill_norms()
        return self.vectors / self.norms[..., np.newaxis]

    def unit_normalize_all(self):
        """Scale every vector to unit length in place (training cannot continue afterwards)."""
        self.fill_norms()
        self.vectors /= self.norms[..., np.newaxis]
        self.norms = np.ones(len(self.vectors), dtype=self.vectors.dtype)

    def allocate_vecattrs(self, attrs=None, types=None):
        """Make sure each named per-key attribute array has one slot per key."""
        attrs = list(self.expandos) if attrs is None else list(attrs)
        types = [self.expandos[attr].dtype for attr in attrs] if types is None else list(types)
        for attr, dtype in zip(attrs, types):
            old = self.expandos.get(attr)
            if old is not None and len(old) == len(self.index_to_key):
                continue
            new = np.zeros(len(self.index_to_key), dtype=old.dtype if old is not None else dtype)
            if old is not None:
                new[: min(len(old), len(new))] = old[: len(new)]
            self.expandos[attr] = new

    def get_vecattr(self, key, attr):
        """The value of per-key attribute ``attr`` (e.g. ``"count"``) for ``key``."""
        return self.expandos[attr][self.get_index(key)].item()

    def set_vecattr(self, key, attr, value):
        """Set per-key attribute ``attr`` of ``key``."""
        self.allocate_vecattrs([attr], [np.asarray(value).dtype])
        self.expandos[attr][self.get_index(key)] = value

    def sort_by_descending_frequency(self):
        """Reorder keys, vectors and attributes so the highest ``count`` comes first."""
        if not len(self):
            return
        counts = np.asarray(self.expandos["count"], dtype=np.int64)
        order = np.lexsort((-np.arange(len(counts)), -counts))
        self.index_to_key = [self.index_to_key[i] for i in order]
        self.allocate_vecattrs()
        for attr in self.expandos:
            self.expandos[attr] = self.expandos[attr][order]
        if len(self.vectors):
            self.vectors = np.ascontiguousarray(self.vectors[order])
        self.key_to_index = {key: i for i, key in enumerate(self.index_to_key)}
        self.norms = None

    def add_vector(self, key, vector):
        """Add one key and its vector, in the next preallocated slot if any; return its index."""
        if not _is_key(key):
            raise _key_type_error(key)
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

    def add_vectors(self, keys, weights, extras=None, replace=False):
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
            keys = [keys]
            weights = np.asarray(weights).reshape(1, -1)
        keys = _key_list(keys, "keys")
        for position, key in enumerate(keys):
            if not _is_key(key):
                raise _key_type_error(key, "keys[%d]" % position)
        weights = np.asarray(weights, dtype=self.vectors.dtype)
        if weights.ndim != 2 or weights.shape != (len(keys), self.vector_size):
            raise ValueError("expected %d vectors of size %d, got an array of shape %s"
                             % (len(keys), self.vector_size, weights.shape))
        finite = np.isfinite(weights).all(axis=1)
        if not finite.all():
            raise ValueError("the vector of key %r contains NaN or infinite values"
                             % (keys[np.argmin(finite)],))
        extras = {attr: np.asarray(values) for attr, values in (extras or {}).items()}
        for attr, values in extras.items():
            if len(values) != len(keys):
                raise ValueError("extras[%r] has %d values for %d keys" % (attr, len(values), len(keys)))
        existing, new, seen = [], [], set()
        for position, key in enumerate(keys):
            if key in self.key_to_index:
                existing.append(position)
            elif key not in seen:
                seen.add(key)
                new.append(position)
        start = len(self.index_to_key)
        for position in new:
            self.key_to_index[keys[position]] = len(self.index_to_key)
            self.index_to_key.append(keys[position])
        self.vectors = np.ascontiguousarray(np.vstack((self.vectors, weights[new])))
        self.allocate_vecattrs(list(self.expandos) + list(extras),
                               [a.dtype for a in self.expandos.values()] + [v.dtype for v in extras.values()])
        for attr, values in extras.items():
            self.expandos[attr][start:] = values[new]
        if replace and existing:
            rows = [self.key_to_index[keys[position]] for position in existing]
            self.vectors[rows] = weights[existing]
            for attr, values in extras.items():
                self.expandos[attr][rows] = values[existing]
        self.norms = None

    def get_mean_vector(self, keys, weights=None, pre_normalize=True, post_normalize=False,
                        ignore_missing=True):
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
        keys = _key_list(keys, "keys")
        if len(keys) == 0:
            raise ValueError("cannot compute mean with no input")
        dtype = self.vectors.dtype
        if weights is None:
            weights = np.ones(len(keys), dtype=dtype)
        elif not isinstance(weights, np.ndarray):
            weights = np.array(weights, dtype=dtype)
        if weights.shape != (len(keys),):
            raise ValueError("keys and weights array must have same number of elements")
        if not np.isfinite(weights).all():
            raise ValueError("weights contain NaN or infinite values")
        mean = np.zeros(self.vector_size, dtype)
        total_weight = 0
        for position, (key, weight) in enumerate(zip(keys, weights)):
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

    def _term(self, term, name):
        """A query term: a key as it is, anything else as a checked vector."""
        return term if _is_key(term) else self._vector(term, name)

    def _terms(self, items, name):
        """The terms of a ``positive`` or ``negative`` argument (a term or a list of them)."""
        return [self._term(item, "%s[%d]" % (name, i)) for i, item in enumerate(_ensure_list(items))]

    def _clip(self, clip_start, clip_end, restrict_vocab):
        if restrict_vocab:
            return 0, min(int(restrict_vocab), len(self.vectors))
        return clip_start, min(clip_end or len(self.vectors), len(self.vectors))

    def _ranked(self, dists, topn, exclude, offset=0):
        """(key, similarity) pairs of the best ``topn`` of ``dists``, skipping the rows in
        ``exclude`` and NaN similarities (keys of zero norm)."""
        best = top_k(dists[np.newaxis, :], topn + len(exclude))[0]
        result = [(self.index_to_key[i + offset], float(dists[i]))
                  for i in best if i + offset not in exclude and dists[i] > -np.inf]
        return result[:topn]

    def most_similar(self, positive=None, negative=None, topn=10, clip_start=0, clip_end=None,
                     restrict_vocab=None, indexer=None):
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
            An approximate-neighbour index with ``most_similar(vector, topn)``.

        Returns
        -------
        list of (str, float) or numpy.ndarray
            Best first, the query keys excluded.

        Raises
        ------
        TypeError, ValueError
            A count that is not an int >= 0, a term that is neither a key nor a finite vector
            of ``vector_size`` numbers.
        KeyError
            A key that is not present.
        """
        topn = check_count(topn, "topn")
        restrict_vocab = check_count(restrict_vocab, "restrict_vocab")
        start, end = self._clip(check_count(clip_start, "clip_start"),
                                check_count(clip_end, "clip_end"), restrict_vocab)
        if topn == 0:
            return []
        keys, weights = [], []
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
        self.fill_norms()
        mean = self.get_mean_vector(keys, np.array(weights, dtype=np.float64), pre_normalize=True,
                                    post_normalize=True, ignore_missing=False)
        exclude = {self.get_index(key) for key in keys if _is_key(key)}
        if indexer is not None and isinstance(topn, int):
            return indexer.most_similar(mean, topn)
        with np.errstate(divide="ignore", invalid="ignore"):  # zero rows never rank
            dists = self.vectors[start:end] @ mean / self.norms[start:end]
        if not topn:
            return dists
        return self._ranked(dists, topn, exclude, start)

    def most_similar_batch(self, queries, topn=10, restrict_vocab=None, bf16=False):
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
        queries = _key_list(queries, "queries")
        topn = check_count(topn, "topn")
        _, end = self._clip(0, None, check_count(restrict_vocab, "restrict_vocab"))
        if topn == 0:
            return [[] for _ in queries]
        self.fill_norms()
        rows, exclude = [], []
        for i, query in enumerate(queries):
            query = self._term(query, "queries[%d]" % i)
            if _is_key(query):
                index = self.get_index(query)
                rows.append(self.vectors[index] / self.norms[index])
                exclude.append(index)
            else:
                rows.append(query)
                exclude.append(-1)
        if not rows or end == 0:  # nothing to rank, or no keys to rank
            return np.empty((len(rows), end), np.float32) if topn is None else [[] for _ in rows]
        matrix = unit_rows(np.vstack(rows))
        if not topn:
            return scaled_similarities(matrix, self.vectors[:end], self.norms[:end])
        indices, sims = nearest(matrix, self.vectors[:end], self.norms[:end], topn + 1, bf16=bf16)
        keys = self.index_to_key
        return [[(keys[i], s) for i, s in zip(row, row_sims) if i != skip and s > -np.inf][:topn]
                for row, row_sims, skip in zip(indices.tolist(), sims.tolist(), exclude)]

    def similar_by_key(self, key, topn=10, restrict_vocab=None):
        """Top-N keys most similar to ``key``."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_word = similar_by_key

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        """Top-N keys most similar to ``vector``."""
        vector = self._vector(vector, "vector")
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def most_similar_cosmul(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """Top-N keys by the multiplicative 3CosMul objective (Levy and Goldberg, 2014).

        Similarities are shifted to [0, 1]; the score is the product over ``positive`` divided
        by the product over ``negative`` (+1e-6). Keys use unit vectors, raw vectors are used
        as given. Returns like :meth:`most_similar`.
        """
        topn = check_count(topn, "topn")
        _, end = self._clip(0, None, check_count(restrict_vocab, "restrict_vocab"))
        if topn == 0:
            return []
        positive, negative = self._terms(positive, "positive"), self._terms(negative, "negative")
        if not positive:
            raise ValueError("cannot compute similarity with no input")
        self.fill_norms()
        exclude = {self.get_index(k) for k in positive + negative if _is_key(k)}

        def shifted(term):
            if _is_key(term):
                term = self.get_vector(term, norm=True)
            return (1 + self.vectors[:end] @ term / self.norms[:end]) / 2

        numerator = np.prod([shifted(t) for t in positive], axis=0)
        denominator = np.prod([shifted(t) for t in negative], axis=0) if negative else 1.0
        dists = numerator / (denominator + 0.000001)
        if not topn:
            return dists
        return self._ranked(dists, topn, exclude)

    def rank_by_centrality(self, words, use_norm=True):
        """``(similarity, key)`` pairs ranked by similarity to the centroid of ``words``.

        Missing keys are left out (with a warning), as in gensim.
        """
        words = _key_list(words, "words")
        for position, word in enumerate(words):
            if not _is_key(word) and word not in self:
                raise _key_type_error(word, "words[%d]" % position)
        used = [word for word in words if word in self]
        if len(used) != len(words):
            logger.warning("vectors for words %s are not present in the model, ignoring these words",
                           set(words) - set(used))
        if not used:
            raise ValueError("cannot select a word from an empty list")
        vectors = np.vstack([self.get_vector(word, norm=use_norm) for word in used]).astype(np.float32)
        mean = self.get_mean_vector(vectors, post_normalize=True)
        return sorted(zip(vectors @ mean, used), reverse=True)

    def doesnt_match(self, words):
        """The key of ``words`` furthest from the mean of them all."""
        return self.rank_by_centrality(words)[-1][1]

    @staticmethod
    def cosine_similarities(vector_1, vectors_all):
        """Cosine similarity between ``vector_1`` and each row of ``vectors_all``."""
        norm = np.linalg.norm(vector_1)
        all_norms = np.linalg.norm(vectors_all, axis=1)
        return (vectors_all @ vector_1) / (norm * all_norms)

    def distances(self, word_or_vector, other_words=()):
        """Cosine distances from a key or vector to ``other_words`` (all keys if empty)."""
        vector = self._term(word_or_vector, "word_or_vector")
        if _is_key(vector):
            vector = self.get_vector(vector)
        other_words = _key_list(other_words, "other_words")
        others = self[other_words] if other_words else self.vectors
        return 1 - self.cosine_similarities(vector, others)

    def similarity(self, w1, w2):
        """Cosine similarity of two keys."""
        v1, v2 = self.get_vector(w1), self.get_vector(w2)
        return np.dot(v1 / np.linalg.norm(v1), v2 / np.linalg.norm(v2))

    def distance(self, w1, w2):
        """Cosine distance (1 - similarity) of two keys."""
        return 1 - self.similarity(w1, w2)

    def n_similarity(self, ws1, ws2):
        """Cosine similarity of the means of two lists of keys.

        An empty list raises ZeroDivisionError, as in gensim; a missing key raises KeyError
        (gensim >= 4.2 would silently leave it out).
        """
        ws1, ws2 = _key_list(ws1, "ws1"), _key_list(ws2, "ws2")
        if not (ws1 and ws2):
            raise ZeroDivisionError("At least one of the passed list is empty.")
        mean1 = self.get_mean_vector(ws1, pre_normalize=False, ignore_missing=False)
        mean2 = self.get_mean_vector(ws2, pre_normalize=False, ignore_missing=False)
        return np.dot(mean1 / np.linalg.norm(mean1), mean2 / np.linalg.norm(mean2))

    def most_similar_to_given(self, key1, keys_list):
        """The key of ``keys_list`` most similar to ``key1``."""
        keys_list = _key_list(keys_list, "keys_list")
        if not keys_list:
            raise ValueError("keys_list is empty")
        return keys_list[int(np.argmax([self.similarity(key1, key) for key in keys_list]))]

    def closer_than(self, key1, key2):
        """All keys closer to ``key1`` than ``key2`` is."""
        index1, index2 = self.get_index(key1), self.get_index(key2)
        all_distances = self.distances(key1)
        closer = np.flatnonzero(all_distances < all_distances[index2])
        return [self.index_to_key[i] for i in closer if i != index1]

    def rank(self, key1, key2):
        """Rank of ``key2`` among all keys by distance from ``key1`` (1 = closest)."""
        return len(self.closer_than(key1, key2)) + 1

    def relative_cosine_similarity(self, wa, wb, topn=10):
        """Similarity of ``wa`` and ``wb`` divided by the sum of ``wa``'s top-N similarities."""
        sims = self.similar_by_key(wa, topn)
        if not sims:
            raise ValueError("Cannot calculate relative cosine similarity without any similar words.")
        return float(self.similarity(wa, wb)) / sum(sim for _, sim in sims)

    # ---- evaluation and files --------------------------------------------------------------

    def evaluate_word_analogies(self, analogies, restrict_vocab=300000, case_insensitive=True,
                                dummy4unknown=False, similarity_function="most_similar"):
        """Accuracy on an analogy file; see :func:`fastw2v.evaluation.evaluate_word_analogies`."""
        return evaluation.evaluate_word_analogies(self, analogies, restrict_vocab=restrict_vocab,
                                       case_insensitive=case_insensitive,
                                       dummy4unknown=dummy4unknown,
                                       similarity_function=similarity_function)

    def evaluate_word_pairs(self, pairs, delimiter="\t", encoding="utf8", restrict_vocab=300000,
                            case_insensitive=True, dummy4unknown=False):
        """Correlation with human similarity scores; see :func:`fastw2v.evaluation.evaluate_word_pairs`."""
        return evaluation.evaluate_word_pairs(self, pairs, delimiter=delimiter, encoding=encoding,
                                   restrict_vocab=restrict_vocab, case_insensitive=case_insensitive,
                                   dummy4unknown=dummy4unknown)

    def save_word2vec_format(self, fname, fvocab=None, binary=False, total_vec=None,
                             write_header=True, prefix="", append=False, sort_attr="count"):
        """Write word2vec.c text or binary format; see :func:`fastw2v.word2vec_format.save`."""
        word2vec_format.save(self, fname, fvocab=fvocab, binary=binary, total_vec=total_vec,
                             write_header=write_header, prefix=prefix, append=append,
                             sort_attr=sort_attr)

    @classmethod
    def load_word2vec_format(cls, fname, fvocab=None, binary=False, encoding="utf8",
                             unicode_errors="strict", limit=None, datatype=np.float32,
                             no_header=False):
        """Read word2vec.c text or binary format; see :func:`fastw2v.word2vec_format.load`."""
        return word2vec_format.load(cls, fname, fvocab=fvocab, binary=binary, encoding=encoding,
                                    unicode_errors=unicode_errors, limit=limit, datatype=datatype,
                                    no_header=no_header)

    def save(self, path):
        """Save the keys, vectors and per-key attributes (no pickle; see ``docs/file-format.md``).

        Parameters
        ----------
        path : str or os.PathLike
            The file to write; an existing file is replaced atomically.
        """
        persistence.save(self, path)

    @classmethod
    def load(cls, path, mmap=None):
        """Load vectors saved by :meth:`save`, or the vectors of a saved ``Word2Vec`` model.

        Parameters
        ----------
        path : str or os.PathLike
            The file.
        mmap : {None, "r", "c"}
            None reads the arrays; ``"r"`` maps them read-only (shared between processes);
            ``"c"`` maps them copy-on-write.
        """
        return persistence.load(cls, path, mmap=mmap)

    def to_state(self):
        """``(meta, arrays)``, what :func:`fastw2v.persistence.save` writes of these vectors."""
        arrays = {}
        return {"class": "KeyedVectors", "keyedvectors": self.describe(arrays, "")}, arrays

    @classmethod
    def from_state(cls, reader):
        """The vectors of an open archive (a ``persistence.ArchiveReader``): saved vectors,
        or the ``wv`` of a saved model."""
        kind = reader.meta.get("class")
        with reader.invalid_metadata():
            if kind == "KeyedVectors":
                return cls.from_description(reader, reader.meta["keyedvectors"], "")
            if kind == "Word2Vec":
                return cls.from_description(reader, reader.meta["wv"], "wv/")
            raise ValueError("unknown class %r" % (kind,))

    def describe(self, arrays, prefix):
        """Add these vectors' arrays to ``arrays`` (member names under ``prefix``); return
        their JSON description (for a model that saves its vectors inside its own state)."""
        key_type = persistence.key_arrays(self.index_to_key, prefix, arrays)
        arrays[prefix + "vectors.npy"] = self.vectors
        names = sorted(self.expandos)
        for i, name in enumerate(names):
            arrays["%sexpandos/%d.npy" % (prefix, i)] = self.expandos[name]
        return {"vector_size": self.vector_size, "count": len(self.index_to_key),
                "key_type": key_type, "next_index": getattr(self, "next_index", len(self)),
                "expandos": names}

    @classmethod
    def from_description(cls, reader, desc, prefix, vector_types="f", key_types=("str", "int")):
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
            seen = set()
            duplicate = next(key for key in keys if key in seen or seen.add(key))
            raise ValueError("%r: key %r appears more than once in %skeys.npy"
                             % (reader.path, duplicate, prefix))
        kv.vectors = reader.array(prefix + "vectors.npy", vector_types, (len(keys), kv.vector_size))
        kv.expandos = {name: reader.array("%sexpandos/%d.npy" % (prefix, i), persistence.NUMERIC,
                                          (len(keys),))
                       for i, name in enumerate(names)}
        kv.next_index = persistence.integer(desc["next_index"], "next_index", high=count)
        kv.norms = None
        return kv
