"""Graph walks (node2vec/DeepWalk) against gensim 4.4: ``python -m benchmarks.walks``.

Issue #19's benchmark (``make bench-walks``). A planted-partition graph (a stochastic block
model: ``--communities`` equal communities, average degree :data:`DEGREE`, a share
:data:`INSIDE` of the edges inside a community) is built with numpy into a
``scipy.sparse.csr_matrix``; uniform random walks (:data:`WALKS_PER_NODE` per node, length
:data:`WALK_LENGTH`) are drawn from it, vectorised over all walks, as an int32 array of shape
``(walks_per_node * nodes, walk_length)`` and saved once to a temporary ``.npy`` file.

Each implementation then trains in a fresh process of its own (so its peak RSS is its own):

- ``fastw2v``: loads the ``.npy`` file and trains ``Word2Vec(walks, ...)`` on the int array;
- ``fastw2v-npy``: trains ``Word2Vec(corpus_file="walks.npy", ...)`` (memory-mapped);
- ``gensim``: loads the ``.npy`` file, converts the walks to lists of str as pecanpy,
  nodevectors, karateclub and node2vec do (``[[str(n) for n in walk] for walk in
  walks.tolist()]``; ``tolist()`` first is the quickest way to do it in Python, so this is
  the cheap end of what those libraries spend) and trains gensim's ``Word2Vec(sentences,
  ...)``.

The time is end to end: from the walks in memory (after ``np.load``; for ``fastw2v-npy``, from
the call) to the trained model, the str conversion included. Quality: for every node, the share
of its 10 nearest neighbours (cosine over all nodes) that are in its own community, averaged;
computed here in the parent, from the vectors each trial saved. The order of the
implementations flips on every other repeat; speed ratios are medians of per-repeat ratios.

The issue's bars: fastw2v end to end >= 10x gensim; neighbourhood quality at least gensim's
minus 0.02; peak memory well under gensim's.
"""
import argparse
import importlib.util
import json
import os
import shlex
import subprocess
import sys
import tempfile

import numpy as np

from benchmarks.common import (ROOT, RESULTS_DIR, Timer, format_table, machine_description,
                               median, peak_rss_mb, write_json)

IMPLEMENTATIONS = ("fastw2v", "fastw2v-npy", "gensim")
#: Average degree of the planted-partition graph and the share of edges inside communities.
#: With degree 16 and 85% inside, every embedding scores 0.999+ at 30,000 nodes: the measure
#: would not tell a worse trainer from a better one; at 10 and 80% it is 0.94-0.97.
DEGREE = 10
INSIDE = 0.8
WALKS_PER_NODE = 10
WALK_LENGTH = 40
#: Neighbours scored per node by :func:`neighbourhood_quality`.
NEIGHBOURS = 10
#: Seconds after which a trial is abandoned as hung.
TRIAL_TIMEOUT = 3600
#: The issue's bars.
SPEED_BAR = 10.0
QUALITY_MARGIN = 0.02
COLUMNS = ["implementation", "end-to-end s", "str conversion s", "peak RSS",
           "neighbours in community", "vs gensim (speed)", "RSS / gensim", "runs"]


def parse_args(argv=None):
    """Parse the command line; ``--impl`` comes back as a list."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.walks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=30000, help="graph nodes (default: 30000)")
    parser.add_argument("--communities", type=int, default=20,
                        help="planted communities of equal size (default: 20)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of all implementations; "
                        "the table shows medians (default: 3)")
    parser.add_argument("--impl", default=",".join(IMPLEMENTATIONS),
                        help="comma list of %s (default: all)" % ",".join(IMPLEMENTATIONS))
    parser.add_argument("--vector-size", type=int, default=128,
                        help="vector_size (default: 128, as pecanpy, karateclub and node2vec)")
    parser.add_argument("--window", type=int, default=10,
                        help="window (default: 10, as pecanpy, nodevectors and node2vec)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs (default: 1, as pecanpy)")
    parser.add_argument("--workers", type=int, default=2, help="workers (default: 2)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the graph, the walks and "
                        "Word2Vec (default: 1)")
    parser.add_argument("--out", default=os.path.join(RESULTS_DIR, "walks.json"),
                        help="JSON results path (default: benchmarks/results/walks.json)")
    parser.add_argument("--trial", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.trial is None:
        impls = [item.strip() for item in args.impl.split(",") if item.strip()]
        if not impls or not set(impls) <= set(IMPLEMENTATIONS):
            parser.error("--impl: expected a comma list of %s; got %r"
                         % (",".join(IMPLEMENTATIONS), args.impl))
        args.impl = impls
        if args.communities < 2 or args.nodes < 10 * args.communities:
            parser.error("need --communities >= 2 and at least 10 nodes per community")
        if min(args.repeat, args.vector_size, args.window, args.epochs, args.workers) < 1:
            parser.error("--repeat, --vector-size, --window, --epochs and --workers must be "
                         "at least 1")
    return args


# -- the graph and its walks ------------------------------------------------------------------

def planted_partition(nodes, communities, degree=DEGREE, inside=INSIDE, seed=1):
    """A seeded planted-partition (stochastic block model) graph.

    Nodes get one of ``communities`` labels at random (equal counts, give or take one). About
    ``nodes * degree / 2`` undirected edges are drawn: a share ``inside`` between two members of
    one community (picked in proportion to its size), the rest between two nodes of different
    communities. Self-loops are dropped and repeated edges merged, so the graph is simple.

    Returns
    -------
    adjacency : scipy.sparse.csr_matrix
        Symmetric, int8 ones, ``nodes x nodes``.
    labels : numpy.ndarray
        The community of each node (int32).
    """
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(nodes, dtype=np.int32) % communities)
    members = np.argsort(labels, kind="stable").astype(np.int32)  # grouped by community
    bounds = np.searchsorted(labels[members], np.arange(communities + 1))
    sizes = np.diff(bounds)
    edges = nodes * degree // 2
    n_inside = int(round(edges * inside))
    n_across = edges - n_inside

    group = rng.choice(communities, n_inside, p=sizes / sizes.sum())
    u = members[bounds[group] + (rng.random(n_inside) * sizes[group]).astype(np.int64)]
    v = members[bounds[group] + (rng.random(n_inside) * sizes[group]).astype(np.int64)]
    a = rng.integers(0, nodes, n_across, dtype=np.int32)
    b = rng.integers(0, nodes, n_across, dtype=np.int32)
    same = labels[a] == labels[b]
    while same.any():  # redraw the pairs that landed in one community (1 in K each round)
        b[same] = rng.integers(0, nodes, int(same.sum()), dtype=np.int32)
        same = labels[a] == labels[b]

    rows = np.concatenate([u, v, a, b])
    cols = np.concatenate([v, u, b, a])
    keep = rows != cols
    ones = np.ones(int(keep.sum()), dtype=np.int8)
    adjacency = sp.coo_matrix((ones, (rows[keep], cols[keep])), shape=(nodes, nodes)).tocsr()
    adjacency.sum_duplicates()
    adjacency.data.fill(1)
    return adjacency, labels


def graph_stats(adjacency, labels):
    """Edges, mean and min degree, isolated nodes and the share of edges inside communities."""
    coo = adjacency.tocoo()
    degrees = np.diff(adjacency.indptr)
    return {
        "edges": int(adjacency.nnz // 2),
        "mean_degree": float(degrees.mean()),
        "min_degree": int(degrees.min()),
        "isolated_nodes": int((degrees == 0).sum()),
        "inside_share": float((labels[coo.row] == labels[coo.col]).mean()),
    }


def random_walks(adjacency, walks_per_node=WALKS_PER_NODE, length=WALK_LENGTH, seed=1):
    """Uniform random walks over ``adjacency`` (CSR), vectorised over all walks.

    ``walks_per_node`` walks start at every node, in a shuffled order (as pecanpy's). Each
    step moves every walk at once to a uniformly chosen neighbour of its current node; a walk
    at a node without neighbours stays there.

    Returns
    -------
    numpy.ndarray
        int32, shape ``(walks_per_node * nodes, length)``, one walk per row.
    """
    rng = np.random.default_rng(seed)
    nodes = adjacency.shape[0]
    indptr = adjacency.indptr.astype(np.int64)
    indices = adjacency.indices.astype(np.int32)
    degrees = np.diff(indptr)
    last = max(len(indices) - 1, 0)
    walks = np.empty((nodes * walks_per_node, length), dtype=np.int32)
    walks[:, 0] = rng.permutation(np.repeat(np.arange(nodes, dtype=np.int32), walks_per_node))
    for step in range(1, length):
        here = walks[:, step - 1]
        degree = degrees[here]
        offset = (rng.random(here.size) * degree).astype(np.int64)
        there = indices[np.minimum(indptr[here] + offset, last)] if len(indices) else here
        walks[:, step] = np.where(degree > 0, there, here)
    return walks


def neighbourhood_quality(keys, vectors, labels, k=NEIGHBOURS, chunk=1024):
    """Mean share of each node's ``k`` nearest neighbours (cosine) in its own community.

    Parameters
    ----------
    keys : numpy.ndarray
        The node id of each row of ``vectors``.
    vectors : numpy.ndarray
        One vector per key.
    labels : numpy.ndarray
        The community of each node id.

    Returns
    -------
    quality : float
        The mean over the nodes that have a vector (their neighbours are searched among those).
    coverage : float
        The share of the graph's nodes that have a vector.
    """
    keys = np.asarray(keys, dtype=np.int64)
    order = np.argsort(keys)
    keys, vectors = keys[order], np.asarray(vectors, dtype=np.float32)[order]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms > 0, norms, 1)
    own = labels[keys]
    shares = np.empty(len(keys))
    for start in range(0, len(keys), chunk):
        stop = min(start + chunk, len(keys))
        sims = unit[start:stop] @ unit.T
        sims[np.arange(stop - start), np.arange(start, stop)] = -np.inf  # not itself
        nearest = np.argpartition(sims, -k, axis=1)[:, -k:]
        shares[start:stop] = (own[nearest] == own[start:stop, None]).mean(axis=1)
    return float(shares.mean()), len(keys) / len(labels)


# -- one trial, in its own process ----------------------------------------------------------

def word2vec_parameters(args):
    """The Word2Vec parameters every implementation gets."""
    return {"vector_size": args.vector_size, "window": args.window, "min_count": 1, "sg": 1,
            "hs": 0, "negative": 5, "epochs": args.epochs, "workers": args.workers,
            "seed": args.seed}


def run_trial_here(spec):
    """Train one implementation as ``spec`` says; save its keys and vectors; return a result.

    ``spec`` holds ``impl``, ``walks`` (the ``.npy`` path), ``params`` (Word2Vec keyword
    arguments) and ``out`` (a path stem for ``.keys.npy`` and ``.vectors.npy``).
    """
    impl, params = spec["impl"], spec["params"]
    result = {"impl": impl, "convert_seconds": None}
    if impl == "gensim":
        import gensim
        from gensim.models import Word2Vec

        result["version"] = gensim.__version__
        with Timer() as load:
            walks = np.load(spec["walks"])
        with Timer() as total:
            with Timer() as convert:
                sentences = [[str(n) for n in walk] for walk in walks.tolist()]
            model = Word2Vec(sentences, **params)
        result["convert_seconds"] = convert.seconds
    else:
        import fastw2v
        from fastw2v import Word2Vec

        result["version"] = fastw2v.__version__
        if impl == "fastw2v-npy":
            with Timer() as load:
                pass
            with Timer() as total:
                model = Word2Vec(corpus_file=spec["walks"], progress=False, **params)
        else:
            with Timer() as load:
                walks = np.load(spec["walks"])
            with Timer() as total:
                model = Word2Vec(walks, progress=False, **params)
    result.update(load_seconds=load.seconds, seconds=total.seconds, peak_rss_mb=peak_rss_mb(),
                  vocab_size=len(model.wv.index_to_key),
                  key_type=type(model.wv.index_to_key[0]).__name__)
    np.save(spec["out"] + ".keys.npy", np.array([int(key) for key in model.wv.index_to_key],
                                                dtype=np.int64))
    np.save(spec["out"] + ".vectors.npy", np.asarray(model.wv.vectors, dtype=np.float32))
    return result


def run_trial(spec):
    """Run :func:`run_trial_here` in a fresh Python process; its result, or ``error``."""
    err_path = spec["out"] + ".err"
    result_path = spec["out"] + ".json"
    with open(err_path, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "benchmarks.walks", "--trial",
                                 json.dumps(dict(spec, result=result_path))],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        try:
            proc.wait(timeout=TRIAL_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return {"impl": spec["impl"], "error": "no result after %d s" % TRIAL_TIMEOUT}
    if proc.returncode != 0:
        with open(err_path) as f:
            lines = [line for line in f.read().splitlines() if line.strip()]
        return {"impl": spec["impl"],
                "error": lines[-1] if lines else "exit status %d" % proc.returncode}
    with open(result_path) as f:
        return json.load(f)


# -- the comparison ---------------------------------------------------------------------------

def available(impls):
    """``impls`` without gensim when it is not installed (with a message)."""
    if "gensim" in impls and importlib.util.find_spec("gensim") is None:
        print("note: gensim is not installed (pip install -r benchmarks/requirements.txt); "
              "running fastw2v alone, without the comparison")
        impls = [impl for impl in impls if impl != "gensim"]
    return impls


def schedule(impls, repeat):
    """``(repeat, impl)`` in running order; the order flips on every other repeat."""
    return [(r + 1, impl) for r in range(repeat)
            for impl in (impls if r % 2 == 0 else impls[::-1])]


def summarize(trials):
    """Per implementation: medians over repeats, and ratios to gensim (medians of the
    per-repeat ratios)."""
    ok = [t for t in trials if "error" not in t]
    gensim = {t["repeat"]: t for t in ok if t["impl"] == "gensim"}
    rows = []
    for impl in dict.fromkeys(t["impl"] for t in ok):
        runs = [t for t in ok if t["impl"] == impl]
        row = {"impl": impl, "version": runs[0]["version"], "runs": len(runs),
               "key_type": runs[0]["key_type"], "vocab_size": runs[0]["vocab_size"]}
        for key in ("seconds", "load_seconds", "peak_rss_mb", "quality", "coverage"):
            row[key] = median([t[key] for t in runs])
        converts = [t["convert_seconds"] for t in runs if t["convert_seconds"] is not None]
        row["convert_seconds"] = median(converts) if converts else None
        paired = [(t, gensim[t["repeat"]]) for t in runs if t["repeat"] in gensim]
        if impl != "gensim" and paired:
            row["speedup"] = median([g["seconds"] / t["seconds"] for t, g in paired])
            row["rss_ratio"] = median([t["peak_rss_mb"] / g["peak_rss_mb"] for t, g in paired])
            row["quality_gap"] = median([t["quality"] - g["quality"] for t, g in paired])
        else:
            row["speedup"] = row["rss_ratio"] = row["quality_gap"] = None
        rows.append(row)
    return rows


def results_table(rows):
    """The Markdown table of :func:`summarize`'s rows."""
    def fmt(value, pattern):
        return "" if value is None else pattern % value
    return format_table([{
        "implementation": "%s %s" % (row["impl"], row["version"]),
        "end-to-end s": fmt(row["seconds"], "%.2f"),
        "str conversion s": fmt(row["convert_seconds"], "%.2f"),
        "peak RSS": fmt(row["peak_rss_mb"], "%.0f MB"),
        "neighbours in community": fmt(row["quality"], "%.3f"),
        "vs gensim (speed)": fmt(row["speedup"], "%.1fx"),
        "RSS / gensim": fmt(row["rss_ratio"], "%.2f"),
        "runs": str(row["runs"]),
    } for row in rows], COLUMNS)


def bars(rows):
    """One line per fastw2v row: the issue's three bars, passed or not."""
    lines = []
    for row in rows:
        if row["impl"] == "gensim" or row["speedup"] is None:
            continue
        lines.append("%s: speed %.1fx gensim (bar >= %.0fx: %s); quality %+.3f vs gensim "
                     "(bar >= -%.2f: %s); peak RSS %.2f of gensim's" % (
                         row["impl"], row["speedup"], SPEED_BAR,
                         "pass" if row["speedup"] >= SPEED_BAR else "FAIL",
                         row["quality_gap"], QUALITY_MARGIN,
                         "pass" if row["quality_gap"] >= -QUALITY_MARGIN else "FAIL",
                         row["rss_ratio"]))
    return lines


def _describe(trial):
    """One progress line for a finished trial."""
    head = "%-12s run %d" % (trial["impl"], trial["repeat"])
    if "error" in trial:
        return "%s  FAILED: %s" % (head, trial["error"])
    convert = ("  (str conversion %.2f s)" % trial["convert_seconds"]
               if trial["convert_seconds"] is not None else "")
    return "%s  %.2f s%s  peak RSS %.0f MB  neighbours in community %.3f  (%s keys)" % (
        head, trial["seconds"], convert, trial["peak_rss_mb"], trial["quality"],
        trial["key_type"])


def main(argv=None):
    """Entry point of ``python -m benchmarks.walks``; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.trial is not None:
        spec = json.loads(args.trial)
        result = run_trial_here(spec)
        with open(spec["result"], "w") as f:
            json.dump(result, f)
        return 0

    impls = available(args.impl)
    if not impls:
        print("nothing to run")
        return 1
    params = word2vec_parameters(args)
    print("machine: %s" % machine_description(), flush=True)
    with Timer() as build:
        adjacency, labels = planted_partition(args.nodes, args.communities, seed=args.seed)
    stats = graph_stats(adjacency, labels)
    with Timer() as walking:
        walks = random_walks(adjacency, seed=args.seed + 1)
    print("graph: %d nodes, %d communities, %d edges, mean degree %.1f, %.1f%% of edges inside "
          "communities, %d isolated (built in %.2f s)" % (
              args.nodes, args.communities, stats["edges"], stats["mean_degree"],
              100 * stats["inside_share"], stats["isolated_nodes"], build.seconds))
    print("walks: %d x %d int32 (%.0f MB, %d tokens), drawn in %.2f s" % (
        walks.shape[0], walks.shape[1], walks.nbytes / 1e6, walks.size, walking.seconds))
    print("Word2Vec: %s" % ", ".join("%s=%s" % item for item in params.items()), flush=True)

    trials = []
    with tempfile.TemporaryDirectory(prefix="fastw2v-walks-") as tmp:
        walks_path = os.path.join(tmp, "walks.npy")
        np.save(walks_path, walks)
        del walks
        order = schedule(impls, args.repeat)
        for i, (repeat, impl) in enumerate(order, 1):
            stem = os.path.join(tmp, "%s-%d" % (impl, repeat))
            trial = dict(run_trial({"impl": impl, "walks": walks_path, "params": params,
                                    "out": stem}), repeat=repeat)
            if "error" not in trial:
                trial["quality"], trial["coverage"] = neighbourhood_quality(
                    np.load(stem + ".keys.npy"), np.load(stem + ".vectors.npy"), labels)
                os.remove(stem + ".vectors.npy")
            trials.append(trial)
            print("[%d/%d] %s" % (i, len(order), _describe(trial)), flush=True)

    rows = summarize(trials)
    print()
    if rows:
        print(results_table(rows))
        print("\nend-to-end: walks in memory -> trained model (gensim: the conversion to lists "
              "of str included; fastw2v-npy: from the .npy file); neighbours in community: "
              "mean share of each node's %d nearest neighbours (cosine) in its own community "
              "(chance: %.3f); medians of %d run(s)." % (
                  NEIGHBOURS, 1.0 / args.communities, args.repeat))
        for line in bars(rows):
            print(line)
    failed = [t for t in trials if "error" in t]
    for trial in failed:
        print("\nfailed: " + _describe(trial))
    command = " ".join(["python -m benchmarks.walks"] + [shlex.quote(a) for a in argv])
    payload = {
        "command": command,
        "graph": dict(stats, nodes=args.nodes, communities=args.communities, degree=DEGREE,
                      inside=INSIDE, build_seconds=build.seconds),
        "walks": {"walks_per_node": WALKS_PER_NODE, "length": WALK_LENGTH, "dtype": "int32",
                  "seconds": walking.seconds},
        "parameters": params,
        "rows": rows,
        "trials": trials,
    }
    print("\nresults: " + write_json("walks", payload, path=args.out))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
