"""`make demo`: train on the shipped Wikipedia slice, then query and evaluate the vectors.

With matplotlib installed (``pip install "fastw2v[plot]"``) it also draws the loss per epoch
and a map of a few words, as PNG files in ``build/demo/`` (ignored by git).
"""
import gzip
import importlib.util
import logging
import os
import shutil
import tempfile
import time

import fastw2v
from fastw2v import Word2Vec
from fastw2v.callbacks import LossLogger
from fastw2v.datasets import questions_words_path

EXAMPLES = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(EXAMPLES, "enwiki-demo.txt.gz")
PICTURES = os.path.join(os.path.dirname(EXAMPLES), "build", "demo")
MAP_WORDS = ["king", "queen", "man", "woman", "prince", "princess", "paris", "france", "berlin",
             "germany", "rome", "italy", "london", "england", "computer", "software", "music",
             "guitar", "war", "army"]


def main():
    logging.basicConfig(format="%(asctime)s %(levelname)s %(message)s", level=logging.WARNING)
    fastw2v.show_config()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "enwiki-demo.txt")
        with gzip.open(CORPUS, "rb") as fin, open(corpus, "wb") as fout:
            shutil.copyfileobj(fin, fout)
        print("\ntraining skip-gram on %s (%.1f MB of English Wikipedia, text8 format)"
              % (os.path.basename(CORPUS), os.path.getsize(corpus) / 1e6))
        start = time.perf_counter()
        loss_logger = LossLogger()
        model = Word2Vec(corpus_file=corpus, vector_size=100, window=5, min_count=5, sg=1,
                         negative=5, epochs=5, workers=os.cpu_count() or 2, compute_loss=True,
                         callbacks=[loss_logger])
        elapsed = time.perf_counter() - start
    print("%d words in the vocabulary, %d raw words x %d epochs in %.1fs (%.0f words/s)\n"
          % (len(model.wv), model.corpus_total_words, model.epochs, elapsed,
             model.corpus_total_words * model.epochs / elapsed))

    for word in ["king", "paris", "computer", "music", "war"]:
        neighbours = ", ".join("%s %.2f" % pair for pair in model.wv.most_similar(word, topn=6))
        print("most_similar(%r): %s" % (word, neighbours))

    answer = model.wv.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
    print("\nking - man + woman = %s" % ", ".join("%s %.2f" % pair for pair in answer))
    answer = model.wv.most_similar(positive=["paris", "germany"], negative=["france"], topn=3)
    print("paris - france + germany = %s" % ", ".join("%s %.2f" % pair for pair in answer))

    score, sections = model.wv.evaluate_word_analogies(questions_words_path(), restrict_vocab=30000)
    total = sections[-1]
    print("\nGoogle analogy accuracy (questions-words, 30k vocabulary): %.1f%% (%d of %d questions "
          "with all four words known)" % (100 * score, len(total["correct"]),
                                          len(total["correct"]) + len(total["incorrect"])))
    save_pictures(model, loss_logger)


def save_pictures(model, loss_logger, directory=PICTURES):
    """Draw the loss per epoch and a PCA map of MAP_WORDS into ``directory``, if matplotlib
    is installed; returns the paths written (none without matplotlib)."""
    if importlib.util.find_spec("matplotlib") is None:
        print("\nno pictures: matplotlib is not installed (pip install \"fastw2v[plot]\")")
        return []
    from fastw2v import plot
    os.makedirs(directory, exist_ok=True)
    loss_png = os.path.join(directory, "loss.png")
    map_png = os.path.join(directory, "word-map.png")
    plot.plot_history(loss_logger, path=loss_png,
                      title="skip-gram on %s" % os.path.basename(CORPUS))
    words = [word for word in MAP_WORDS if word in model.wv]
    plot.plot_words(model.wv, words, path=map_png)
    print("\npictures: the loss per epoch in %s, a map of %d words in %s"
          % (loss_png, len(words), map_png))
    return [loss_png, map_png]


if __name__ == "__main__":
    main()
