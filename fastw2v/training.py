"""Training orchestration: worker threads feeding the compiled kernels, one epoch at a time.

A :class:`Run` is one ``train()`` call: its epochs, learning-rate schedule
(:class:`LearningRate`), resuming (:func:`resumed_epoch`), callbacks and progress
(:class:`Reporter`). Four feeding paths (:class:`Feed` picks one per ``train()`` call) share
one learning-rate schedule and one tally:

- ranges: each worker takes the next byte range (about 1 MB, smaller towards the end: see
  ``CompiledSource.ranges``) of a plain local file and reads, splits, converts and trains it
  entirely in compiled code, without the GIL;
- stream: the calling thread only reads (and decompresses) compressed or remote files in
  chunks; compiled code splits each chunk and looks its words up without the GIL, and the
  workers train the jobs;
- iterable: the calling thread reads Python sentences, packs them into jobs and converts
  each job to word ids (all the GIL-held work, in one thread);
- ints: integer corpora (:mod:`fastw2v.sequences`): the calling thread looks each job's ids
  up in one vectorised step.

In the last three, the workers take the jobs from a compiled queue (``_trainer.JobQueue``)
and never take the GIL: they never wait for the reading thread while it reads.

Every way, no worker outlives the call (see :mod:`fastw2v.threads`): on an error or a
KeyboardInterrupt the workers are told to stop and every one has returned (after its
current job) before the exception leaves, so the model is never trained, saved or trained
again while a worker still writes.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Union

from fastw2v import _reading, _trainer, _words, corpora, sequences, threads, vocab
from fastw2v._types import PathType
from fastw2v.callbacks import notify

if TYPE_CHECKING:
    from fastw2v.word2vec import Word2Vec

logger = logging.getLogger(__name__)

#: What the learning rate falls with (see :meth:`Feed.units`).
Unit = Literal["words", "sentences", "bytes"]
#: What a feed looks its words up in (see :meth:`Feed.word_table`).
WordTable = Union[_words.WordHash, sequences.IdLookup]
#: Called regularly from the feeding thread, for progress (and to notice Ctrl-C).
Tick = Callable[[], None]


class TrainState(TypedDict):
    """Where a ``train()`` call stands (``Word2Vec.train_state``, saved with the model)."""

    epochs: int
    completed: int
    start_alpha: float
    end_alpha: float

# Jobs of at least this many words: the reading thread packs and checks each job, and
# collects it when done, in Python.
MIN_JOB_WORDS = 1 << 16
# Jobs queued or in training at once, per worker thread.
JOBS_PER_WORKER = 3


class Diverged(FloatingPointError):
    """A worker met NaN weights: training diverged (raised with the epoch by the model)."""


class LearningRate:
    """Linear decay from ``start`` to ``end`` over all epochs of one ``train()`` call.

    Work is measured in units (raw words, sentences or bytes); ``reserve(units)`` hands a
    job the learning rates at its first and last unit, in the order jobs start.
    """

    def __init__(self, start: float, end: float, epochs: int, units_per_epoch: int) -> None:
        self.start, self.end = float(start), float(end)
        self.epochs = epochs
        self.total_units = float(max(units_per_epoch, 1)) * epochs
        self.units_per_epoch = units_per_epoch
        self.done = 0.0
        self.lock = threading.Lock()

    def begin_epoch(self, epoch: int) -> None:
        self.done = float(epoch) * max(self.units_per_epoch, 1)

    def at(self, units: float) -> float:
        """Learning rate after ``units`` units of the whole run."""
        alpha = self.start - (self.start - self.end) * (units / self.total_units)
        return max(self.end, alpha) if self.start >= self.end else alpha

    def reserve(self, units: int) -> tuple[float, float]:
        with self.lock:
            first = self.done
            self.done += units
        return self.at(first), self.at(first + units)

    @property
    def current(self) -> float:
        return self.at(self.done)


class EpochTally:
    """Thread-safe counts of one epoch: raw words read, words trained, loss, errors."""

    def __init__(self) -> None:
        self.raw_words = 0
        self.trained_words = 0
        self.sentences = 0
        self.units = 0
        self.error: BaseException | None = None
        self.lock = threading.Lock()

    def add(self, raw_words: int, trained_words: int, sentences: int = 0, units: int = 0) -> None:
        with self.lock:
            self.raw_words += raw_words
            self.trained_words += trained_words
            self.sentences += sentences
            self.units += units

    def fail(self, exc: BaseException) -> None:
        with self.lock:
            if self.error is None:
                self.error = exc


def epoch_words(total_words: int | None, total_examples: int | None, corpus_count: int,
                corpus_total_words: int) -> int | None:
    """The raw words of one pass over the corpus, when known: ``total_words``, else the
    vocabulary scan's ``corpus_total_words`` when the corpus has the scanned corpus's
    ``corpus_count`` sentences (or no sentence count is given); else None."""
    if total_words:
        return total_words
    if corpus_total_words and total_examples in (None, corpus_count):
        return corpus_total_words
    return None


class Reporter:
    """Progress of a ``train()`` call: a tqdm bar, and gensim's progress log lines.

    The bar counts raw words read (as gensim's progress does), whatever the corpus, at a
    rate in words/s; its total is known when an epoch's raw words are (``total_words``, see
    :func:`epoch_words`). Every ``report_delay`` seconds gensim's ``EPOCH n - PROGRESS`` line
    is logged: the share of the epoch's sentences (``total_examples``) or else raw words
    read, and the words trained per second.

    The bar is made at the first update, while the workers train: importing tqdm and
    drawing the bar takes tens of milliseconds that would otherwise delay their start.
    """

    def __init__(self, epochs: int, total_words: int | None = None,
                 total_examples: int | None = None, show_bar: bool = True,
                 report_delay: float = 1.0) -> None:
        self.total_words, self.total_examples = total_words, total_examples
        self.epochs, self.show_bar = epochs, show_bar
        self.report_delay = report_delay
        self.started = self.last_report = time.monotonic()
        self.reported = 0
        self.bar: Any = None  # a tqdm bar (tqdm.auto's class depends on where it runs)

    def update(self, epoch: int, tally: EpochTally, alpha: float,
               loss: float | None = None) -> None:
        if self.show_bar and self.bar is None:
            from tqdm.auto import tqdm
            self.bar = tqdm(total=self.total_words * self.epochs if self.total_words else None,
                            unit=" words", unit_scale=True, dynamic_ncols=True,
                            desc="training", smoothing=0.1)
        if self.bar is not None:
            self.bar.update(tally.raw_words - self.reported)
            postfix: dict[str, object] = {"epoch": epoch + 1, "alpha": "%.5f" % alpha}
            if loss is not None:
                postfix["loss"] = "%.4g" % loss
            self.bar.set_postfix(postfix, refresh=False)
        self.reported = tally.raw_words
        now = time.monotonic()
        if now - self.last_report >= self.report_delay:
            self.last_report = now
            rate = tally.trained_words / max(now - self.started, 1e-9)
            if self.total_examples:
                logger.info("EPOCH %i - PROGRESS: at %.2f%% examples, %.0f words/s", epoch,
                            100.0 * tally.sentences / self.total_examples, rate)
            elif self.total_words:
                logger.info("EPOCH %i - PROGRESS: at %.2f%% words, %.0f words/s", epoch,
                            100.0 * tally.raw_words / self.total_words, rate)
            else:
                logger.info("EPOCH %i - PROGRESS: at %i raw words, %.0f words/s", epoch,
                            tally.raw_words, rate)

    def next_epoch(self) -> None:
        self.reported = 0
        self.started = time.monotonic()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _check_diverged(state: _trainer.WorkerState) -> None:
    if state.nonfinite:
        raise Diverged("a worker met NaN weights")


def train_epoch_iterable(kernel: _trainer.TrainingKernel, workers: Sequence[_trainer.WorkerState],
                         corpus: Iterable[Sequence[str]], word_table: _words.WordHash,
                         schedule: LearningRate, unit: Unit, batch_words: int,
                         compute_loss: bool, tally: EpochTally, tick: Tick) -> None:
    """Train one pass over an iterable of sentences with ``len(workers)`` threads.

    The calling thread reads the corpus and converts each job (at least ``batch_words`` and
    ``MIN_JOB_WORDS`` words) to word ids, so that all GIL-held work happens in one thread
    (see :func:`_train_jobs`). ``unit`` is ``"words"`` or
    ``"sentences"``: what the schedule counts progress in. Counts go to ``tally``;
    ``tick()`` is called regularly from the calling thread.
    """
    job_words_target = max(batch_words, MIN_JOB_WORDS)

    def jobs() -> Iterator[sequences.Job]:
        job: list[list[str]] = []
        job_words = 0
        for sentence in corpus:
            if type(sentence) is not list:
                sentence = _words.check_sentence(sentence)
            job.append(sentence)
            job_words += len(sentence)
            if job_words >= job_words_target:
                yield _job_ids(job, word_table)
                job, job_words = [], 0
        if job:
            yield _job_ids(job, word_table)

    _train_jobs(kernel, workers, jobs(), schedule, unit, compute_loss, tally, tick)


def train_epoch_stream(kernel: _trainer.TrainingKernel, workers: Sequence[_trainer.WorkerState],
                       source: corpora.CompiledSource, word_table: _words.WordHash,
                       schedule: LearningRate, unit: Unit, compute_loss: bool,
                       tally: EpochTally, tick: Tick,
                       transform: _reading.SentenceTransform | None = None) -> None:
    """Train one pass over a :class:`fastw2v.corpora.CompiledSource` read as a stream.

    The calling thread only reads (and decompresses) each file in chunks of about 1 MB;
    compiled code splits each chunk and looks its words up without the GIL (or, with the
    source's phrases, ``transform`` joins them: see ``CompiledSource.transform``), and the
    workers train the resulting jobs as in :func:`train_epoch_iterable`.
    """
    def jobs() -> Iterator[sequences.Job]:
        for path in source.paths:
            stream = _reading.TextStream(word_table if transform is None else None,
                                       source.max_sentence_length, source.by_line, path,
                                       transform)
            for chunk, last in source.chunks(path):
                yield stream.ids(chunk, last)

    _train_jobs(kernel, workers, jobs(), schedule, unit, compute_loss, tally, tick)


def _train_jobs(kernel: _trainer.TrainingKernel, workers: Sequence[_trainer.WorkerState],
                jobs: Iterable[sequences.Job], schedule: LearningRate, unit: Unit,
                compute_loss: bool, tally: EpochTally, tick: Tick) -> None:
    """Train the jobs ``(ids, ends, raw_words, raw_sentences)`` that the calling thread draws
    from the iterator ``jobs``, with one thread per worker state.

    The calling thread reserves each job's learning rates and queues it; the workers take
    the jobs in that order and train them without ever taking the GIL
    (``TrainingKernel.train_jobs``), so that they never wait for this thread while it reads.
    """
    queue = _trainer.JobQueue(kernel.n_words, JOBS_PER_WORKER * len(workers))

    def work(state: _trainer.WorkerState) -> None:
        try:
            kernel.train_jobs(state, queue, compute_loss)
            _check_diverged(state)
        except BaseException as exc:  # surfaced by the feeding thread
            tally.fail(exc)
            queue.stop()

    def count_finished() -> None:
        for (raw, sentences, units), trained in queue.take_finished():
            tally.add(raw, trained, sentences, units)

    finished = _start(work, workers)
    try:
        for ids, ends, raw, sentences in jobs:
            units = raw if unit == "words" else sentences
            alpha_start, alpha_end = schedule.reserve(units)
            while not queue.put(ids, ends, alpha_start, alpha_end, (raw, sentences, units)):
                tick()
                if tally.error is not None:
                    break
            count_finished()
            if tally.error is not None:
                break
        queue.close()
        threads.wait(finished, tick)
    except BaseException:
        queue.stop()
        threads.wait_uninterrupted(finished)
        raise
    count_finished()
    if tally.error is not None:
        raise tally.error


def _job_ids(sentences: list[list[str]], word_table: _words.WordHash) -> sequences.Job:
    """A job's sentences as ``(ids, ends, raw_words, sentences)`` (see
    ``_words.sentences_to_ids``), a token that cannot be encoded as UTF-8 named in a
    ValueError."""
    try:
        ids, ends, raw = _words.sentences_to_ids(sentences, word_table)
    except UnicodeEncodeError as err:
        raise vocab.unencodable_token_error(err) from None
    return ids, ends, raw, len(ends)


def _start(work: Callable[[_trainer.WorkerState], None],
           workers: Iterable[_trainer.WorkerState]) -> list[threading.Event]:
    """Start a thread running ``work(state)`` per worker state; returns their finish events."""
    return [threads.start(work, (state,)) for state in workers]


def train_epoch_file(kernel: _trainer.TrainingKernel, workers: Sequence[_trainer.WorkerState],
                     word_table: _words.WordHash, ranges: Iterable[corpora.ByteRange],
                     schedule: LearningRate, compute_loss: bool, tally: EpochTally, tick: Tick,
                     max_sentence_length: int = 0, by_line: bool = True) -> None:
    """Train one pass over byte ranges ``(path, start, end)`` of text files, shared by the
    workers, each of which reads, splits, looks up and trains a range without the GIL.

    Sentences end at line ends (if ``by_line``) and every ``max_sentence_length`` words (if
    positive), counted from each range start, as in ``TrainingKernel.train_file_range``.
    The schedule counts bytes.
    """
    todo = iter(ranges)
    range_lock = threading.Lock()
    stop = threading.Event()

    def work(state: _trainer.WorkerState) -> None:
        try:
            while not stop.is_set():
                with range_lock:
                    taken = next(todo, None)
                    if taken is None:
                        return
                    path, start, end = taken
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


class Feed:
    """How one ``train()`` call reads its corpus, chosen once from what the corpus allows.

    - ``"ranges"``: byte ranges of plain local files, each read, split and trained by a
      worker without the GIL (``corpus_file``, and readers whose
      :class:`~fastw2v.corpora.CompiledSource` is :attr:`~fastw2v.corpora.CompiledSource.in_ranges`);
    - ``"stream"``: compressed or remote files, decompressed by the calling thread and split
      in compiled code (:func:`train_epoch_stream`);
    - ``"iterable"``: any other iterable of sentences, read in Python;
    - ``"ints"``: an :class:`~fastw2v.sequences.IntSequences` (graph walks, item ids).
    """

    def __init__(self, kind: Literal["ranges", "stream", "iterable", "ints"],
                 corpus: Iterable[Any] | None = None,
                 ranges: list[corpora.ByteRange] | None = None,
                 source: corpora.CompiledSource | None = None, max_sentence_length: int = 0,
                 by_line: bool = True) -> None:
        """``corpus`` for ``"iterable"`` (sentences) and ``"ints"`` (an ``IntSequences``),
        ``ranges`` (with the sentence cut) for ``"ranges"``, ``source`` (a CompiledSource)
        for ``"stream"``."""
        self.kind, self.corpus, self.source = kind, corpus, source
        self.ranges = ranges or []
        self.max_sentence_length, self.by_line = max_sentence_length, by_line
        # (word table, the phrases joined into its ids)
        self.transform: tuple[_words.WordHash, _reading.SentenceTransform] | None = None

    @classmethod
    def for_corpus(cls, corpus_iterable: Iterable[Any] | None = None,
                   corpus_file: PathType | None = None, workers: int = 1) -> Feed:
        """The feed of ``corpus_file`` (a path or URL) or of ``corpus_iterable``, for
        ``workers`` threads."""
        if isinstance(corpus_iterable, sequences.IntSequences):
            return cls("ints", corpus=corpus_iterable)
        if corpus_file is not None:
            corpus_iterable = corpora.LineSentence(corpus_file)
        source = getattr(corpus_iterable, "compiled_source", lambda: None)()
        if source is None:
            return cls("iterable", corpus=corpus_iterable)
        if source.in_ranges:
            return cls("ranges", ranges=source.ranges(workers),
                       max_sentence_length=source.max_sentence_length, by_line=source.by_line)
        return cls("stream", source=source)

    def _transform(self, word_table: _words.WordHash) -> _reading.SentenceTransform | None:
        """The source's phrases joined into ``word_table``'s ids, built once for all epochs."""
        assert self.source is not None
        if self.source.phrases is None:
            return None
        if self.transform is None or self.transform[0] is not word_table:
            self.transform = (word_table, self.source.transform(word_table))
        return self.transform[1]

    def word_table(self, index_to_key: Sequence[Any]) -> WordTable:
        """What the feed looks words up in: the ids of an integer corpus
        (:class:`~fastw2v.sequences.IdLookup`), else a compiled hash of the words; a TypeError
        when the corpus's tokens are not of the vocabulary's key type."""
        int_keys = bool(index_to_key) and not isinstance(index_to_key[0], str)
        if int_keys != (self.kind == "ints"):
            raise TypeError("the model's vocabulary has %s keys, and this corpus holds %s; a "
                            "model has one key type" % (
                                "int" if int_keys else "str",
                                "integer ids" if self.kind == "ints" else "str tokens"))
        if self.kind == "ints":
            return sequences.IdLookup(index_to_key)
        return _words.WordHash(index_to_key)

    def units(self, total_examples: int | None, total_words: int | None) -> tuple[Unit, int]:
        """What the learning rate falls with, ``(unit, units per epoch)``: bytes for ranges,
        else sentences when ``total_examples`` is known, else raw words (gensim's order, so
        that the constructor, which passes both, trains as ``train(total_examples=...)``)."""
        if self.kind == "ranges":
            return "bytes", sum(end - start for _, start, end in self.ranges)
        if total_words is None and total_examples is None:
            raise ValueError("you must specify either total_examples or total_words for "
                             "the learning-rate schedule (e.g. total_examples="
                             "model.corpus_count after build_vocab on the same corpus)")
        if total_examples:
            return "sentences", total_examples
        return "words", total_words or 0

    def epoch(self, kernel: _trainer.TrainingKernel, workers: Sequence[_trainer.WorkerState],
              word_table: WordTable, schedule: LearningRate, unit: Unit, batch_words: int,
              compute_loss: bool, tally: EpochTally, tick: Tick) -> None:
        """Train one pass over the corpus."""
        if self.kind == "ints":
            assert isinstance(self.corpus, sequences.IntSequences)
            assert isinstance(word_table, sequences.IdLookup)
            jobs = self.corpus.jobs(word_table, max(batch_words, MIN_JOB_WORDS))
            _train_jobs(kernel, workers, jobs, schedule, unit, compute_loss, tally, tick)
            return
        assert isinstance(word_table, _words.WordHash)
        if self.kind == "ranges":
            train_epoch_file(kernel, workers, word_table, self.ranges, schedule, compute_loss,
                             tally, tick, self.max_sentence_length, self.by_line)
        elif self.kind == "stream":
            assert self.source is not None
            train_epoch_stream(kernel, workers, self.source, word_table, schedule, unit,
                               compute_loss, tally, tick, self._transform(word_table))
        else:
            assert self.corpus is not None
            train_epoch_iterable(kernel, workers, self.corpus, word_table, schedule, unit,
                                 batch_words, compute_loss, tally, tick)


def resumed_epoch(train_state: TrainState | None, epochs: int, start_alpha: float,
                  end_alpha: float) -> int:
    """The epoch a ``train()`` call starts from: where an unfinished run with the same
    ``epochs`` and learning rates stopped (``train_state``, saved with the model), else 0."""
    run = train_state
    if (run and run["completed"] < run["epochs"] == epochs
            and run["start_alpha"] == start_alpha and run["end_alpha"] == end_alpha):
        logger.info("resuming an unfinished run at epoch %d of %d", run["completed"] + 1, epochs)
        return run["completed"]
    return 0


class Run:
    """One ``train()`` call of a model: its epochs over a :class:`Feed`, the learning-rate
    schedule, resuming, callbacks and progress, and the model's records of them.

    The model gives the kernel, worker states and vocabulary (``_training_kernel()``,
    ``_workers()``, ``wv``) and keeps the tallies gensim's users read (``epochs_trained``, ``train_state``,
    ``training_loss``, ``running_training_loss``, ``min_alpha_yet_reached``...).
    """

    def __init__(self, model: Word2Vec, feed: Feed, epochs: int, start_alpha: float,
                 end_alpha: float, total_examples: int | None, total_words: int | None,
                 report_delay: float) -> None:
        self.model, self.feed, self.epochs = model, feed, epochs
        self.unit, units = feed.units(total_examples, total_words)
        self.first_epoch = resumed_epoch(model.train_state, epochs, start_alpha, end_alpha)
        self.schedule = LearningRate(start_alpha, end_alpha, epochs, units)
        self.total_examples, self.total_words = total_examples, total_words
        self.reporter = Reporter(epochs - self.first_epoch,
                                 epoch_words(total_words, total_examples, model.corpus_count,
                                             model.corpus_total_words),
                                 total_examples, model.progress, report_delay)
        self.kernel = model._training_kernel()
        self.workers = model._workers()
        for state in self.workers:
            state.nonfinite = 0
        self.word_table = feed.word_table(model.wv.index_to_key)

    def train(self, callbacks: Sequence[object]) -> tuple[int, int]:
        """Train the remaining epochs; returns ``(words trained, raw words read)``."""
        model, schedule = self.model, self.schedule
        train_state: TrainState = {
            "epochs": self.epochs, "completed": self.first_epoch, "start_alpha": schedule.start,
            "end_alpha": schedule.end}
        model.train_state = train_state
        model.running_training_loss = 0.0
        trained_total = raw_total = 0
        start_time = time.perf_counter()
        notify(callbacks, "on_train_begin", model)
        try:
            for epoch in range(self.first_epoch, self.epochs):
                notify(callbacks, "on_epoch_begin", model)
                tally, epoch_loss = self.epoch(epoch)
                trained_total += tally.trained_words
                raw_total += tally.raw_words
                model.epochs_trained += 1
                train_state["completed"] = epoch + 1
                if model.compute_loss:
                    model.training_loss.append(epoch_loss)
                    model.running_training_loss += epoch_loss
                model.min_alpha_yet_reached = schedule.current
                notify(callbacks, "on_epoch_end", model)
        except KeyboardInterrupt:
            logger.warning("training interrupted after %d of %d epochs; the model keeps what it "
                           "trained, and train() with the same epochs and alphas resumes the run",
                           train_state["completed"], self.epochs)
            raise
        finally:
            self.reporter.close()
            model.wv.norms = None
            model.train_count += 1
            model.total_train_time += time.perf_counter() - start_time
        notify(callbacks, "on_train_end", model)
        return trained_total, raw_total

    def epoch(self, epoch: int) -> tuple[EpochTally, float]:
        """Train one epoch; returns its tally and its loss."""
        model, workers, schedule, reporter = self.model, self.workers, self.schedule, self.reporter
        schedule.begin_epoch(epoch)
        reporter.next_epoch()
        started = time.perf_counter()
        tally = EpochTally()

        def tick() -> None:
            loss = sum(state.loss for state in workers) if model.compute_loss else None
            reporter.update(epoch, tally, schedule.current, loss)

        try:
            self.feed.epoch(self.kernel, workers, self.word_table, schedule, self.unit,
                            model.batch_words, model.compute_loss, tally, tick)
        except Diverged:
            raise FloatingPointError(
                "training diverged in epoch %d of %d: the weights became NaN or infinite at a "
                "learning rate of %.4g; train again from a fresh model with a lower alpha (it "
                "was %g)" % (epoch + 1, schedule.epochs, schedule.current, schedule.start)) from None
        if self.feed.kind == "iterable" and tally.sentences == 0 and model.corpus_count:
            raise ValueError(
                "corpus_iterable yielded no sentences in epoch %d: it cannot be iterated "
                "again (a one-shot iterator or an exhausted file?); pass a restartable "
                "iterable such as a list or fastw2v.corpora.LineSentence" % (epoch + 1))
        loss = sum(state.take_tallies()[1] for state in workers)
        reporter.update(epoch, tally, schedule.current, loss if model.compute_loss else None)
        self._log_epoch_end(epoch, tally, time.perf_counter() - started,
                            loss if model.compute_loss else None)
        return tally, loss

    def _log_epoch_end(self, epoch: int, tally: EpochTally, elapsed: float,
                       loss: float | None) -> None:
        """gensim's end-of-epoch log line (with the epoch's ``loss`` if computed), and its
        warnings when a corpus read in Python was not the size ``train()`` was told."""
        logger.info("EPOCH %i: training on %i raw words (%i effective words) took %.1fs, %.0f "
                    "effective words/s%s", epoch, tally.raw_words, tally.trained_words, elapsed,
                    tally.trained_words / max(elapsed, 1e-9),
                    "" if loss is None else ", loss %.6g" % loss)
        if self.feed.kind not in ("iterable", "ints"):  # files: as gensim's corpus_file mode
            return
        if self.total_examples and self.total_examples != tally.sentences:
            logger.warning("EPOCH %i: supplied example count (%i) did not equal expected count "
                           "(%i)", epoch, tally.sentences, self.total_examples)
        if self.total_words and self.total_words != tally.raw_words:
            logger.warning("EPOCH %i: supplied raw word count (%i) did not equal expected count "
                           "(%i)", epoch, tally.raw_words, self.total_words)
