"""Word vectors: storage, lookup and queries (gensim 4 ``KeyedVectors`` API)."""
import numpy as np


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
        self.key_to_index = {}
        self.vectors = np.zeros((count, self.vector_size), dtype=dtype)
        self.norms = None
        self.expandos = {}

    def __len__(self):
        return len(self.index_to_key)

    def __contains__(self, key):
        return key in self.key_to_index

    def get_index(self, key, default=None):
        """Row index of ``key``; ``default`` if given and the key is missing, else KeyError."""
        index = self.key_to_index.get(key)
        if index is not None:
            return index
        if default is not None:
            return default
        raise KeyError("Key %r not present in vocabulary" % (key,))

    def get_vector(self, key, norm=False):
        """The vector of ``key`` (unit length if ``norm``)."""
        index = self.get_index(key)
        if norm:
            self.fill_norms()
            return self.vectors[index] / self.norms[index]
        return self.vectors[index]

    def __getitem__(self, keys):
        if isinstance(keys, (list, tuple, np.ndarray)):
            return np.vstack([self.get_vector(key) for key in keys])
        return self.get_vector(keys)

    def fill_norms(self, force=False):
        """Compute the L2 norm of every vector (cached until ``force``)."""
        if self.norms is None or force or len(self.norms) != len(self.vectors):
            self.norms = np.linalg.norm(self.vectors, axis=1)

    def allocate_vecattrs(self, attrs=None, types=None):
        """Make sure each named per-key attribute array has one slot per key."""
        attrs = attrs or list(self.expandos)
        types = types or [self.expandos[attr].dtype for attr in attrs]
        for attr, dtype in zip(attrs, types):
            old = self.expandos.get(attr)
            new = np.zeros(len(self.index_to_key), dtype=dtype)
            if old is not None:
                new[: min(len(old), len(new))] = old[: len(new)]
            self.expandos[attr] = new

    def get_vecattr(self, key, attr):
        """The value of per-key attribute ``attr`` (e.g. ``"count"``) for ``key``."""
        return self.expandos[attr][self.get_index(key)].item()

    def set_vecattr(self, key, attr, value):
        """Set per-key attribute ``attr`` of ``key``."""
        if attr not in self.expandos:
            self.allocate_vecattrs([attr], [np.asarray(value).dtype])
        self.expandos[attr][self.get_index(key)] = value
