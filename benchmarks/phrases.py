"""Phrases: fastw2v against gensim 4 on learning, applying, freezing, applying frozen.

    python -m benchmarks.phrases [--quick] [--repeat N]

Each implementation runs in its own subprocess (so each peak RSS is its own), alternating
fastw2v and gensim ``--repeat`` times. A worker reads the corpus with ``Text8Corpus`` into
memory first (untimed, the same list of lists for both), then times the four steps on it with
``min_count=5, threshold=10, connector_words=ENGLISH_CONNECTOR_WORDS``. The phrases and scores
of both must agree, and both must emit the same number of tokens.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

from benchmarks.common import (Timer, default_corpus, format_table, machine_description, median,
                               peak_rss_mb, write_json)

STEPS = ["learn", "apply", "freeze", "apply_frozen"]
PARAMS = dict(min_count=5, threshold=10)


def text8_corpus(path):
    try:
        from fastw2v.corpora import Text8Corpus
    except ImportError:
        from gensim.models.word2vec import Text8Corpus
    return Text8Corpus(path)


def worker(impl, corpus_path, out_path, phrases_path):
    """Time the four steps with one implementation; write the results as JSON."""
    if impl == "fastw2v":
        from fastw2v.phrases import ENGLISH_CONNECTOR_WORDS, Phrases
    else:
        from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases
    corpus = list(text8_corpus(corpus_path))
    baseline = peak_rss_mb()
    seconds = {}
    with Timer() as t:
        model = Phrases(corpus, connector_words=ENGLISH_CONNECTOR_WORDS, **PARAMS)
    seconds["learn"] = t.seconds
    with Timer() as t:
        tokens = sum(len(sentence) for sentence in model[corpus])
    seconds["apply"] = t.seconds
    with Timer() as t:
        frozen = model.freeze()
    seconds["freeze"] = t.seconds
    with Timer() as t:
        frozen_tokens = sum(len(sentence) for sentence in frozen[corpus])
    seconds["apply_frozen"] = t.seconds
    result = dict(seconds=seconds, peak_rss_mb=peak_rss_mb(), corpus_rss_mb=baseline,
                  words=sum(len(s) for s in corpus), tokens_out=tokens,
                  frozen_tokens_out=frozen_tokens, phrases=len(frozen.phrasegrams))
    if phrases_path:
        with open(phrases_path, "w") as f:
            json.dump(frozen.phrasegrams, f)
    with open(out_path, "w") as f:
        json.dump(result, f)


def run_worker(impl, corpus_path, tmp, keep_phrases):
    out = os.path.join(tmp, impl + ".json")
    phrases = os.path.join(tmp, impl + "-phrases.json") if keep_phrases else ""
    subprocess.run([sys.executable, "-m", "benchmarks.phrases", "--worker", impl, corpus_path,
                    out, phrases], check=True)
    with open(out) as f:
        return json.load(f)


def compare_phrases(tmp):
    with open(os.path.join(tmp, "fastw2v-phrases.json")) as f:
        ours = json.load(f)
    with open(os.path.join(tmp, "gensim-phrases.json")) as f:
        theirs = json.load(f)
    same_set = ours.keys() == theirs.keys()
    worst = max((abs(ours[k] - theirs[k]) / max(abs(theirs[k]), 1e-300) for k in theirs
                 if k in ours), default=0.0)
    return dict(same_phrases=same_set, phrases=len(theirs), only_fastw2v=len(ours.keys() - theirs),
                only_gensim=len(theirs.keys() - ours), max_relative_score_difference=worst,
                scores_match=same_set and worst <= 1e-9)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small demo corpus")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each implementation")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(*args.worker)
    corpus_path = default_corpus(args.quick)
    print("corpus: %s\nmachine: %s" % (corpus_path, machine_description()), flush=True)
    runs = {"fastw2v": [], "gensim": []}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            for impl in ("fastw2v", "gensim"):
                runs[impl].append(run_worker(impl, corpus_path, tmp, keep_phrases=i == 0))
                print("run %d %s: %s" % (i + 1, impl, {k: round(v, 2) for k, v in
                                                       runs[impl][-1]["seconds"].items()}), flush=True)
        check = compare_phrases(tmp)
    check["same_tokens_out"] = all(
        run["tokens_out"] == runs["gensim"][0]["tokens_out"]
        and run["frozen_tokens_out"] == runs["gensim"][0]["frozen_tokens_out"]
        for run in runs["fastw2v"] + runs["gensim"])
    rows = []
    for step in STEPS:
        ours = median([run["seconds"][step] for run in runs["fastw2v"]])
        theirs = median([run["seconds"][step] for run in runs["gensim"]])
        rows.append({"step": step + " (s, median)", "fastw2v": ours, "gensim 4.4": theirs,
                     "gensim / fastw2v": theirs / ours if ours else math.inf})
    for label, key in (("peak RSS (MB)", "peak_rss_mb"), ("corpus in memory (MB)", "corpus_rss_mb")):
        ours = max(run[key] for run in runs["fastw2v"])
        theirs = max(run[key] for run in runs["gensim"])
        rows.append({"step": label, "fastw2v": ours, "gensim 4.4": theirs,
                     "gensim / fastw2v": theirs / ours})
    print()
    print(format_table(rows, ["step", "fastw2v", "gensim 4.4", "gensim / fastw2v"]))
    print("\nwords: %d, phrases: %d; same phrases: %s, scores match (rel. 1e-9): %s, "
          "same token counts: %s" % (runs["gensim"][0]["words"], check["phrases"],
                                      check["same_phrases"], check["scores_match"],
                                      check["same_tokens_out"]))
    path = write_json("phrases-quick" if args.quick else "phrases",
                      dict(corpus=corpus_path, params=dict(PARAMS, connector_words="ENGLISH"),
                           repeat=args.repeat, runs=runs, table=rows, check=check))
    print("results: %s" % path)
    if not (check["scores_match"] and check["same_tokens_out"]):
        sys.exit("fastw2v and gensim disagree")


if __name__ == "__main__":
    main()
