"""Phrases and FrozenPhrases: gensim 4's behaviour, computed by the compiled kernels."""
import io
import json
import math
import pathlib
import pickle
import random
import zipfile

import numpy as np
import pytest

from fastw2v.phrases import (ENGLISH_CONNECTOR_WORDS, FrozenPhrases, Phraser, Phrases,
                             npmi_scorer, original_scorer)

NEWS = [
    ["the", "mayor", "of", "new", "york", "was", "there"],
    ["new", "york", "is", "a", "big", "city"],
    ["machine", "learning", "can", "be", "useful"],
    ["i", "study", "machine", "learning", "in", "new", "york"],
    ["the", "bank", "of", "america", "opened", "in", "new", "york"],
    ["bank", "of", "america", "is", "a", "bank"],
    ["my", "bank", "of", "america", "card"],
    ["he", "likes", "machine", "learning"],
]
CORPUS = NEWS * 3


def custom_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
    return bigram_count / (worda_count + wordb_count)


def random_corpus(seed, n_sentences=400):
    rng = random.Random(seed)
    words = "new york city bank of the america big small red car and river san jose".split()
    corpus = [[rng.choice(words) for _ in range(rng.randint(0, 25))] for _ in range(n_sentences)]
    return corpus + NEWS * 10


# -- known phrases


def test_default_scoring_finds_the_collocations():
    model = Phrases(CORPUS, min_count=1, threshold=1)
    assert model[["he", "lives", "near", "new", "york"]] == ["he", "lives", "near", "new_york"]
    assert model[["machine", "learning", "is", "fun"]] == ["machine_learning", "is", "fun"]
    phrases = model.export_phrases()
    assert {"new_york", "machine_learning"} <= set(phrases)
    # (bigram - min_count) / (a * b) * len(vocab), as word2phrase
    vocab = model.vocab
    expected = (vocab["new_york"] - 1) / (vocab["new"] * vocab["york"]) * len(vocab)
    assert phrases["new_york"] == pytest.approx(expected)


def test_npmi_scoring_finds_the_collocations():
    model = Phrases(CORPUS, min_count=1, threshold=0.5, scoring="npmi")
    phrases = model.export_phrases()
    assert {"new_york", "machine_learning"} <= set(phrases)
    vocab = model.vocab
    expected = npmi_scorer(vocab["new"], vocab["york"], vocab["new_york"], len(vocab), 1,
                           model.corpus_word_count)
    assert phrases["new_york"] == pytest.approx(expected)
    assert all(-1 <= score <= 1 for score in phrases.values())


def test_custom_scorer_is_called_with_gensims_arguments():
    model = Phrases(CORPUS, min_count=1, threshold=0.4, scoring=custom_scorer)
    assert model.scoring is custom_scorer
    phrases = model.export_phrases()
    vocab = model.vocab
    assert phrases["new_york"] == pytest.approx(vocab["new_york"] / (vocab["new"] + vocab["york"]))
    assert model[["new", "york"]] == ["new_york"]


def test_scorers_match_their_formulas():
    assert original_scorer(10, 20, 8, 100, 5, 1000) == pytest.approx(3 / 200 * 100)
    assert original_scorer(0, 20, 8, 100, 5, 1000) == -math.inf
    assert npmi_scorer(10, 20, 4, 100, 5, 1000) == -math.inf
    assert npmi_scorer(10, 10, 10, 100, 1, 1000) == pytest.approx(1.0)


def test_connector_words_live_inside_phrases():
    model = Phrases(CORPUS, min_count=1, threshold=1, connector_words=ENGLISH_CONNECTOR_WORDS)
    assert "bank_of_america" in model.vocab
    assert model[["the", "bank", "of", "america", "said"]] == ["the", "bank_of_america", "said"]
    assert "bank_of_america" in model.export_phrases()
    # connectors never start or end a phrase, and are not counted as words
    assert all(not (set(p.split("_")[::len(p.split("_")) - 1]) & ENGLISH_CONNECTOR_WORDS)
               for p in model.export_phrases())
    assert "of" not in model.vocab and "the" not in model.vocab


# -- parameter edges


def test_min_count_edge():
    # "new york" occurs 4 times in NEWS; default score is (4 - min_count) / (a * b) * len_vocab
    assert "new_york" in Phrases(NEWS, min_count=3, threshold=1e-9).export_phrases()
    assert "new_york" not in Phrases(NEWS, min_count=4, threshold=1e-9).export_phrases()


def test_threshold_edge_is_exclusive():
    model = Phrases(NEWS, min_count=1, threshold=1)
    score = model.export_phrases()["new_york"]
    model.threshold = score
    assert "new_york" not in model.export_phrases()
    assert model[["new", "york"]] == ["new", "york"]
    model.threshold = math.nextafter(score, 0)
    assert model[["new", "york"]] == ["new_york"]


@pytest.mark.parametrize("kwargs, error", [
    (dict(min_count=0), ValueError),
    (dict(threshold=0), ValueError),
    (dict(scoring="npmi", threshold=2), ValueError),
    (dict(scoring="pmi"), ValueError),
    (dict(scoring=lambda a, b: 0), ValueError),
    (dict(scoring=3), TypeError),
    (dict(delimiter=""), ValueError),
    (dict(connector_words="the"), TypeError),
    (dict(connector_words=[1]), TypeError),
])
def test_bad_parameters_raise(kwargs, error):
    with pytest.raises(error):
        Phrases(**kwargs)


def test_non_string_input_raises_type_error():
    with pytest.raises(TypeError, match="str tokens"):
        Phrases([["a", "b"], ["a", 3]])
    with pytest.raises(TypeError, match="not a string"):
        Phrases("a text instead of a corpus")
    with pytest.raises(TypeError, match="sentence"):
        Phrases(["not", "a", "corpus"])
    model = Phrases(CORPUS, min_count=1, threshold=1)
    with pytest.raises(TypeError, match="str tokens"):
        model[["new", None]]
    with pytest.raises(TypeError):
        model["new york"]
    with pytest.raises(TypeError, match="str tokens"):
        model.freeze()[["new", b"york"]]


def test_empty_and_one_word_sentences():
    model = Phrases([[], ["new"], [], ["new", "york"], ["new", "york"]], min_count=1, threshold=0.1)
    assert model.corpus_word_count == 5
    assert model[[]] == [] and model[["new"]] == ["new"]
    assert model.freeze()[[]] == [] and model.freeze()[["york"]] == ["york"]
    assert list(model[[[], ["new", "york"]]]) == [[], ["new_york"]]
    assert Phrases([]).vocab == {} and Phrases([]).export_phrases() == {}


def test_unknown_words_are_kept():
    model = Phrases(CORPUS, min_count=1, threshold=1)
    assert model[["zebra", "new", "york", "okapi"]] == ["zebra", "new_york", "okapi"]


# -- corpus application, passes, pruning


def test_corpus_application_is_lazy_and_reiterable():
    model = Phrases(CORPUS, min_count=1, threshold=1)
    out = model[CORPUS]
    assert len(out) == len(CORPUS)
    first, second = list(out), list(out)
    assert first == second == [model[sentence] for sentence in CORPUS]
    assert list(model[iter(CORPUS)]) == first  # a one-shot generator works too


def test_bigrams_then_trigrams():
    la = [["los", "angeles", "county"], ["in", "los", "angeles"], ["county", "of", "los", "angeles"]]
    sentences = random_corpus(3) + la * 20
    bigram = Phrases(sentences, min_count=2, threshold=1)
    trigram = Phrases(bigram[sentences], min_count=2, threshold=1)
    assert bigram[["los", "angeles", "county"]] == ["los_angeles", "county"]
    assert trigram[bigram[["los", "angeles", "county"]]] == ["los_angeles_county"]
    assert trigram.vocab["los_angeles_county"] == 20
    # as in gensim, export scores "los_angeles_county" by the counts of "los" and "county"
    assert "los_angeles_county" not in trigram.export_phrases()


def test_pruning_drops_rare_keys():
    corpus = random_corpus(1)
    pruned = Phrases(corpus, min_count=1, threshold=1, max_vocab_size=30).vocab
    full = Phrases(corpus, min_count=1, threshold=1).vocab
    assert len(pruned) < len(full) / 5
    assert all(0 < count <= full[key] for key, count in pruned.items())


def test_pruning_when_merging():
    model = Phrases(random_corpus(1), min_count=1, threshold=1, max_vocab_size=30)
    assert model.min_reduce == 1  # as gensim: the first pass's min_reduce is not kept
    model.add_vocab(random_corpus(2))
    assert model.min_reduce > 1


def test_add_vocab_merges_counts():
    model = Phrases(NEWS[:4], min_count=1, threshold=1)
    model.add_vocab(NEWS[4:])
    whole = Phrases(NEWS, min_count=1, threshold=1)
    assert model.vocab == whole.vocab
    assert model.corpus_word_count == whole.corpus_word_count


def test_find_phrases_and_score_candidate():
    model = Phrases(CORPUS, min_count=1, threshold=1, connector_words=ENGLISH_CONNECTOR_WORDS)
    found = model.find_phrases(CORPUS)
    assert "bank_of_america" in found and "new_york" in found
    phrase, score = model.score_candidate("bank", "america", ["of"])
    assert phrase == "bank_of_america" and score == found[phrase]
    assert model.score_candidate("york", "zebra", []) == (None, None)
    assert dict(model.analyze_sentence(["new", "york"])) == {"new_york": found["new_york"]}


def test_freeze_keeps_only_the_phrases():
    model = Phrases(CORPUS, min_count=1, threshold=1, connector_words=ENGLISH_CONNECTOR_WORDS)
    frozen = model.freeze()
    assert isinstance(frozen, FrozenPhrases) and Phraser is FrozenPhrases
    assert frozen.phrasegrams == model.export_phrases()
    for sentence in CORPUS:
        assert frozen[sentence] == model[sentence]
    assert frozen.score_candidate("bank", "america", ["of"])[0] == "bank_of_america"
    assert "FrozenPhrases<" in str(frozen) and "Phrases<" in str(model)


def test_phrase_texts_are_reused_only_for_the_same_phrase():
    """A frozen model joins each phrase once and reuses the text; tokens already holding the
    delimiter make the same phrase, and a changed model joins afresh."""
    frozen = Phrases(CORPUS, min_count=1, threshold=1, connector_words=ENGLISH_CONNECTOR_WORDS).freeze()
    sentences = [["in", "new", "york"], ["new", "york", "and", "bank", "of", "america"]] * 3
    assert [frozen[s] for s in sentences] == [["in", "new_york"],
                                              ["new_york", "and", "bank_of_america"]] * 3
    assert frozen[["bank_of", "america"]] == ["bank_of_america"]
    other = FrozenPhrases._table("_", ENGLISH_CONNECTOR_WORDS, {"new_york": 50.0, "big_city": 20.0})
    assert other.apply(["a", "big", "city", "in", "new", "york"], False)[0] == ["a", "big_city",
                                                                               "in", "new_york"]
    other.add("york_is", 60.0)
    other.finish()
    assert other.apply(["new", "york", "is", "big"], False)[0] == ["new_york", "is", "big"]


# -- saving


SAVED_CORPUS = CORPUS + [["los_angeles", "naïve", "unbelievably_long_word_of_many_letters"]] * 2


def rewritten(src, dst, replace):
    """Copy the archive ``src`` to ``dst`` with the members in ``replace`` (name -> bytes)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for name in zin.namelist():
            zout.writestr(name, replace.get(name, zin.read(name)))


def npy_bytes(array, allow_pickle=False):
    out = io.BytesIO()
    np.save(out, array, allow_pickle=allow_pickle)
    return out.getvalue()


@pytest.mark.parametrize("kwargs", [
    dict(threshold=1, connector_words=ENGLISH_CONNECTOR_WORDS),
    dict(scoring="npmi", threshold=0.5),
])
def test_save_load_round_trip(tmp_path, kwargs):
    model = Phrases(SAVED_CORPUS, min_count=1, **kwargs)
    model.save(tmp_path / "model.fw2v")
    loaded = Phrases.load(tmp_path / "model.fw2v")
    assert type(loaded) is Phrases and loaded.scoring is model.scoring
    assert loaded.vocab == model.vocab and loaded.export_phrases() == model.export_phrases()
    assert (loaded.corpus_word_count, loaded.min_reduce) == (model.corpus_word_count, model.min_reduce)
    assert loaded.connector_words == model.connector_words
    assert list(loaded[SAVED_CORPUS]) == list(model[SAVED_CORPUS])
    frozen = model.freeze()
    frozen.save(tmp_path / "frozen.fw2v")
    loaded = FrozenPhrases.load(tmp_path / "frozen.fw2v")
    assert type(loaded) is FrozenPhrases and loaded.phrasegrams == frozen.phrasegrams
    assert (loaded.threshold, loaded.min_count, loaded.scoring) == (frozen.threshold, frozen.min_count, frozen.scoring)
    assert list(loaded[SAVED_CORPUS]) == list(frozen[SAVED_CORPUS])
    assert loaded.find_phrases(SAVED_CORPUS) == frozen.find_phrases(SAVED_CORPUS)


def test_save_load_empty_models(tmp_path):
    Phrases().save(tmp_path / "empty.fw2v")
    loaded = Phrases.load(tmp_path / "empty.fw2v")
    assert loaded.vocab == {} and loaded[["a", "b"]] == ["a", "b"]
    loaded.freeze().save(tmp_path / "frozen.fw2v")
    assert Phrases.load(tmp_path / "frozen.fw2v").phrasegrams == {}


def test_custom_scorer_must_be_given_back_to_load(tmp_path):
    model = Phrases(CORPUS, min_count=1, threshold=0.4, scoring=custom_scorer)
    model.save(tmp_path / "m.fw2v")
    with pytest.raises(ValueError, match="custom_scorer"):
        Phrases.load(tmp_path / "m.fw2v")
    loaded = Phrases.load(tmp_path / "m.fw2v", scoring=custom_scorer)
    assert loaded.export_phrases() == model.export_phrases()
    model.freeze().save(tmp_path / "f.fw2v")  # a FrozenPhrases needs only the scores
    assert FrozenPhrases.load(tmp_path / "f.fw2v").phrasegrams == model.export_phrases()


def test_compressed_name_refused(tmp_path):
    with pytest.raises(ValueError, match="uncompressed"):
        Phrases(CORPUS).save(tmp_path / "model.json.gz")


def test_corrupt_foreign_and_newer_files_raise_value_error(tmp_path):
    good = tmp_path / "good.fw2v"
    Phrases(SAVED_CORPUS, min_count=1, threshold=1).save(good)
    data = good.read_bytes()
    with zipfile.ZipFile(good) as archive:
        meta = json.loads(archive.read("fastw2v.json"))
        atoms = np.load(io.BytesIO(archive.read("keys/atoms.npy")))
    (tmp_path / "truncated.fw2v").write_bytes(data[: len(data) // 2])
    (tmp_path / "json.fw2v").write_text(json.dumps({"format": "fastw2v.phrases", "version": 1}))
    (tmp_path / "noise.fw2v").write_bytes(b"\x00\x01 not a model" * 10)
    members = {
        "future": {"fastw2v.json": json.dumps(dict(meta, format_version=99))},
        "foreign": {"fastw2v.json": json.dumps(dict(meta, format="other"))},
        "other_class": {"fastw2v.json": json.dumps(dict(meta, **{"class": "Word2Vec"}))},
        "no_sizes": {"fastw2v.json": json.dumps({k: v for k, v in meta.items() if k != "sizes"})},
        "bad_scoring": {"fastw2v.json": json.dumps(dict(meta, params=dict(meta["params"], scoring="x")))},
        "atom_range": {"keys/atoms.npy": npy_bytes(atoms + 10**6)},
        "atom_dtype": {"keys/atoms.npy": npy_bytes(atoms.astype(np.int64))},
        "short_atoms": {"keys/atoms.npy": npy_bytes(atoms[:-1])},
        "negative_count": {"words/counts.npy": npy_bytes(-np.ones(meta["sizes"]["words"], np.int64))},
    }
    for name, replace in members.items():
        rewritten(good, tmp_path / (name + ".fw2v"), {k: v.encode() if isinstance(v, str) else v
                                                      for k, v in replace.items()})
    for path in sorted(tmp_path.glob("*.fw2v")):
        if path != good:
            with pytest.raises(ValueError):
                Phrases.load(path)
    with pytest.raises(ValueError, match="format version 99"):
        Phrases.load(tmp_path / "future.fw2v")


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def test_crafted_pickles_are_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(_Exploit(marker)))
    with pytest.raises(ValueError, match="pickle"):
        Phrases.load(tmp_path / "model.pkl")
    good = tmp_path / "good.fw2v"
    Phrases(CORPUS, min_count=1, threshold=1).save(good)
    payload = np.empty(1, dtype=object)
    payload[0] = _Exploit(marker)
    rewritten(good, tmp_path / "object.fw2v", {"keys/atoms.npy": npy_bytes(payload, allow_pickle=True)})
    with pytest.raises(ValueError, match="object arrays"):
        FrozenPhrases.load(tmp_path / "object.fw2v")
    assert not marker.exists()


# -- gensim equality


@pytest.mark.parametrize("kwargs", [
    dict(min_count=2, threshold=1.0),
    dict(min_count=1, threshold=0.2, scoring="npmi", connector_words=ENGLISH_CONNECTOR_WORDS),
    dict(min_count=1, threshold=0.3, scoring=custom_scorer),
    dict(min_count=1, threshold=0.5, connector_words=ENGLISH_CONNECTOR_WORDS, max_vocab_size=100),
])
def test_same_results_as_gensim(kwargs):
    gensim_phrases = pytest.importorskip("gensim.models.phrases")
    corpus = random_corpus(7)
    ours, theirs = Phrases(corpus, **kwargs), gensim_phrases.Phrases(corpus, **kwargs)
    assert ours.vocab == theirs.vocab
    assert (ours.min_reduce, ours.corpus_word_count) == (theirs.min_reduce, theirs.corpus_word_count)
    exported, expected = ours.export_phrases(), theirs.export_phrases()
    assert exported.keys() == expected.keys() and len(expected) > 0
    assert all(exported[k] == pytest.approx(expected[k], rel=1e-12) for k in expected)
    assert list(ours[corpus]) == list(theirs[corpus])
    assert list(ours.freeze()[corpus]) == list(theirs.freeze()[corpus])
    # a second pass over the joined output: tokens now contain the delimiter
    ours2 = Phrases(ours[corpus], **kwargs)
    theirs2 = gensim_phrases.Phrases(theirs[corpus], **kwargs)
    assert ours2.vocab == theirs2.vocab
    assert ours2.export_phrases().keys() == theirs2.export_phrases().keys()
    assert list(ours2[ours[corpus]]) == list(theirs2[theirs[corpus]])


def test_large_corpus_counted_in_batches_same_as_gensim():
    """Enough tokens to be counted in two batches, one on the helper thread, with pruning."""
    gensim_phrases = pytest.importorskip("gensim.models.phrases")
    rng = random.Random(5)
    words = ["w%d" % i for i in range(3000)] + ["of", "the"]
    corpus = [[rng.choice(words) for _ in range(1000)] + ["san", "jose", "of", "the", "west"]
              for _ in range(700)]
    kwargs = dict(min_count=3, threshold=5, max_vocab_size=200000,
                  connector_words=ENGLISH_CONNECTOR_WORDS)
    ours, theirs = Phrases(corpus, **kwargs), gensim_phrases.Phrases(corpus, **kwargs)
    assert ours.vocab == theirs.vocab and ours.corpus_word_count == theirs.corpus_word_count
    ours.add_vocab(corpus[:300])
    theirs.add_vocab(corpus[:300])
    assert ours.vocab == theirs.vocab and ours.min_reduce == theirs.min_reduce > 1
    assert ours.export_phrases().keys() == theirs.export_phrases().keys()
    assert [ours[s] for s in corpus[:50]] == [theirs[s] for s in corpus[:50]]


# -- the compiled scoring formulas


def _python_score(scorer, a, b, ab, len_vocab, min_count, corpus_word_count):
    """The Python formula; -inf where it divides by zero (the compiled copy's rule)."""
    try:
        return scorer(a, b, ab, len_vocab, min_count, corpus_word_count)
    except ZeroDivisionError:
        return -math.inf


@pytest.mark.parametrize("scorer", [original_scorer, npmi_scorer])
def test_compiled_scoring_equals_the_python_formulas(scorer):
    """``_phrase_counts.score_counts``, the fast path of the named scorers, gives the same
    floats as their Python formulas: random counts below 2**53 (some with products that
    overflow 64 bits), zero counts, a bigram as big as the corpus, int and float min_count."""
    from fastw2v import _phrase_counts
    from fastw2v.phrases import _SCORER_KINDS

    rng = np.random.default_rng(11)
    n = 20000
    top = rng.choice([10, 10**4, 2**31, 2**40, 2**52], size=(n, 3))
    a, b, ab = (rng.integers(0, top[:, k], dtype=np.int64, endpoint=True) for k in range(3))
    cases = [(0, 5, 3), (5, 0, 3), (0, 0, 0), (7, 9, 0), (2**52, 2**52, 2**52), (3, 4, 100)]
    a, b, ab = (np.concatenate([col, np.array(extra, np.int64)])
                for col, extra in zip((a, b, ab), zip(*cases)))
    for len_vocab, min_count, corpus_word_count in [(1000, 5, 10**6), (7, 2.5, 100),
                                                    (2**40, 1, 2**53), (50, 1, 0)]:
        compiled = np.empty(len(a))
        _phrase_counts.score_all(_SCORER_KINDS[scorer], a, b, ab, len_vocab, min_count,
                                 corpus_word_count, compiled)
        expected = np.array([_python_score(scorer, x, y, z, len_vocab, min_count, corpus_word_count)
                             for x, y, z in zip(a.tolist(), b.tolist(), ab.tolist())])
        same = (compiled == expected) | (np.isnan(compiled) & np.isnan(expected))
        assert same.all(), (np.flatnonzero(~same)[:5], compiled[~same][:5], expected[~same][:5])
