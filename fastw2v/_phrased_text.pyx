# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Phrases applied to text as the compiled text layer reads it: ``model[reader]`` trained or
counted without a Python string per word.

A ``PhraseFeed`` is the ``SentenceTransform`` a ``TextStream`` applies to each sentence it
cuts. It gives every word an id in its own word table (``WordHash``: UTF-8 bytes -> id),
knows each id's atoms (the word split at the delimiter, as ``fastw2v.phrases`` keys
candidates), and joins a sentence's phrases exactly as gensim's ``analyze_sentence`` does:
a candidate is a word, the connector words after it, and the next word. Candidates are
looked up, as atom sequences, in a second ``WordHash`` of the phrases; a phrase's output
is the id of its text in the word table, so tokens and phrases share one id space.

A ``Phrases`` model (not frozen) decides a candidate whose first or last word holds the
delimiter from that word's own count, which the phrase list does not carry: such
candidates, rare outside corpora phrased already, are asked of the model itself (the GIL
taken for the call).

Counting, the feed counts its output per id; training, it writes the vocabulary id of each
output token (-1, dropped: not in the vocabulary).
"""
from libc.stdint cimport INT32_MAX, int32_t, int64_t, uint8_t
from libc.stdlib cimport free
from libc.string cimport memcmp

from fastw2v._phrase_lexicon cimport grown
from fastw2v._reading cimport SentenceTransform
from fastw2v._words cimport WordHash, resized

cdef enum:
    CONNECTOR = 1   # a connector word: inside a phrase, never at its ends
    FIRST = 2       # the first atom of some phrase
    LAST = 4        # the last atom of some phrase
    UNKNOWN = -2    # (training a frozen model) a word seen nowhere: never part of a phrase
    FAILED = -3     # an error, kept in ``PhraseFeed.error``


cdef class PhraseFeed(SentenceTransform):
    """A phrase model's phrases, applied to sentences of words read by the text layer.

    Parameters
    ----------
    model : fastw2v.phrases.Phrases or fastw2v.phrases.FrozenPhrases
        Its phrases are read once, here: later changes to the model are not seen.
    vocabulary : WordHash, optional
        Training: the vocabulary (word -> vocabulary id) the output is written in. Without
        it the feed counts its output (``counts``).
    """
    cdef WordHash words          # every word met, the phrases' texts and their atoms
    cdef WordHash keys           # phrases, keyed by the bytes of their atoms' word ids
    cdef int32_t *phrase_word    # by phrase: the word id of its text
    cdef int32_t *n_atoms        # by word: its number of atoms,
    cdef int64_t *atoms_at       # where they are in ``atoms`` (if more than one),
    cdef uint8_t *flags          # CONNECTOR | FIRST | LAST,
    cdef int32_t *output         # and (training) its vocabulary id, or -1
    cdef int64_t info_capacity
    cdef int32_t *atoms
    cdef int64_t n_atoms_used, atoms_capacity
    cdef int32_t *key            # scratch: a candidate's atoms
    cdef int64_t key_capacity
    cdef bytes delimiter
    cdef const char *delimiter_bytes
    cdef Py_ssize_t delimiter_length
    cdef bint counting
    cdef bint by_table           # every candidate is decided by the phrase list (frozen models)
    cdef bint keep_unknown       # add words never seen to the table (else UNKNOWN)
    cdef object model
    cdef object error

    def __init__(self, model, WordHash vocabulary=None):
        from fastw2v.phrases import FrozenPhrases
        self.words, self.keys = WordHash(), WordHash()
        self.model = model
        self.delimiter = model.delimiter.encode("utf8")
        self.delimiter_bytes, self.delimiter_length = self.delimiter, len(self.delimiter)
        self.counting = vocabulary is None
        self.by_table = isinstance(model, FrozenPhrases)
        self.keep_unknown = self.counting or not self.by_table
        for word in model.connector_words:
            self.flags[self.word_id(word.encode("utf8"))] |= CONNECTOR
        if self.by_table:
            phrases = [phrase for phrase, score in model.phrasegrams.items()
                       if score > model.threshold]
        else:
            phrases = list(model.export_phrases())
        for phrase in phrases:
            self.add_phrase(phrase.encode("utf8"))
        if vocabulary is not None:
            self.add_vocabulary(vocabulary)

    def __dealloc__(self):
        free(self.phrase_word)
        free(self.n_atoms)
        free(self.atoms_at)
        free(self.flags)
        free(self.output)
        free(self.atoms)
        free(self.key)

    cdef int64_t word_id(self, bytes word) except FAILED:
        cdef int64_t word_id = self.add_word(word, len(word))
        if word_id < 0:
            raise MemoryError()
        return word_id

    cdef add_phrase(self, bytes phrase):
        cdef int64_t text = self.word_id(phrase), n = self.n_atoms[text], pid
        cdef const int32_t *atoms = self.atoms + self.atoms_at[text]
        if n < 2:  # a one-word "phrase": no candidate is ever one
            return
        pid = self.keys.add(<const char *>atoms, <int32_t>(n * sizeof(int32_t)), 0)
        if pid < 0:
            raise MemoryError()
        self.phrase_word = <int32_t *>grown(self.phrase_word, self.keys.size * sizeof(int32_t))
        self.phrase_word[pid] = <int32_t>text
        self.flags[atoms[0]] |= FIRST
        self.flags[atoms[n - 1]] |= LAST

    cdef add_vocabulary(self, WordHash vocabulary):
        cdef int64_t i, word
        for i in range(vocabulary.size):
            word = self.add_word(vocabulary.arena + vocabulary.offsets[i], vocabulary.lengths[i])
            if word < 0:
                raise MemoryError()
            self.output[word] = <int32_t>i

    def counts(self):
        """``{word: count}`` of the output so far (counting)."""
        words, counts = self.words.words_and_counts()
        return {word: count for word, count in zip(words, counts.tolist()) if count}

    # -- the word table

    cdef int64_t add_word(self, const char *word, int32_t length) noexcept nogil:
        """The id of ``word``, added (with its atoms) if new; -1 when out of memory."""
        cdef int64_t word_id = self.words.lookup(word, length), size = self.words.size
        cdef int64_t i, start, piece, first
        if word_id >= 0:
            return word_id
        word_id = self.words.add(word, length, 0)
        if word_id < 0 or self.reserve_info(self.words.size) < 0:
            return -1
        self.flags[word_id] = 0
        self.output[word_id] = -1
        self.n_atoms[word_id] = 1
        self.atoms_at[word_id] = 0
        if not self.has_delimiter(word, length):
            return word_id
        # its atoms: the pieces between delimiters (empty ones too, as str.split gives them)
        first = self.n_atoms_used
        start = 0
        i = 0
        while i <= length:
            if i == length or self.delimiter_at(word, length, i):
                piece = self.add_word(word + start, <int32_t>(i - start))
                if piece < 0 or self.reserve_atoms(1) < 0:
                    return -1
                self.atoms[self.n_atoms_used] = <int32_t>piece
                self.n_atoms_used += 1
                start = i + self.delimiter_length
                i = start
            else:
                i += 1
        self.n_atoms[word_id] = <int32_t>(self.n_atoms_used - first)
        self.atoms_at[word_id] = first
        return word_id

    cdef inline bint delimiter_at(self, const char *word, int32_t length, int64_t i) noexcept nogil:
        return (i + self.delimiter_length <= length
                and memcmp(word + i, self.delimiter_bytes, self.delimiter_length) == 0)

    cdef bint has_delimiter(self, const char *word, int32_t length) noexcept nogil:
        cdef int64_t i
        for i in range(length):
            if self.delimiter_at(word, length, i):
                return True
        return False

    cdef int reserve_info(self, int64_t size) noexcept nogil:
        cdef int64_t capacity
        if size <= self.info_capacity:
            return 0
        capacity = 2 * size + 1024
        if not (resized(<void **>&self.n_atoms, capacity * sizeof(int32_t))
                and resized(<void **>&self.atoms_at, capacity * sizeof(int64_t))
                and resized(<void **>&self.flags, capacity * sizeof(uint8_t))
                and resized(<void **>&self.output, capacity * sizeof(int32_t))):
            return -1
        self.info_capacity = capacity
        return 0

    cdef int reserve_atoms(self, int64_t extra) noexcept nogil:
        cdef int64_t capacity
        if self.n_atoms_used + extra <= self.atoms_capacity:
            return 0
        capacity = 2 * (self.n_atoms_used + extra) + 1024
        if not resized(<void **>&self.atoms, capacity * sizeof(int32_t)):
            return -1
        self.atoms_capacity = capacity
        return 0

    cdef inline int32_t first_atom(self, int64_t word) noexcept nogil:
        return <int32_t>word if self.n_atoms[word] == 1 else self.atoms[self.atoms_at[word]]

    cdef inline int32_t last_atom(self, int64_t word) noexcept nogil:
        if self.n_atoms[word] == 1:
            return <int32_t>word
        return self.atoms[self.atoms_at[word] + self.n_atoms[word] - 1]

    # -- SentenceTransform

    cdef int64_t token(self, const char *word, int32_t length) noexcept nogil:
        cdef int64_t word_id = self.words.lookup(word, length)
        if word_id >= 0:
            return word_id
        if self.keep_unknown or self.has_delimiter(word, length):
            return self.add_word(word, length)
        return UNKNOWN

    cdef int64_t rewrite(self, int32_t *ids, int64_t n, int64_t *tokens) noexcept nogil:
        """gensim's ``analyze_sentence`` over ``ids``, in place (each output token takes the
        place of at least one input word, so writing never overtakes reading)."""
        cdef int64_t i, j, start = -1, m = 0, phrase
        tokens[0] = 0
        for i in range(n):
            if ids[i] >= 0 and self.flags[ids[i]] & CONNECTOR:
                if start < 0:
                    m = self.emit(ids, m, ids[i], tokens)
                continue
            if start >= 0:
                phrase = self.candidate(ids, start, i)
                if phrase == FAILED:
                    return -1
                if phrase >= 0:
                    m = self.emit(ids, m, phrase, tokens)
                    start = -1
                    continue
                for j in range(start, i):
                    m = self.emit(ids, m, ids[j], tokens)
            start = i
        if start >= 0:
            for j in range(start, n):
                m = self.emit(ids, m, ids[j], tokens)
        return m

    cdef inline int64_t emit(self, int32_t *ids, int64_t m, int64_t word, int64_t *tokens) noexcept nogil:
        cdef int64_t *counts = self.words.counts
        tokens[0] += 1
        if self.counting:
            counts[word] += 1  # (every word has an id when counting)
        elif word >= 0 and self.output[word] >= 0:
            ids[m] = self.output[word]
            m += 1
        return m

    cdef int64_t candidate(self, const int32_t *ids, int64_t start, int64_t stop) noexcept nogil:
        """The word id of the phrase ``ids[start..stop]`` (a word, connectors, a word), or
        -1 if they are no phrase."""
        cdef int64_t a = ids[start], b = ids[stop], j, k, n = 0, phrase
        if a < 0 or b < 0:
            return -1
        if not self.by_table and (self.n_atoms[a] > 1 or self.n_atoms[b] > 1):
            return self.ask_model(ids, start, stop)
        if not (self.flags[self.first_atom(a)] & FIRST and self.flags[self.last_atom(b)] & LAST):
            return -1
        for j in range(start, stop + 1):
            n += self.n_atoms[ids[j]]
        if n > self.key_capacity:
            if not resized(<void **>&self.key, 2 * n * sizeof(int32_t)):
                return self.fail_nogil()
            self.key_capacity = 2 * n
        n = 0
        for j in range(start, stop + 1):
            if self.n_atoms[ids[j]] == 1:
                self.key[n] = ids[j]
                n += 1
            else:
                for k in range(self.n_atoms[ids[j]]):
                    self.key[n] = self.atoms[self.atoms_at[ids[j]] + k]
                    n += 1
        if n * sizeof(int32_t) > INT32_MAX:
            return -1
        phrase = self.keys.lookup(<const char *>self.key, <int32_t>(n * sizeof(int32_t)))
        return self.phrase_word[phrase] if phrase >= 0 else -1

    cdef int64_t ask_model(self, const int32_t *ids, int64_t start, int64_t stop) noexcept nogil:
        with gil:
            try:
                phrase, score = self.model.score_candidate(
                    self.text(ids[start]), self.text(ids[stop]),
                    [self.text(ids[j]) for j in range(start + 1, stop)])
                return -1 if phrase is None else self.word_id(phrase.encode("utf8"))
            except BaseException as exc:
                self.error = exc
                return FAILED

    cdef int64_t fail_nogil(self) noexcept nogil:
        with gil:
            self.error = MemoryError("out of memory joining phrases")
        return FAILED

    cdef str text(self, int64_t word):
        cdef WordHash words = self.words
        return words.arena[words.offsets[word]:words.offsets[word] + words.lengths[word]].decode("utf8")

    cdef int raise_error(self) except -1:
        error, self.error = self.error, None
        raise error if error is not None else MemoryError("out of memory joining phrases")
