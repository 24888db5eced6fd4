"""The client's side of distributed training: shards, vocabulary, rounds, faults, progress.

:func:`train` runs on the client. It places one :class:`~fastw2v.distributed.replica.Replica`
actor on each Dask worker, has each count its shard, merges the counts into the vocabulary
(as :meth:`fastw2v.Word2Vec.build_vocab` would choose it), sends it to the replicas once,
then drives rounds: each round every replica trains about ``sync_seconds`` (doubled with
each epoch, up to ``max_sync_seconds``) of its shard's byte ranges at the learning rates
of the global schedule (linear in the bytes of all replicas), and sends the delta of the
rows it changed; the client combines the deltas (their sum, scaled down on rows where it
could overshoot: see :mod:`fastw2v.distributed.sync`) into its own model (the last
synchronised state), checks that it has not diverged, and sends the combination back with
the next round's work, while the replicas already train it. Epochs overlap: the exchange
that collects an epoch's last round hands out the next epoch's first, unless callbacks look
at the epoch's end.

A replica whose worker is lost is dropped with a warning: its unfinished ranges go to the
others, the run goes on from the synchronised state. So is one that returned from a call
``_UNDELIVERED_SECONDS`` (30 s) ago while Dask has not delivered the result.
"""
from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import os
import pickle
import time
from numbers import Integral, Real
from typing import Any, Callable, Sequence, Union

from fastw2v import training
from fastw2v._fileio import is_compressed
from fastw2v.callbacks import notify
from fastw2v.corpora import MAX_WORDS_IN_BATCH
from fastw2v.distributed import shards, sync
from fastw2v.distributed.replica import Replica, fingerprint
from fastw2v.parameters import Interval, validate
from fastw2v.word2vec import Word2Vec

logger = logging.getLogger(__name__)

#: Bytes a replica trains in its first round; each round may double it, up to
#: ``sync_seconds`` of training. Replicas drawn apart from the same start in long first
#: rounds settle into different solutions whose sum is worse than either.
FIRST_ROUND_BYTES = 1 << 16
_POLL_SECONDS = 0.1  # waiting for a replica, how often to look at the others
_LIVENESS_SECONDS = 0.5  # how often to ask the scheduler which workers are alive
#: A replica that returned from a call this long ago, its result still not delivered by Dask,
#: is treated as lost (asked only of calls pending at least this long).
_UNDELIVERED_SECONDS = 30.0

PathOrList = Union[str, os.PathLike, Sequence[Union[str, os.PathLike]]]

_constraints: dict[str, list[Any]] = {
    "sync_seconds": [Interval(Real, 0, None, closed="neither")],
    "max_sync_seconds": [None, Interval(Real, 0, None, closed="neither")],
    "hot_rows": [Interval(Integral, 0, None)],
    "tail_every": [Interval(Integral, 1, None)],
    "round_bytes": [None, Interval(Integral, 1, None)],
}


def train(client: Any, corpus_file: PathOrList, *, sync_seconds: float = 0.25,
          max_sync_seconds: float | None = 1.0, hot_rows: int = 4096, tail_every: int = 8,
          round_bytes: int | None = None, **word2vec_params: Any) -> Word2Vec:
    """Train a :class:`~fastw2v.Word2Vec` on a Dask cluster, one model replica per worker.

    Parameters
    ----------
    client : distributed.Client
        A client of the cluster; every worker connected when training starts gets a replica.
    corpus_file : str, os.PathLike or list of them
        The corpus, read as ``LineSentence`` reads a file (lines are sentences, cut every
        10,000 words): a path or URL, or a list of them (read one after the other). Paths
        must name the same files on every worker (a shared file system); compressed files
        and URLs are decompressed once by each worker that reads them. One file is cut into
        byte ranges, one share per worker.
    sync_seconds : float
        Training time of a round in the first epoch: each round, every replica sends the
        rows it changed.
    max_sync_seconds : float or None
        Rounds double in length with each epoch, from ``sync_seconds`` up to this (None:
        they stay at ``sync_seconds``). As the learning rate falls, a replica's rows move
        less per round and a longer round costs less quality than it saves in exchanges.
    hot_rows : int
        Rows (of the most frequent words; of ``syn1``, the nodes nearest the root) sent
        every round.
    tail_every : int
        The other rows that changed are sent every this many rounds, a stripe of them each
        round (and all of them at the end of training, and of each epoch when there are
        ``callbacks``).
    round_bytes : int, optional
        Bytes of a replica's round, instead of adapting them to ``sync_seconds`` (and
        bytes do not move between replicas: what each trains does not depend on speed).
    **word2vec_params
        Any :class:`~fastw2v.Word2Vec` parameter but ``sentences``, ``phrases`` and
        ``max_vocab_size`` (counting is exact, in parallel). ``workers`` is the number of
        training threads of each replica; ``progress`` shows one bar on the client;
        ``callbacks`` run on the client with the synchronised model at each epoch's end
        (:class:`~fastw2v.callbacks.CheckpointCallback` saves it).

    Returns
    -------
    Word2Vec
        An ordinary model: query, save or train it further.

    Raises
    ------
    FileNotFoundError
        A corpus file that a worker cannot see (the message names the file and worker).
    ValueError
        An empty corpus or shard (named), or an invalid parameter.
    RuntimeError
        The cluster has no worker, or every worker holding a replica was lost.
    fastw2v.training.Diverged
        The synchronised model diverged (non-finite weights, or the frequent words' dot
        products far beyond the sigmoid's range): the message names the epoch and round.
    """
    sources = _sources(corpus_file)
    validate(_constraints, {"sync_seconds": sync_seconds,
                            "max_sync_seconds": max_sync_seconds, "hot_rows": hot_rows,
                            "tail_every": tail_every,
                            "round_bytes": round_bytes}, "fastw2v.distributed.train()")
    if max_sync_seconds is not None and max_sync_seconds < sync_seconds:
        raise ValueError("max_sync_seconds=%r is below sync_seconds=%r: rounds only grow"
                         % (max_sync_seconds, sync_seconds))
    for name in ("sentences", "corpus_iterable", "corpus_file", "phrases"):
        if name in word2vec_params:
            raise TypeError("fastw2v.distributed.train() reads corpus_file on the workers; "
                            "%s= is not taken (join phrases before, into the files)" % name)
    if word2vec_params.get("max_vocab_size") is not None:
        raise ValueError("max_vocab_size prunes while one reader scans the corpus; the "
                         "workers count their shards exactly: leave it None and use "
                         "min_count or max_final_vocab")
    model = Word2Vec(**word2vec_params)
    addresses = _workers(client)
    if not addresses:
        raise RuntimeError("the Dask cluster has no workers")
    team = _Team(client, addresses, sources)
    try:
        counted = _count(team, sources)
        _build_vocab(model, counted, word2vec_params.get("trim_rule"))
        if model.epochs:
            _Rounds(team, model, counted, round_seconds(sync_seconds, max_sync_seconds),
                    hot_rows, tail_every, round_bytes, _movable(sources)).train()
    finally:
        team.close()
    return model


def round_seconds(first: float, most: float | None) -> Callable[[int], float]:
    """The training time of a round in each epoch (numbered from 0): ``first``, doubled
    with each epoch up to ``most`` (None: always ``first``)."""
    top = first if most is None else most
    return lambda epoch: min(top, first * 2.0 ** min(epoch, 64))


def _sources(corpus_file: PathOrList) -> list[str]:
    """The corpus files as a list of str, checked."""
    if isinstance(corpus_file, (str, os.PathLike)):
        files = [corpus_file]
    elif isinstance(corpus_file, (list, tuple)):
        files = list(corpus_file)
    else:
        raise TypeError("corpus_file must be a path or URL, or a list of them, not %s"
                        % type(corpus_file).__name__)
    if not files:
        raise ValueError("corpus_file is an empty list")
    sources = []
    for file in files:
        if not isinstance(file, (str, os.PathLike)):
            raise TypeError("corpus_file holds %r, not a path or URL" % (file,))
        source = os.fspath(file)
        if source.endswith(".npy"):
            raise ValueError("%r: distributed training reads text files; integer walks "
                             "(.npy) train on one machine" % source)
        sources.append(source)
    return sources


def _movable(sources: list[str]) -> list[bool]:
    """Per file, whether any replica may train a range of it at no extra cost: plain files
    (every worker reads a file at the same path), not compressed files or URLs (a worker
    stages the whole text before it reads a range)."""
    return ["://" not in source and not is_compressed(source) for source in sources]


class _Member:
    """A replica and its worker."""

    def __init__(self, address: str, future: Any, actor: Any) -> None:
        self.address, self.future, self.actor = address, future, actor
        self.calls = 0  # calls made to the replica (it counts those it returned from)


class _Team:
    """The live replicas: calls to all of them at once, and the workers lost meanwhile."""

    def __init__(self, client: Any, addresses: list[str], sources: list[str]) -> None:
        self.client = client
        futures = [client.submit(Replica, index, sources, actor=True, workers=[address],
                                 allow_other_workers=False, pure=False)
                   for index, address in enumerate(addresses)]
        self.members = {index: _Member(address, future, future.result())
                        for index, (address, future) in enumerate(zip(addresses, futures))}
        self.size = len(addresses)

    def alive(self) -> list[int]:
        return sorted(self.members)

    def call(self, method: str, arguments: dict[int, tuple]) -> tuple[dict[int, Any], list[int]]:
        """Call ``method`` on the replicas of ``arguments`` (by replica number) at once.

        Returns
        -------
        (dict, list)
            The results by replica, and the replicas whose workers were lost (dropped).
        """
        pending = {}
        results: dict[int, Any] = {}
        lost: list[int] = []
        for index, args in arguments.items():
            try:  # the actor's handle refuses calls once Dask has seen its worker go
                pending[index] = getattr(self.members[index].actor, method)(*args)
                self.members[index].calls += 1
            except Exception as exc:
                self._lose_or_raise(index, exc, lost)
        started = checked = time.monotonic()
        returned: dict[int, float] = {}  # seconds waited when a replica was seen returned
        while pending:
            ready = [index for index, future in pending.items() if future.done()]
            if not ready:
                index = next(iter(pending))
                try:
                    pending[index].result(timeout=_POLL_SECONDS)
                except (asyncio.TimeoutError, TimeoutError):
                    pass
                except Exception:  # collected below
                    pass
                if time.monotonic() - checked >= _LIVENESS_SECONDS:
                    checked = time.monotonic()
                    waited = checked - started
                    for index, why in self._unanswered(method, pending, waited, returned).items():
                        self._lose(index, why)
                        lost.append(index)
                        del pending[index]
                continue
            for index in ready:
                future = pending.pop(index)
                try:
                    results[index] = future.result()
                except Exception as exc:
                    self._lose_or_raise(index, exc, lost)
        if not self.members:
            raise RuntimeError("every Dask worker holding a replica was lost")
        return results, lost

    def _unanswered(self, method: str, pending: dict[int, Any], waited: float,
                    returned: dict[int, float]) -> dict[int, str]:
        """The pending replicas that will not answer, with why: their worker left the
        cluster, or (asked once the call has waited ``_UNDELIVERED_SECONDS``) they returned
        from every call made to them at least that long ago and Dask has not delivered the
        result. ``returned`` notes, by replica, the ``waited`` at which it was seen
        returned."""
        workers = _workers(self.client)
        gone = {index: "its worker left the cluster" for index in pending
                if self.members[index].address not in workers}
        asked = [index for index in pending if index not in gone]
        if waited < _UNDELIVERED_SECONDS or not asked:
            return gone
        try:
            counts = self.client.run(_returned_calls, workers=sorted(
                {self.members[index].address for index in asked}))
        except Exception as exc:  # a worker leaving meanwhile: the next look drops it
            logger.debug("asking the replicas what returned failed: %s", exc)
            return gone
        for index in asked:
            member = self.members[index]
            if counts.get(member.address, {}).get(member.future.key) == member.calls:
                returned.setdefault(index, waited)
            if waited - returned.get(index, waited) >= _UNDELIVERED_SECONDS:
                gone[index] = ("it returned from %s %.0fs ago and Dask has not delivered the "
                               "result" % (method, waited - returned[index]))
        return gone

    def _lose_or_raise(self, index: int, exc: Exception, lost: list[int]) -> None:
        """Drop replica ``index`` (added to ``lost``) if ``exc`` says its worker was lost,
        else raise ``exc``."""
        if not _is_loss(exc):
            raise exc
        self._lose(index, "%s: %s" % (type(exc).__name__, exc))
        lost.append(index)

    def _lose(self, index: int, why: str) -> None:
        member = self.members.pop(index)
        self.client.cancel(member.future)
        logger.warning("replica %d on Dask worker %s was lost (%s)", index, member.address, why)

    def close(self) -> None:
        """Stop the replicas (their staged files deleted) and release them."""
        try:
            self.call("close", {index: () for index in self.alive()})
        except Exception as exc:  # cleaning up after another error: keep that one
            logger.debug("closing the replicas failed: %s", exc)
        finally:
            self.client.cancel([member.future for member in self.members.values()])
            self.members = {}


def _scheduler_workers(dask_scheduler: Any) -> list[str]:
    return list(dask_scheduler.workers)


def _returned_calls(dask_worker: Any) -> dict[Any, int]:
    """The calls each replica on this worker returned from, by actor key."""
    return {key: actor.returned for key, actor in dask_worker.state.actors.items()
            if isinstance(actor, Replica)}


def _workers(client: Any) -> list[str]:
    """The addresses of the workers connected now (asked of the scheduler itself: the
    client's cached ``scheduler_info`` may list none)."""
    return client.run_on_scheduler(_scheduler_workers)


def _is_loss(exc: BaseException) -> bool:
    """Whether a failed actor call means its worker is gone (not an error of the call)."""
    from distributed.comm.core import CommClosedError
    return (type(exc) is OSError or isinstance(exc, CommClosedError)
            or (type(exc) is RuntimeError and "Worker holding Actor was lost" in str(exc)))


def _count(team: _Team, sources: list[str]) -> list[shards.ShardCounts]:
    """The shards counted by the replicas, in corpus order; a lost replica's shard is counted
    by another."""
    start = time.perf_counter()
    sizes = None
    while sizes is None:
        first = team.alive()[0]
        sizes = team.call("sizes", {first: ()})[0].get(first)
    plan = shards.plan(sizes, team.size)
    counted: dict[int, shards.ShardCounts] = {}
    while len(counted) < len(plan):
        waiting = [shard for shard in range(len(plan)) if shard not in counted]
        alive = team.alive()
        owners = {shard: alive[shard % len(alive)] if shard not in alive else shard
                  for shard in waiting}
        for batch in _batches(owners):
            results, _ = team.call("count", {owner: (plan[shard], MAX_WORDS_IN_BATCH)
                                             for shard, owner in batch.items()})
            for shard, owner in batch.items():
                if owner in results:
                    counted[shard] = results[owner]
    result = [counted[number] for number in range(len(plan))]
    total = sum(counts.total_words for counts in result)
    if total == 0:
        raise ValueError("the corpus is empty: no words found in corpus_file %s"
                         % ", ".join(map(repr, sources)))
    for number, counts in enumerate(result):
        if counts.total_words == 0:
            raise ValueError(
                "shard %d of %d holds no words (%s): give every worker some text (fewer "
                "workers, or no empty files)" % (number + 1, len(result), ", ".join(
                    "%r bytes %d-%d" % (sources[p.file], p.start, p.end) for p in counts.pieces)))
    logger.info("counted %d words of %d shards in %.2fs", total, len(result),
                time.perf_counter() - start)
    return result


def _batches(owners: dict[int, int]) -> list[dict[int, int]]:
    """``{shard: owner}`` split into calls where each owner appears once."""
    batches: list[dict[int, int]] = []
    for shard, owner in owners.items():
        for batch in batches:
            if owner not in batch.values():
                batch[shard] = owner
                break
        else:
            batches.append({shard: owner})
    return batches


def _build_vocab(model: Word2Vec, counted: list[shards.ShardCounts], trim_rule: Any) -> None:
    """The vocabulary of the merged counts, chosen as ``build_vocab`` chooses it."""
    start = time.perf_counter()
    counts, sentences, total = shards.merge_counts(counted, MAX_WORDS_IN_BATCH)
    model.build_vocab_from_freq(counts, corpus_count=sentences, trim_rule=trim_rule)
    model.corpus_total_words = total
    logger.info("built vocabulary of %d words from %d raw words in %.2fs", len(model.wv), total,
                time.perf_counter() - start)
    model.add_lifecycle_event("build_vocab", update=False, trim_rule=str(trim_rule),
                              distributed=len(counted))


@dataclasses.dataclass(eq=False)
class _Epoch:
    """One epoch of the rounds loop: its ranges left to hand out and its tallies."""

    number: int
    queues: dict[int, collections.deque]  # each replica's ranges not yet handed out
    seconds: float  # the length its rounds aim at
    synchronised: bool  # ends with every changed row in the model
    tally: training.EpochTally = dataclasses.field(default_factory=training.EpochTally)
    loss: float = 0.0
    assigned: int = 0  # bytes handed out
    rounds: int = 0  # exchanges that handed out its ranges, or only collected its last


class _Rounds:
    """The rounds of all epochs (see the module docstring)."""

    def __init__(self, team: _Team, model: Word2Vec, counted: list[shards.ShardCounts],
                 round_seconds: Callable[[int], float], hot_rows: int, tail_every: int,
                 round_bytes: int | None, movable: list[bool]) -> None:
        self.team, self.model = team, model
        self.movable = movable
        self.round_seconds, self.hot_rows = round_seconds, hot_rows
        self.tail_every = tail_every
        self.fixed_round = round_bytes
        self.owned = {index: shards.training_ranges(shard.pieces)
                      for index, shard in enumerate(counted)}
        self.epoch_bytes = sum(end - start for ranges in self.owned.values()
                               for _, start, end in ranges)
        self.round_bytes = {index: round_bytes or FIRST_ROUND_BYTES for index in self.owned}
        self.speeds: dict[int, float] = {}  # bytes per second of each replica's last round
        self.matrices = {"wv.vectors": model.wv.vectors}
        if model.negative:
            self.matrices["syn1neg"] = model.syn1neg
        if model.hs:
            self.matrices["syn1"] = model.syn1
        self.combined: sync.Delta | None = None  # applied by the replicas at the next call
        self.rates = sync.update_rates(model)
        # words each replica trained in its last tail_every rounds (the other rows' age)
        self.recent: dict[int, collections.deque[int]] = {
            index: collections.deque(maxlen=tail_every) for index in self.owned}
        # seconds, all epochs (see benchmarks/distributed.py)
        self.costs: collections.defaultdict[str, float] = collections.defaultdict(float)
        self.epoch_costs: collections.defaultdict[str, float] = collections.defaultdict(float)
        self.bytes_sent = 0
        self.rounds = 0

    def train(self) -> None:
        model = self.model
        epochs, callbacks = model.epochs, model.callbacks
        self.schedule = training.LearningRate(model.alpha, model.min_alpha, epochs,
                                              self.epoch_bytes)
        self.reporter = training.Reporter(epochs, model.corpus_total_words, None,
                                          model.progress)
        self.state: training.TrainState = {
            "epochs": epochs, "completed": 0, "start_alpha": self.schedule.start,
            "end_alpha": self.schedule.end}
        model.train_state = self.state
        model.running_training_loss = 0.0
        started = time.perf_counter()
        self._prepare()
        notify(callbacks, "on_train_begin", model)
        self.mark = (time.perf_counter(), time.process_time(), self.bytes_sent)
        try:
            total = self._rounds_of_all_epochs()
        finally:
            self.reporter.close()
            model.wv.norms = None
            model.train_count += 1
            model.total_train_time += time.perf_counter() - started
        notify(callbacks, "on_train_end", model)
        elapsed = time.perf_counter() - started
        model.add_lifecycle_event(
            "train", msg="training on %i raw words (%i effective words) took %.1fs, %.0f "
            "effective words/s, on %d Dask workers" % (
                total.raw_words, total.trained_words, elapsed,
                total.trained_words / max(elapsed, 1e-9), self.team.size),
            distributed={"replicas": self.team.size, "rounds": self.rounds,
                         "bytes_sent": self.bytes_sent, "hot_rows": self.hot_rows,
                         "tail_every": self.tail_every,
                         "sync_seconds": [self.round_seconds(e) for e in range(epochs)],
                         "seconds": {key: round(value, 2) for key, value in
                                     sorted(self.costs.items())}})

    def _prepare(self) -> None:
        """Send the vocabulary to every replica once (the words pickled: Dask sends a long
        list of str item by item, a thousand times slower)."""
        model = self.model
        params = {name: getattr(model, name) for name in Word2Vec.SAVED_PARAMS}
        words = pickle.dumps(list(model.wv.index_to_key), protocol=pickle.HIGHEST_PROTOCOL)
        counts, check = model.wv.expandos["count"], fingerprint(model.wv.vectors)
        self.team.call("prepare", {index: (params, words, counts, check, self.hot_rows)
                                   for index in self.team.alive()})
        for index in [index for index in self.owned if index not in self.team.members]:
            self._requeue(index, [], {})  # lost while counting or preparing

    def _begin(self, number: int) -> _Epoch:
        """Start handing out epoch ``number``'s ranges."""
        notify(self.model.callbacks, "on_epoch_begin", self.model)
        # the callbacks and the caller see the synchronised model: every changed row is
        # sent at the end of the last epoch, and of each epoch when callbacks are set
        synchronised = number == self.model.epochs - 1 or bool(self.model.callbacks)
        return _Epoch(number, {index: collections.deque(ranges)
                               for index, ranges in self.owned.items()},
                      self.round_seconds(number), synchronised)

    def _plan(self, epoch: _Epoch) -> dict[int, list[tuple[int, int, int]]]:
        """The next round's ranges of each live replica with ranges left in ``epoch``."""
        if self.fixed_round is None:  # else rounds do not depend on the replicas' speeds
            self._balance(epoch.queues, epoch.seconds)
        return {index: self._take(epoch.queues[index], self.round_bytes[index])
                for index in self.team.alive() if epoch.queues.get(index)}

    def _rounds_of_all_epochs(self) -> training.EpochTally:
        """Train every epoch in rounds; returns the tally of all of them.

        An epoch's last round runs while the next epoch's first is handed out, so that no
        replica waits for the others at the epoch's end, unless the epoch ends
        synchronised (see :meth:`_begin`): then one more exchange only collects its last
        round, with every changed row.
        """
        epochs = self.model.epochs
        total = training.EpochTally()
        planning = self._begin(0)  # the epoch whose ranges are handed out
        finishing: _Epoch | None = None  # the epoch of the running rounds
        running: dict[int, list] = {}  # the ranges each replica trains now
        finished_alphas = (0.0, 0.0)  # the running rounds' learning rates
        while True:
            plans = self._plan(planning)
            if not plans and not planning.synchronised:
                planning = self._begin(planning.number + 1)
                plans = self._plan(planning)
            if not plans and not running:
                if planning.number + 1 == epochs:
                    return total
                planning = self._begin(planning.number + 1)
                continue
            collecting = finishing or planning  # whose rounds this exchange returns
            if plans or not collecting.synchronised:
                stripe = (self.rounds % self.tail_every, self.tail_every)
            else:
                stripe = (0, 1)
            span = sum(end - start for ranges in plans.values() for _, start, end in ranges)
            position = planning.number * self.epoch_bytes + planning.assigned
            alphas = (self.schedule.at(position), self.schedule.at(position + span))
            planning.assigned += span
            clock = time.perf_counter()
            results, lost = self.team.call("exchange", {
                index: (self.combined, plans.get(index), alphas, stripe)
                for index in self.team.alive()})
            for index in lost:
                retrain = running.pop(index, []) + plans.pop(index, [])
                planning.assigned -= sum(end - start for _, start, end in retrain)
                self._requeue(index, retrain, planning.queues, planning.number,
                              planning.rounds)
            called = time.perf_counter()
            self.epoch_costs["call"] += called - clock
            self._combine(results, finished_alphas, collecting)
            self.epoch_costs["combine"] += time.perf_counter() - called
            for result in results.values():
                collecting.tally.add(result["raw_words"], result["trained_words"])
                collecting.loss += result["loss"]
                for key, value in result["timing"].items():
                    self.epoch_costs[key] += value
            self._adapt(results, planning.seconds)
            self.reporter.update(collecting.number, collecting.tally, self.schedule.at(
                collecting.number * self.epoch_bytes + collecting.assigned),
                collecting.loss if self.model.compute_loss else None)
            self.rounds += 1
            planning.rounds += 1
            if finishing is not None and (finishing is not planning or not plans and not any(
                    planning.queues.values())):  # (a lost replica's ranges are requeued)
                total.add(finishing.tally.raw_words, finishing.tally.trained_words)
                self._end(finishing)
            finishing = planning if plans else None
            running, finished_alphas = plans, alphas

    def _combine(self, results: dict[int, Any], alphas: tuple[float, float],
                 epoch: _Epoch) -> None:
        """Combine the replicas' deltas into the model and into what they apply next."""
        words = []  # learning rate x words trained since the hot and other rows were sent
        alpha = sum(alphas) / 2
        for index, result in results.items():
            recent = self.recent[index]
            recent.append(result["trained_words"])
            words.append((alpha * result["trained_words"], alpha * sum(recent)))
        stiff = sync.mean_stiffness([result["stiffness"] for result in results.values()])
        self.combined = sync.combine([result["delta"] for result in results.values()],
                                     words, self.rates, stiff, self.hot_rows)
        sync.add(self.matrices, self.combined, self.hot_rows)
        why = sync.diverged(self.matrices)
        if why is not None:
            raise training.Diverged(
                "epoch %d, round %d: the synchronised model diverged (%s); fewer replicas, "
                "shorter sync_seconds or a lower alpha may help"
                % (epoch.number + 1, epoch.rounds + 1, why))
        self.bytes_sent += (sum(sync.nbytes(result["delta"]) for result in results.values())
                            + sync.nbytes(self.combined) * len(self.team.alive()))

    def _adapt(self, results: dict[int, Any], seconds: float) -> None:
        """Size each replica's next rounds to ``seconds`` at its last round's speed."""
        for index, result in results.items():
            if result["seconds"] > 0:
                self.speeds[index] = result["bytes"] / result["seconds"]
            if self.fixed_round is None and index in self.speeds:
                self.round_bytes[index] = int(max(FIRST_ROUND_BYTES, min(
                    2 * self.round_bytes[index], seconds * self.speeds[index])))

    def _end(self, epoch: _Epoch) -> None:
        """Epoch ``epoch``'s last round is in the model: count it, log it, call back."""
        model = self.model
        model.epochs_trained += 1
        self.state["completed"] = epoch.number + 1
        if model.compute_loss:
            model.training_loss.append(epoch.loss)
            model.running_training_loss += epoch.loss
        model.min_alpha_yet_reached = self.schedule.at((epoch.number + 1) * self.epoch_bytes)
        model.wv.norms = None
        wall, cpu, sent = self.mark
        self.mark = (time.perf_counter(), time.process_time(), self.bytes_sent)
        costs, self.epoch_costs = self.epoch_costs, collections.defaultdict(float)
        costs["client_cpu"] = self.mark[1] - cpu
        for key, value in costs.items():
            self.costs[key] += value
        logger.info("EPOCH %d seconds: %s", epoch.number + 1,
                    ", ".join("%s %.2f" % item for item in sorted(costs.items())))
        elapsed = self.mark[0] - wall
        logger.info("EPOCH %d: trained %d of %d raw words in %.1fs, %.0f raw words/s, %d "
                    "rounds on %d replicas, %.1f MB sent%s", epoch.number + 1,
                    epoch.tally.trained_words, epoch.tally.raw_words, elapsed,
                    epoch.tally.raw_words / max(elapsed, 1e-9), epoch.rounds,
                    len(self.team.alive()), (self.bytes_sent - sent) / 1e6,
                    ", loss %.6g" % epoch.loss if model.compute_loss else "")
        notify(model.callbacks, "on_epoch_end", model)
        self.reporter.next_epoch()

    def _balance(self, queues: dict[int, collections.deque], seconds: float) -> None:
        """Move bytes from the back of the queue that would be trained last to the one that
        would be trained first, when they would end more than an eighth of a round apart
        (at the replicas' last speeds), so that the replicas end the epoch together: a
        round waits for all of them. Only ranges of :func:`_movable` files move."""
        speeds = {index: self.speeds[index] for index in self.team.alive()
                  if index in self.speeds}
        if len(speeds) < 2:
            return
        ends = {index: sum(end - start for _, start, end in queues.get(index, ())) / speed
                for index, speed in speeds.items()}
        last, first = max(ends, key=ends.__getitem__), min(ends, key=ends.__getitem__)
        gap = ends[last] - ends[first]
        if gap <= seconds / 8:
            return
        move = int(gap / (1 / speeds[first] + 1 / speeds[last]))  # then both end together
        source = queues[last]
        moved: collections.deque[tuple[int, int, int]] = collections.deque()
        while source and move > 0 and self.movable[source[-1][0]]:
            file, start, end = source.pop()
            if end - start > move:
                source.append((file, start, end - move))
                start = end - move
            moved.appendleft((file, start, end))
            move -= end - start
        queues.setdefault(first, collections.deque()).extend(moved)

    @staticmethod
    def _take(queue: collections.deque, target: int) -> list[tuple[int, int, int]]:
        """Ranges from the front of ``queue`` adding up to ``target`` bytes, the last one
        cut if it is longer (its rest stays in front: the range reader splits any byte
        range as a reading of the whole file does)."""
        taken: list[tuple[int, int, int]] = []
        size = 0
        while queue and size < target:
            file, start, end = queue.popleft()
            if end - start > target - size:
                queue.appendleft((file, start + target - size, end))
                end = start + target - size
            taken.append((file, start, end))
            size += end - start
        return taken

    def _requeue(self, index: int, retrain: list, queues: dict, epoch: int | None = None,
                 number: int | None = None) -> None:
        """Give a lost replica's ranges (``retrain``, the rest of its queue, and its share of
        later epochs) to the live replicas, and say so."""
        alive = self.team.alive()
        left = retrain + list(queues.pop(index, []))
        for position, item in enumerate(left):
            queues.setdefault(alive[position % len(alive)], collections.deque()).append(item)
        owned = self.owned.pop(index)
        for position, item in enumerate(owned):
            self.owned[alive[position % len(alive)]].append(item)
        self.round_bytes.pop(index, None)
        if epoch is not None and number is not None:
            logger.warning(
                "epoch %d, round %d: training goes on from the last synchronised state with "
                "%d replicas; the lost replica's %d unfinished ranges (%.1f MB) move to the "
                "others (its changes since its last synchronised round are lost)",
                epoch + 1, number + 1, len(alive), len(left),
                sum(end - start for _, start, end in left) / 1e6)
