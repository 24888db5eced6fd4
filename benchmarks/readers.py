"""Iterating the corpus readers from Python: fastw2v against gensim 4.4.

    python -m benchmarks.readers [--quick] [--repeat N]

``LineSentence``, ``Text8Corpus`` and ``PathLineSentences`` of both libraries are iterated to
the end (the sentences' words counted, nothing kept) over plain, ``.gz`` and ``.bz2`` copies
of the corpus in ASCII and UTF-8, side by side in one process, alternating which library goes
first; the table gives medians of ``--repeat`` runs. Before the timing, each pair of readers
must yield exactly the same sentences.

The corpus is enwiki2015-text8like (100 MB, 16.9M words) or, with ``--quick``, the 6.9 MB
text8 prefix, both from ``../shared/data`` (the shipped demo slice when it is absent). Its
variants are made once, in a temp dir:

- ``text8``: the corpus as it is, one line (read by ``Text8Corpus``);
- ``lines``: 20 words a line (``LineSentence``; ``PathLineSentences`` reads it cut into 4
  files of a directory);
- ``utf8``: the same with accented letters (``ça``, ``é``, ``ù``) and some spaces made
  Unicode whitespace (U+00A0 after "and", U+2009 after "in"), which ``str.split`` splits on.
"""
import argparse
import bz2
import gc
import gzip
import importlib
import itertools
import os
import re

from benchmarks.common import (CACHE, DEMO_CORPUS, Timer, format_table, machine_description,
                               median, shared_path, write_json)

LIBRARIES = {"fastw2v": "fastw2v.corpora", "gensim": "gensim.models.word2vec"}
READERS = [("Text8Corpus", "text8"), ("LineSentence", "lines"), ("PathLineSentences", "dir")]
ENCODINGS = ["ascii", "utf8"]
COMPRESSIONS = ["", ".gz", ".bz2"]
WORDS_PER_LINE = 20
DIRECTORY_FILES = 4
UTF8_REPLACEMENTS = [("ca", "ça"), ("ee", "éé"), ("ue", "ùe"), ("e ", "é "),
                     (" and ", " and\u00a0"), (" in ", " in\u2009")]


def to_utf8(text):
    """``text`` (bytes) with accented letters and some Unicode spaces."""
    for old, new in UTF8_REPLACEMENTS:
        text = text.replace(old.encode(), new.encode("utf8"))
    return text


def to_lines(text):
    """``text`` (bytes, words separated by single spaces) cut into lines of 20 words."""
    pattern = re.compile(rb"((?:\S+ ){%d}\S+) " % (WORDS_PER_LINE - 1))
    return pattern.sub(rb"\1\n", text.strip()) + b"\n"


def write(path, data, compression):
    """``data`` written to ``path + compression`` (``""``, ``".gz"`` or ``".bz2"``)."""
    opener = {"": open, ".gz": gzip.open, ".bz2": bz2.open}[compression]
    tmp = path + compression + ".tmp"
    with opener(tmp, "wb", **({"compresslevel": 6} if compression == ".gz" else {})) as fout:
        fout.write(data)
    os.replace(tmp, path + compression)


def make_variants(corpus, directory):
    """Make every variant of ``corpus`` (a ``.gz`` file) in ``directory``, once.

    Returns
    -------
    dict
        ``{(kind, encoding, compression): path}``, ``kind`` being ``text8``, ``lines`` or
        ``dir`` (a directory).
    """
    paths = {}
    for kind, encoding, compression in itertools.product(("text8", "lines", "dir"), ENCODINGS,
                                                         COMPRESSIONS):
        name = "%s-%s" % (kind, encoding)
        if kind == "dir":
            name += compression.replace(".", "-")
            paths[kind, encoding, compression] = os.path.join(directory, name)
        else:
            paths[kind, encoding, compression] = os.path.join(directory, name + ".txt" + compression)
    if all(os.path.exists(path) for path in paths.values()):
        return paths
    print("making the variants of %s in %s (once)" % (corpus, directory), flush=True)
    os.makedirs(directory, exist_ok=True)
    with gzip.open(corpus, "rb") as fin:
        text = fin.read()
    for encoding in ENCODINGS:
        data = to_utf8(text) if encoding == "utf8" else text
        lines = to_lines(data)
        parts = lines.splitlines(keepends=True)
        step = -(-len(parts) // DIRECTORY_FILES)
        parts = [b"".join(parts[i * step:(i + 1) * step]) for i in range(DIRECTORY_FILES)]
        for compression in COMPRESSIONS:
            write(os.path.join(directory, "text8-%s.txt" % encoding), data, compression)
            write(os.path.join(directory, "lines-%s.txt" % encoding), lines, compression)
            target = paths["dir", encoding, compression]
            os.makedirs(target, exist_ok=True)
            for i, part in enumerate(parts):
                write(os.path.join(target, "part-%d.txt" % i), part, compression)
    return paths


def corpus_path(quick):
    """The corpus to make the variants of."""
    path = shared_path("text8-prefix-6.9M.gz" if quick else "enwiki2015-text8like.gz")
    if path is None:
        print("note: using the shipped demo slice %s instead" % DEMO_CORPUS)
        return DEMO_CORPUS
    return path


def words_read(reader):
    """Iterate ``reader`` to the end; the number of words of its sentences."""
    return sum(len(sentence) for sentence in reader)


def same_sentences(ours, theirs):
    """Whether two readers yield exactly the same sentences."""
    return all(a == b for a, b in itertools.zip_longest(ours, theirs))


def bench_cell(readers, repeat):
    """Seconds of each library's ``repeat`` runs, alternating which goes first, and the words."""
    seconds = {impl: [] for impl in readers}
    order = list(readers)
    words = None
    for i in range(repeat):
        for impl in order if i % 2 == 0 else order[::-1]:
            gc.collect()
            with Timer() as t:
                words = words_read(readers[impl])
            seconds[impl].append(t.seconds)
    return seconds, words


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 6.9 MB text8 prefix")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each reader (median)")
    args = parser.parse_args()
    modules = {"fastw2v": importlib.import_module(LIBRARIES["fastw2v"])}
    try:
        modules["gensim"] = importlib.import_module(LIBRARIES["gensim"])
    except ImportError:
        print("note: gensim is not installed (pip install -r benchmarks/requirements.txt): "
              "timing fastw2v alone")
    corpus = corpus_path(args.quick)
    name = os.path.basename(corpus).replace(".gz", "").replace(".txt", "")
    paths = make_variants(corpus, os.path.join(CACHE, "readers", name))
    print("corpus: %s\nmachine: %s\nrepeat: %d" % (corpus, machine_description(), args.repeat),
          flush=True)
    rows, runs, disagree = [], [], []
    for (reader, kind), encoding, compression in itertools.product(READERS, ENCODINGS,
                                                                   COMPRESSIONS):
        path = paths[kind, encoding, compression]
        readers = {impl: getattr(module, reader)(path) for impl, module in modules.items()}
        same = same_sentences(readers["fastw2v"], readers["gensim"]) if "gensim" in readers else None
        if same is False:
            disagree.append((reader, path))
        seconds, words = bench_cell(readers, args.repeat)
        row = {"reader": reader, "variant": "%s %s%s" % (kind, encoding, compression or " plain"),
               "words": words, "same_sentences": same}
        for impl, values in seconds.items():
            row[impl + "_s"] = median(values)
            row[impl + "_words_per_s"] = words / median(values)
        if "gensim" in seconds:
            row["speed_vs_gensim"] = row["gensim_s"] / row["fastw2v_s"]
        rows.append(row)
        runs.append(dict(reader=reader, path=path, seconds=seconds))
        print("%-17s %-17s %s" % (reader, row["variant"], "  ".join(
            "%s %.3f s" % (impl, row[impl + "_s"]) for impl in seconds)), flush=True)
    columns = ["reader", "variant", "fastw2v_s", "fastw2v_words_per_s"]
    if "gensim" in modules:
        columns += ["gensim_s", "gensim_words_per_s", "speed_vs_gensim", "same_sentences"]
    print()
    print(format_table(rows, columns))
    if "gensim" in modules:
        print("\nspeed_vs_gensim: gensim's median seconds / fastw2v's (above 1: fastw2v faster); "
              "lowest %.2f" % min(row["speed_vs_gensim"] for row in rows))
    path = write_json("readers-quick" if args.quick else "readers",
                      dict(corpus=corpus, repeat=args.repeat, table=rows, runs=runs))
    print("results: %s" % path)
    if disagree:
        raise SystemExit("fastw2v and gensim yield different sentences: %s" % disagree)


if __name__ == "__main__":
    main()
