"""Saving and loading side by side with gensim 4.4: times and file sizes.

    python -m benchmarks.persistence [--quick] [--repeats N]

A CBOW model (vector_size=100, 1 epoch, negative sampling) is trained by fastw2v on
``default_corpus()``; gensim gets the same vocabulary and weights (copied), so both libraries
save the same model: ``Word2Vec.save``/``load`` and ``KeyedVectors.save``/``load``, with and
without ``mmap='r'``. Then a 3,000,000 x 300 random KeyedVectors (300,000 x 300 with
``--quick``) is saved by both and opened with ``mmap='r'``, if the disk has room. Loads are
timed right after the save (the files are usually still in the page cache). Opening a large
vocabulary is dominated by building its ``key_to_index`` dict, timed on its own.
"""
import argparse
import os
import shutil
import tempfile

import numpy as np

from benchmarks.common import default_corpus, format_table, timed, write_json
from fastw2v import KeyedVectors, Word2Vec

COLUMNS = ["benchmark", "fastw2v_s", "gensim_s", "speedup", "fastw2v_MB", "gensim_MB"]


def size_mb(path):
    """Size of ``path`` plus gensim's side files (``path.*.npy``), in MB."""
    folder, name = os.path.split(path)
    return sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder)
               if f == name or f.startswith(name + ".")) / 1e6


def trained_models(quick):
    """A fastw2v model trained on the benchmark corpus and a gensim model with its weights."""
    from gensim.models import Word2Vec as GensimWord2Vec

    params = dict(vector_size=100, sg=0, negative=5, epochs=1, min_count=5, workers=2)
    ours = Word2Vec(corpus_file=default_corpus(quick), progress=False, **params)
    theirs = GensimWord2Vec(**params)
    counts = ours.wv.expandos["count"].tolist()
    theirs.build_vocab_from_freq(dict(zip(ours.wv.index_to_key, counts)),
                                 corpus_count=ours.corpus_count)
    order = [ours.wv.key_to_index[key] for key in theirs.wv.index_to_key]
    theirs.wv.vectors[:] = ours.wv.vectors[order]
    theirs.syn1neg[:] = ours.syn1neg[order]
    return ours, theirs


def compare(label, ours, theirs, ours_cls, theirs_cls, folder, repeats, full_repeats=None):
    """Rows for save, load and load with mmap of one object in both libraries.

    ``repeats`` times the mmap loads; ``full_repeats`` (default ``repeats``) the saves and
    full loads.
    """
    full_repeats = full_repeats or repeats
    ours_path = os.path.join(folder, "fastw2v-" + label)
    theirs_path = os.path.join(folder, "gensim-" + label)
    ours_save, _ = timed(lambda: ours.save(ours_path), full_repeats)
    theirs_save, _ = timed(lambda: theirs.save(theirs_path), full_repeats)
    sizes = {"fastw2v_MB": size_mb(ours_path), "gensim_MB": size_mb(theirs_path)}
    rows = [dict(benchmark="%s save" % label, fastw2v_s=ours_save, gensim_s=theirs_save, **sizes)]
    for mmap, n in ((None, full_repeats), ("r", repeats)):
        ours_load, loaded = timed(lambda: ours_cls.load(ours_path, mmap=mmap), n)
        theirs_load, _ = timed(lambda: theirs_cls.load(theirs_path, mmap=mmap), n)
        vectors = loaded.vectors if ours_cls is KeyedVectors else loaded.wv.vectors
        expected = ours.vectors if ours_cls is KeyedVectors else ours.wv.vectors
        assert np.array_equal(vectors, expected)
        rows.append(dict(benchmark="%s load%s" % (label, ", mmap='r'" if mmap else ""),
                         fastw2v_s=ours_load, gensim_s=theirs_load, **sizes))
    return rows


def random_keyedvectors(n, dim):
    """The same random n x dim vectors with keys "w0", "w1", ... for both libraries."""
    from gensim.models.keyedvectors import KeyedVectors as GensimKV

    vectors = np.empty((n, dim), dtype=np.float32)
    rng = np.random.default_rng(0)
    for start in range(0, n, 100_000):
        rng.random(out=vectors[start:start + 100_000], dtype=np.float32)
    keys = ["w%d" % i for i in range(n)]
    ours, theirs = KeyedVectors(dim), GensimKV(dim)
    for kv in (ours, theirs):
        kv.vectors, kv.index_to_key = vectors, keys
        kv.key_to_index = dict(zip(keys, range(n)))
    return ours, theirs


def bench_large(n, dim, folder, repeats):
    """Save both libraries' n x dim KeyedVectors, then time opening them with mmap='r'."""
    from gensim.models.keyedvectors import KeyedVectors as GensimKV

    needed = 2.2 * n * dim * 4
    if shutil.disk_usage(folder).free < needed + 2e9:
        print("skipping the %d x %d model: %.1f GB free, %.1f GB needed"
              % (n, dim, shutil.disk_usage(folder).free / 1e9, needed / 1e9))
        return []
    ours, theirs = random_keyedvectors(n, dim)
    rows = compare("random KeyedVectors (%d x %d)" % (n, dim), ours, theirs, KeyedVectors,
                   GensimKV, folder, repeats, full_repeats=1)
    keys = list(ours.index_to_key)
    seconds, _ = timed(lambda: dict(zip(keys, range(n))), repeats)
    rows.append({"benchmark": "of which: building key_to_index, a %d-key dict (both libraries)"
                              % n, "fastw2v_s": seconds})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="demo corpus, 300,000 x 300 model")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats (median)")
    args = parser.parse_args(argv)
    from gensim.models import Word2Vec as GensimWord2Vec
    from gensim.models.keyedvectors import KeyedVectors as GensimKV

    folder = tempfile.mkdtemp(prefix="fastw2v-persistence-")
    try:
        ours, theirs = trained_models(args.quick)
        label = "Word2Vec (%d x %d)" % (len(ours.wv), ours.vector_size)
        rows = compare(label, ours, theirs, Word2Vec, GensimWord2Vec, folder, args.repeats)
        rows += compare("KeyedVectors (%d x %d)" % (len(ours.wv), ours.vector_size), ours.wv,
                        theirs.wv, KeyedVectors, GensimKV, folder, args.repeats)
        del ours, theirs
        rows += bench_large(300_000 if args.quick else 3_000_000, 300, folder, args.repeats)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for row in rows:
        if "gensim_s" in row:
            row["speedup"] = row["gensim_s"] / row["fastw2v_s"]
    table = format_table(rows, COLUMNS)
    print(table)
    path = write_json("persistence-quick" if args.quick else "persistence",
                      {"corpus": os.path.basename(default_corpus(args.quick)),
                       "repeats": args.repeats, "rows": rows, "table": table})
    print("wrote %s" % path)


if __name__ == "__main__":
    main()
