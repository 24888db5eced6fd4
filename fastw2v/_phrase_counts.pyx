# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Counting for ``Phrases`` models: unigram and n-gram counts keyed by atom sequences.

``PhraseCounts`` counts batches of interned sentences (``_phrase_lexicon.Tokens``) without the GIL,
prunes and merges as gensim does, scores candidates from counts when applied (a
``_phrase_apply.Detector``), and hands its keys with their counts to ``fastw2v.phrases``, which
decides the phrases (gensim's export rule) and the learning loop. ``score_counts`` is the
compiled copy of the scoring formulas of ``fastw2v.phrases``, checked equal by the tests.
"""
from libc.math cimport INFINITY, log
from libc.stdint cimport INT64_MAX, int32_t, int64_t
from libc.stdlib cimport free
from libc.string cimport memset

from fastw2v._phrase_apply cimport Detector, PhraseTable, check_version, join_atoms
from fastw2v._phrase_lexicon cimport CONNECTOR, Lexicon, Tokens, grown
from fastw2v._words cimport as_sentence
from fastw2v._phrase_table cimport (AHEAD, Entry, FW_PREFETCH, Table, entry_atoms, entry_len,
                                    hash_key, score_of, table_add, table_add_hashed,
                                    table_atoms, table_export, table_free, table_get,
                                    table_import, table_init, table_prune, table_reserve)

cdef enum:
    BATCH_ATOMS = 1 << 19  # atoms counted per release of the GIL while learning

cdef enum Scoring:  # how ``PhraseCounts`` scores a candidate (``PhraseCounts.configure``)
    DEFAULT = 0     # ``score_counts``, the formula of ``original_scorer``
    NPMI = 1        # ``score_counts``, the formula of ``npmi_scorer``
    PYTHON = 2      # a call of the Python scoring function

SCORE_DEFAULT, SCORE_NPMI, SCORE_PYTHON = DEFAULT, NPMI, PYTHON


cdef inline double product(int64_t a, int64_t b) noexcept nogil:
    """``float(a * b)`` as Python computes it, exact unless the product overflows 64 bits."""
    if b != 0 and a > INT64_MAX / b:
        return <double>a * <double>b
    return <double>(a * b)


cdef inline double score_counts(int kind, int64_t a, int64_t b, int64_t ab, int64_t len_vocab,
                                double min_count, int64_t corpus_word_count) noexcept nogil:
    """``original_scorer`` (DEFAULT) or ``npmi_scorer`` (NPMI) of
    ``fastw2v.phrases``, the same float for counts below 2**53; -inf where Python's divides by
    zero (a zero count or corpus size, or ``ab`` the whole corpus for npmi)."""
    cdef double words, pa, pb, pab, ratio, surprise
    if kind == DEFAULT:
        if a == 0 or b == 0:
            return -INFINITY
        return (ab - min_count) / product(a, b) * <double>len_vocab
    if ab < min_count or corpus_word_count == 0:
        return -INFINITY
    words = <double>corpus_word_count
    pa, pb, pab = a / words, b / words, ab / words
    if pa * pb == 0:
        return -INFINITY
    ratio = pab / (pa * pb)
    if not ratio > 0:  # (log's domain)
        return -INFINITY
    surprise = -log(pab)
    if surprise == 0:
        return -INFINITY
    return log(ratio) / surprise


def score_all(int kind, const int64_t[::1] a, const int64_t[::1] b, const int64_t[::1] ab,
              int64_t len_vocab, double min_count, int64_t corpus_word_count, double[::1] out):
    """``out[i] = score_counts(kind, a[i], b[i], ab[i], ...)`` for arrays of one size."""
    cdef Py_ssize_t i
    if not a.shape[0] == b.shape[0] == ab.shape[0] == out.shape[0]:
        raise ValueError("arrays of different sizes")
    with nogil:
        for i in range(out.shape[0]):
            out[i] = score_counts(kind, a[i], b[i], ab[i], len_vocab, min_count, corpus_word_count)


cdef class PhraseCounts(Detector):
    """Unigram and n-gram counts of a ``Phrases`` model, keyed by atom sequences."""
    cdef int64_t *unigrams   # count of each one-atom key, by atom id
    cdef Py_ssize_t unigrams_cap, n_unigrams
    cdef Table table
    cdef int kind
    cdef object scorer
    cdef double min_count
    cdef object min_count_value
    cdef int64_t corpus_word_count
    cdef int64_t max_vocab_size               # while learning
    cdef readonly int64_t min_reduce
    cdef int status                           # of the last counted batch: -1 out of memory
    cdef tuple configured        # the scoring parameters, to notice a change
    cdef readonly PhraseTable phrases  # the phrases, given by ``use_phrases``; None once stale
    cdef PhraseTable compact     # and the same over a lexicon of their words only

    def __cinit__(self, Lexicon lexicon):
        self.lexicon = lexicon
        self.scratch = Tokens()
        if table_init(&self.table, 64) < 0:
            raise MemoryError()

    def __dealloc__(self):
        free(self.unigrams)
        table_free(&self.table)

    def __len__(self):
        """Number of keys, gensim's ``len(vocab)``."""
        return self.n_unigrams + self.table.size

    def configure(self, int kind, scorer, double threshold, min_count, int64_t corpus_word_count):
        """Set the scoring used by ``apply`` and ``score_tokens``; the phrases go stale if it
        changes."""
        configured = (kind, scorer, threshold, min_count, corpus_word_count)
        if configured != self.configured:
            self.phrases = None
        self.configured = configured
        self.kind, self.scorer, self.threshold = kind, scorer, threshold
        self.calls_python = kind == PYTHON
        self.min_count, self.min_count_value = min_count, min_count
        self.corpus_word_count = corpus_word_count

    def use_phrases(self, PhraseTable phrases):
        """Decide candidates whose first and last tokens are single words by ``phrases``
        (this model's phrases over its lexicon, as gensim's export rule finds them) until the
        counts or the scoring change."""
        if phrases.lexicon is not self.lexicon:
            raise ValueError("phrases over another lexicon")
        self.phrases = phrases
        self.compact = phrases.compacted()
        self.compact.threshold = -INFINITY  # holds only phrases

    cdef void changed(self) noexcept:
        self.version += 1
        self.phrases = None

    cdef Table *phrase_table(self) noexcept:
        return &self.phrases.table if self.phrases is not None else NULL

    def apply(self, sentence, bint with_scores):
        """As ``Detector.apply``. A sentence without delimiter-containing tokens (which have
        their own counts) is decided by the phrases alone, over their small lexicon."""
        sentence = as_sentence(sentence)  # (read twice)
        if self.phrases is not None:
            result = self.compact.apply_to(sentence, with_scores, True)
            if result is not None:
                return result
        return self.apply_to(sentence, with_scores, False)

    cdef void reserve(self, Py_ssize_t n) except *:
        if n > self.unigrams_cap:
            self.unigrams = <int64_t *>grown(self.unigrams, n * sizeof(int64_t))
            memset(self.unigrams + self.unigrams_cap, 0, (n - self.unigrams_cap) * sizeof(int64_t))
            self.unigrams_cap = n

    cdef inline int64_t count_of(self, const int32_t *key, Py_ssize_t n) noexcept:
        cdef Entry *e
        if n == 1:
            return self.unigrams[key[0]] if 0 <= key[0] < self.unigrams_cap else 0
        e = table_get(&self.table, key, n)
        return e.value if e != NULL else 0

    cdef double score(self, int64_t a, int64_t b, int64_t ab) except? -1.5:
        cdef int64_t len_vocab = self.n_unigrams + self.table.size
        if self.kind != PYTHON:
            return score_counts(self.kind, a, b, ab, len_vocab, self.min_count,
                                self.corpus_word_count)
        return float(self.scorer(worda_count=a, wordb_count=b, bigram_count=ab,
                                 len_vocab=len_vocab, min_count=self.min_count_value,
                                 corpus_word_count=self.corpus_word_count))

    cdef int evaluate(self, const int32_t *key, Py_ssize_t n, Py_ssize_t na, Py_ssize_t nb,
                      double *score) except -1:
        cdef int64_t a, b, ab
        cdef Entry *e
        if na == 1 and nb == 1 and self.phrases is not None:
            # both ends one atom: exactly gensim's export rule, so look in the phrases only
            if key[0] < 0 or key[n - 1] < 0:
                return 0
            e = table_get(&self.phrases.table, key, n)
            if e != NULL:
                score[0] = score_of(e)
            return e != NULL
        a = self.count_of(key, na)
        if a <= 0:
            return 0
        b = self.count_of(key + n - nb, nb)
        if b <= 0:
            return 0
        ab = self.count_of(key, n)
        if ab <= 0:
            return 0
        score[0] = self.score(a, b, ab)
        return not (score[0] <= self.threshold)

    # -- learning (the loop is ``fastw2v.phrases._learn``)

    def start_learning(self, int64_t max_vocab_size):
        """Prune to ``max_vocab_size`` keys while counting into these (empty) counts."""
        self.max_vocab_size, self.min_reduce = max_vocab_size, 1

    def fill(self, Tokens buf, sentences):
        """Intern sentences from the iterator ``sentences`` into ``buf`` until it holds a
        batch. Returns whether it does (False: the iterator is exhausted)."""
        for sentence in sentences:
            self.lexicon.put_all(buf, as_sentence(sentence), True)
            buf.end_sentence()
            if buf.n_atoms >= BATCH_ATOMS:
                return True
        return False

    def prepare_batch(self, Tokens buf):
        """Size the arrays a batch will touch (with the GIL, before counting it)."""
        self.reserve(len(self.lexicon))
        buf.reserve_keys(2 * buf.n_pos + 1)
        self.changed()

    def count_prepared(self, Tokens buf):
        """Count a prepared batch with the GIL released (on a helper thread);
        ``finish_batch`` reports how it went."""
        with nogil:
            self.status = self.count_sentences(buf, self.max_vocab_size, &self.min_reduce)

    def finish_batch(self, Tokens buf):
        """Empty a counted batch's buffer; a MemoryError if counting it ran out of memory."""
        buf.clear()
        if self.status < 0:
            raise MemoryError("out of memory while counting phrases")

    cdef int count_sentences(self, Tokens buf, int64_t max_vocab_size, int64_t *min_reduce) noexcept nogil:
        """Count sentence by sentence, pruning after a sentence that overflows the vocabulary.

        Sentences are counted in groups too small to overflow it (each position adds at most
        two keys), so the result is the same as one at a time.
        """
        cdef Py_ssize_t k = 0, last, first = 0
        cdef int64_t bound
        while k < buf.n_sent:
            last = k
            bound = self.n_unigrams + self.table.size + 2 * (buf.ends[k] - first)
            while (last + 1 < buf.n_sent
                   and bound + 2 * (buf.ends[last + 1] - buf.ends[last]) <= max_vocab_size):
                last += 1
                bound += 2 * (buf.ends[last] - buf.ends[last - 1])
            if self.count_group(buf, k, last) < 0:
                return -1
            first = buf.ends[last]
            k = last + 1
            if <int64_t>(self.n_unigrams + self.table.size) > max_vocab_size:
                if self.prune_nogil(min_reduce[0]) < 0:
                    return -1
                min_reduce[0] += 1
        return 0

    cdef int count_group(self, Tokens buf, Py_ssize_t first, Py_ssize_t last) noexcept nogil:
        """Count sentences ``first..last``: unigrams, then the table keys, hashed in advance
        so that their slots can be prefetched."""
        cdef Py_ssize_t j, k, p, start, n_keys = 0
        cdef Py_ssize_t p0 = buf.ends[first - 1] if first else 0
        cdef int64_t *at = buf.starts
        cdef int32_t atom
        for j in range(first, last + 1):
            start = -1
            for p in range(p0, buf.ends[j]):
                if p + AHEAD < buf.n_pos and buf.atoms[at[p + AHEAD]] >= 0:
                    FW_PREFETCH(&self.unigrams[buf.atoms[at[p + AHEAD]]])
                if buf.flags[p] & CONNECTOR:
                    continue
                if at[p + 1] - at[p] == 1:
                    atom = buf.atoms[at[p]]
                    if self.unigrams[atom] == 0:
                        self.n_unigrams += 1
                    self.unigrams[atom] += 1
                else:
                    buf.key_start[n_keys] = at[p]
                    buf.key_len[n_keys] = <int32_t>(at[p + 1] - at[p])
                    n_keys += 1
                if start >= 0:
                    buf.key_start[n_keys] = at[start]
                    buf.key_len[n_keys] = <int32_t>(at[p + 1] - at[start])
                    n_keys += 1
                start = p
            p0 = buf.ends[j]
        for k in range(n_keys):
            buf.key_hash[k] = hash_key(buf.atoms + buf.key_start[k], buf.key_len[k])
        for k in range(n_keys):
            if k + AHEAD < n_keys:
                FW_PREFETCH(&self.table.slots[buf.key_hash[k + AHEAD] & self.table.mask])
            if table_add_hashed(&self.table, buf.atoms + buf.key_start[k], buf.key_len[k],
                                buf.key_hash[k], 1) < 0:
                return -1
        return 0

    cdef int prune_nogil(self, int64_t min_reduce) noexcept nogil:
        cdef Py_ssize_t i
        for i in range(self.unigrams_cap):
            if 0 < self.unigrams[i] < min_reduce:
                self.unigrams[i] = 0
                self.n_unigrams -= 1
        return table_prune(&self.table, min_reduce)

    def prune(self, int64_t min_reduce):
        """Drop keys counted fewer than ``min_reduce`` times (gensim's ``prune_vocab``)."""
        self.changed()
        if self.prune_nogil(min_reduce) < 0:
            raise MemoryError()

    def merge(self, PhraseCounts other):
        """Add ``other``'s counts (over the same lexicon) to these."""
        cdef Py_ssize_t i
        cdef size_t slot
        cdef int32_t pair[2]
        cdef Entry *e
        if other.lexicon is not self.lexicon:
            raise ValueError("counts over different lexicons")
        self.changed()
        self.reserve(other.unigrams_cap)
        # at least as big as the other table (the union has at least its keys)
        if (other.table.size > self.table.size
                and table_reserve(&self.table, other.table.size - self.table.size) < 0):
            raise MemoryError()
        for i in range(other.unigrams_cap):
            if other.unigrams[i]:
                if self.unigrams[i] == 0:
                    self.n_unigrams += 1
                self.unigrams[i] += other.unigrams[i]
        for slot in range(other.table.mask + 1):
            e = &other.table.slots[slot]
            if e.key and table_add(&self.table, entry_atoms(&other.table, e, pair),
                                   entry_len(&other.table, e), e.value) < 0:
                raise MemoryError()

    def items(self):
        """Yield ``(key string, count)`` for every key."""
        cdef Py_ssize_t i
        cdef size_t slot
        cdef int32_t pair[2]
        cdef Entry *e
        cdef int64_t version = self.version
        words = self.lexicon.words
        for i in range(self.unigrams_cap):
            if self.unigrams[i]:
                yield words[i], self.unigrams[i]
                check_version(self, version)
        for slot in range(self.table.mask + 1):
            e = &self.table.slots[slot]
            if e.key:
                yield join_atoms(self.lexicon, entry_atoms(&self.table, e, pair),
                                 entry_len(&self.table, e)), e.value
                check_version(self, version)

    # -- the keys for the export rule (``fastw2v.phrases._find_phrases``)

    def candidates(self, size_t start, int64_t[::1] slots, int64_t[::1] first,
                   int64_t[::1] last, int64_t[::1] counts):
        """Fill the arrays with the n-gram keys from table slot ``start`` on: each key's slot,
        the counts of its first and of its last atom as words (0 if none), its count. Returns
        ``(keys filled, the slot to go on from)``: 0 keys at the end of the table."""
        cdef Py_ssize_t k = 0, n = min(slots.shape[0], first.shape[0], last.shape[0],
                                       counts.shape[0])
        cdef int32_t pair[2]
        cdef const int32_t *key
        cdef Entry *e
        while start <= self.table.mask and k < n:
            e = &self.table.slots[start]
            if e.key:
                key = entry_atoms(&self.table, e, pair)
                slots[k], counts[k] = start, e.value
                first[k] = self.count_of(key, 1)
                last[k] = self.count_of(key + entry_len(&self.table, e) - 1, 1)
                k += 1
            start += 1
        return k, start

    def add_phrases(self, PhraseTable phrases, int64_t version, const int64_t[::1] slots,
                    const double[::1] scores):
        """Insert the keys in table ``slots`` (from ``candidates`` while the counts were at
        ``version``) into ``phrases`` with their ``scores``."""
        cdef Py_ssize_t k
        cdef int32_t pair[2]
        cdef Entry *e
        check_version(self, version)
        if slots.shape[0] != scores.shape[0]:
            raise ValueError("%d slots but %d scores" % (slots.shape[0], scores.shape[0]))
        for k in range(slots.shape[0]):
            if not 0 <= slots[k] <= <int64_t>self.table.mask or not self.table.slots[slots[k]].key:
                raise ValueError("no key in slot %d" % slots[k])
            e = &self.table.slots[slots[k]]
            phrases.insert(entry_atoms(&self.table, e, pair), entry_len(&self.table, e), scores[k])

    # -- saving and loading

    def array_sizes(self):
        """``(words, keys, atoms)``: the sizes of the arrays ``export_arrays`` fills."""
        return len(self.lexicon), self.table.size, table_atoms(&self.table)

    def export_arrays(self, int64_t[::1] unigrams, int32_t[::1] lengths, int32_t[::1] atoms,
                      int64_t[::1] counts):
        """Fill the arrays of a saved model: the count of each word of the lexicon (by id, 0
        for none) and the n-gram keys (atoms as word ids) with their counts."""
        cdef Py_ssize_t i
        if (unigrams.shape[0] != len(self.lexicon) or lengths.shape[0] != self.table.size
                or counts.shape[0] != self.table.size or atoms.shape[0] != table_atoms(&self.table)):
            raise ValueError("arrays of the wrong size")
        for i in range(unigrams.shape[0]):
            unigrams[i] = self.unigrams[i] if i < self.unigrams_cap else 0
        if self.table.size:
            table_export(&self.table, &lengths[0], &atoms[0], &counts[0])

    def import_arrays(self, list words, const int64_t[::1] unigrams, const int32_t[::1] lengths,
                      const int32_t[::1] atoms, const int64_t[::1] counts):
        """Fill these empty counts from the arrays of ``export_arrays`` and the lexicon's
        ``words`` (in id order), checked by the caller: a ValueError if a key is invalid or a
        duplicate."""
        cdef Py_ssize_t i
        cdef int32_t *ids
        if unigrams.shape[0] != len(words) or counts.shape[0] != lengths.shape[0]:
            raise ValueError("arrays of inconsistent sizes")
        self.changed()
        ids = self.lexicon.intern_all(words)
        try:
            self.reserve(len(self.lexicon))
            for i in range(unigrams.shape[0]):
                if unigrams[i]:
                    if self.unigrams[ids[i]] == 0:
                        self.n_unigrams += 1
                    self.unigrams[ids[i]] += unigrams[i]
            if lengths.shape[0]:
                table_import(&self.table, ids, len(words), lengths.shape[0], &lengths[0],
                             atoms.shape[0], &atoms[0] if atoms.shape[0] else NULL, &counts[0])
        finally:
            free(ids)
