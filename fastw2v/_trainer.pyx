# cython: language_level=3
"""Compiled training kernels: the Python-facing side of ``_kernels.h``.

Skip-gram and CBOW, in the classic update scheme (word2vec.c's, pair by pair) or the batched
one (each centre word's inputs and outputs as one block), with negative sampling,
hierarchical softmax or both. A ``KernelConfig`` gathers the model's weights, the tables
its losses draw from (``fastw2v.losses``) and its settings; ``TrainingKernel`` holds it as
the C struct the worker threads share, one ``WorkerState`` each. ``train_batch`` trains
sentences of word ids and ``train_file_range`` reads, converts and trains a byte range of a
text file, both with the GIL released. ``use_variant`` picks the instruction set they run
with. Arguments are checked in ``fastw2v.word2vec`` and ``fastw2v.parameters``; here we only
check what would otherwise make the C code read or write out of bounds.
"""
import numpy as np

cimport cython
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memset

from fastw2v._reading cimport RangeCounts, check_read, read_range
from fastw2v._words cimport WordHash

cdef extern from "_kernels.h" nogil:
    enum: FW_SIGMOID_TABLE_SIZE, FW_NEGATIVE_SAMPLING, FW_HIERARCHICAL_SOFTMAX
    ctypedef struct fw_negative_sampling:
        float *syn1neg
        int dim, negative
        int32_t n_words
        const uint32_t *alias_prob
        const int32_t *alias_index
    ctypedef struct fw_hierarchical_softmax:
        float *syn1
        int dim
        int32_t n_words
        const int64_t *code_offsets
        const uint8_t *codes
        const int32_t *points
        int max_code_len, top_nodes, top_sync
        unsigned char *top_lock
    ctypedef struct fw_model:
        float *syn0
        int dim
        int32_t n_words
        int sg, batched, window, cbow_mean, shrink_windows
        const uint64_t *keep_threshold
        const float *lockf
        const float *sigmoid_table
        int losses
        fw_negative_sampling ns
        fw_hierarchical_softmax hs
    ctypedef struct fw_worker:
        uint64_t rng
        double loss
        int64_t trained_words
        int64_t nonfinite
        float *hidden
        float *grad
        int32_t *kept
    void fw_fill_sigmoid_table(float *table)
    void *fw_scratch_alloc(size_t bytes)
    void fw_scratch_free(void *p)
    int fw_worker_prepare(fw_worker *w, const fw_model *m)
    void fw_worker_free_blocks(fw_worker *w)
    void fw_train_batch(const fw_model *m, fw_worker *w, const int32_t *ids, const int64_t *ends,
                        int64_t n_sentences, float alpha_start, float alpha_end, int compute_loss)
    int fw_cpu_runs(int level)
    int fw_use_variant(int level)

cdef extern from "_job_queue.h" nogil:
    ctypedef struct fw_job:
        const int32_t *ids
        const int64_t *ends
        int64_t n_sentences, longest
        float alpha_start, alpha_end
    ctypedef struct fw_job_queue:
        fw_job *jobs
    int fw_queue_init(fw_job_queue *q, int capacity)
    void fw_queue_destroy(fw_job_queue *q)
    int fw_queue_reusable_slot(fw_job_queue *q, int ms)
    void fw_queue_put(fw_job_queue *q, int slot)
    int fw_queue_take(fw_job_queue *q)
    void fw_queue_finish(fw_job_queue *q, int slot, int64_t trained)
    void fw_queue_signal(fw_job_queue *q, int stop)
    int64_t fw_queue_collect(fw_job_queue *q, int slot)

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


cdef int64_t checked_longest(const int32_t[::1] ids, const int64_t[::1] ends,
                             int32_t n_words) except -1:
    """The words in the longest sentence ``ids[ends[s-1]:ends[s]]``, checked: the ends rise
    to ``len(ids)`` and every id is in ``[0, n_words)`` (else ValueError)."""
    cdef int64_t n_sentences = ends.shape[0], i, longest = 0, prev = 0
    cdef int bad = 0
    if (ends[n_sentences - 1] if n_sentences else 0) != ids.shape[0]:
        raise ValueError("sentence ends do not cover the ids")
    with nogil:
        for i in range(n_sentences):
            if ends[i] < prev:
                bad = 1
            longest = max(longest, ends[i] - prev)
            prev = ends[i]
        for i in range(ids.shape[0]):
            if ids[i] < 0 or ids[i] >= n_words:
                bad = 1
    if bad:
        raise ValueError("word ids out of range or sentence ends not increasing")
    return longest


cdef class JobQueue:
    """The jobs of an epoch, from the thread that reads the corpus to the workers, who take
    them without the GIL (``TrainingKernel.train_jobs``; see ``_job_queue.h``).

    Parameters
    ----------
    n_words : int
        Vocabulary size: every id put must be below it.
    capacity : int
        Jobs queued or in training at once.
    """
    cdef fw_job_queue queue
    cdef list held  # per slot: (ids, ends, info) while its job is queued or trained
    cdef list finished
    cdef readonly int32_t n_words

    def __cinit__(self, int32_t n_words, int capacity):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        if fw_queue_init(&self.queue, capacity) < 0:
            raise MemoryError()
        self.n_words = n_words
        self.held = [None] * capacity
        self.finished = []

    def __dealloc__(self):
        fw_queue_destroy(&self.queue)

    def put(self, ids, ends, float alpha_start, float alpha_end, info, int timeout_ms=100):
        """Queue the sentences ``ids[ends[s-1]:ends[s]]`` (int32 and int64 arrays, checked
        here) with their learning rates; ``info`` comes back with the job's result from
        :meth:`take_finished`. Returns False, queueing nothing, if no slot came free within
        ``timeout_ms`` or the queue was stopped."""
        cdef const int32_t[::1] id_view = ids
        cdef const int64_t[::1] end_view = ends
        cdef int64_t longest = checked_longest(id_view, end_view, self.n_words)
        cdef int slot
        if id_view.shape[0] == 0:
            self.finished.append((info, 0))
            return True
        with nogil:
            slot = fw_queue_reusable_slot(&self.queue, timeout_ms)
        if slot < 0:
            return False
        self._collect(slot)
        self.held[slot] = (id_view, end_view, info)
        cdef fw_job *job = &self.queue.jobs[slot]
        job.ids = &id_view[0]
        job.ends = &end_view[0]
        job.n_sentences = end_view.shape[0]
        job.longest = longest
        job.alpha_start = alpha_start
        job.alpha_end = alpha_end
        fw_queue_put(&self.queue, slot)
        return True

    cdef _collect(self, int slot):
        cdef int64_t trained = fw_queue_collect(&self.queue, slot)
        if trained >= 0:
            self.finished.append((self.held[slot][2], trained))
            self.held[slot] = None

    def take_finished(self):
        """``[(info, words trained), ...]`` of the jobs done since the last call."""
        for slot in range(len(self.held)):
            if self.held[slot] is not None:
                self._collect(slot)
        finished, self.finished = self.finished, []
        return finished

    def close(self):
        """No more jobs: the workers return once the queued ones are trained."""
        fw_queue_signal(&self.queue, 0)

    def stop(self):
        """The workers return after their current job; queued jobs are not trained."""
        fw_queue_signal(&self.queue, 1)


@cython.dataclasses.dataclass(frozen=True, kw_only=True)
cdef class KernelConfig:
    """Everything a ``TrainingKernel`` trains with: weights, tables and settings.

    ``Word2Vec._training_kernel`` builds it; the weight matrices are trained in place.

    Attributes
    ----------
    syn0 : ndarray of float32, shape (n_words, dim)
        Input vectors.
    keep_threshold : ndarray of uint64, shape (n_words,)
        Subsampling: word ``w`` is kept when a 32-bit random number is below
        ``keep_threshold[w]`` (``fastw2v.vocab.keep_thresholds``).
    sg, window, cbow_mean, shrink_windows
        As the ``Word2Vec`` parameters.
    batched : bool
        The batched update scheme (``Word2Vec(kernel="batched")``), else the classic one.
    negative_sampling : fastw2v.losses.NegativeSampling, optional
        Train with negative sampling, into ``syn1neg`` (shape of ``syn0``).
    hierarchical_softmax : fastw2v.losses.HierarchicalSoftmax, optional
        Train with hierarchical softmax, into ``syn1`` (a row per inner node), with
        ``top_nodes`` nodes nearest the root trained in a copy per thread, merged every
        ``top_sync`` predictions (``HierarchicalSoftmax.thread_copies``). At least one of the
        two losses is needed.
    lockf : ndarray of float32, shape (n_words,), optional
        Factor of each word's input-row updates (gensim's ``vectors_lockf``: 0 locks the
        row); None: 1 for every word.
    """
    syn0: object
    keep_threshold: object
    sg: int = 0
    window: int = 5
    cbow_mean: int = 1
    shrink_windows: int = 1
    batched: int = 1
    negative_sampling: object = None
    syn1neg: object = None
    hierarchical_softmax: object = None
    syn1: object = None
    top_nodes: int = 0
    top_sync: int = 0
    lockf: object = None


cdef class TrainingKernel:
    """The C form of a ``KernelConfig``, shared by all worker threads of a training run."""
    cdef fw_model model
    cdef readonly KernelConfig config
    cdef object arrays  # every array the model points into, kept alive
    cdef float[::1] sigmoid_table
    cdef unsigned char top_lock

    def __init__(self, KernelConfig config not None):
        cdef float[:, ::1] syn0 = config.syn0
        cdef const uint64_t[::1] keep_threshold = config.keep_threshold
        cdef int32_t n = syn0.shape[0]
        if config.window < 1 or syn0.shape[1] < 1:
            raise ValueError("window and the vector size must be >= 1")
        if keep_threshold.shape[0] != n:
            raise ValueError("keep_threshold has %d rows, vocabulary %d" % (keep_threshold.shape[0], n))
        if config.negative_sampling is None and config.hierarchical_softmax is None:
            raise ValueError("no loss to train: negative sampling, hierarchical softmax or both")
        self.config = config
        self.arrays = [config.syn0, config.keep_threshold]
        self.sigmoid_table = np.empty(FW_SIGMOID_TABLE_SIZE + 1, dtype=np.float32)
        fw_fill_sigmoid_table(&self.sigmoid_table[0])
        memset(&self.model, 0, sizeof(fw_model))
        self.model.syn0 = &syn0[0, 0]
        self.model.dim = syn0.shape[1]
        self.model.n_words = n
        self.model.sg = config.sg
        self.model.batched = config.batched
        self.model.window = config.window
        self.model.cbow_mean = config.cbow_mean
        self.model.shrink_windows = config.shrink_windows
        self.model.keep_threshold = &keep_threshold[0]
        self.model.sigmoid_table = &self.sigmoid_table[0]
        cdef const float[::1] lockf
        if config.lockf is not None:
            lockf = config.lockf
            if lockf.shape[0] != n:
                raise ValueError("lockf has %d rows, vocabulary %d" % (lockf.shape[0], n))
            self.arrays.append(config.lockf)
            self.model.lockf = &lockf[0]
        if config.negative_sampling is not None:
            self.set_negative_sampling(config.negative_sampling, config.syn1neg)
        if config.hierarchical_softmax is not None:
            self.set_hierarchical_softmax(config.hierarchical_softmax, config.syn1, config.top_nodes,
                                          config.top_sync)
        elif config.top_nodes:
            raise ValueError("top_nodes is for hierarchical softmax")

    cdef set_negative_sampling(self, loss, syn1neg):
        cdef float[:, ::1] rows = syn1neg
        cdef const uint32_t[::1] prob = loss.prob
        cdef const int32_t[::1] index = loss.index
        cdef int32_t n = self.model.n_words
        if loss.negative < 1:
            raise ValueError("negative sampling needs negative >= 1")
        if rows.shape[0] != n or rows.shape[1] != self.model.dim:
            raise ValueError("syn1neg must have the shape of syn0")
        if prob.shape[0] != n or index.shape[0] != n:
            raise ValueError("the negative sampling table must have one entry per word")
        if n and (np.min(loss.index) < 0 or np.max(loss.index) >= n):
            raise ValueError("an alias of the negative sampling table lies outside the vocabulary")
        self.arrays += [syn1neg, loss.prob, loss.index]
        self.model.losses |= FW_NEGATIVE_SAMPLING
        self.model.ns.syn1neg = &rows[0, 0]
        self.model.ns.dim = self.model.dim
        self.model.ns.negative = loss.negative
        self.model.ns.n_words = n
        self.model.ns.alias_prob = &prob[0]
        self.model.ns.alias_index = &index[0]

    cdef set_hierarchical_softmax(self, loss, syn1, int top_nodes, int top_sync):
        cdef float[:, ::1] rows = syn1
        cdef const int64_t[::1] offsets = loss.offsets
        cdef const uint8_t[::1] codes = loss.codes
        cdef const int32_t[::1] points = loss.points
        cdef int32_t n = self.model.n_words
        if rows.shape[1] != self.model.dim or offsets.shape[0] != n + 1:
            raise ValueError("syn1 and the Huffman codes do not match the vocabulary")
        lengths = np.diff(loss.offsets)
        if offsets[0] != 0 or np.any(lengths < 0):
            raise ValueError("Huffman code offsets must start at 0 and never decrease")
        if codes.shape[0] != offsets[n] or points.shape[0] != offsets[n]:
            raise ValueError("Huffman codes and points must have code_offsets[-1] entries")
        if codes.shape[0] and (np.max(loss.points) >= rows.shape[0] or np.min(loss.points) < 0):
            raise ValueError("a Huffman point lies outside syn1")
        if top_nodes < 0 or top_nodes > max(n - 1, 0) or (top_nodes and rows.shape[0] < n - 1):
            raise ValueError("top_nodes must be in [0, %d], the inner nodes of the Huffman tree"
                             % max(n - 1, 0))
        if top_nodes and top_sync < 1:
            raise ValueError("top_sync must be >= 1 with top_nodes")
        self.arrays += [syn1, loss.offsets, loss.codes, loss.points]
        self.top_lock = 0
        self.model.losses |= FW_HIERARCHICAL_SOFTMAX
        self.model.hs.syn1 = &rows[0, 0]
        self.model.hs.dim = self.model.dim
        self.model.hs.n_words = n
        self.model.hs.code_offsets = &offsets[0]
        self.model.hs.codes = &codes[0] if codes.shape[0] else NULL
        self.model.hs.points = &points[0] if points.shape[0] else NULL
        self.model.hs.max_code_len = int(np.max(lengths)) if n else 0
        self.model.hs.top_nodes = top_nodes
        self.model.hs.top_sync = top_sync
        self.model.hs.top_lock = &self.top_lock

    cdef check_worker(self, WorkerState worker):
        if worker.dim != self.model.dim:
            raise ValueError("worker state has vector size %d, model %d" % (worker.dim, self.model.dim))

    @property
    def n_words(self):
        """Vocabulary size: word ids are below it."""
        return self.model.n_words

    @property
    def top_nodes(self):
        """Huffman nodes each thread trains in its own copy (0: none, all rows shared)."""
        return self.model.hs.top_nodes

    def train_batch(self, WorkerState worker not None, const int32_t[::1] ids, const int64_t[::1] ends,
                    float alpha_start, float alpha_end, bint compute_loss):
        """Train on sentences ``ids[ends[s-1]:ends[s]]`` without the GIL.

        Returns
        -------
        int
            Number of words trained (after subsampling).
        """
        self.check_worker(worker)
        cdef int64_t longest = checked_longest(ids, ends, self.model.n_words)
        if ids.shape[0] == 0:
            return 0
        cdef int64_t before = worker.state.trained_words
        with nogil:
            worker.reserve(&self.model, longest)
            fw_train_batch(&self.model, worker.state, &ids[0], &ends[0], ends.shape[0],
                           alpha_start, alpha_end, compute_loss)
        return worker.state.trained_words - before

    def train_jobs(self, WorkerState worker not None, JobQueue jobs not None, bint compute_loss):
        """Train the jobs of ``jobs`` one after the other, without the GIL, until it is
        closed and empty or stopped, or the weights met NaN (``worker.nonfinite``)."""
        self.check_worker(worker)
        if jobs.n_words != self.model.n_words:
            raise ValueError("the job queue was checked for %d words, the model has %d"
                             % (jobs.n_words, self.model.n_words))
        cdef fw_job_queue *queue = &jobs.queue
        cdef fw_job *job
        cdef int slot
        cdef int64_t before
        with nogil:
            while not worker.state.nonfinite:
                slot = fw_queue_take(queue)
                if slot < 0:
                    break
                job = &queue.jobs[slot]
                worker.reserve(&self.model, job.longest)
                before = worker.state.trained_words
                fw_train_batch(&self.model, worker.state, job.ids, job.ends, job.n_sentences,
                               job.alpha_start, job.alpha_end, compute_loss)
                fw_queue_finish(queue, slot, worker.state.trained_words - before)

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
        if len(words) != self.model.n_words:
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
