"""Distributed training on a Dask LocalCluster against one process: ``python -m benchmarks.distributed``.

Issue #21's bars: ``LocalCluster(n_workers=2, threads_per_worker=1)`` against one process
with ``workers=1``, skip-gram NS on enwiki2015-text8like, 1 and 5 epochs: end to end
(vocabulary + training; the cluster's start is not counted) at least 1.6x as fast, analogy
within 1 point and WordSim-353 within 0.02. Also 4 Dask workers on the machine's 2 cores
(correctness when oversubscribed) and the bytes sent per epoch.

``--sweep`` instead trains one epoch with each synchronisation setting (``sync_seconds``,
``hot_rows``, ``tail_every``) and scores it: how the defaults were chosen.

``--transport`` measures what Dask itself costs: two actors (one per worker process) echo
float32 arrays of 0 to 32 MB; the client's CPU and the wall time per pair of calls.

Each cluster run also records where its time went (``seconds``, summed over the epochs and
the replicas): ``cpu_train``, ``cpu_sync`` (replicas applying and taking deltas),
``cpu_comm`` (the workers' event loops moving messages) and ``client_cpu`` (the client and
the scheduler, which share its process), with wall times ``apply``, ``take``, ``wait``
(a replica waiting for its round), ``idle`` (a replica with no round to train) and
``call``/``combine`` on the client.
"""
from __future__ import annotations

import argparse
import gc
import logging
import os
import statistics
import sys
import time

from benchmarks.common import SHARED_DATA, decompressed, eval_path, write_json

PARAMS = {"vector_size": 100, "window": 5, "min_count": 5, "sample": 1e-3, "seed": 1,
          "sg": 1, "hs": 0, "negative": 5, "workers": 1, "progress": False}
ANALOGY_VOCAB = 30000
#: (sync_seconds, hot_rows, tail_every) tried by --sweep.
SWEEP = [(0.25, 4096, 8), (0.25, 1024, 32), (0.5, 1024, 32), (0.1, 1024, 32),
         (0.25, 256, 32), (0.25, 1024, 128)]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.distributed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", help="plain text corpus (default: the shared "
                        "enwiki2015-text8like, decompressed once)")
    parser.add_argument("--quick", action="store_true", help="its 40 MB prefix")
    parser.add_argument("--epochs", default="1,5", help="comma-separated epoch counts")
    parser.add_argument("--dask-workers", default="2,4", help="comma-separated cluster sizes")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each; each cluster run is compared with the one "
                        "process run just before it, and the medians are reported")
    parser.add_argument("--sweep", action="store_true", help="score the sync settings")
    parser.add_argument("--transport", action="store_true",
                        help="time Dask actor calls carrying arrays instead of training")
    parser.add_argument("--output", help="JSON file (default benchmarks/results/distributed"
                        "[-sweep].json)")
    return parser.parse_args(argv)


def corpus(args):
    if args.corpus:
        return args.corpus
    source = os.path.join(SHARED_DATA, "enwiki2015-text8like.gz")
    return decompressed(source, 40_000_000 if args.quick else None)


def score(wv):
    analogy, _ = wv.evaluate_word_analogies(eval_path("questions-words.txt"),
                                            restrict_vocab=ANALOGY_VOCAB)
    _, spearman, _ = wv.evaluate_word_pairs(eval_path("wordsim353.tsv"))
    return {"analogy": round(float(analogy), 4), "wordsim": round(float(spearman[0]), 4)}


def single(path, epochs):
    from fastw2v import Word2Vec
    gc.collect()
    start = time.perf_counter()
    model = Word2Vec(corpus_file=path, epochs=epochs, **PARAMS)
    seconds = time.perf_counter() - start
    return dict(kind="1 process, workers=1", epochs=epochs, seconds=round(seconds, 2),
                **score(model.wv))


def cluster_run(path, epochs, n_workers, **sync):
    from dask.distributed import Client, LocalCluster

    from fastw2v import distributed
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        gc.collect()
        start = time.perf_counter()
        model = distributed.train(client, path, epochs=epochs, **sync, **PARAMS)
        seconds = time.perf_counter() - start
    event = [e for e in model.lifecycle_events if e["event"] == "train"][-1]["distributed"]
    return dict(kind="LocalCluster(n_workers=%d)" % n_workers, epochs=epochs,
                seconds=round(seconds, 2), rounds=event["rounds"],
                mb_sent_per_epoch=round(event["bytes_sent"] / epochs / 1e6, 1),
                **{k: event[k] for k in ("sync_seconds", "hot_rows", "tail_every")},
                **score(model.wv), seconds_by_kind=event["seconds"])


class Echo:
    """A Dask actor returning what it is given."""

    def echo(self, payload):
        return payload


def transport(sizes_mb=(0, 1, 8, 32), calls=20):
    """Wall and client CPU milliseconds per pair of actor calls, each carrying a float32
    array of each size to its actor and back."""
    import numpy as np
    from dask.distributed import Client, LocalCluster
    rows = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        actors = [client.submit(Echo, actor=True, workers=[address]).result()
                  for address in client.scheduler_info()["workers"]]
        for mb in sizes_mb:
            payload = np.ones(mb * 250_000 + 1, dtype=np.float32)
            for actor in actors:
                actor.echo(payload).result()
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(calls):
                for future in [actor.echo(payload) for actor in actors]:
                    future.result()
            rows.append({"mb_each_way_per_actor": mb,
                         "wall_ms": round((time.perf_counter() - wall) / calls * 1e3, 2),
                         "client_cpu_ms": round((time.process_time() - cpu) / calls * 1e3, 2)})
    return rows


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.transport:
        for row in transport():
            print(row, flush=True)
        return
    path = corpus(args)
    epochs = [int(e) for e in args.epochs.split(",")]
    name = "distributed-sweep" if args.sweep else "distributed"
    command = " ".join(["python -m benchmarks.distributed"]
                       + list(argv if argv is not None else sys.argv[1:]))
    rows = []

    def record(row, partial=True):
        """Print ``row`` and rewrite the JSON with it (marked partial until the last)."""
        if row is not None:
            rows.append(row)
            print(row, flush=True)
        return write_json(name, {"command": command, "corpus": path, "parameters": PARAMS,
                                 "cpus": os.cpu_count(), "partial": partial, "runs": rows,
                                 "medians": medians(rows)}, args.output)

    for e in epochs:
        for _ in range(args.repeat):
            base = single(path, e)
            record(base)
            if args.sweep:
                for seconds, hot, every in SWEEP:
                    record(cluster_run(path, e, 2, sync_seconds=seconds, hot_rows=hot,
                                       tail_every=every))
                continue
            for n in [int(n) for n in args.dask_workers.split(",")]:
                row = cluster_run(path, e, n)
                row["speedup"] = round(base["seconds"] / row["seconds"], 2)
                row["analogy_diff_points"] = round(100 * (row["analogy"] - base["analogy"]), 2)
                row["wordsim_diff"] = round(row["wordsim"] - base["wordsim"], 4)
                record(row)
    for row in medians(rows):
        print(row)
    print("wrote", record(None, partial=False))


def medians(rows):
    """Per cluster size and epoch count, the medians of the runs' ratios to one process."""
    keys = ("speedup", "analogy_diff_points", "wordsim_diff", "seconds", "mb_sent_per_epoch")
    groups = {}
    for row in rows:
        if "speedup" in row:
            groups.setdefault((row["kind"], row["epochs"]), []).append(row)
    return [dict(kind=kind, epochs=epochs, runs=len(group),
                 **{"median_" + key: statistics.median(row[key] for row in group)
                    for key in keys})
            for (kind, epochs), group in groups.items()]


if __name__ == "__main__":
    main()
