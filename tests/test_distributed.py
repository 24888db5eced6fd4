"""Distributed training on a Dask LocalCluster (fastw2v.distributed, issue #21)."""
import collections
import logging
import os
import signal
import threading
import time
import types

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from planted import cluster_corpus, nearest_cluster_rate  # noqa: E402
from test_row_deltas import widen  # noqa: E402

from fastw2v import Word2Vec  # noqa: E402
from fastw2v import distributed as fw_distributed  # noqa: E402
from fastw2v.callbacks import CheckpointCallback, CallbackAny2Vec  # noqa: E402
from fastw2v.corpora import PathLineSentences  # noqa: E402
from fastw2v.distributed import driver, shards, sync  # noqa: E402
from fastw2v.training import Diverged  # noqa: E402

SMALL = dict(vector_size=24, window=3, min_count=1, sample=0, workers=1, progress=False)


def local_client(n_workers):
    """A client of ``n_workers`` in-process workers (threads), each with its own replica:
    quick to start (a tenth of a second), so each test has a cluster of its own and no two
    clusters share the process (an actor handle binds to the newest client)."""
    with distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as dask_client:
            yield dask_client


@pytest.fixture
def client():
    yield from local_client(2)


def write(path, text):
    path.write_bytes(text.encode("utf8"))
    return str(path)


def planted_file(tmp_path, n_sentences=3000):
    sentences, clusters = cluster_corpus(n_sentences=n_sentences)
    return write(tmp_path / "planted.txt", "\n".join(" ".join(s) for s in sentences) + "\n"), \
        clusters


def test_vocabulary_is_the_single_process_one(client, tmp_path):
    rng = np.random.default_rng(3)
    words = ["w%d" % i for i in range(300)] + ["é%d" % i for i in range(20)]
    lines = [" ".join(rng.choice(words, size=rng.integers(0, 40))) for _ in range(400)]
    lines[100] = " ".join(rng.choice(words, size=23_456))  # a line of three sentences
    lines[250] = "  \t ".join(rng.choice(words, size=10_000))  # exactly one sentence
    path = write(tmp_path / "lines.txt", "\n".join(lines) + "\n\n")
    for params in ({"min_count": 3}, {"min_count": 1, "max_final_vocab": 150}):
        single = Word2Vec(**dict(SMALL, **params))
        single.build_vocab(corpus_file=path)
        model = fw_distributed.train(client, path, **dict(SMALL, epochs=0, **params))
        assert model.wv.index_to_key == single.wv.index_to_key  # the order of equal counts too
        np.testing.assert_array_equal(model.wv.expandos["count"], single.wv.expandos["count"])
        assert (model.corpus_count, model.corpus_total_words) == \
            (single.corpus_count, single.corpus_total_words)
        np.testing.assert_array_equal(model.wv.vectors, single.wv.vectors)


def test_a_list_of_files_counts_as_one_reading(client, tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    rng = np.random.default_rng(5)
    paths = [write(folder / ("part%d.txt" % i), "\n".join(
        " ".join(rng.choice(["a", "b", "c", "d%d" % i], size=50)) for _ in range(20 + 30 * i)))
        for i in range(3)]
    single = Word2Vec(**SMALL)
    single.build_vocab(corpus_iterable=PathLineSentences(str(folder)))
    model = fw_distributed.train(client, paths, **dict(SMALL, epochs=0))
    assert model.wv.index_to_key == single.wv.index_to_key
    assert (model.corpus_count, model.corpus_total_words) == \
        (single.corpus_count, single.corpus_total_words)


def test_planted_structure_is_learned(client, tmp_path):
    path, clusters = planted_file(tmp_path)
    checkpoint = tmp_path / "checkpoint.fw2v"
    model = fw_distributed.train(client, path, epochs=5, round_bytes=8192, compute_loss=True,
                                 callbacks=[CheckpointCallback(checkpoint)], **SMALL)
    assert nearest_cluster_rate(model.wv, clusters) >= 0.95
    assert model.epochs_trained == 5 and len(model.training_loss) == 5
    event = model.lifecycle_events[-1]
    assert event["event"] == "train" and event["distributed"]["rounds"] > 10
    assert event["distributed"]["bytes_sent"] > 0
    saved = Word2Vec.load(checkpoint)  # the synchronised model of the last epoch
    np.testing.assert_array_equal(saved.wv.vectors, model.wv.vectors)
    saved.train(corpus_file=path, total_words=saved.corpus_total_words, epochs=1)


def test_rounds_double_with_each_epoch_up_to_the_most(client, tmp_path):
    growing = driver.round_seconds(0.25, 2.0)
    assert [growing(epoch) for epoch in range(6)] == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]
    assert [driver.round_seconds(0.25, None)(epoch) for epoch in (0, 3)] == [0.25, 0.25]
    path, clusters = planted_file(tmp_path)
    model = fw_distributed.train(client, path, epochs=3, sync_seconds=0.01,
                                 max_sync_seconds=0.03, **SMALL)
    assert model.lifecycle_events[-1]["distributed"]["sync_seconds"] == [0.01, 0.02, 0.03]
    assert nearest_cluster_rate(model.wv, clusters) >= 0.95


def test_epochs_overlap_unless_callbacks_look_at_their_end(client, tmp_path):
    path, clusters = planted_file(tmp_path)
    params = dict(SMALL, epochs=3, round_bytes=8192, compute_loss=True)
    overlapped = fw_distributed.train(client, path, **params)
    looked = fw_distributed.train(client, path, callbacks=[CallbackAny2Vec()], **params)
    rounds = [model.lifecycle_events[-1]["distributed"]["rounds"]
              for model in (overlapped, looked)]
    # the next epoch's first round is handed out in the exchange that collects the last
    # one's, except where callbacks need every changed row first: one exchange more each
    assert rounds[1] - rounds[0] == 2
    for model in (overlapped, looked):
        assert model.epochs_trained == 3 and model.train_state["completed"] == 3
        assert len(model.training_loss) == 3 and min(model.training_loss) > 0
        assert model.running_training_loss == pytest.approx(sum(model.training_loss))
        assert "training on %d raw words" % (3 * model.corpus_total_words) in \
            model.lifecycle_events[-1]["msg"]
        assert nearest_cluster_rate(model.wv, clusters) >= 0.95


class _EpochEndVectors(CallbackAny2Vec):
    """Copies of the input vectors before training and at each epoch's end."""

    def __init__(self):
        self.vectors = []

    def on_train_begin(self, model):
        self.vectors.append(model.wv.vectors.copy())

    def on_epoch_end(self, model):
        self.vectors.append(model.wv.vectors.copy())


def test_callbacks_see_every_changed_row_at_each_epochs_end(client, tmp_path):
    path, _ = planted_file(tmp_path)
    seen = _EpochEndVectors()
    # with 8 hot rows and the others sent a thousandth each round, most rows would reach
    # the client only at the end of training, but for the callbacks' epoch ends
    model = fw_distributed.train(client, path, epochs=2, hot_rows=8, tail_every=1000,
                                 callbacks=[seen], **SMALL)
    assert model.lifecycle_events[-1]["distributed"]["rounds"] < 500
    before, first_epoch, last_epoch = seen.vectors
    assert (first_epoch != before).any(axis=1).all()  # every word is a centre word (sample=0)
    assert (last_epoch != first_epoch).any(axis=1).all()
    np.testing.assert_array_equal(last_epoch, model.wv.vectors)


def test_rows_exchange_keeps_every_update():
    # two replicas' rows, combined with no load (every row's scale 1: the sum): the
    # synchronised matrix is start + both deltas
    start = np.arange(12, dtype=np.float32).reshape(6, 2)
    replicas = [sync.Rows({"wv.vectors": start.copy()}, hot_rows=2) for _ in range(2)]
    replicas[0].matrices["wv.vectors"][[0, 4]] += 1
    replicas[1].matrices["wv.vectors"][[1, 4, 5]] += 2
    deltas = [replica.take(0, 1) for replica in replicas]
    combined = sync.combine(deltas, [(1.0, 1.0), (1.0, 1.0)], {"wv.vectors": np.ones(6)},
                            {"wv.vectors": 0.0}, hot_rows=2)  # stiffness 0: nothing saturates
    expected = start.copy()
    expected[[0]] += 1
    expected[[1, 5]] += 2
    expected[4] += 3
    synced = {"wv.vectors": start.copy()}
    sync.add(synced, combined, hot_rows=2)
    np.testing.assert_array_equal(synced["wv.vectors"], expected)
    for replica in replicas:
        replica.apply(combined)
        np.testing.assert_array_equal(replica.matrices["wv.vectors"], expected)
        np.testing.assert_array_equal(replica.bases["wv.vectors"], expected)


def test_deltas_travel_as_bfloat16_and_what_rounding_drops_goes_next_time():
    rng = np.random.default_rng(1)
    start = rng.normal(size=(40, 8)).astype(np.float32)
    replica = sync.Rows({"wv.vectors": start.copy()}, hot_rows=10)
    replica.matrices["wv.vectors"] += rng.normal(scale=1e-3, size=start.shape).astype(np.float32)
    trained = replica.matrices["wv.vectors"] - start

    def sent(delta):
        hot, index, rows = delta["wv.vectors"]
        assert hot.dtype == rows.dtype == np.uint16
        values = np.zeros_like(start)
        values[:10], values[index] = widen(hot), widen(rows)
        return values, sync.nbytes(delta) - index.nbytes

    first, first_bytes = sent(replica.take(0, 1))
    assert first_bytes == 40 * 8 * 2  # every row changed: 2 bytes a value
    np.testing.assert_allclose(first, trained, rtol=2 ** -8, atol=1e-6)
    second, _ = sent(replica.take(0, 1))  # the rounding's remainder
    np.testing.assert_allclose(first + second, trained, rtol=2 ** -14, atol=1e-6)
    assert np.abs(first + second - trained).max() < np.abs(first - trained).max() / 50


def test_rows_that_could_overshoot_are_scaled_below_the_stability_bound():
    # row 0: saturated by all four replicas; row 1: barely touched; row 2: one replica only
    scale = sync.stable_scale([[50.0, 1e-6, 50.0], [50.0, 1e-6, 0.0],
                               [50.0, 1e-6, 0.0], [50.0, 1e-6, 0.0]])
    gain = 4 * scale[0]  # the combination moves the row by this many replicas' steps
    assert 1 < gain < 2 and gain == pytest.approx(2 * sync.MARGIN)
    np.testing.assert_array_equal(scale[1:], [1.0, 1.0])
    p = 1 - np.exp(-0.7)  # two replicas, partly saturated: the sum until it could overshoot
    assert sync.stable_scale([[0.7], [0.7]])[0] == pytest.approx(
        min(1.0, sync.MARGIN * (1 + 1 / p) / 2), rel=1e-6)


def test_diverged_weights_are_named():
    rng = np.random.default_rng(0)
    healthy = {"wv.vectors": rng.normal(0, 0.3, (300, 10)).astype(np.float32),
               "syn1neg": rng.normal(0, 0.3, (300, 10)).astype(np.float32)}
    assert sync.diverged(healthy) is None
    blown = {name: matrix * 100 for name, matrix in healthy.items()}
    assert "beyond the sigmoid's range" in sync.diverged(blown)
    healthy["syn1neg"][3, 2] = np.nan
    assert sync.diverged(healthy) == "non-finite weights"


@pytest.fixture
def four_workers():
    yield from local_client(4)


def test_four_replicas_learn_what_one_process_learns(four_workers, tmp_path):
    # every row of this small vocabulary is hot and saturated in each replica's rounds:
    # summed, four replicas' deltas overshoot (see the next test)
    path, clusters = planted_file(tmp_path, n_sentences=12000)
    single = Word2Vec(corpus_file=path, epochs=5, **SMALL)
    model = fw_distributed.train(four_workers, path, epochs=5, round_bytes=16384, **SMALL)
    assert model.lifecycle_events[-1]["distributed"]["replicas"] == 4
    assert nearest_cluster_rate(model.wv, clusters) >= nearest_cluster_rate(single.wv,
                                                                             clusters) - 0.05
    norms, single_norms = (np.linalg.norm(m.wv.vectors, axis=1).mean() for m in (model, single))
    assert 0.5 * single_norms < norms < 2 * single_norms


def test_overshooting_replicas_raise_rather_than_return_garbage(four_workers, tmp_path,
                                                                 monkeypatch):
    # the previous test's run with the replicas' deltas summed (every scale 1), at twice the
    # learning rate: it overshoots in the first epoch or two however the threads interleave
    # (at the default rate, a loaded machine's run could last five epochs without)
    path, _ = planted_file(tmp_path, n_sentences=12000)
    monkeypatch.setattr(sync, "stable_scale", lambda loads: np.ones(np.shape(loads)[1:]))
    with pytest.raises(Diverged, match="the synchronised model diverged"):
        fw_distributed.train(four_workers, path, epochs=5, round_bytes=16384,
                             **dict(SMALL, alpha=0.05))


def test_shard_plan_covers_every_file_once():
    plan = shards.plan([100, None, 0, 300], 3)
    assert [piece[0] for shard in plan for piece in shard] == [0, 1, 1, 2, 3, 3]
    covered = {}
    for shard in plan:
        for file, low, high in shard:
            covered[file] = covered.get(file, 0) + high - low
    assert covered == pytest.approx({0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0})


def test_a_round_takes_its_bytes_cutting_the_last_range():
    queue = collections.deque([(0, 0, 1000), (1, 0, 50)])
    assert driver._Rounds._take(queue, 300) == [(0, 0, 300)]
    assert driver._Rounds._take(queue, 750) == [(0, 300, 1000), (1, 0, 50)]
    assert not queue


def test_replicas_that_would_end_apart_even_out_their_queues():
    def rounds(speeds, movable=(True, True)):
        return types.SimpleNamespace(speeds=speeds, movable=list(movable),
                                     team=types.SimpleNamespace(alive=lambda: [0, 1]))

    # replica 1 trains twice as fast with as much left: they would end 0.5 s apart
    queues = {0: collections.deque([(0, 0, 2000), (0, 2000, 4000)]),
              1: collections.deque([(1, 0, 4000)])}
    driver._Rounds._balance(rounds({0: 4000.0, 1: 8000.0}), queues, seconds=4.0)
    assert [len(queue) for queue in queues.values()] == [2, 1]  # within an eighth of a round
    driver._Rounds._balance(rounds({0: 4000.0, 1: 8000.0}), queues, seconds=1.0)
    left = {index: sum(end - start for _, start, end in queue) for index, queue in queues.items()}
    assert left == {0: 2667, 1: 5333}  # both end after 2/3 s
    assert queues[1][-1] == (0, 2667, 4000)  # the back of replica 0's queue
    before = {index: list(queue) for index, queue in queues.items()}
    driver._Rounds._balance(rounds({0: 4000.0, 1: 8000.0}), queues, seconds=1.0)
    assert {index: list(queue) for index, queue in queues.items()} == before  # even
    compressed = {0: collections.deque([(0, 0, 8000)]), 1: collections.deque()}
    driver._Rounds._balance(rounds({0: 4000.0, 1: 4000.0}, (False, True)), compressed, 1.0)
    assert list(compressed[0]) == [(0, 0, 8000)] and not compressed[1]  # stays


def test_missing_file_on_a_worker_is_named(client, tmp_path):
    path, _ = planted_file(tmp_path, n_sentences=200)
    missing = str(tmp_path / "absent.txt")
    with pytest.raises(FileNotFoundError, match="absent.txt.*does not exist on Dask worker"):
        fw_distributed.train(client, [path, missing], epochs=1, **SMALL)


def test_empty_shard_is_named(client, tmp_path):
    path, _ = planted_file(tmp_path, n_sentences=200)
    blank = write(tmp_path / "blank.txt", " \n" * (os.path.getsize(path) // 2))
    with pytest.raises(ValueError, match=r"shard 2 of 2 holds no words \('.*blank.txt'"):
        fw_distributed.train(client, [path, blank], epochs=1, **SMALL)
    with pytest.raises(ValueError, match="the corpus is empty"):
        fw_distributed.train(client, blank, epochs=1, **SMALL)


@pytest.mark.parametrize("arguments, error, message", [
    ({"sentences": [["a"]]}, TypeError, "sentences= is not taken"),
    ({"max_vocab_size": 10}, ValueError, "max_vocab_size"),
    ({"sync_seconds": 0}, ValueError, "sync_seconds"),
    ({"max_sync_seconds": -1.0}, ValueError, "max_sync_seconds"),
    ({"max_sync_seconds": 0.1}, ValueError, r"max_sync_seconds=0.1 is below sync_seconds=0.25"),
    ({"corpus_file": []}, ValueError, "empty list"),
    ({"corpus_file": "walks.npy"}, ValueError, "integer walks"),
])
def test_bad_arguments_are_refused_before_the_cluster_is_used(arguments, error, message):
    arguments = dict({"corpus_file": "corpus.txt"}, **arguments)
    with pytest.raises(error, match=message):
        fw_distributed.train(None, **arguments)


class _KillDuringEpoch(CallbackAny2Vec):
    """Kills a worker process (SIGKILL) shortly after the second epoch starts."""

    def __init__(self, pid):
        self.pid, self.epoch = pid, 0

    def on_epoch_begin(self, model):
        self.epoch += 1
        if self.epoch == 2:
            threading.Timer(0.2, os.kill, (self.pid, signal.SIGKILL)).start()


class _LostActor:
    """An actor handle as Dask leaves it once its worker is gone: it refuses calls."""

    def __getattr__(self, name):
        raise RuntimeError("Worker holding Actor was lost.  Status: error")


class _Done:
    """A finished call's future."""

    def __init__(self, value):
        self.value = value

    def done(self):
        return True

    def result(self, timeout=None):
        return self.value


class _EchoActor:
    def exchange(self, value):
        return _Done(value)


def fake_team(actors, returned=()):
    """A team of ``actors`` by worker address (replica ``i`` the ``i``-th, its key
    ``"replica-i"``) on a fake client whose workers are all connected; the replicas on the
    workers in ``returned`` say they returned from one call, the others from none."""
    keys = {address: "replica-%d" % index for index, address in enumerate(actors)}
    team = driver._Team.__new__(driver._Team)
    team.client = types.SimpleNamespace(
        cancel=lambda futures: None, run_on_scheduler=lambda function: list(actors),
        run=lambda function, workers: {address: {keys[address]: int(address in returned)}
                                       for address in workers})
    team.members = {index: driver._Member(address, types.SimpleNamespace(key=keys[address]),
                                          actor)
                    for index, (address, actor) in enumerate(actors.items())}
    return team


def test_a_call_to_a_replica_already_known_lost_drops_it(caplog):
    team = fake_team({"tcp://gone:1": _LostActor(), "tcp://here:1": _EchoActor()})
    with caplog.at_level(logging.WARNING, logger="fastw2v.distributed"):
        results, lost = team.call("exchange", {0: ("a",), 1: ("b",)})
    assert results == {1: "b"} and lost == [0] and team.alive() == [1]
    assert "replica 0 on Dask worker tcp://gone:1 was lost" in caplog.text


def test_replicas_count_the_calls_they_returned_from(client, tmp_path):
    path, _ = planted_file(tmp_path)
    team = driver._Team(client, driver._workers(client), [path])
    try:
        team.call("sizes", {index: () for index in team.alive()})
        counts = client.run(driver._returned_calls)
        assert [member.calls for member in team.members.values()] == [1, 1]
        assert all(counts[member.address] == {member.future.key: 1}
                   for member in team.members.values())
    finally:
        team.close()


class _Undelivered:
    """The future of a call whose result Dask never delivers."""

    def done(self):
        return False

    def result(self, timeout=None):
        time.sleep(timeout)
        raise TimeoutError


class _SilentActor:
    def exchange(self, value):
        return _Undelivered()


def test_a_result_dask_never_delivers_drops_its_replica_instead_of_waiting(caplog,
                                                                          monkeypatch):
    # replica 0 has returned from the one call made to it (so its worker says), and its
    # result never comes
    monkeypatch.setattr(driver, "_UNDELIVERED_SECONDS", 0.3)
    monkeypatch.setattr(driver, "_LIVENESS_SECONDS", 0.1)
    team = fake_team({"tcp://silent:1": _SilentActor(), "tcp://here:1": _EchoActor()},
                     returned=("tcp://silent:1", "tcp://here:1"))
    answers = []
    with caplog.at_level(logging.WARNING, logger="fastw2v.distributed"):
        waiter = threading.Thread(target=lambda: answers.append(
            team.call("exchange", {0: ("a",), 1: ("b",)})), daemon=True)
        waiter.start()
        waiter.join(10)  # without the check, the call would wait forever
    assert answers == [({1: "b"}, [0])] and team.alive() == [1]
    assert "it returned from exchange" in caplog.text and "has not delivered" in caplog.text


class _Later:
    """The future of a call that returns when the test says so."""

    def __init__(self):
        self.ready = threading.Event()

    def done(self):
        return self.ready.is_set()

    def result(self, timeout=None):
        if not self.ready.wait(timeout):
            raise TimeoutError
        return "late"


def test_a_replica_still_in_its_call_is_waited_for(monkeypatch):
    # as above, but the worker says the call has not returned: it is waited for
    monkeypatch.setattr(driver, "_UNDELIVERED_SECONDS", 0.1)
    monkeypatch.setattr(driver, "_LIVENESS_SECONDS", 0.05)
    later = _Later()
    team = fake_team({"tcp://busy:1": types.SimpleNamespace(exchange=lambda value: later)})
    answers = []
    waiter = threading.Thread(target=lambda: answers.append(team.call("exchange", {0: ("a",)})))
    waiter.start()
    waiter.join(0.8)
    assert waiter.is_alive() and team.alive() == [0]
    later.ready.set()
    waiter.join(5)
    assert answers == [({0: "late"}, [])]


@pytest.mark.parametrize("epochs_overlap", [False, True])
def test_a_worker_killed_mid_training_does_not_lose_the_run(tmp_path, caplog, monkeypatch,
                                                           epochs_overlap):
    path, clusters = planted_file(tmp_path, n_sentences=6000)
    with distributed.LocalCluster(n_workers=3, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as client:
            victim, pid = sorted(client.run(os.getpid).items())[1]
            killer = _KillDuringEpoch(pid)
            if epochs_overlap:  # callbacks would make each epoch end synchronised
                begin = driver._Rounds._begin

                def begin_and_kill(rounds, number):
                    killer.on_epoch_begin(rounds.model)
                    return begin(rounds, number)
                monkeypatch.setattr(driver._Rounds, "_begin", begin_and_kill)
            callbacks = [] if epochs_overlap else [killer]
            with caplog.at_level(logging.WARNING, logger="fastw2v.distributed"):
                model = fw_distributed.train(client, path, epochs=5, round_bytes=4096,
                                             callbacks=callbacks, **SMALL)
    lost = [r.getMessage() for r in caplog.records if "was lost" in r.getMessage()]
    assert lost and victim in lost[0]
    assert any("training goes on from the last synchronised state" in r.getMessage()
               for r in caplog.records)
    assert model.epochs_trained == 5
    assert np.isfinite(model.wv.vectors).all()
    assert nearest_cluster_rate(model.wv, clusters) >= 0.9
