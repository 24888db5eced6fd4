"""A replica: one Dask worker's copy of the model, trained on its shard in rounds.

The replica lives on its worker as a Dask actor. It counts its shard
(:mod:`fastw2v.distributed.shards`), builds the model from the vocabulary the client sends
once, then trains rounds of byte ranges with fastw2v's own kernels
(:func:`fastw2v.training.train_epoch_file`, ``workers`` threads), in a thread of its own:
:meth:`Replica.exchange` applies the combined delta of the previous round, waits for the
running round, takes its delta (:class:`fastw2v.distributed.sync.Rows`), starts the next
round and returns, so that the replica trains while the client combines.
"""
from __future__ import annotations

import functools
import os
import pickle
import threading
import time
from typing import Any, Callable, TypeVar

import numpy as np

from fastw2v import _words, training
from fastw2v.corpora import MAX_WORDS_IN_BATCH
from fastw2v.distributed import shards, sync


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _counted(method: _Method) -> _Method:
    """``method`` counting in ``self.returned`` the calls that returned or raised, which the
    client compares with the calls it made (a result Dask never delivers is then seen)."""
    @functools.wraps(method)
    def call(self: Replica, *args: Any) -> Any:
        try:
            return method(self, *args)
        finally:
            self.returned += 1
    return call  # type: ignore[return-value]


def _worker_name() -> str:
    try:
        from distributed import get_worker
        return get_worker().address
    except (ImportError, ValueError):
        return "(no Dask worker)"


class Replica:
    """A model replica on one Dask worker (created with ``actor=True``).

    Parameters
    ----------
    index : int
        The replica's number, which seeds its random generators apart from the others'.
    sources : list of str
        The corpus files (paths or URLs), in corpus order.
    """

    def __init__(self, index: int, sources: list[str]) -> None:
        self.index = index
        self.files = shards.LocalFiles(sources, _worker_name())
        self.model: Any = None  # a Word2Vec, once prepared
        self.rows: sync.Rows  # the model's matrices and bases, once prepared
        self.round: dict[str, Any] | None = None  # the running round: its thread and tallies
        self.ended: float | None = None  # when the last round ended, if none runs since
        self.cpu = CpuClock()
        self.returned = 0  # calls that returned (see _counted)

    @_counted
    def sizes(self) -> list[int | None]:
        """The corpus files' sizes as this worker sees them (see ``LocalFiles.sizes``)."""
        return self.files.sizes()

    @_counted
    def count(self, shard: list[tuple[int, float, float]], max_sentence_length: int
              ) -> shards.ShardCounts:
        """Count ``shard`` (see :func:`fastw2v.distributed.shards.count_shard`)."""
        return shards.count_shard(self.files, shard, max_sentence_length)

    @_counted
    def prepare(self, params: dict[str, Any], pickled_words: bytes, counts: np.ndarray,
                check: float, hot_rows: int) -> None:
        """Build the model of vocabulary ``pickled_words`` (a pickled list, in order, with
        ``counts``) and ``params``; its initial weights, drawn from ``seed``, must have the
        client's :func:`fingerprint` ``check``."""
        from fastw2v.word2vec import Word2Vec

        words = pickle.loads(pickled_words)  # sent by the client, as Dask sends everything
        settings = dict(params, min_count=1, max_final_vocab=None, sorted_vocab=0, null_word=0,
                        max_vocab_size=None, trim_rule=None, callbacks=(), progress=False)
        model = Word2Vec(**settings)
        model.build_vocab_from_freq(dict(zip(words, counts.tolist())))
        if list(model.wv.index_to_key) != list(words):
            raise RuntimeError("replica %d built another vocabulary than the client's"
                               % self.index)
        if fingerprint(model.wv.vectors) != check:
            raise RuntimeError("replica %d drew other initial weights than the client from "
                               "seed=%d: are numpy's versions the same on the client and the "
                               "workers?" % (self.index, model.seed))
        model.rng_states = np.random.SeedSequence([model.seed, self.index]).generate_state(
            model.workers, np.uint64).tolist()
        self.model = model
        self.kernel = model._training_kernel()
        self.states = model._workers()
        self.word_table = _words.WordHash(words)
        matrices = {"wv.vectors": model.wv.vectors}
        if model.negative:
            matrices["syn1neg"] = model.syn1neg
        if model.hs:
            matrices["syn1"] = model.syn1
        self.rows = sync.Rows(matrices, hot_rows)
        self.rates = sync.update_rates(model)

    @_counted
    def exchange(self, combined: sync.Delta | None, ranges: list[tuple[int, int, int]] | None,
                 alphas: tuple[float, float], stripe: tuple[int, int]) -> dict[str, Any]:
        """One step of the pipeline: apply the combined delta, wait for the running round,
        start the next, and return the finished round's delta.

        Parameters
        ----------
        combined : dict or None
            The combined delta of the previous step, to apply.
        ranges : list of (int, int, int) or None
            The next round's byte ranges ``(file, start, end)``, started before returning
            (None: no next round).
        alphas : (float, float)
            The next round's learning rates at its first and last byte.
        stripe : (int, int)
            Which stripe of how many of the rows that are not hot to send (``(0, 1)``:
            all); see :meth:`fastw2v.distributed.sync.Rows.take`.

        Returns
        -------
        dict
            ``delta`` of the round that finished (empty hot rows when none did), with its
            ``raw_words``, ``trained_words``, ``bytes``, ``seconds`` and ``loss``; the
            ``stiffness`` of the matrices as the round left them
            (:func:`fastw2v.distributed.sync.stiffness`); and ``timing``: wall seconds of
            this call's ``apply``, ``wait`` (for the round) and ``take``, ``idle``: how long
            no round ran before the one this call started, and CPU seconds
            of the process since the last call (:class:`CpuClock`).
        """
        clock = time.perf_counter()
        if combined is not None:  # while the round runs: the kernels' updates race these,
            self.rows.apply(combined)  # as the kernels' threads race each other
        applied = time.perf_counter()
        finished = self._finish_round()
        waited = time.perf_counter()
        idle = 0.0
        if ranges:
            if self.ended is not None:
                idle, self.ended = time.perf_counter() - self.ended, None
            self._start_round(ranges, alphas)
        # taken while the next round runs: the base moves to the rows as read, and whatever
        # the round writes meanwhile stays in W - B, for the next delta
        delta = self.rows.take(*stripe)
        stiffness = sync.stiffness(self.rows.matrices, self.rates)
        timing = {"apply": applied - clock, "wait": waited - applied,
                  "take": time.perf_counter() - waited, "idle": idle, **self.cpu.since_last()}
        return {"delta": delta, "stiffness": stiffness, "timing": timing, **finished}

    @_counted
    def close(self) -> None:
        """Wait for any running round and delete the staged files."""
        self._finish_round()
        self.files.remove_staged()

    def _start_round(self, ranges: list[tuple[int, int, int]], alphas: tuple[float, float]
                     ) -> None:
        paths = [(self.files.path(file), start, end) for file, start, end in ranges]
        units = sum(end - start for _, start, end in paths)
        schedule = training.LearningRate(alphas[0], alphas[1], 1, units)
        tally = training.EpochTally()
        model = self.model
        state: dict[str, Any] = {"tally": tally, "bytes": units, "started": time.perf_counter(),
                                 "error": None}

        def run():
            try:
                training.train_epoch_file(
                    self.kernel, self.states, self.word_table, paths, schedule,
                    model.compute_loss, tally, lambda: None, MAX_WORDS_IN_BATCH, True)
            except BaseException as exc:  # raised by the next exchange
                state["error"] = exc
            state["ended"] = time.perf_counter()
            state["seconds"] = state["ended"] - state["started"]

        state["thread"] = threading.Thread(target=run, name="fastw2v-replica-round", daemon=True)
        state["thread"].start()
        self.round = state

    def _finish_round(self) -> dict[str, Any]:
        """Wait for the running round; its tallies (zeros when none ran)."""
        state, self.round = self.round, None
        if state is None:
            return {"raw_words": 0, "trained_words": 0, "bytes": 0, "seconds": 0.0, "loss": 0.0}
        state["thread"].join()
        self.ended = state["ended"]
        if state["error"] is not None:
            raise state["error"]
        loss = sum(worker.take_tallies()[1] for worker in self.states)
        tally = state["tally"]
        return {"raw_words": tally.raw_words, "trained_words": tally.trained_words,
                "bytes": state["bytes"], "seconds": state["seconds"], "loss": float(loss)}


class CpuClock:
    """CPU seconds of this worker process, split by thread, between calls.

    ``cpu_sync``: the calling thread (the actor's, which applies and takes deltas);
    ``cpu_comm``: Dask's other threads (its event loop moves and (de)serialises the
    messages); ``cpu_train``: the rest of the process's CPU, the kernels' threads (they end
    with each round, so they are what the process spent that no live thread accounts for).
    Per-thread times are read from ``/proc/self/task`` (Linux); elsewhere all is
    ``cpu_train``.
    """

    _TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __init__(self) -> None:
        self.process = time.process_time()
        self.threads: dict[int, float] = {}
        self.since_last()

    @classmethod
    def _thread_seconds(cls, native_id: int) -> float | None:
        try:
            with open("/proc/self/task/%d/stat" % native_id, "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / cls._TICK  # utime, stime

    def since_last(self) -> dict[str, float]:
        """CPU seconds by kind (``cpu_comm``, ``cpu_sync``, ``cpu_train``) since the last
        call."""
        process = time.process_time()
        spent = {"cpu_comm": 0.0, "cpu_sync": 0.0}
        me = threading.get_ident()
        threads: dict[int, float] = {}
        for thread in threading.enumerate():
            if thread.native_id is None or thread.name.startswith("fastw2v-replica-round"):
                continue
            seconds = self._thread_seconds(thread.native_id)
            if seconds is None:
                continue
            threads[thread.native_id] = seconds
            kind = "cpu_sync" if thread.ident == me else "cpu_comm"
            spent[kind] += seconds - self.threads.get(thread.native_id, seconds)
        spent["cpu_train"] = max(0.0, process - self.process - sum(spent.values()))
        self.process, self.threads = process, threads
        return spent


def fingerprint(vectors: np.ndarray) -> float:
    """A checksum of the first rows of the initial vectors."""
    return float(np.sum(vectors[:64], dtype=np.float64))
