"""Training orchestration: worker threads feeding the compiled kernels, one epoch at a time.

Two feeding paths share one learning-rate schedule and one tally:

- iterable mode: the calling thread reads sentences, packs them into jobs and converts
  each job to word ids (all the GIL-held work, in one thread); the workers train the jobs
  with the GIL released;
- file mode: each worker takes the next 1 MB byte range of the corpus file and reads,
  converts and trains it entirely in compiled code, without the GIL.

Either way no worker outlives the call (see :mod:`fastw2v.threads`): on an error or a
KeyboardInterrupt the workers are told to stop and every one has returned (after its
current job) before the exception leaves, so the model is never trained, saved or trained
again while a worker still writes.
"""
import logging
import os
import queue
import threading
import time

from fastw2v import _vocab, threads, vocab

logger = logging.getLogger(__name__)

FILE_CHUNK_BYTES = 1 << 20
# A worker waits for the GIL up to the interpreter's switch interval (5 ms) each time it
# takes a job; jobs this large keep that wait small next to the training it buys.
MIN_JOB_WORDS = 1 << 16


class Diverged(FloatingPointError):
    """A worker met NaN weights: training diverged (raised with the epoch by the model)."""


class LearningRate:
    """Linear decay from ``start`` to ``end`` over all epochs of one ``train()`` call.

    Work is measured in units (raw words, sentences or bytes); ``reserve(units)`` hands a
    job the learning rates at its first and last unit, in the order jobs start.
    """

    def __init__(self, start, end, epochs, units_per_epoch):
        self.start, self.end = float(start), float(end)
        self.epochs = epochs
        self.total_units = float(max(units_per_epoch, 1)) * epochs
        self.units_per_epoch = units_per_epoch
        self.done = 0.0
        self.lock = threading.Lock()

    def begin_epoch(self, epoch):
        self.done = float(epoch) * max(self.units_per_epoch, 1)

    def at(self, units):
        """Learning rate after ``units`` units of the whole run."""
        alpha = self.start - (self.start - self.end) * (units / self.total_units)
        return max(self.end, alpha) if self.start >= self.end else alpha

    def reserve(self, units):
        with self.lock:
            first = self.done
            self.done += units
        return self.at(first), self.at(first + units)

    @property
    def current(self):
        return self.at(self.done)


class EpochTally:
    """Thread-safe counts of one epoch: raw words read, words trained, loss, errors."""

    def __init__(self):
        self.raw_words = 0
        self.trained_words = 0
        self.sentences = 0
        self.units = 0
        self.error = None
        self.lock = threading.Lock()

    def add(self, raw_words, trained_words, sentences=0, units=0):
        with self.lock:
            self.raw_words += raw_words
            self.trained_words += trained_words
            self.sentences += sentences
            self.units += units

    def fail(self, exc):
        with self.lock:
            if self.error is None:
                self.error = exc


class Reporter:
    """Progress of a ``train()`` call: a tqdm bar and/or gensim-style log lines.

    The bar counts raw words when the corpus size in words is known, else sentences.
    """

    def __init__(self, epochs, total_words=None, total_sentences=None, show_bar=True,
                 report_delay=1.0):
        self.count_words = bool(total_words)
        total = (total_words if self.count_words else total_sentences or 0) * epochs
        self.report_delay = report_delay
        self.last_report = time.monotonic()
        self.reported = 0
        self.bar = None
        if show_bar:
            from tqdm.auto import tqdm
            self.bar = tqdm(total=total or None, unit=" words" if self.count_words else " sentences",
                            unit_scale=True, dynamic_ncols=True, desc="training", smoothing=0.1)

    def update(self, epoch, tally, alpha, loss=None):
        done = tally.raw_words if self.count_words else tally.sentences
        if self.bar is not None:
            self.bar.update(done - self.reported)
            postfix = {"epoch": epoch + 1, "alpha": "%.5f" % alpha}
            if loss is not None:
                postfix["loss"] = "%.4g" % loss
            self.bar.set_postfix(postfix, refresh=False)
        self.reported = done
        now = time.monotonic()
        if now - self.last_report >= self.report_delay:
            self.last_report = now
            logger.info("EPOCH %i - PROGRESS: %i raw words, %i trained, alpha %.6f",
                        epoch + 1, tally.raw_words, tally.trained_words, alpha)

    def next_epoch(self):
        self.reported = 0

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _check_diverged(state):
    if state.nonfinite:
        raise Diverged("a worker met NaN weights")


def train_epoch_iterable(kernel, workers, corpus, word_table, schedule, unit, batch_words,
                         compute_loss, tally, tick):
    """Train one pass over an iterable of sentences with ``len(workers)`` threads.

    The calling thread reads the corpus and converts each job (at least ``batch_words`` and
    ``MIN_JOB_WORDS`` words) to word ids, so that all GIL-held work happens in one thread and
    the workers take the GIL only briefly, once a job. ``unit`` is ``"words"`` or
    ``"sentences"``: what the schedule counts progress in. Counts go to ``tally``;
    ``tick()`` is called regularly from the calling thread.
    """
    jobs = queue.Queue(maxsize=2 * len(workers))
    stop = threading.Event()
    job_words_target = max(batch_words, MIN_JOB_WORDS)

    def work(state):
        try:
            while True:
                job = jobs.get()
                if job is None or stop.is_set():
                    return
                ids, ends, raw = job
                units = raw if unit == "words" else len(ends)
                alpha_start, alpha_end = schedule.reserve(units)
                trained = kernel.train_batch(state, ids, ends, alpha_start, alpha_end, compute_loss)
                tally.add(raw, trained, len(ends), units)
                _check_diverged(state)
        except BaseException as exc:  # surfaced by the feeding thread
            tally.fail(exc)
            stop.set()

    finished = _start(work, workers)
    try:
        job, job_words = [], 0
        for sentence in corpus:
            if stop.is_set():
                break
            if type(sentence) is not list:
                sentence = _vocab.check_sentence(sentence)
            job.append(sentence)
            job_words += len(sentence)
            if job_words >= job_words_target:
                _put(jobs, _job_ids(job, word_table), stop, tick)
                job, job_words = [], 0
        if job:
            _put(jobs, _job_ids(job, word_table), stop, tick)
        for _ in finished:
            _put(jobs, None, stop, tick, force=True)
        threads.wait(finished, tick)
    except BaseException:
        stop.set()
        _drain(jobs, len(finished))
        threads.wait_uninterrupted(finished)
        raise
    if tally.error is not None:
        raise tally.error


def _job_ids(sentences, word_table):
    """A job's sentences as word ids (``_vocab.sentences_to_ids``), with a token that cannot
    be encoded as UTF-8 named in a ValueError."""
    try:
        return _vocab.sentences_to_ids(sentences, word_table)
    except UnicodeEncodeError as err:
        raise vocab.unencodable_token_error(err) from None


def _start(work, workers):
    """Start a thread running ``work(state)`` per worker state; returns their finish events."""
    return [threads.start(work, (state,)) for state in workers]


def _put(jobs, item, stop, tick, force=False):
    while True:
        if stop.is_set() and not force:
            return
        try:
            jobs.put(item, timeout=0.1)
            tick()
            return
        except queue.Full:
            tick()


def _drain(jobs, n_threads):
    """Empty the job queue and wake every worker with a stop marker."""
    while True:
        try:
            jobs.get_nowait()
        except queue.Empty:
            break
    for _ in range(n_threads):
        try:
            jobs.put_nowait(None)
        except queue.Full:
            break


def train_epoch_file(kernel, workers, word_table, path, schedule, compute_loss, tally, tick,
                     bounds=None, max_sentence_length=0, by_line=True):
    """Train one pass over a text file, split into byte ranges shared by the workers.

    The ranges are ``bounds[i]:bounds[i + 1]`` (default: 1 MB each); sentences end at line
    ends (if ``by_line``) and every ``max_sentence_length`` words (if positive), counted
    from each range start, as in ``TrainingKernel.train_file_range``.
    """
    if bounds is None:
        size = os.path.getsize(path)
        bounds = list(range(0, size, FILE_CHUNK_BYTES)) + [size]
    ranges = iter(zip(bounds[:-1], bounds[1:]))
    range_lock = threading.Lock()
    stop = threading.Event()

    def work(state):
        try:
            while not stop.is_set():
                with range_lock:
                    start, end = next(ranges, (None, None))
                    if start is None:
                        return
                    alpha_start, alpha_end = schedule.reserve(end - start)
                raw, sentences, trained = kernel.train_file_range(
                    state, word_table, path, start, end, alpha_start, alpha_end, compute_loss,
                    max_sentence_length, by_line)
                tally.add(raw, trained, sentences, end - start)
                _check_diverged(state)
        except BaseException as exc:
            tally.fail(exc)
            stop.set()

    finished = _start(work, workers)
    try:
        threads.wait(finished, tick)
    except BaseException:
        stop.set()
        threads.wait_uninterrupted(finished)
        raise
    if tally.error is not None:
        raise tally.error
