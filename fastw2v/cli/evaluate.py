"""``fastw2v evaluate``: analogy accuracy per section and word-pair correlations."""
from __future__ import annotations

import argparse
import os

from fastw2v import datasets
from fastw2v.cli import vectors
from fastw2v.cli.arguments import positive_int
from fastw2v.cli.files import check_input
from fastw2v.keyedvectors import KeyedVectors


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
               parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``evaluate`` on ``subparsers``."""
    parser = subparsers.add_parser(
        "evaluate", parents=parents, help="analogy accuracy and word-pair correlations",
        description="Score word vectors on word analogies (accuracy per section, as gensim's "
                    "evaluate_word_analogies) and on word pairs with human similarity scores "
                    "(Pearson and Spearman correlations). Without --analogies or --word-pairs "
                    "both shipped sets are used: Google's questions-words and WordSim-353; "
                    "with one of them, only that one.")
    vectors.add_arguments(parser)
    parser.add_argument("--analogies", metavar="FILE",
                        help="analogy questions: ': section' lines, then 'a b c d' lines")
    parser.add_argument("--word-pairs", dest="word_pairs", metavar="FILE",
                        help="tab-separated 'word1 word2 score' lines ('#' starts a comment)")
    parser.add_argument("--restrict-vocab", dest="restrict_vocab", type=positive_int,
                        default=300000, metavar="N",
                        help="only the N most frequent words count as known (default: "
                             "%(default)s)")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Evaluate the vectors and print the scores; returns the exit status."""
    analogies, word_pairs = args.analogies, args.word_pairs
    if analogies is None and word_pairs is None:
        analogies, word_pairs = datasets.questions_words_path(), datasets.wordsim353_path()
    for path, what in ((analogies, "analogy file"), (word_pairs, "word-pairs file")):
        if path is not None:
            check_input(path, what)
    kv = vectors.load(args)
    if analogies is not None:
        print_analogies(kv, analogies, args.restrict_vocab)
    if word_pairs is not None:
        print_word_pairs(kv, word_pairs, args.restrict_vocab)
    return 0


def print_analogies(kv: KeyedVectors, path: str, restrict_vocab: int) -> None:
    """Print the accuracy of each section, the total and the share of unanswerable questions."""
    from fastw2v.evaluation import read_analogies  # imports scipy.stats: 1 s, only when needed
    _, sections = kv.evaluate_word_analogies(path, restrict_vocab=restrict_vocab)
    questions = sum(len(rows) for _, rows in read_analogies(path))
    print("analogies: %s" % os.path.basename(path))
    for section in sections:
        correct, incorrect = len(section["correct"]), len(section["incorrect"])
        answered = correct + incorrect
        accuracy = "%6.1f%%" % (100.0 * correct / answered) if answered else "    n/a"
        print("  %-40s %s  (%d/%d)" % (section["section"], accuracy, correct, answered))
    answered = len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])
    print("  %-40s %6.1f%%  (%d of %d questions)"
          % ("out of vocabulary", 100.0 * (questions - answered) / max(questions, 1),
             questions - answered, questions))


def print_word_pairs(kv: KeyedVectors, path: str, restrict_vocab: int) -> None:
    """Print the Pearson and Spearman correlations and the share of unknown pairs."""
    pearson, spearman, oov_ratio = kv.evaluate_word_pairs(path, restrict_vocab=restrict_vocab)
    print("word pairs: %s" % os.path.basename(path))
    print("  %-40s %7.4f  (p = %.3g)" % ("Pearson", pearson[0], pearson[1]))
    print("  %-40s %7.4f  (p = %.3g)" % ("Spearman", spearman[0], spearman[1]))
    print("  %-40s %6.1f%%" % ("out of vocabulary", oov_ratio))
