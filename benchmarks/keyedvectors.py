"""KeyedVectors side by side with gensim 4.4: queries, analogy evaluation, binary loading.

    python -m benchmarks.keyedvectors [--quick] [--repeats N]
    python -m benchmarks.keyedvectors --pretrained [--rows N] [--repeats N]
    python -m benchmarks.keyedvectors --convert-speed BINARY_FILE [--repeats N]

Full size: a 1,000,000 x 300 random model for queries and loading, and a model trained by
gensim on ``default_corpus()`` for questions-words (its scores must agree to 4 decimals).
``--quick`` uses 100,000 x 300 and the shipped demo corpus. gensim's 1,000 single queries
are extrapolated from a timed sample (printed in the table).

``--pretrained`` measures what users of GoogleNews-sized vectors do: it writes a random
N x 300 word2vec binary file (default 3,000,000 rows, 3.6 GB, under the temporary
directory; deleted afterwards unless ``--keep``) in both layouts (word2vec.c's, a newline
after each vector, and gensim's, none), converts it to fastw2v's format with
``fastw2v convert``, then, each in a fresh process, one at a time: loads it (gensim and
fastw2v, each layout; fastw2v's own file read and memory-mapped), asks two ``most_similar``
queries and records the peak resident memory. ``fastw2v convert`` is timed against a plain
copy of the same file (``--convert-speed FILE`` does only that, for any binary file).
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

from benchmarks.common import (CACHE, Timer, default_corpus, eval_path, format_table, median,
                               peak_rss_mb, timed, write_json)
from fastw2v.keyedvectors import KeyedVectors

DIM = 300
BATCH = 1000


def random_models(n):
    """The same random n x 300 vectors as a fastw2v and a gensim KeyedVectors (shared array)."""
    from gensim.models.keyedvectors import KeyedVectors as GensimKV

    rng = np.random.default_rng(42)
    vectors = rng.standard_normal((n, DIM), dtype=np.float32)
    words = ["w%d" % i for i in range(n)]
    ours, theirs = KeyedVectors(DIM), GensimKV(DIM)
    for kv in (ours, theirs):
        kv.vectors, kv.index_to_key = vectors, words
        kv.key_to_index = {w: i for i, w in enumerate(words)}
        kv.fill_norms()
    return ours, theirs


def bench_queries(n, repeats, sample):
    ours, theirs = random_models(n)
    rng = np.random.default_rng(0)
    queries = ["w%d" % i for i in rng.choice(n, BATCH, replace=False)]
    ours_single, _ = timed(lambda: ours.most_similar(queries[0], topn=10), repeats * 3)
    gensim_single, _ = timed(lambda: theirs.most_similar(queries[0], topn=10), repeats * 3)
    ours_batch, batch = timed(lambda: ours.most_similar_batch(queries, topn=10), repeats)
    with Timer() as t:
        reference = [theirs.most_similar(q, topn=10) for q in queries[:sample]]
    agree = all([k for k, _ in a] == [k for k, _ in b] for a, b in zip(batch, reference))
    gensim_batch = t.seconds * BATCH / sample
    return [
        {"benchmark": "most_similar, 1 query (%d x %d)" % (n, DIM),
         "fastw2v_s": ours_single, "gensim_s": gensim_single},
        {"benchmark": "most_similar, %d queries batched (%d x %d)%s"
                      % (BATCH, n, DIM, "" if sample == BATCH else "; gensim from %d calls" % sample),
         "fastw2v_s": ours_batch, "gensim_s": gensim_batch, "same_results": agree},
    ]


def trained_model(quick):
    """word2vec binary file of a gensim model trained on the benchmark corpus (cached)."""
    from gensim.models import Word2Vec
    from gensim.models.word2vec import Text8Corpus

    corpus = default_corpus(quick)
    path = os.path.join(CACHE, "gensim-%s.bin" % os.path.basename(corpus))
    if not os.path.exists(path):
        print("training a gensim model on %s (once; cached as %s)" % (corpus, path))
        model = Word2Vec(Text8Corpus(corpus), vector_size=100, min_count=5 if quick else 20,
                         workers=2, seed=1)
        os.makedirs(CACHE, exist_ok=True)
        model.wv.save_word2vec_format(path + ".tmp", binary=True)
        os.replace(path + ".tmp", path)
    return path


def bench_analogies(quick, repeats):
    from gensim.models.keyedvectors import KeyedVectors as GensimKV

    path = trained_model(quick)
    ours = KeyedVectors.load_word2vec_format(path, binary=True)
    theirs = GensimKV.load_word2vec_format(path, binary=True)
    questions = eval_path("questions-words.txt")
    ours_time, (score, sections) = timed(lambda: ours.evaluate_word_analogies(questions), repeats)
    gensim_time, (ref_score, ref_sections) = timed(lambda: theirs.evaluate_word_analogies(questions), 1)
    pairs = eval_path("wordsim353.tsv")
    pearson, spearman, oov = ours.evaluate_word_pairs(pairs)
    ref_pearson, ref_spearman, ref_oov = theirs.evaluate_word_pairs(pairs)
    scores = {
        "analogy_accuracy": [score, ref_score],
        "wordsim_pearson": [float(pearson[0]), float(ref_pearson[0])],
        "wordsim_spearman": [float(spearman[0]), float(ref_spearman[0])],
        "wordsim_oov_percent": [oov, ref_oov],
    }
    equal = all(round(a, 4) == round(b, 4) for a, b in scores.values())
    answered = len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])
    row = {"benchmark": "evaluate_word_analogies (%d keys, %d questions answered; gensim 1 run)"
                        % (len(ours), answered),
           "fastw2v_s": ours_time, "gensim_s": gensim_time, "same_results": equal}
    return row, scores


def bench_load(n, repeats):
    from gensim.models.keyedvectors import KeyedVectors as GensimKV

    path = os.path.join(CACHE, "random-%dx%d.bin" % (n, DIM))
    if not os.path.exists(path):
        ours, _ = random_models(n)
        os.makedirs(CACHE, exist_ok=True)
        ours.save_word2vec_format(path, binary=True)
        del ours
    ours_time, ours = timed(lambda: KeyedVectors.load_word2vec_format(path, binary=True), repeats)
    gensim_time, theirs = timed(lambda: GensimKV.load_word2vec_format(path, binary=True), repeats)
    same = ours.index_to_key == theirs.index_to_key and np.array_equal(ours.vectors, theirs.vectors)
    return {"benchmark": "load_word2vec_format binary (%d x %d, %.2f GB)"
                         % (n, DIM, os.path.getsize(path) / 1e9),
            "fastw2v_s": ours_time, "gensim_s": gensim_time, "same_results": same}


# ----------------------------------------------------------------- --pretrained

PRETRAINED_CASES = [  # (implementation, file kind): each measured in its own process
    ("gensim", "c"), ("fastw2v", "c"), ("gensim", "g"), ("fastw2v", "g"),
    ("fastw2v", "fw2v"), ("fastw2v", "fw2v-mmap"), ("fastw2v", "fw2v16-mmap"),
]
LAYOUTS = {"c": "word2vec.c layout (newline after each vector)",
           "g": "gensim's layout (no newline)", "fw2v": "fastw2v file, read",
           "fw2v-mmap": "fastw2v file, mmap='r'",
           "fw2v16-mmap": "fastw2v file, float16, mmap='r'"}
AGREEMENT_QUERIES = 1000


def write_pretrained(path, n, newline, block=20000):
    """A random ``n`` x 300 word2vec binary file, keys ``w0...``, written block by block."""
    rng = np.random.default_rng(7)
    end = b"\n" if newline else b""
    with open(path + ".tmp", "wb") as f:
        f.write(b"%d %d\n" % (n, DIM))
        for start in range(0, n, block):
            rows = rng.standard_normal((min(block, n - start), DIM), dtype=np.float32)
            data = rows.astype("<f4").tobytes()
            width = 4 * DIM
            f.write(b"".join(b"w%d " % (start + i) + data[i * width:(i + 1) * width] + end
                             for i in range(len(rows))))
    os.replace(path + ".tmp", path)


def measure(impl, kind, path):
    """One fresh-process measurement: load, two queries, peak RSS (printed as JSON)."""
    with Timer() as load:
        if impl == "gensim":
            from gensim.models.keyedvectors import KeyedVectors as GensimKV
            kv = GensimKV.load_word2vec_format(path, binary=True)
        elif kind.startswith("fw2v"):
            kv = KeyedVectors.load(path, mmap="r" if kind.endswith("-mmap") else None)
        else:
            kv = KeyedVectors.load_word2vec_format(path, binary=True)
    with Timer() as first:
        neighbours = kv.most_similar("w1", topn=10)
    with Timer() as second:
        kv.most_similar("w2", topn=10)
    vectors_mb = kv.vectors.nbytes / 2 ** 20
    return {"load_s": load.seconds, "first_query_s": first.seconds,
            "second_query_s": second.seconds, "peak_rss_mb": peak_rss_mb(),
            "vectors_mb": vectors_mb, "neighbours": [key for key, _ in neighbours]}


def run_child(*args):
    """Run ``--measure``/``--convert`` in a fresh interpreter; its JSON result."""
    command = [sys.executable, "-m", "benchmarks.keyedvectors", *args]
    out = subprocess.run(command, check=True, capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return json.loads(out.stdout.strip().splitlines()[-1])


def agreement(full, half):
    """How often float16 storage ranks as float32 does: over a sample of queries (batched),
    the mean share of the float32 top 10 that the float16 top 10 holds, and how often the
    first neighbour is the same (printed as JSON)."""
    reference, compact = KeyedVectors.load(full, mmap="r"), KeyedVectors.load(half, mmap="r")
    rng = np.random.default_rng(1)
    sample = ["w%d" % i for i in rng.choice(len(reference), AGREEMENT_QUERIES, replace=False)]
    expected = reference.most_similar_batch(sample, topn=10)
    found = compact.most_similar_batch(sample, topn=10)
    overlap = [len({k for k, _ in a} & {k for k, _ in b}) / 10 for a, b in zip(expected, found)]
    first = [a[0][0] == b[0][0] for a, b in zip(expected, found)]
    return {"queries": AGREEMENT_QUERIES, "overlap_at_10": float(np.mean(overlap)),
            "same_first": float(np.mean(first))}


def convert_child(source, target, *options):
    """``fastw2v convert`` of ``source`` (``options`` named without their dashes): its wall
    time and peak RSS (printed as JSON)."""
    from fastw2v.cli import main as cli

    options = ["--" + option for option in options]
    with Timer() as t:
        status = cli(["convert", "-q", "--binary", *options, source, target])
    if status:
        raise SystemExit(status)
    return {"convert_s": t.seconds, "peak_rss_mb": peak_rss_mb(),
            "input_mb": os.path.getsize(source) / 2 ** 20}


def copy_child(source, target):
    """A plain copy of ``source`` to ``target``, as ``dd bs=16M conv=fsync`` makes it: the
    speed of the disk (and page cache) for what ``convert`` reads and writes (printed as
    JSON)."""
    buffer = bytearray(1 << 24)
    with Timer() as t:
        with open(source, "rb") as fin, open(target, "wb") as fout:
            while True:
                received = fin.readinto(buffer)
                if not received:
                    break
                fout.write(memoryview(buffer)[:received])
            fout.flush()
            os.fsync(fout.fileno())
    return {"copy_s": t.seconds}


def evict(path):
    """Drop ``path`` from the page cache (as if fresh from disk; needs no privileges)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def convert_speed(source, target, repeats):
    """``fastw2v convert`` of ``source`` against a plain copy of it, side by side: for an
    input in the page cache (warm) and one evicted from it (cold), ``repeats`` pairs each,
    in fresh processes, the order alternating, ``target`` removed before each run. Medians
    of the times and of the per-pair ratios."""
    result = {"input_mb": os.path.getsize(source) / 2 ** 20}
    for cache in ("warm", "cold"):
        pairs = []
        for repeat in range(repeats):
            runs = {}
            for kind in (("convert", "copy") if repeat % 2 == 0 else ("copy", "convert")):
                if os.path.exists(target):
                    os.remove(target)
                if cache == "cold":
                    evict(source)
                else:
                    with open(source, "rb") as fin:  # in the page cache
                        while fin.read(1 << 24):
                            pass
                runs[kind] = run_child("--" + kind, source, target)
            pairs.append(dict(runs["convert"], **runs["copy"]))
        for key in ("convert_s", "copy_s", "peak_rss_mb"):
            result["%s_%s" % (cache, key)] = median([pair[key] for pair in pairs])
        result[cache + "_convert_over_copy"] = median([pair["convert_s"] / pair["copy_s"]
                                                       for pair in pairs])
        result[cache + "_pairs"] = [[pair["convert_s"], pair["copy_s"]] for pair in pairs]
    os.remove(target)
    return result


def bench_pretrained(n, repeats, keep):
    """The --pretrained table: medians of ``repeats`` fresh processes per case."""
    directory = os.path.join(CACHE, "pretrained")
    os.makedirs(directory, exist_ok=True)
    paths = {kind: os.path.join(directory, "random-%dx%d-%s.bin" % (n, DIM, kind))
             for kind in ("c", "g")}
    paths["fw2v"] = paths["fw2v-mmap"] = os.path.join(directory, "random-%dx%d.fw2v" % (n, DIM))
    paths["fw2v16-mmap"] = os.path.join(directory, "random-%dx%d-float16.fw2v" % (n, DIM))
    try:
        for kind in ("c", "g"):
            if not os.path.exists(paths[kind]):
                print("writing", paths[kind])
                write_pretrained(paths[kind], n, newline=kind == "c")
        convert_row = convert_speed(paths["g"], paths["fw2v"], repeats)
        run_child("--convert", paths["g"], paths["fw2v"])
        run_child("--convert", paths["g"], paths["fw2v16-mmap"], "float16")
        results = {}
        for impl, kind in PRETRAINED_CASES:
            runs = [run_child("--measure", impl, kind, paths[kind]) for _ in range(repeats)]
            results[impl, kind] = {key: median([run[key] for run in runs]) if key != "neighbours"
                                   else runs[-1][key] for key in runs[0]}
            print(impl, kind, json.dumps(results[impl, kind]), flush=True)
        agreed = run_child("--agreement", paths["fw2v"], paths["fw2v16-mmap"])
    finally:
        if not keep:
            for path in set(paths.values()):
                if os.path.exists(path):
                    os.remove(path)
    rows = []
    for impl, kind in PRETRAINED_CASES:
        result = results[impl, kind]
        reference = results.get(("gensim", kind))
        rows.append(dict(result, impl=impl, file=LAYOUTS[kind],
                         rss_ratio=result["peak_rss_mb"] / result["vectors_mb"],
                         load_speedup=reference["load_s"] / result["load_s"] if reference
                         else results["gensim", "g"]["load_s"] / result["load_s"],
                         same_neighbours=result["neighbours"]
                         == results["gensim", "g"]["neighbours"]))
    return rows, convert_row, agreed


def main_pretrained(args):
    rows, convert_row, agreed = bench_pretrained(args.rows, args.repeats, args.keep)
    print(format_table(rows, ["impl", "file", "load_s", "load_speedup", "first_query_s",
                              "second_query_s", "peak_rss_mb", "rss_ratio", "same_neighbours"]))
    print_convert(convert_row)
    print("float16 against float32, %d batched queries: top-10 overlap %.3f, same first "
          "neighbour %.2f" % (agreed["queries"], agreed["overlap_at_10"], agreed["same_first"]))
    for row in rows:
        del row["neighbours"]
    path = write_json("keyedvectors-pretrained-%d" % args.rows,
                      {"rows": args.rows, "dim": DIM, "repeats": args.repeats,
                       "command": "python -m benchmarks.keyedvectors --pretrained --rows %d "
                                  "--repeats %d" % (args.rows, args.repeats),
                       "cases": rows, "convert": convert_row, "float16_agreement": agreed})
    print("\nwrote", path)


def print_convert(row):
    """Print :func:`convert_speed`'s result."""
    print("\nfastw2v convert (gensim layout -> fastw2v, %.0f MB) against a plain copy, medians:"
          % row["input_mb"])
    for cache in ("warm", "cold"):
        print("  input %s: convert %.2f s (%.0f MB/s, peak RSS %.0f MB), copy %.2f s: "
              "convert / copy %.2f" % (
                  "in the page cache" if cache == "warm" else "evicted from the page cache",
                  row[cache + "_convert_s"], row["input_mb"] / row[cache + "_convert_s"],
                  row[cache + "_peak_rss_mb"], row[cache + "_copy_s"],
                  row[cache + "_convert_over_copy"]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, demo corpus")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats (median)")
    parser.add_argument("--pretrained", action="store_true",
                        help="load and query a generated GoogleNews-sized file (see above)")
    parser.add_argument("--rows", type=int, default=3_000_000, help="rows of --pretrained")
    parser.add_argument("--keep", action="store_true", help="keep the --pretrained files")
    parser.add_argument("--measure", nargs=3, metavar=("IMPL", "KIND", "PATH"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--convert-speed", metavar="BINARY_FILE",
                        help="only time `fastw2v convert` of this word2vec binary file against "
                             "a plain copy of it (--repeats pairs, warm and cold)")
    parser.add_argument("--convert", nargs="+", metavar="IN OUT [OPTION]", help=argparse.SUPPRESS)
    parser.add_argument("--copy", nargs=2, metavar=("IN", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--agreement", nargs=2, metavar=("FLOAT32", "FLOAT16"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    if args.convert:
        print(json.dumps(convert_child(*args.convert)))
        return
    if args.copy:
        print(json.dumps(copy_child(*args.copy)))
        return
    if args.convert_speed:
        row = convert_speed(args.convert_speed, args.convert_speed + ".fw2v", args.repeats)
        print_convert(row)
        name = "convert-speed-%s" % os.path.basename(args.convert_speed)
        print("\nwrote", write_json(name, dict(row, repeats=args.repeats, command=(
            "python -m benchmarks.keyedvectors --convert-speed %s --repeats %d"
            % (args.convert_speed, args.repeats)))))
        return
    if args.agreement:
        print(json.dumps(agreement(*args.agreement)))
        return
    if args.pretrained:
        main_pretrained(args)
        return
    n = 100_000 if args.quick else 1_000_000
    rows = bench_queries(n, args.repeats, sample=BATCH if args.quick else 100)
    analogy_row, scores = bench_analogies(args.quick, args.repeats)
    rows.append(analogy_row)
    rows.append(bench_load(n, args.repeats))
    for row in rows:
        row["speedup"] = row["gensim_s"] / row["fastw2v_s"]
    print(format_table(rows, ["benchmark", "fastw2v_s", "gensim_s", "speedup", "same_results"]))
    print()
    print(format_table([{"score": k, "fastw2v": a, "gensim": b} for k, (a, b) in scores.items()],
                       ["score", "fastw2v", "gensim"]))
    path = write_json("keyedvectors" + ("-quick" if args.quick else ""),
                      {"quick": args.quick, "repeats": args.repeats, "rows": rows, "scores": scores})
    print("\nwrote", path)


if __name__ == "__main__":
    main()
