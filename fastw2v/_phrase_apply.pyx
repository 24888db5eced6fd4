# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Applying phrase models: gensim's ``analyze_sentence`` over the atoms of a sentence.

``Detector`` joins the phrases of a sentence, deciding each candidate (a run of tokens from
one non-connector word to the next, connector words in between) with ``evaluate``;
``PhraseTable``, the phrases of a ``FrozenPhrases`` model, decides by its table of phrase
scores, and ``_phrase_counts.PhraseCounts`` by counts. Argument checking lives in
``fastw2v.phrases``; here we check only what keeps C in bounds.
"""
from cpython.list cimport PyList_GET_ITEM, PyList_New, PyList_SET_ITEM
from cpython.ref cimport Py_INCREF, Py_XDECREF, PyObject
from libc.math cimport INFINITY
from libc.stdint cimport int32_t, int64_t, uint32_t
from libc.stdlib cimport free
from libc.string cimport memcpy, memset

from fastw2v._phrase_lexicon cimport CONNECTOR, Lexicon, Tokens, grown
from fastw2v._words cimport as_sentence
from fastw2v._phrase_table cimport (AHEAD, Entry, FW_PREFETCH, Table, entry_atoms, entry_len,
                                    fitting_capacity, hash_key, score_of, table_add,
                                    table_atoms, table_build_filter, table_export, table_free,
                                    table_get, table_import, table_init, table_may_hold,
                                    table_resize)

cdef extern from "Python.h":
    int PyList_SetSlice(object o, Py_ssize_t low, Py_ssize_t high, PyObject *items) except -1


cdef inline Py_ssize_t emit(list out, Py_ssize_t m, object token, list scores) except -1:
    """Set ``out[m] = token`` in a list made by ``PyList_New``; also a None score if scoring."""
    Py_INCREF(token)
    PyList_SET_ITEM(out, m, token)
    if scores is not None:
        scores.append(None)
    return m + 1


cdef check_version(Detector detector, int64_t version):
    """A RuntimeError if ``detector`` changed since it was at ``version``."""
    if detector.version != version:
        raise RuntimeError("phrase model changed during iteration")


cdef str join_atoms(Lexicon lexicon, const int32_t *key, Py_ssize_t n):
    """The string of a key: its atoms joined by the delimiter."""
    words = lexicon.words
    return lexicon.delimiter.join([words[key[k]] for k in range(n)])


cdef class Detector:
    """Applies a phrase model to sentences; subclasses decide whether a candidate is a phrase."""

    cdef int evaluate(self, const int32_t *key, Py_ssize_t n, Py_ssize_t na, Py_ssize_t nb,
                      double *score) except -1:
        """Whether a candidate (``na`` atoms of its first token, ``nb`` of its last) is a phrase."""
        raise NotImplementedError

    cdef Table *phrase_table(self) noexcept:
        """The table ``evaluate`` looks candidates up in, to prefetch from; NULL if none."""
        return NULL

    cdef str phrase_text(self, list seq, Py_ssize_t start, Py_ssize_t stop):
        """The phrase made of tokens ``seq[start:stop]``, just accepted by ``evaluate``."""
        return self.lexicon.delimiter.join(seq[start:stop])

    cdef Tokens borrow(self):
        if self.scratch_busy:  # re-entered from a Python scorer: use a fresh buffer
            return Tokens()
        self.scratch_busy = True
        self.scratch.clear()
        return self.scratch

    def apply(self, sentence, bint with_scores):
        """Join the phrases of one sentence: ``(tokens, scores or None)``, as gensim's
        ``analyze_sentence`` (a score per output token, None for single words)."""
        return self.apply_to(sentence, with_scores, False)

    cdef object apply_to(self, sentence, bint with_scores, bint plain_only):
        """``apply``; with ``plain_only``, None if a token contains the delimiter."""
        cdef list seq = as_sentence(sentence)
        cdef Tokens buf = self.borrow()
        if self.calls_python and seq is sentence:
            seq = list(seq)
        try:
            self.lexicon.put_all(buf, seq, False)
            if plain_only and buf.split_tokens:
                return None
            return self.join(seq, buf, with_scores)
        finally:
            if buf is self.scratch:
                self.scratch_busy = False

    cdef tuple join(self, list seq, Tokens buf, bint with_scores):
        """gensim's ``analyze_sentence`` over the atoms in ``buf`` of the tokens ``seq``."""
        cdef Py_ssize_t i, j, start = -1, n = buf.n_pos, m = 0
        cdef size_t slot
        cdef PyObject *text
        cdef int64_t *at = buf.starts
        cdef double score
        cdef list out = PyList_New(n)  # filled up to m, then cut
        cdef list scores = [] if with_scores else None
        cdef Table *table = self.phrase_table()
        if table != NULL:
            self.hash_candidates(buf)
        for i in range(n):
            if i + AHEAD < n:  # the token object, to be referenced from ``out``
                FW_PREFETCH(PyList_GET_ITEM(seq, i + AHEAD))
                if table != NULL and buf.key_len[i + AHEAD]:
                    slot = buf.key_hash[i + AHEAD] & table.mask  # (where it is, unless it collided)
                    FW_PREFETCH(&table.slots[slot])
                    if self.texts != NULL:  # and the phrase's cached text, in two steps
                        FW_PREFETCH(&self.texts[slot])
            if self.texts != NULL and i + AHEAD // 2 < n and buf.key_len[i + AHEAD // 2]:
                text = self.texts[buf.key_hash[i + AHEAD // 2] & table.mask]
                if text != NULL:
                    FW_PREFETCH(text)
            if buf.flags[i] & CONNECTOR:
                if start < 0:
                    m = emit(out, m, <object>PyList_GET_ITEM(seq, i), scores)
                continue
            if start >= 0:
                # an unknown first or last word (atom -1) never makes a phrase, nor does a
                # candidate the table's filter rules out (key_len 0)
                if (buf.atoms[at[start]] >= 0 and buf.atoms[at[i + 1] - 1] >= 0
                        and (table == NULL or buf.key_len[i])
                        and self.evaluate(buf.atoms + at[start], at[i + 1] - at[start],
                                          at[start + 1] - at[start], at[i + 1] - at[i], &score)):
                    m = emit(out, m, self.phrase_text(seq, start, i + 1), None)
                    if with_scores:
                        scores.append(score)
                    start = -1
                    continue
                for j in range(start, i):
                    m = emit(out, m, <object>PyList_GET_ITEM(seq, j), scores)
            start = i
        if start >= 0:
            for j in range(start, n):
                m = emit(out, m, <object>PyList_GET_ITEM(seq, j), scores)
        if m < n:  # cut the unused tail, set first: a list must be whole before it is resized
            for j in range(m, n):
                emit(out, j, None, None)
            PyList_SetSlice(out, m, n, NULL)
        return out, scores

    cdef void hash_candidates(self, Tokens buf) except *:
        """Hash the candidate ending at each word (from the previous word, whether or not that
        one is still free when the sentence is joined), to prefetch the slots; its length is
        left 0 if it has an unknown end or the phrase table's filter rules it out."""
        cdef Py_ssize_t i, prev = -1
        cdef int64_t *at = buf.starts
        cdef int32_t n
        cdef uint32_t h
        cdef const Table *table = self.phrase_table()
        buf.reserve_keys(buf.n_pos + 1)
        for i in range(buf.n_pos):
            buf.key_len[i] = 0
            if buf.flags[i] & CONNECTOR:
                continue
            if prev >= 0 and buf.atoms[at[prev]] >= 0 and buf.atoms[at[i + 1] - 1] >= 0:
                n = <int32_t>(at[i + 1] - at[prev])
                h = hash_key(buf.atoms + at[prev], n)
                buf.key_hash[i] = h
                buf.key_len[i] = n * table_may_hold(table, h)  # (no branch on the filter)
            prev = i

    def score_tokens(self, tokens):
        """The score of the candidate made of ``tokens`` (first, in-between..., last), or None."""
        cdef Tokens buf = Tokens()
        cdef double score
        cdef int64_t *at
        self.lexicon.put_all(buf, list(tokens), False)
        at = buf.starts
        if buf.n_pos < 2:
            return None
        if self.evaluate(buf.atoms, buf.n_atoms, at[1], buf.n_atoms - at[buf.n_pos - 1], &score):
            return score
        return None


cdef class PhraseTable(Detector):
    """The phrases of a ``FrozenPhrases`` model: atom sequences -> scores."""

    def __cinit__(self, Lexicon lexicon):
        self.lexicon = lexicon
        self.scratch = Tokens()
        if table_init(&self.table, 64) < 0:
            raise MemoryError()

    def __dealloc__(self):
        self.forget_texts()
        table_free(&self.table)

    def __len__(self):
        return self.table.size

    def configure(self, double threshold):
        self.threshold = threshold

    cdef Table *phrase_table(self) noexcept:
        return &self.table

    cdef str phrase_text(self, list seq, Py_ssize_t start, Py_ssize_t stop):
        """The text of the phrase in slot ``matched``, joined once and then reused: a key's
        atoms determine its text (tokens are split at the delimiter into atoms)."""
        cdef str text
        if self.texts == NULL:
            self.texts = <PyObject **>grown(NULL, (self.table.mask + 1) * sizeof(PyObject *))
            memset(self.texts, 0, (self.table.mask + 1) * sizeof(PyObject *))
        if self.texts[self.matched] == NULL:
            text = self.lexicon.delimiter.join(seq[start:stop])
            Py_INCREF(text)
            self.texts[self.matched] = <PyObject *>text
        return <str>self.texts[self.matched]

    cdef void forget_texts(self) noexcept:
        """Drop the phrase texts, before the slots move."""
        cdef size_t i
        if self.texts != NULL:
            for i in range(self.table.mask + 1):
                Py_XDECREF(self.texts[i])
            free(self.texts)
            self.texts = NULL

    def finish(self):
        """Once built, spread the phrase and string tables to a quarter full and build the
        phrase table's filter: most lookups while applying are misses, which the filter
        answers, or which end after a probe or two."""
        self.forget_texts()
        if (table_resize(&self.table, fitting_capacity(2 * self.table.size)) < 0
                or table_build_filter(&self.table) < 0):
            raise MemoryError()
        self.lexicon.resize(fitting_capacity(2 * len(self.lexicon)))

    cpdef PhraseTable compacted(self):
        """A copy over a new lexicon holding only the connector words and the phrases' atoms."""
        cdef size_t i
        cdef Py_ssize_t k, n
        cdef int32_t pair[2]
        cdef const int32_t *old
        cdef Entry *e
        cdef Lexicon lexicon = Lexicon(self.lexicon.delimiter, self.lexicon.connector_words, True)
        cdef PhraseTable copy = PhraseTable(lexicon)
        cdef int32_t *remap = <int32_t *>grown(NULL, max(len(self.lexicon), 1) * sizeof(int32_t))
        cdef int32_t *key = NULL
        cdef Py_ssize_t key_cap = 0
        words = self.lexicon.words
        memset(remap, 0xFF, len(self.lexicon) * sizeof(int32_t))
        try:
            for i in range(self.table.mask + 1):
                e = &self.table.slots[i]
                n = entry_len(&self.table, e)
                if not n:
                    continue
                if n > key_cap:
                    key_cap = 2 * n
                    key = <int32_t *>grown(key, key_cap * sizeof(int32_t))
                old = entry_atoms(&self.table, e, pair)
                for k in range(n):
                    if remap[old[k]] < 0:
                        remap[old[k]] = lexicon.intern(words[old[k]])
                    key[k] = remap[old[k]]
                copy.insert(key, n, score_of(e))
        finally:
            free(remap)
            free(key)
        copy.finish()
        return copy

    cdef void insert(self, const int32_t *key, Py_ssize_t n, double score) except *:
        cdef Entry *e
        self.version += 1
        self.forget_texts()
        if table_add(&self.table, key, n, 0) < 0:
            raise MemoryError()
        e = table_get(&self.table, key, n)
        memcpy(&e.value, &score, sizeof(double))

    def add(self, str phrase, double score):
        """Record ``phrase`` (delimiter-joined) with its score; one-word keys are never matched
        by a candidate, so they are skipped."""
        pieces = self.lexicon.split(phrase)
        cdef Py_ssize_t n = len(pieces), k
        cdef int32_t *atoms
        if n < 2:
            return
        atoms = <int32_t *>grown(NULL, n * sizeof(int32_t))
        try:
            for k in range(n):
                atoms[k] = self.lexicon.intern(pieces[k])
            self.insert(atoms, n, score)
        finally:
            free(atoms)

    def array_sizes(self):
        """``(words, phrases, atoms)``: the sizes of the arrays ``export_arrays`` fills."""
        return len(self.lexicon), self.table.size, table_atoms(&self.table)

    def export_arrays(self, int32_t[::1] lengths, int32_t[::1] atoms, int64_t[::1] score_bits):
        """Fill the arrays of a saved model: the phrases (atoms as word ids, the lexicon's
        words in id order) and the bits of their float64 scores."""
        if (lengths.shape[0] != self.table.size or score_bits.shape[0] != self.table.size
                or atoms.shape[0] != table_atoms(&self.table)):
            raise ValueError("arrays of the wrong size")
        if self.table.size:
            table_export(&self.table, &lengths[0], &atoms[0], &score_bits[0])

    def import_arrays(self, list words, const int32_t[::1] lengths, const int32_t[::1] atoms,
                      const int64_t[::1] score_bits):
        """Fill this empty table from the arrays of ``export_arrays`` and ``words``, checked
        by the caller: a ValueError if a key is invalid or a duplicate."""
        cdef int32_t *ids = self.lexicon.intern_all(words)
        self.version += 1
        try:
            if score_bits.shape[0] != lengths.shape[0]:
                raise ValueError("%d phrases but %d scores" % (lengths.shape[0], score_bits.shape[0]))
            if lengths.shape[0]:
                table_import(&self.table, ids, len(words), lengths.shape[0], &lengths[0],
                             atoms.shape[0], &atoms[0] if atoms.shape[0] else NULL, &score_bits[0])
        finally:
            free(ids)
        self.finish()

    def items(self):
        """Yield ``(phrase, score)`` for every phrase."""
        cdef size_t i
        cdef int32_t pair[2]
        cdef Entry *e
        cdef int64_t version = self.version
        for i in range(self.table.mask + 1):
            e = &self.table.slots[i]
            if e.key:
                yield (join_atoms(self.lexicon, entry_atoms(&self.table, e, pair), entry_len(&self.table, e)),
                       score_of(e))
                check_version(self, version)

    cdef int evaluate(self, const int32_t *key, Py_ssize_t n, Py_ssize_t na, Py_ssize_t nb,
                      double *score) except -1:
        cdef Entry *e = NULL
        if key[0] >= 0 and key[n - 1] >= 0:  # an unknown atom: no phrase can match
            e = table_get(&self.table, key, n)
        if e == NULL:
            score[0] = -INFINITY
            return False
        score[0] = score_of(e)
        self.matched = e - self.table.slots
        return score[0] > self.threshold

