"""Write the gensim-saved fixtures of ``tests/test_gensim_import.py`` and their expected values.

Run from the repository root, with gensim installed (the fixtures were made with gensim 4.4)::

    .venv/bin/python tests/data/gensim/make_fixtures.py

It (re)writes, in this directory, one model per name of ``FIXTURES`` as gensim's ``save()``
writes it (some with separately stored ``.npy``/``.npz`` arrays), and ``expected.npz`` and
``expected.json``: what gensim itself loads from each file, so that the tests compare with
these values where gensim is not installed.
"""
import glob
import json
import os

import gensim
import numpy as np
from gensim.models import KeyedVectors, Word2Vec
from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, FrozenPhrases, Phrases

HERE = os.path.dirname(os.path.abspath(__file__))

CORPUS = [
    "the quick brown fox jumps over the lazy dog".split(),
    "new york is a big city and new york never sleeps".split(),
    "the bank of america is in new york".split(),
    "a quick brown dog and a lazy fox".split(),
    "machine learning on new york data".split(),
    "the bank of america said rates rise in new york".split(),
] * 4

#: name -> (constructor arguments, save() arguments)
WORD2VEC = {
    "w2v_sg_ns": (dict(sg=1, hs=0, negative=3), {}),
    "w2v_cbow_hs": (dict(sg=0, hs=1, negative=0), {}),
    "w2v_sg_hs_ns_unsorted": (dict(sg=1, hs=1, negative=2, sorted_vocab=0), {}),
    "w2v_cbow_ns_unsorted": (dict(sg=0, hs=0, negative=4, sorted_vocab=0, cbow_mean=0,
                                  window=3, sample=0.01, alpha=0.03, min_alpha=0.001,
                                  epochs=3, comment="fixture"), {}),
    "w2v_sep": (dict(sg=0, hs=1, negative=2), dict(sep_limit=0)),
    "w2v_sep_listed": (dict(sg=1, negative=2), dict(separately=["syn1neg"])),
    "w2v_protocol2": (dict(sg=1, hs=1, negative=1), dict(pickle_protocol=2)),
    "w2v_compressed.gz": (dict(sg=1, hs=0, negative=2), dict(sep_limit=0)),
}


def word2vec_fixtures(expected, arrays):
    for name, (params, save_args) in WORD2VEC.items():
        model = Word2Vec(CORPUS, vector_size=8, min_count=2, workers=1, seed=7,
                         **dict(dict(epochs=2), **params))
        model.save(os.path.join(HERE, name), **save_args)
        loaded = Word2Vec.load(os.path.join(HERE, name))
        describe_model(name, loaded, expected, arrays)
    model = Word2Vec(CORPUS, vector_size=8, min_count=1, workers=1, seed=3, hs=1, epochs=1)
    model.wv.save(os.path.join(HERE, "kv_from_w2v.kv"))
    model.wv.save(os.path.join(HERE, "kv_sep.kv"), sep_limit=0)
    for name in ("kv_from_w2v.kv", "kv_sep.kv"):
        describe_vectors(name, KeyedVectors.load(os.path.join(HERE, name)), expected, arrays)
    kv = KeyedVectors(4)
    kv.add_vectors([10, 20, 30], np.arange(12, dtype=np.float32).reshape(3, 4))
    kv.save(os.path.join(HERE, "kv_int_keys.kv"))
    describe_vectors("kv_int_keys.kv", KeyedVectors.load(os.path.join(HERE, "kv_int_keys.kv")),
                     expected, arrays)


def describe_vectors(name, kv, expected, arrays):
    expected[name] = {"class": "KeyedVectors", "keys": list(kv.index_to_key),
                      "expandos": sorted(k for k in kv.expandos if k not in ("code", "point"))}
    arrays[name + "/vectors"] = kv.vectors
    for attr in expected[name]["expandos"]:
        arrays[name + "/" + attr] = kv.expandos[attr]
    if "code" in kv.expandos:
        arrays[name + "/code"] = np.concatenate(list(kv.expandos["code"]))
        arrays[name + "/point"] = np.concatenate(list(kv.expandos["point"]))
        arrays[name + "/code_lengths"] = np.array([len(c) for c in kv.expandos["code"]])


def describe_model(name, model, expected, arrays):
    describe_vectors(name, model.wv, expected, arrays)
    expected[name].update(
        {"class": "Word2Vec",
         "params": {p: getattr(model, p) for p in (
             "vector_size", "alpha", "min_alpha", "window", "min_count", "sample", "seed",
             "workers", "sg", "hs", "negative", "ns_exponent", "cbow_mean", "epochs",
             "null_word", "sorted_vocab", "batch_words", "comment", "max_final_vocab",
             "max_vocab_size", "shrink_windows", "compute_loss")},
         "state": {p: getattr(model, p) for p in (
             "corpus_count", "corpus_total_words", "effective_min_count", "train_count",
             "min_alpha_yet_reached", "running_training_loss")}})
    if model.negative:
        arrays[name + "/syn1neg"] = model.syn1neg
    if model.hs:
        arrays[name + "/syn1"] = model.syn1


def phrases_fixtures(expected):
    sentences = CORPUS
    models = {
        "phrases_default": Phrases(sentences, min_count=1, threshold=1.0),
        "phrases_npmi": Phrases(sentences, min_count=2, threshold=0.3, scoring="npmi",
                                connector_words=ENGLISH_CONNECTOR_WORDS),
    }
    models["frozen_default"] = FrozenPhrases(models["phrases_default"])
    models["frozen_npmi"] = FrozenPhrases(models["phrases_npmi"])
    for name, model in models.items():
        model.save(os.path.join(HERE, name))
        loaded = Phrases.load(os.path.join(HERE, name))
        entry = {"class": type(loaded).__name__, "threshold": loaded.threshold,
                 "min_count": loaded.min_count, "scoring": loaded.scoring.__name__,
                 "delimiter": loaded.delimiter,
                 "connector_words": sorted(loaded.connector_words),
                 "applied": [loaded[s] for s in sentences[:6]]}
        if isinstance(loaded, Phrases):
            entry.update(vocab=dict(loaded.vocab), export_phrases=loaded.export_phrases(),
                         corpus_word_count=loaded.corpus_word_count,
                         min_reduce=loaded.min_reduce, max_vocab_size=loaded.max_vocab_size)
        else:
            entry.update(phrasegrams=dict(loaded.phrasegrams))
        expected[name] = entry


def main():
    for path in glob.glob(os.path.join(HERE, "*")):
        if not path.endswith((".py", ".md")):
            os.remove(path)
    expected, arrays = {"gensim_version": gensim.__version__, "corpus": CORPUS}, {}
    word2vec_fixtures(expected, arrays)
    phrases_fixtures(expected)
    with open(os.path.join(HERE, "expected.json"), "w") as fout:
        json.dump(expected, fout, indent=1, sort_keys=True, default=lambda v: v.item())
    np.savez(os.path.join(HERE, "expected.npz"), **arrays)


if __name__ == "__main__":
    main()
