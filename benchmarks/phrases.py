"""Phrases: fastw2v against gensim 4 on learning, applying, freezing, applying frozen.

    python -m benchmarks.phrases [--quick] [--repeat N] [--utf8] [--corpus PATH] [--out JSON]

Each implementation runs in its own subprocess (so each peak RSS is its own), alternating
fastw2v and gensim ``--repeat`` times. A worker reads the corpus with ``Text8Corpus`` into
memory first (untimed, the same list of lists for both), then times the four steps on it with
``min_count=5, threshold=10, connector_words=ENGLISH_CONNECTOR_WORDS``. The phrases and scores
of both must agree, and both must emit the same number of tokens.

With ``--utf8`` the corpus is first rewritten once as UTF-8 text (``utf8_corpus``): in a third
of the word types, chosen by a checksum of the word, every "e" becomes "é", so that both
implementations read the same non-ASCII tokens from the file.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import zlib

from benchmarks.common import (CACHE, Timer, decompressed, default_corpus, format_table,
                               machine_description, median, peak_rss_mb, write_json)

STEPS = ["learn", "apply", "freeze", "apply_frozen"]
PARAMS = dict(min_count=5, threshold=10)


def text8_corpus(path):
    try:
        from fastw2v.corpora import Text8Corpus
    except ImportError:
        from gensim.models.word2vec import Text8Corpus
    return Text8Corpus(path)


def accented(word):
    """``word`` with "e" -> "é" in a third of the word types (by CRC-32), else unchanged."""
    return word.replace("e", "\u00e9") if zlib.crc32(word.encode()) % 3 == 0 else word


def utf8_corpus(path):
    """A UTF-8 copy of the corpus ``path`` with ``accented`` words, made once in the cache."""
    target = os.path.join(CACHE, os.path.basename(path) + ".utf8")
    if not os.path.exists(target):
        tmp = target + ".tmp"
        with open(path, encoding="utf8") as fin, open(tmp, "w", encoding="utf8") as fout:
            for line in fin:
                fout.write(" ".join(accented(word) for word in line.split(" ")))
        os.replace(tmp, target)
    return target


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
                  non_ascii_words=sum(not word.isascii() for s in corpus for word in s),
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
    parser.add_argument("--utf8", action="store_true",
                        help="accent a third of the word types: UTF-8 text, not ASCII")
    parser.add_argument("--corpus", help="another corpus file (text8 format, may be .gz)")
    parser.add_argument("--out", help="where to write the results (default: benchmarks/results/)")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(*args.worker)
    corpus_path = decompressed(args.corpus) if args.corpus else default_corpus(args.quick)
    if args.utf8:
        corpus_path = utf8_corpus(corpus_path)
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
    print("\nwords: %d (%d not ASCII), phrases: %d; same phrases: %s, "
          "scores match (rel. 1e-9): %s, "
          "same token counts: %s" % (runs["gensim"][0]["words"],
                                      runs["gensim"][0]["non_ascii_words"], check["phrases"],
                                      check["same_phrases"], check["scores_match"],
                                      check["same_tokens_out"]))
    name = "phrases" + ("-quick" if args.quick else "") + ("-utf8" if args.utf8 else "")
    path = write_json(name, dict(corpus=corpus_path, utf8=args.utf8,
                                 params=dict(PARAMS, connector_words="ENGLISH"), repeat=args.repeat,
                                 runs=runs, table=rows, check=check), path=args.out)
    print("results: %s" % path)
    if not (check["scores_match"] and check["same_tokens_out"]):
        sys.exit("fastw2v and gensim disagree")


if __name__ == "__main__":
    main()
