"""KeyedVectors side by side with gensim 4.4: queries, analogy evaluation, binary loading.

    python -m benchmarks.keyedvectors [--quick] [--repeats N]

Full size: a 1,000,000 x 300 random model for queries and loading, and a model trained by
gensim on ``default_corpus()`` for questions-words (its scores must agree to 4 decimals).
``--quick`` uses 100,000 x 300 and the shipped demo corpus. gensim's 1,000 single queries
are extrapolated from a timed sample (printed in the table).
"""
import argparse
import os

import numpy as np

from benchmarks.common import (CACHE, Timer, default_corpus, eval_path, format_table, timed,
                               write_json)
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, demo corpus")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats (median)")
    args = parser.parse_args(argv)
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
