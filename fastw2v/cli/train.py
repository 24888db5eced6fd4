"""``fastw2v train``: word2vec.c's ``word2vec`` command, flags and defaults included."""
from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from fastw2v.cli.arguments import (HelpFormatter, UsageError, non_negative_float, non_negative_int,
                                   positive_float, positive_int, switch)
from fastw2v.cli.files import (COMPRESSED_SUFFIXES, check_distinct, check_input, check_output,
                               is_url)
from fastw2v.cli.vocabfile import read_vocab, save_vocab
from fastw2v.corpora import LineSentence
from fastw2v.word2vec import Word2Vec

DESCRIPTION = """\
Train word vectors on a text file (one sentence a line, words separated by whitespace) and
write them in word2vec format. word2vec.c's flags (-train, -size, -cbow, ...) are accepted
as they are, with word2vec.c's defaults: CBOW, 100 dimensions, 12 threads, text output."""

HINT = " (see 'fastw2v train --help')"

EPILOG = """\
example: fastw2v train -train text8 -output vectors.bin -cbow 1 -size 200 -window 8 \
-negative 25 -hs 0 -sample 1e-4 -threads 20 -binary 1 -iter 15"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
               parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``train`` and its options on ``subparsers``."""
    parser = subparsers.add_parser(
        "train", parents=parents, help="train word vectors (word2vec.c's word2vec)",
        description=DESCRIPTION, epilog=EPILOG,
        formatter_class=HelpFormatter)
    files = parser.add_argument_group("files")
    files.add_argument("-train", "--corpus", dest="corpus", metavar="FILE", required=True,
                       help="training text (plain, .gz or .bz2)")
    files.add_argument("-output", "--output", dest="output", metavar="FILE",
                       help="write the word vectors here; without it only the vocabulary is "
                            "built (for -save-vocab), as in word2vec.c")
    switch(files, "-binary", "--binary", dest="binary",
           help="write the vectors in binary rather than text format")
    files.add_argument("-save-vocab", "--save-vocab", dest="save_vocab", metavar="FILE",
                       help="write the vocabulary as 'word count' lines, '</s>' first")
    files.add_argument("-save-model", "--save-model", dest="save_model", metavar="FILE",
                       help="also save the full model, which Word2Vec.load can train further")
    files.add_argument("-read-vocab", "--read-vocab", dest="read_vocab", metavar="FILE",
                       help="take the vocabulary from this file instead of counting the corpus")

    model = parser.add_argument_group("model")
    algorithm = model.add_mutually_exclusive_group()
    switch(algorithm, "-cbow", "--cbow", dest="cbow", default=1,
           help="1 for continuous bag of words, 0 for skip-gram")
    algorithm.add_argument("--sg", dest="cbow", action="store_const", const=0,
                           default=argparse.SUPPRESS, help="skip-gram (same as -cbow 0)")
    model.add_argument("-size", "--vector-size", dest="vector_size", type=positive_int,
                       default=100, metavar="N", help="dimensions of the word vectors")
    model.add_argument("-window", "--window", dest="window", type=positive_int, default=5,
                       metavar="N", help="maximum distance between a word and its context")
    model.add_argument("-sample", "--sample", dest="sample", type=non_negative_float,
                       default=1e-3, metavar="F",
                       help="subsampling threshold of frequent words (0 disables)")
    switch(model, "-hs", "--hs", dest="hs", help="use hierarchical softmax")
    model.add_argument("-negative", "--negative", dest="negative", type=non_negative_int,
                       default=5, metavar="N", help="negative samples (0 disables)")
    model.add_argument("-min-count", "--min-count", dest="min_count", type=non_negative_int,
                       default=5, metavar="N", help="discard words occurring fewer times")

    schedule = parser.add_argument_group("training")
    schedule.add_argument("-alpha", "--alpha", dest="alpha", type=positive_float, metavar="F",
                          help="starting learning rate (default: 0.05 for CBOW, 0.025 for "
                               "skip-gram)")
    schedule.add_argument("--min-alpha", dest="min_alpha", type=non_negative_float,
                          metavar="F", help="final learning rate (default: alpha * 1e-4, "
                                            "word2vec.c's floor)")
    schedule.add_argument("-iter", "--epochs", dest="epochs", type=positive_int, default=5,
                          metavar="N", help="passes over the corpus")
    schedule.add_argument("-threads", "--workers", dest="workers", type=positive_int,
                          default=12, metavar="N", help="training threads")
    schedule.add_argument("--seed", dest="seed", type=int, default=1,
                          help="random seed (with one thread, runs are reproducible)")
    schedule.add_argument("--kernel", choices=("batched", "classic"), default="batched",
                          help="update scheme: fastw2v's faster 'batched' or word2vec.c's "
                               "'classic' pair-by-pair updates")
    schedule.add_argument("-debug", dest="verbosity", type=non_negative_int, metavar="N",
                          help="word2vec.c's verbosity: 0 is the same as -q")
    parser.set_defaults(run=run)
    return parser


def corpus_arguments(path: str) -> dict[str, Any]:
    """``train``/``build_vocab`` keyword arguments for the corpus at ``path``.

    Plain local files are read by the compiled ``corpus_file`` reader; compressed files and
    URLs, which it cannot read, are streamed through :class:`fastw2v.corpora.LineSentence`.
    """
    if is_url(path) or path.endswith(COMPRESSED_SUFFIXES):
        return {"corpus_iterable": LineSentence(path)}
    return {"corpus_file": path}


def run(args: argparse.Namespace) -> int:
    """Train as word2vec.c would with ``args``; returns the exit status."""
    if args.output is None and args.save_vocab is None:
        raise UsageError("nothing to do: give -output FILE (and/or -save-vocab FILE)" + HINT)
    if not args.hs and not args.negative:
        raise UsageError("-negative 0 with -hs 0 leaves nothing to train: give -negative N "
                         "or -hs 1" + HINT)
    check_input(args.corpus, "training file")
    if args.read_vocab is not None:
        check_input(args.read_vocab, "vocabulary file")
    if args.save_model is not None and args.output is None:
        raise UsageError("-save-model needs -output FILE (without it nothing is trained)" + HINT)
    for path in (args.output, args.save_vocab, args.save_model):
        if path is not None:
            check_output(path)
    check_distinct([("-output", args.output), ("-save-vocab", args.save_vocab),
                    ("-save-model", args.save_model)],
                   [("-train", args.corpus), ("-read-vocab", args.read_vocab)])
    quiet = args.quiet or args.verbosity == 0
    alpha = args.alpha if args.alpha is not None else (0.05 if args.cbow else 0.025)
    model = Word2Vec(
        vector_size=args.vector_size, alpha=alpha,
        min_alpha=args.min_alpha if args.min_alpha is not None else alpha * 1e-4,
        window=args.window, min_count=args.min_count, sample=args.sample, seed=args.seed,
        workers=args.workers, sg=1 - args.cbow, hs=args.hs, negative=args.negative,
        epochs=args.epochs, kernel=args.kernel, progress=not quiet)
    corpus = corpus_arguments(args.corpus)
    if args.read_vocab is not None:
        counts, sentences = read_vocab(args.read_vocab)
        model.build_vocab_from_freq(counts, corpus_count=sentences)
    else:
        model.build_vocab(**corpus)
    if args.save_vocab is not None:
        save_vocab(args.save_vocab, model.wv.index_to_key, model.wv.expandos["count"].tolist(),
                   model.corpus_count)
    if args.output is None:
        return 0
    started = time.perf_counter()
    _, raw_words = model.train(**corpus, total_examples=model.corpus_count,
                               total_words=model.corpus_total_words, epochs=model.epochs)
    elapsed = time.perf_counter() - started
    model.wv.save_word2vec_format(args.output, binary=bool(args.binary))
    if args.save_model is not None:
        model.save(args.save_model)
    if not quiet:
        print("fastw2v: trained %d vectors of size %d on %d words in %.1fs (%.0f words/s); "
              "wrote %s" % (len(model.wv), model.vector_size, raw_words, elapsed,
                            raw_words / max(elapsed, 1e-9), args.output), file=sys.stderr)
    return 0
