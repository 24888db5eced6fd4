"""Word vectors: storage, lookup and queries (gensim 4 ``KeyedVectors`` API)."""
import collections
import concurrent.futures
import difflib
import logging
import os
import warnings
from numbers import Integral

import numpy as np

logger = logging.getLogger(__name__)

_KEY_TYPES = (str, int, np.integer)
_SUGGEST_AMONG = 5000  # near-spelling suggestions look at this many (most frequent) keys
_QUERY_CHUNK = 1024  # queries scored together: one matrix product per (query chunk, key block)
_KEY_BLOCK = 8192  # keys per block (a multiple of _BLOCK): similarity blocks of 32 MB
_BLOCK = 32  # keys per group: top-k selection looks at group maxima first
_BF16_MIN_QUERIES = 64  # smaller query chunks take the float32 path
_BF16_MIN_KEYS = 8192  # as do smaller vocabularies
_BF16_MAX_K = 512  # and longer result lists
_SCAN_RANGE = 16384  # keys per task of the bfloat16 first pass (threads take the next one)
_UNIT_SLACK = 2.0 ** -10  # unit rows are at most this much longer than 1 (float32 rounding: ~1e-7)
_BF16_MATCHES_BLAS = {}  # vector size -> whether the rerank sums dot products as BLAS does


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


def _ensure_list(value):
    """Wrap a single key or vector in a list; split a 2-D array into its rows."""
    if value is None:
        return []
    if isinstance(value, _KEY_TYPES) or (isinstance(value, np.ndarray) and value.ndim == 1):
        return [value]
    return list(value)  # a list, or the rows of a 2-D array


def _unit_rows(matrix):
    """Rows scaled to unit L2 length (zero rows unchanged), as float32."""
    matrix = np.asarray(matrix, dtype=np.float64)
    lengths = np.linalg.norm(matrix, axis=1, keepdims=True)
    lengths[lengths == 0] = 1.0
    return (matrix / lengths).astype(np.float32)


def _largest(values, k):
    """Column positions of the ``k`` largest values of each row, in increasing order.

    Of equal values the leftmost are taken. ``values`` holds no NaN.
    """
    rows, width = values.shape
    if k >= width:
        return np.broadcast_to(np.arange(width), values.shape)
    kth = -np.partition(-values, k - 1, axis=1)[:, k - 1:k]
    above = values > kth
    tied = values == kth
    room = k - np.count_nonzero(above, axis=1, keepdims=True)
    taken = above | (tied & (np.cumsum(tied, axis=1) <= room))
    return np.nonzero(taken)[1].reshape(rows, k)


def top_k(scores, k):
    """Column indices of the ``k`` largest values of each row of ``scores``, largest first.

    Two-stage selection: the maxima of blocks of 32 columns pick the ``k`` candidate blocks,
    then only those blocks are searched. NaN scores never rank; of equal scores the earlier
    column comes first (and is the one kept at the cut).

    Parameters
    ----------
    scores : numpy.ndarray
        2-D array (queries x candidates).
    k : int
        How many indices per row.

    Returns
    -------
    numpy.ndarray
        ``(rows, min(k, columns))`` int64 indices.
    """
    rows, width = scores.shape
    k = min(k, width)
    if k <= 0:
        return np.empty((rows, 0), dtype=np.int64)
    if width <= 16 * _BLOCK or k * _BLOCK * 4 > width:
        candidates = np.broadcast_to(np.arange(width), scores.shape)
        values = scores
    else:
        block_max = np.fmax.reduceat(scores, np.arange(0, width, _BLOCK), axis=1)  # NaN-blind
        block_max[np.isnan(block_max)] = -np.inf
        blocks = _largest(block_max, k)
        candidates = (blocks[:, :, None] * _BLOCK + np.arange(_BLOCK)).reshape(rows, -1)
        in_range = candidates < width
        candidates = np.where(in_range, candidates, 0)
        values = np.where(in_range, np.take_along_axis(scores, candidates, axis=1), -np.inf)
    values = np.where(np.isnan(values), -np.inf, values)
    best = _largest(values, k)
    best_values = np.take_along_axis(values, best, axis=1)
    order = np.argsort(-best_values, axis=1, kind="stable")
    return np.take_along_axis(np.take_along_axis(candidates, best, axis=1), order, axis=1)


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
        self._key_to_index = {}
        self.vectors = np.zeros((count, self.vector_size), dtype=dtype)
        self.norms = None
        self.expandos = {}

    @property
    def key_to_index(self):
        """``{key: row}``; after a memory-mapped load it is built on first use."""
        if self._key_to_index is None:
            self._key_to_index = {key: row for row, key in enumerate(self.index_to_key)}
        return self._key_to_index

    @key_to_index.setter
    def key_to_index(self, mapping):
        self._key_to_index = mapping

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
        key returns ``default`` if given, else raises :class:`MissingKeyError` (a KeyError).
        """
        index = self.key_to_index.get(key, -1)
        if index >= 0:
            return index
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool) \
                and 0 <= key < len(self.index_to_key):
            return int(key)
        if default is not None:
            return default
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

    def __getitem__(self, keys):
        if isinstance(keys, _KEY_TYPES):
            return self.get_vector(keys)
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
        if isinstance(keys, _KEY_TYPES):
            keys = [keys]
            weights = np.asarray(weights).reshape(1, -1)
        weights = np.asarray(weights, dtype=self.vectors.dtype)
        if weights.ndim != 2 or weights.shape != (len(keys), self.vector_size):
            raise ValueError("expected %d vectors of size %d, got an array of shape %s"
                             % (len(keys), self.vector_size, weights.shape))
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
        if len(keys) == 0:
            raise ValueError("cannot compute mean with no input")
        dtype = self.vectors.dtype
        if weights is None:
            weights = np.ones(len(keys), dtype=dtype)
        elif isinstance(weights, list):
            weights = np.array(weights, dtype=dtype)
        if len(keys) != weights.shape[0]:
            raise ValueError("keys and weights array must have same number of elements")
        mean = np.zeros(self.vector_size, dtype)
        total_weight = 0
        for key, weight in zip(keys, weights):
            if isinstance(key, np.ndarray):
                mean += weight * key
            elif self.has_index_for(key):
                mean += weight * self.get_vector(key, norm=pre_normalize)
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
            How many results; None returns the similarities to every key as one array.
        clip_start, clip_end : int
            Search only rows ``[clip_start, clip_end)``.
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` rows (overrides the clip range).
        indexer : object, optional
            An approximate-neighbour index with ``most_similar(vector, topn)``.

        Returns
        -------
        list of (str, float) or numpy.ndarray
            Best first, the query keys excluded.
        """
        if isinstance(topn, Integral) and topn < 1:
            return []
        positive, negative = _ensure_list(positive), _ensure_list(negative)
        self.fill_norms()
        start, end = self._clip(clip_start, clip_end, restrict_vocab)
        keys = []
        weights = np.concatenate((np.ones(len(positive)), -np.ones(len(negative))))
        for i, item in enumerate(positive + negative):
            if isinstance(item, (str, int, np.integer, np.ndarray)):
                keys.append(item)
            else:
                keys.append(item[0])
                weights[i] = item[1]
        mean = self.get_mean_vector(keys, weights, pre_normalize=True, post_normalize=True,
                                    ignore_missing=False)
        exclude = {self.get_index(key) for key in keys if isinstance(key, _KEY_TYPES)}
        if indexer is not None and isinstance(topn, int):
            return indexer.most_similar(mean, topn)
        dists = self.vectors[start:end] @ mean / self.norms[start:end]
        if not topn:
            return dists
        return self._ranked(dists, topn, exclude, start)

    def most_similar_batch(self, queries, topn=10, restrict_vocab=None):
        """Nearest keys of many queries at once, through matrix-matrix products.

        Equivalent to ``[most_similar(positive=[q], topn=topn) for q in queries]``, but
        many times faster: up to 1,024 queries are scored against blocks of 8,192 keys by
        one matrix product each, keeping a running top-N (memory stays around 32 MB). On
        CPUs with AVX512_BF16 a bfloat16 first pass shortlists the keys instead, with the
        same results (see :func:`nearest`). Of equal similarities the earlier key comes first.

        Parameters
        ----------
        queries : list of (key or numpy.ndarray) or 2-D numpy.ndarray
            Query keys or vectors (a 2-D array is one query vector per row).
        topn : int or None
            Results per query; None returns the full ``(len(queries), n)`` similarity matrix.
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` keys.

        Returns
        -------
        list of list of (str, float) or numpy.ndarray
            One best-first result list per query, each without its own query key.
        """
        queries = list(queries)
        if isinstance(topn, Integral) and topn < 1:
            return [[] for _ in queries]
        self.fill_norms()
        _, end = self._clip(0, None, restrict_vocab)
        rows, exclude = [], []
        for query in queries:
            if isinstance(query, _KEY_TYPES):
                index = self.get_index(query)
                rows.append(self.vectors[index] / self.norms[index])
                exclude.append(index)
            else:
                query = np.asarray(query)
                if query.shape != (self.vector_size,):
                    raise ValueError("query vector has shape %s, expected (%d,)"
                                     % (query.shape, self.vector_size))
                rows.append(query)
                exclude.append(-1)
        if not rows:
            return np.empty((0, end), np.float32) if topn is None else []
        matrix = _unit_rows(np.vstack(rows))
        if not topn:
            return scaled_similarities(matrix, self.vectors[:end], self.norms[:end])
        indices, sims = nearest(matrix, self.vectors[:end], self.norms[:end], topn + 1)
        keys = self.index_to_key
        return [[(keys[i], s) for i, s in zip(row, row_sims) if i != skip and s > -np.inf][:topn]
                for row, row_sims, skip in zip(indices.tolist(), sims.tolist(), exclude)]

    def similar_by_key(self, key, topn=10, restrict_vocab=None):
        """Top-N keys most similar to ``key``."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_word = similar_by_key

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        """Top-N keys most similar to ``vector``."""
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def most_similar_cosmul(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """Top-N keys by the multiplicative 3CosMul objective (Levy and Goldberg, 2014).

        Similarities are shifted to [0, 1]; the score is the product over ``positive`` divided
        by the product over ``negative`` (+1e-6). Keys use unit vectors, raw vectors are used
        as given. Returns like :meth:`most_similar`.
        """
        if isinstance(topn, Integral) and topn < 1:
            return []
        positive, negative = _ensure_list(positive), _ensure_list(negative)
        if not positive:
            raise ValueError("cannot compute similarity with no input")
        self.fill_norms()
        _, end = self._clip(0, None, restrict_vocab)
        exclude = {self.get_index(k) for k in positive + negative if isinstance(k, _KEY_TYPES)}

        def shifted(term):
            if isinstance(term, _KEY_TYPES):
                term = self.get_vector(term, norm=True)
            return (1 + self.vectors[:end] @ term / self.norms[:end]) / 2

        numerator = np.prod([shifted(t) for t in positive], axis=0)
        denominator = np.prod([shifted(t) for t in negative], axis=0) if negative else 1.0
        dists = numerator / (denominator + 0.000001)
        if not topn:
            return dists
        return self._ranked(dists, topn, exclude)

    def rank_by_centrality(self, words, use_norm=True):
        """``(similarity, key)`` pairs ranked by similarity to the centroid of ``words``."""
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
        if isinstance(word_or_vector, _KEY_TYPES):
            vector = self.get_vector(word_or_vector)
        else:
            vector = word_or_vector
        if not other_words:
            others = self.vectors
        else:
            others = self.vectors[[self.get_index(word) for word in other_words]]
        return 1 - self.cosine_similarities(vector, others)

    def similarity(self, w1, w2):
        """Cosine similarity of two keys."""
        v1, v2 = self[w1], self[w2]
        return np.dot(v1 / np.linalg.norm(v1), v2 / np.linalg.norm(v2))

    def distance(self, w1, w2):
        """Cosine distance (1 - similarity) of two keys."""
        return 1 - self.similarity(w1, w2)

    def n_similarity(self, ws1, ws2):
        """Cosine similarity of the means of two lists of keys."""
        if not (len(ws1) and len(ws2)):
            raise ZeroDivisionError("At least one of the passed list is empty.")
        mean1 = self.get_mean_vector(ws1, pre_normalize=False)
        mean2 = self.get_mean_vector(ws2, pre_normalize=False)
        return np.dot(mean1 / np.linalg.norm(mean1), mean2 / np.linalg.norm(mean2))

    def most_similar_to_given(self, key1, keys_list):
        """The key of ``keys_list`` most similar to ``key1``."""
        return keys_list[int(np.argmax([self.similarity(key1, key) for key in keys_list]))]

    def closer_than(self, key1, key2):
        """All keys closer to ``key1`` than ``key2`` is."""
        all_distances = self.distances(key1)
        index1, index2 = self.get_index(key1), self.get_index(key2)
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
        from fastw2v.evaluation import evaluate_word_analogies
        return evaluate_word_analogies(self, analogies, restrict_vocab=restrict_vocab,
                                       case_insensitive=case_insensitive,
                                       dummy4unknown=dummy4unknown,
                                       similarity_function=similarity_function)

    def evaluate_word_pairs(self, pairs, delimiter="\t", encoding="utf8", restrict_vocab=300000,
                            case_insensitive=True, dummy4unknown=False):
        """Correlation with human similarity scores; see :func:`fastw2v.evaluation.evaluate_word_pairs`."""
        from fastw2v.evaluation import evaluate_word_pairs
        return evaluate_word_pairs(self, pairs, delimiter=delimiter, encoding=encoding,
                                   restrict_vocab=restrict_vocab, case_insensitive=case_insensitive,
                                   dummy4unknown=dummy4unknown)

    def save_word2vec_format(self, fname, fvocab=None, binary=False, total_vec=None,
                             write_header=True, prefix="", append=False, sort_attr="count"):
        """Write word2vec.c text or binary format; see :func:`fastw2v.word2vec_format.save`."""
        from fastw2v import word2vec_format
        word2vec_format.save(self, fname, fvocab=fvocab, binary=binary, total_vec=total_vec,
                             write_header=write_header, prefix=prefix, append=append,
                             sort_attr=sort_attr)

    @classmethod
    def load_word2vec_format(cls, fname, fvocab=None, binary=False, encoding="utf8",
                             unicode_errors="strict", limit=None, datatype=np.float32,
                             no_header=False):
        """Read word2vec.c text or binary format; see :func:`fastw2v.word2vec_format.load`."""
        from fastw2v import word2vec_format
        return word2vec_format.load(fname, fvocab=fvocab, binary=binary, encoding=encoding,
                                    unicode_errors=unicode_errors, limit=limit, datatype=datatype,
                                    no_header=no_header, cls=cls)

    def save(self, path):
        """Save the keys, vectors and per-key attributes (no pickle; see ``docs/file-format.md``).

        Parameters
        ----------
        path : str or os.PathLike
            The file to write; an existing file is replaced atomically.
        """
        from fastw2v import persistence
        persistence.save_keyedvectors(self, path)

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
        from fastw2v import persistence
        return persistence.load_keyedvectors(cls, path, mmap=mmap)


def nearest(queries, vectors, norms, k, bf16=True):
    """The ``k`` most similar rows of ``vectors`` for each unit query, best first.

    Queries are taken 1,024 at a time and scored against blocks of 8,192 unit vectors with
    one matrix product per block (into one reused buffer, keys along the rows). A running
    top-``k`` is kept; after the first block only the 32-key groups whose maximum beats a
    query's current ``k``-th best are examined. Rows of zero norm never rank; of equal
    similarities the earlier row ranks first.

    On CPUs with AVX512_BF16, chunks of 64 queries or more over large vocabularies take a
    bfloat16 first pass instead (:func:`_nearest_bf16`), about twice as fast, with the
    same results.

    Parameters
    ----------
    queries : numpy.ndarray
        ``(n, dim)`` float32 unit rows.
    vectors, norms : numpy.ndarray
        The rows to search and their L2 norms.
    k : int
        Results per query.
    bf16 : bool
        Allow the bfloat16 first pass; False scores every key with float32 matrix products.

    Returns
    -------
    indices : numpy.ndarray
        ``(len(queries), min(k, len(vectors)))`` row numbers.
    similarities : numpy.ndarray
        Their cosine similarities; ``-inf`` marks a filler (fewer than ``k`` rows of
        non-zero norm), whose index is meaningless.
    """
    k = min(k, len(vectors))
    all_indices = np.empty((len(queries), k), dtype=np.int64)
    all_sims = np.empty((len(queries), k), dtype=np.float32)
    block_rows = min(_KEY_BLOCK, -(-len(vectors) // _BLOCK) * _BLOCK)
    bf16 = bf16 and _bf16_applies(queries, vectors, norms, k, block_rows)
    for lo in range(0, len(queries), _QUERY_CHUNK):
        chunk = queries[lo:lo + _QUERY_CHUNK]
        if bf16 and len(chunk) >= _BF16_MIN_QUERIES:
            indices, best = _nearest_bf16(chunk, vectors, norms, k, block_rows)
        else:
            indices, best = _nearest_float32(chunk, vectors, norms, k, block_rows)
        all_indices[lo:lo + len(chunk)] = indices
        all_sims[lo:lo + len(chunk)] = best
    return all_indices, all_sims


def _nearest_float32(chunk, vectors, norms, k, block_rows):
    """:func:`nearest` for one chunk of queries, by float32 matrix products over key blocks."""
    k = min(k, len(vectors))
    buffer = np.empty((block_rows, len(chunk)), dtype=np.float32)
    unit = np.empty((block_rows, vectors.shape[1]), dtype=np.float32)
    indices = best = None
    for start in range(0, len(vectors), block_rows):
        block = vectors[start:start + block_rows]
        sims = buffer[:-(-len(block) // _BLOCK) * _BLOCK]
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(block, norms[start:start + len(block), np.newaxis], out=unit[:len(block)],
                      casting="same_kind")
        np.matmul(unit[:len(block)], chunk.T, out=sims[:len(block)])
        sims[len(block):] = -np.inf
        block_max = np.fmax.reduce(sims.reshape(-1, _BLOCK, len(chunk)), axis=1).T
        block_max[np.isnan(block_max)] = -np.inf
        if best is None:
            indices, best = _block_top_k(sims, block_max, k)
        else:
            indices, best = _merge_block(sims, block_max, start, indices, best)
    return indices, best


def _bf16_applies(queries, vectors, norms, k, block_rows):
    """Whether :func:`_nearest_bf16` can serve these arrays (exactly) and is worth it."""
    from fastw2v import _nearest

    whole_blocks = len(vectors) // block_rows * block_rows
    return (queries.dtype == vectors.dtype == norms.dtype == np.float32
            and vectors.flags.c_contiguous and norms.flags.c_contiguous
            and whole_blocks >= max(k, _BF16_MIN_KEYS) and k <= _BF16_MAX_K
            and len(vectors) < 2 ** 31 and _nearest.bf16_supported()
            and _rerank_matches_blas(vectors.shape[1]))


def _rerank_matches_blas(dim):
    """Whether this BLAS sums float32 dot products of ``dim`` terms as the bfloat16 path's
    rerank does (one fused multiply-add per dimension, in order), so that both paths give
    bit-identical similarities (checked once per vector size on a sample product)."""
    from fastw2v import _nearest

    if dim not in _BF16_MATCHES_BLAS:
        rng = np.random.default_rng(0)
        keys = rng.standard_normal((512, dim), dtype=np.float32)
        norms = np.linalg.norm(keys, axis=1)
        queries = _unit_rows(rng.standard_normal((_BF16_MIN_QUERIES, dim)))
        expected = (keys / norms[:, np.newaxis]) @ queries.T
        rows = np.arange(len(keys), dtype=np.int32)
        _BF16_MATCHES_BLAS[dim] = all(
            np.array_equal(_nearest.exact_cosines(query, keys, norms, rows), expected[:, column])
            for column, query in enumerate(queries))
    return _BF16_MATCHES_BLAS[dim]


def _bf16_margin(dim):
    """Twice the largest difference between a bfloat16 and the float32 similarity of two
    rows of length at most ``1 + _UNIT_SLACK``: the first pass keeps the keys within it of a
    query's k-th best approximate score.

    Rounding to bfloat16 (8 significant bits) moves a number by at most ``2**-8`` of it, so
    rounding both factors moves each product by at most ``2**-7 + 2**-16`` of its magnitude,
    and the magnitudes sum to at most the product of the lengths. Summing in float32 adds at
    most ``gamma(n)`` of that sum, once for the ``dim + 1`` bfloat16 terms (counting the
    padding, and allowing rounding toward zero) and once for the ``dim`` float32 terms.
    Subnormals flushed to zero add less than ``dim * 2**-120``. The result is widened to
    cover the float32 rounding of the thresholds and of the kernel's length checks.
    """
    def gamma(n, rounding=2.0 ** -23):
        return n * rounding / (1 - n * rounding)

    lengths = (1 + _UNIT_SLACK) ** 2
    bound = (2.0 ** -7 + 2.0 ** -16 + gamma(dim + 1) * (1 + 2.0 ** -6) + gamma(dim)) * lengths
    bound += dim * 2.0 ** -120
    return 2 * bound * (1 + 2.0 ** -10) + 2.0 ** -20


def _scan_threads():
    """Threads for the bfloat16 first pass: one per CPU this process may use, at most 16."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 16))


def _nearest_bf16(chunk, vectors, norms, k, block_rows):
    """:func:`nearest` for one chunk of queries, with a bfloat16 first pass: the same results.

    The first pass (:func:`_bf16_candidates`) keeps, for each query, every key of the whole
    key blocks that may belong to its top ``k``. Those keys are scored in float32 exactly as
    the float32 path scores them (see :func:`_rerank_matches_blas`) and ranked the same way.
    The float32 path itself scores the last, partial key block (BLAS may sum a product of
    another shape in another order) and the queries the first pass cannot settle: not of
    unit length (zero, say), with more near-equal keys than the candidate lists hold, or
    with fewer than ``k`` keys that can rank.
    """
    from fastw2v import _nearest

    whole_blocks = len(vectors) // block_rows * block_rows
    lengths = np.sqrt(np.einsum("ij,ij->i", chunk, chunk, dtype=np.float64))
    unit = np.abs(lengths - 1) <= _UNIT_SLACK
    searched = np.ascontiguousarray(chunk[unit])
    margin = _bf16_margin(chunk.shape[1])
    scans = _bf16_candidates(searched, vectors[:whole_blocks], norms[:whole_blocks], k, margin)
    if scans is None:
        return _nearest_float32(chunk, vectors, norms, k, block_rows)
    indices = np.empty((len(chunk), k), dtype=np.int64)
    best = np.empty((len(chunk), k), dtype=np.float32)
    indices[unit], best[unit], fallback = _nearest.rerank(scans, searched, vectors, norms, k, margin)
    redo = ~unit
    redo[np.flatnonzero(unit)[fallback]] = True
    if redo.any():
        # padded to _BF16_MIN_QUERIES rows: BLAS takes the kernel it takes for the whole chunk
        queries = np.zeros((max(np.count_nonzero(redo), _BF16_MIN_QUERIES), chunk.shape[1]),
                           dtype=np.float32)
        queries[:np.count_nonzero(redo)] = chunk[redo]
        redone, redone_sims = _nearest_float32(queries, vectors[:whole_blocks],
                                               norms[:whole_blocks], k, block_rows)
        indices[redo] = redone[:np.count_nonzero(redo)]
        best[redo] = redone_sims[:np.count_nonzero(redo)]
    if whole_blocks < len(vectors):
        tail, tail_sims = _nearest_float32(chunk, vectors[whole_blocks:], norms[whole_blocks:],
                                           k, block_rows)
        candidates = np.concatenate((indices, tail + whole_blocks), axis=1)
        values = np.concatenate((best, tail_sims), axis=1)
        keep = top_k(values, k)
        indices = np.take_along_axis(candidates, keep, axis=1)
        best = np.take_along_axis(values, keep, axis=1)
    return indices, best


def _bf16_candidates(queries, vectors, norms, k, margin):
    """The bfloat16 first pass: candidate keys of each unit query, one list per thread.

    Threads take ``_SCAN_RANGE`` keys at a time. Unit keys and queries are rounded to
    bfloat16, and every key whose approximate similarity is within ``margin`` of a query's
    running k-th best approximate similarity is kept, which cannot drop a key of the exact
    top ``k`` (see ``_nearest.h``). Returns None if a unit key row is too long for the
    margin to hold (stale norms, say).
    """
    from fastw2v import _nearest

    packed = _nearest.pack_queries(queries)
    capacity = -(-(2 * k + 160) // 16) * 16  # room to collect between prunings
    threads = min(_scan_threads(), -(-len(vectors) // _SCAN_RANGE))
    lists = [_nearest.CandidateLists(len(queries), capacity) for _ in range(threads)]
    starts = collections.deque(range(0, len(vectors), _SCAN_RANGE))

    def scan(candidates):
        """Scan the ranges left until none is; returns a status of ``_nearest.scan``."""
        while True:
            try:
                start = starts.popleft()
            except IndexError:
                return 0
            status = _nearest.scan(packed, vectors, norms, start,
                                   min(start + _SCAN_RANGE, len(vectors)),
                                   (1 + _UNIT_SLACK) ** 2, k, margin, candidates)
            if status:
                starts.clear()
                return status

    with concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="fastw2v-nearest") as pool:
        try:
            statuses = list(pool.map(scan, lists))
        finally:  # on KeyboardInterrupt, say: the threads stop after their current range
            starts.clear()
    return None if _nearest.SCAN_ODD_NORMS in statuses else lists


def _block_top_k(sims, block_max, k):
    """Top-``k`` rows of each column of ``sims``, best first, as ``(columns, k)`` arrays.

    ``block_max`` holds the maximum of each 32-row group of each column, ``(columns, groups)``.
    """
    columns = sims.shape[1]
    groups = _largest(block_max, k)
    rows = (groups[:, :, np.newaxis] * _BLOCK + np.arange(_BLOCK)).reshape(columns, -1)
    values = sims[rows, np.arange(columns)[:, np.newaxis]]
    values[np.isnan(values)] = -np.inf
    best = top_k(values, k)
    return np.take_along_axis(rows, best, axis=1), np.take_along_axis(values, best, axis=1)


def _merge_block(sims, block_max, start, indices, best):
    """Merge the rows of ``sims`` (keys ``start...``) into each column's running top-k."""
    columns, k = best.shape
    column, group = np.nonzero(block_max > best[:, -1:])
    if not len(column):
        return indices, best
    if len(column) > columns:  # many improving groups: select within the block first
        rows, values = _block_top_k(sims, block_max, k)
        candidates = np.concatenate((indices, rows + start), axis=1)
        values = np.concatenate((best, values), axis=1)
        keep = top_k(values, k)
        return np.take_along_axis(candidates, keep, axis=1), np.take_along_axis(values, keep, axis=1)
    rows = group[:, np.newaxis] * _BLOCK + np.arange(_BLOCK)
    values = sims[rows, column[:, np.newaxis]]
    values[np.isnan(values)] = -np.inf
    owner = np.concatenate((np.repeat(np.arange(columns), k), np.repeat(column, _BLOCK)))
    candidates = np.concatenate((indices.ravel(), (rows + start).ravel()))
    values = np.concatenate((best.ravel(), values.ravel()))
    order = np.lexsort((-values, owner))  # by column, then best first; earlier keys win ties
    first = np.searchsorted(owner[order], np.arange(columns))
    take = order[first[:, np.newaxis] + np.arange(k)]
    return candidates[take], values[take]


def scaled_similarities(queries, vectors, norms):
    """``queries @ vectors.T / norms`` (cosine similarities when ``queries`` are unit rows)."""
    sims = queries @ vectors.T
    with np.errstate(divide="ignore", invalid="ignore"):
        sims /= norms
    return sims
