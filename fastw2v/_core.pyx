# cython: language_level=3
"""Compiled training kernels: the Python-facing side of ``_kernels.h``.

``TrainingKernel`` holds the model's arrays; ``train_batch`` trains sentences of word ids
and ``train_file_range`` reads, converts and trains a byte range of a text file, both with
the GIL released. ``use_variant`` picks the instruction set they run with. Arguments are
checked in ``fastw2v.word2vec`` and ``fastw2v.parameters``; here we only check what would
otherwise make the C code read or write out of bounds.
"""
import numpy as np

from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memset

from fastw2v._vocab cimport RangeCounts, WordHash, check_read, read_range

cdef extern from "_kernels.h" nogil:
    enum: FW_SIGMOID_TABLE_SIZE
    ctypedef struct fw_model:
        float *syn0
        float *syn1neg
        float *syn1
        int dim, sg, negative, hs, window, cbow_mean, shrink_windows, batched, max_code_len
        const uint64_t *keep_threshold
        const uint32_t *alias_prob
        const int32_t *alias_index
        int32_t vocab_size
        const int64_t *code_offsets
        const uint8_t *codes
        const int32_t *points
        const float *sigmoid_table
        int top_nodes
        unsigned char *top_lock
    ctypedef struct fw_worker:
        uint64_t rng
        double loss
        int64_t trained_words
        int64_t nonfinite
        float *hidden
        float *grad
        int32_t *kept
        int block_in_cap, block_out_cap
    void fw_fill_sigmoid_table(float *table)
    void *fw_scratch_alloc(size_t bytes)
    void fw_scratch_free(void *p)
    int fw_worker_prepare(fw_worker *w, const fw_model *m)
    void fw_worker_free_blocks(fw_worker *w)
    void fw_train_batch(const fw_model *m, fw_worker *w, const int32_t *ids, const int64_t *ends,
                        int64_t n_sentences, float alpha_start, float alpha_end, int compute_loss)
    int fw_cpu_runs(int level)
    int fw_use_variant(int level)

cdef extern from *:
    """
    #ifndef FASTW2V_COMPILE_ARGS
    #define FASTW2V_COMPILE_ARGS "unknown"
    #endif
    """
    const char *FASTW2V_COMPILE_ARGS

# Instruction sets the kernels are compiled for, by name: their level in fw_use_variant.
VARIANTS = {"baseline": 1, "x86-64-v3": 3, "x86-64-v4": 4}


def compile_args():
    """The compiler flags this module was built with."""
    return FASTW2V_COMPILE_ARGS.decode()


def cpu_runs(str variant):
    """Whether this build has ``variant`` (a key of ``VARIANTS``) and this CPU runs it."""
    return bool(fw_cpu_runs(VARIANTS[variant]))


def use_variant(str variant):
    """Train with ``variant`` from now on (the caller checks ``cpu_runs`` first)."""
    if fw_use_variant(VARIANTS[variant]) < 0:
        raise ValueError("this build or CPU cannot run the %s kernels" % variant)


cdef class WorkerState:
    """One training thread's random generator, tallies and scratch buffers."""
    # in its own cache lines: the generator and tallies change with every word
    cdef fw_worker *state
    cdef int64_t kept_capacity
    # word ids and sentence ends of a file range, kept between calls: freeing large blocks
    # unmaps them, which stalls the other threads
    cdef int32_t *range_ids
    cdef int64_t *range_ends
    cdef int64_t range_capacity
    cdef readonly int dim

    def __cinit__(self, int dim, uint64_t seed):
        self.dim = dim
        self.state = <fw_worker *>fw_scratch_alloc(sizeof(fw_worker))
        if self.state == NULL:
            raise MemoryError()
        memset(self.state, 0, sizeof(fw_worker))
        self.state.hidden = <float *>fw_scratch_alloc(dim * sizeof(float))
        self.state.grad = <float *>fw_scratch_alloc(dim * sizeof(float))
        if self.state.hidden == NULL or self.state.grad == NULL:
            raise MemoryError()
        self.state.rng = seed if seed else 0x9E3779B97F4A7C15ULL

    def __dealloc__(self):
        fw_scratch_free(self.range_ids)
        fw_scratch_free(self.range_ends)
        if self.state != NULL:
            fw_scratch_free(self.state.hidden)
            fw_scratch_free(self.state.grad)
            fw_scratch_free(self.state.kept)
            fw_worker_free_blocks(self.state)
            fw_scratch_free(self.state)

    cdef int reserve(self, const fw_model *model, int64_t n) except -1 nogil:
        """Make the scratch buffers big enough for ``model`` and sentences of ``n`` words."""
        if fw_worker_prepare(self.state, model) < 0:
            with gil:
                raise MemoryError()
        if n > self.kept_capacity:
            fw_scratch_free(self.state.kept)
            self.kept_capacity = 0
            self.state.kept = <int32_t *>fw_scratch_alloc(n * sizeof(int32_t))
            if self.state.kept == NULL:
                with gil:
                    raise MemoryError()
            self.kept_capacity = n
        return 0

    cdef int reserve_range(self, int64_t n) except -1:
        """Make room for the ids and sentence ends of ``n`` words."""
        if n > self.range_capacity:
            fw_scratch_free(self.range_ids)
            fw_scratch_free(self.range_ends)
            self.range_ids = <int32_t *>fw_scratch_alloc(n * sizeof(int32_t))
            self.range_ends = <int64_t *>fw_scratch_alloc(n * sizeof(int64_t))
            self.range_capacity = n if self.range_ids and self.range_ends else 0
            if not self.range_capacity:
                raise MemoryError("out of memory for a corpus range of %d words" % n)
        return 0

    @property
    def rng(self):
        """The generator's 64-bit state (saved with checkpoints)."""
        return self.state.rng

    @rng.setter
    def rng(self, uint64_t value):
        self.state.rng = value if value else 0x9E3779B97F4A7C15ULL

    @property
    def loss(self):
        """Loss summed since the last ``take_tallies()`` (read while training for progress)."""
        return self.state.loss

    @property
    def nonfinite(self):
        """NaN dot products met since this was last set to 0: non-zero once weights diverge."""
        return self.state.nonfinite

    @nonfinite.setter
    def nonfinite(self, int64_t value):
        self.state.nonfinite = value

    def take_tallies(self):
        """Return ``(trained_words, loss)`` since the last call and reset them."""
        result = (self.state.trained_words, self.state.loss)
        self.state.trained_words = 0
        self.state.loss = 0.0
        return result


cdef class TrainingKernel:
    """The arrays and settings of one training run, shared by all worker threads."""
    cdef fw_model model
    cdef object arrays
    cdef float[::1] sigmoid_table
    cdef unsigned char top_lock

    def __init__(self, float[:, ::1] syn0, syn1neg, syn1, const uint64_t[::1] keep_threshold,
                 const uint32_t[::1] alias_prob, const int32_t[::1] alias_index,
                 const int64_t[::1] code_offsets, const uint8_t[::1] codes,
                 const int32_t[::1] points, int sg, int hs, int negative, int window,
                 int cbow_mean, int shrink_windows, int batched=0, int top_nodes=0):
        cdef int32_t n = syn0.shape[0]
        cdef float[:, ::1] out_neg, out_hs
        if window < 1 or negative < 0 or syn0.shape[1] < 1:
            raise ValueError("window and the vector size must be >= 1 and negative >= 0")
        if keep_threshold.shape[0] != n:
            raise ValueError("keep_threshold has %d rows, vocabulary %d" % (keep_threshold.shape[0], n))
        self.arrays = (syn0, syn1neg, syn1, keep_threshold, alias_prob, alias_index,
                       code_offsets, codes, points)
        self.sigmoid_table = np.empty(FW_SIGMOID_TABLE_SIZE + 1, dtype=np.float32)
        fw_fill_sigmoid_table(&self.sigmoid_table[0])
        self.model.syn0 = &syn0[0, 0]
        self.model.dim = syn0.shape[1]
        self.model.vocab_size = n
        self.model.sg = sg
        self.model.hs = hs
        self.model.negative = negative
        self.model.window = window
        self.model.cbow_mean = cbow_mean
        self.model.shrink_windows = shrink_windows
        self.model.batched = batched
        # per-thread copies of the top Huffman nodes (see _kernels.h): batched HS only
        self.model.top_nodes = min(max(top_nodes, 0), n - 1) if batched and hs else 0
        self.top_lock = 0
        self.model.top_lock = &self.top_lock
        self.model.max_code_len = 0
        self.model.keep_threshold = &keep_threshold[0]
        self.model.sigmoid_table = &self.sigmoid_table[0]
        self.model.syn1neg = NULL
        self.model.syn1 = NULL
        if negative:
            out_neg = syn1neg
            if out_neg.shape[0] != n or out_neg.shape[1] != syn0.shape[1]:
                raise ValueError("syn1neg must have the shape of syn0")
            if alias_prob.shape[0] != n or alias_index.shape[0] != n:
                raise ValueError("the negative sampling table must have one entry per word")
            self.model.syn1neg = &out_neg[0, 0]
            self.model.alias_prob = &alias_prob[0]
            self.model.alias_index = &alias_index[0]
        if hs:
            out_hs = syn1
            if out_hs.shape[1] != syn0.shape[1] or code_offsets.shape[0] != n + 1:
                raise ValueError("syn1 and the Huffman codes do not match the vocabulary")
            if codes.shape[0] != code_offsets[n] or points.shape[0] != code_offsets[n]:
                raise ValueError("Huffman codes and points must have code_offsets[-1] entries")
            if codes.shape[0] and (np.max(points) >= out_hs.shape[0] or np.min(points) < 0):
                raise ValueError("a Huffman point lies outside syn1")
            self.model.max_code_len = int(np.max(np.diff(code_offsets))) if n else 0
            self.model.syn1 = &out_hs[0, 0]
            self.model.code_offsets = &code_offsets[0]
            self.model.codes = &codes[0] if codes.shape[0] else NULL
            self.model.points = &points[0] if points.shape[0] else NULL

    cdef check_worker(self, WorkerState worker):
        if worker.dim != self.model.dim:
            raise ValueError("worker state has vector size %d, model %d" % (worker.dim, self.model.dim))

    @property
    def top_nodes(self):
        """Huffman nodes each thread trains in its own copy (0: none, all rows shared)."""
        return self.model.top_nodes

    def train_batch(self, WorkerState worker not None, const int32_t[::1] ids, const int64_t[::1] ends,
                    float alpha_start, float alpha_end, bint compute_loss):
        """Train on sentences ``ids[ends[s-1]:ends[s]]`` without the GIL.

        Returns
        -------
        int
            Number of words trained (after subsampling).
        """
        self.check_worker(worker)
        cdef int64_t n_sentences = ends.shape[0], i, longest = 0, prev = 0
        cdef int32_t n = self.model.vocab_size
        cdef int bad = 0
        if n_sentences == 0:
            return 0
        if ends[n_sentences - 1] != ids.shape[0]:
            raise ValueError("sentence ends do not cover the ids")
        with nogil:
            for i in range(n_sentences):
                if ends[i] < prev:
                    bad = 1
                longest = max(longest, ends[i] - prev)
                prev = ends[i]
            for i in range(ids.shape[0]):
                if ids[i] < 0 or ids[i] >= n:
                    bad = 1
        if bad:
            raise ValueError("word ids out of range or sentence ends not increasing")
        if ids.shape[0] == 0:
            return 0
        cdef int64_t before = worker.state.trained_words
        with nogil:
            worker.reserve(&self.model, longest)
            fw_train_batch(&self.model, worker.state, &ids[0], &ends[0], n_sentences,
                           alpha_start, alpha_end, compute_loss)
        return worker.state.trained_words - before

    def train_file_range(self, WorkerState worker not None, WordHash words not None, path, int64_t start,
                         int64_t end, float alpha_start, float alpha_end, bint compute_loss,
                         int64_t max_sentence_length=0, bint by_line=True):
        """Read the words starting in bytes ``[start, end)`` of a text file and train on them.

        Sentences end at line ends (unless ``by_line`` is false) and, when
        ``max_sentence_length`` is positive, every that many words (counted from the range
        start and each sentence end); words are looked up in ``words`` (ids of this model's
        vocabulary) and unknown ones dropped, all without the GIL.

        Returns
        -------
        (int, int, int)
            Raw words read, sentences read (with at least one raw word) and words trained
            (after subsampling).
        """
        self.check_worker(worker)
        if len(words) != self.model.vocab_size:
            raise ValueError("the word table does not match the model's vocabulary")
        cdef bytes path_bytes = path.encode() if isinstance(path, str) else bytes(path)
        cdef const char *cpath = path_bytes
        cdef RangeCounts counts
        cdef int status
        worker.reserve_range(max(end - start, 0) // 2 + 2)
        cdef int64_t before = worker.state.trained_words
        with nogil:
            status = read_range(cpath, start, end, words, max_sentence_length, by_line,
                                worker.range_ids, worker.range_ends, &counts)
            if status == 0 and counts.sentences:
                worker.reserve(&self.model, counts.longest)
                fw_train_batch(&self.model, worker.state, worker.range_ids, worker.range_ends,
                               counts.sentences, alpha_start, alpha_end, compute_loss)
        check_read(status, path, &counts)
        return (counts.raw_words, counts.raw_sentences,
                worker.state.trained_words - before)
