"""Training speed by text format: UTF-8 and compressed corpora against the plain ASCII file.

    python -m benchmarks.formats [--quick] [--repeat N] [--megabytes M]

The first ``M`` MB (default 40) of the corpus, 20 words a line, as made by
``benchmarks/readers.py`` (``lines`` in ASCII and in UTF-8, plain and ``.gz``), trains one
skip-gram epoch with 2 workers from ``LineSentence`` (iterable mode) and as ``corpus_file``.
Each repeat trains every variant in turn (the order flipping every other repeat); the table
gives each variant's median words/s and the median over repeats of its ratio to the plain
ASCII file in the same repeat and mode (the issue's bar is 0.9x). Per-repeat ratios, as the
scaling benchmark's, keep the ratio meaningful when the shared host switches between fast
and slow states from one minute to the next.
"""
import argparse
import gzip
import os

from benchmarks.common import CACHE, Timer, format_table, median, write_json
from benchmarks.readers import corpus_path, make_variants

VARIANTS = [("ascii", ""), ("utf8", ""), ("ascii", ".gz"), ("utf8", ".gz")]
MODES = ["iterable", "corpus_file"]


def sliced_corpus(megabytes, quick):
    """A ``.gz`` copy of the corpus's first ``megabytes`` MB (cut at a space), made once."""
    path = os.path.join(CACHE, "formats", "slice-%dMB.txt.gz" % megabytes)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with gzip.open(corpus_path(quick), "rb") as fin:
            data = fin.read(megabytes << 20)
        data = data[:data.rfind(b" ")]
        with gzip.open(path + ".tmp", "wb", compresslevel=6) as fout:
            fout.write(data)
        os.replace(path + ".tmp", path)
    return path


def train_once(path, mode):
    """Words/s of one epoch (vocabulary built first, untimed)."""
    from fastw2v import LineSentence, Word2Vec

    model = Word2Vec(vector_size=100, sg=1, workers=2, epochs=1, progress=False)
    if mode == "corpus_file":
        model.build_vocab(corpus_file=path)
        with Timer() as t:
            _, raw = model.train(corpus_file=path, total_words=model.corpus_total_words, epochs=1)
    else:
        corpus = LineSentence(path)
        model.build_vocab(corpus)
        with Timer() as t:
            _, raw = model.train(corpus, total_examples=model.corpus_count, epochs=1)
    return raw / t.seconds


def parse_arguments(description):
    """``(args, megabytes, paths)``: the options shared with ``benchmarks.phrased`` and the
    corpus variants they name (see ``benchmarks.readers.make_variants``)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="the 6.9 MB text8 prefix, 6 MB")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--megabytes", type=int, default=40)
    args = parser.parse_args()
    megabytes = 6 if args.quick else args.megabytes
    source = sliced_corpus(megabytes, args.quick)
    return args, megabytes, make_variants(source, os.path.join(CACHE, "formats", "%dMB" % megabytes))


def main():
    args, megabytes, paths = parse_arguments(__doc__.splitlines()[0])
    rates = {(mode, variant): [] for mode in MODES for variant in VARIANTS}
    for repeat in range(args.repeat):
        for mode in MODES:
            order = VARIANTS if repeat % 2 == 0 else VARIANTS[::-1]
            for encoding, compression in order:
                rate = train_once(paths["lines", encoding, compression], mode)
                rates[mode, (encoding, compression)].append(rate)
                print("%-11s %-5s %-3s %.2fM words/s" % (mode, encoding, compression or "-",
                                                         rate / 1e6), flush=True)
    rows = []
    for mode in MODES:
        base = rates[mode, ("ascii", "")]
        for encoding, compression in VARIANTS:
            values = rates[mode, (encoding, compression)]
            ratio = median([value / plain for value, plain in zip(values, base)])
            rows.append({"mode": mode, "text": encoding, "file": compression or "plain",
                         "words/s": "%.2fM" % (median(values) / 1e6),
                         "vs plain ASCII": "%.2fx" % ratio})
    print(format_table(rows, ["mode", "text", "file", "words/s", "vs plain ASCII"]))
    write_json("formats-quick" if args.quick else "formats", {
        "megabytes": megabytes, "repeat": args.repeat,
        "rates": {"%s %s %s" % (mode, enc, comp or "plain"): values
                  for (mode, (enc, comp)), values in rates.items()}})


if __name__ == "__main__":
    main()
