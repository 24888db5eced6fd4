"""Analogy and word-pair evaluation: gensim 4's semantics on tiny files with known answers."""
import numpy as np
import pytest
from scipy import stats

from fastw2v.keyedvectors import KeyedVectors

# gender on axis 1, royalty on axis 2, youth on axis 3, fruit on axis 4. "Woman" (a later
# case variant of "woman") points exactly at king - man + woman, closer than "queen".
VOCAB = [
    ("man", [1, 0, 0, 0, 0]),
    ("woman", [1, 1, 0, 0, 0]),
    ("king", [1, 0, 1, 0, 0]),
    ("queen", [1, 1, 1, 0, 0]),
    ("boy", [1, 0, 0, 1, 0]),
    ("girl", [1, 1, 0, 1, 0]),
    ("apple", [0, 0, 0, 0, 1]),
    ("banana", [0, 0.2, 0, 0, 1]),
    ("cherry", [0.1, 0, 0.1, 0, 1]),
    ("Woman", [2 ** 0.5 - 1, 1, 1, 0, 0]),
]

ANALOGIES = """\
: gender
man woman king queen
Man WOMAN boy girl
king queen man woman
man woman king apple
man woman king unicorn
this line has five words
: fruit
apple cherry apple cherry
apple banana cherry unicorn
"""

PAIRS = """\
# word1\tword2\tscore
man\twoman\t9.0
king\tqueen\t8.5
apple\tbanana\t7.5
man\tapple\t1.0
girl\tcherry\t2.0
king\tunicorn\t5.0
not a pair
"""


@pytest.fixture
def kv():
    kv = KeyedVectors(5)
    kv.add_vectors([w for w, _ in VOCAB], np.array([v for _, v in VOCAB], dtype=np.float32))
    return kv


@pytest.fixture
def analogies(tmp_path):
    path = tmp_path / "analogies.txt"
    path.write_text(ANALOGIES)
    return path


@pytest.fixture
def pairs(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text(PAIRS)
    return path


def summary(sections):
    return [(s["section"], len(s["correct"]), len(s["incorrect"])) for s in sections]


def test_analogies_known_answers(kv, analogies):
    score, sections = kv.evaluate_word_analogies(analogies)
    assert score == pytest.approx(3 / 5)
    assert summary(sections) == [("gender", 3, 1), ("fruit", 0, 1), ("Total accuracy", 3, 2)]
    gender = sections[0]
    # the case variant "Woman" ranks first but is skipped as a question word (upper-cased)
    assert gender["correct"] == [("MAN", "WOMAN", "KING", "QUEEN"), ("MAN", "WOMAN", "BOY", "GIRL"),
                                 ("KING", "QUEEN", "MAN", "WOMAN")]
    assert gender["incorrect"] == [("MAN", "WOMAN", "KING", "APPLE")]
    assert sections[2]["correct"] == gender["correct"]


def test_analogies_case_sensitive(kv, analogies):
    score, sections = kv.evaluate_word_analogies(analogies, case_insensitive=False)
    # "Man WOMAN ..." is now OOV and "Woman" is a valid (wrong) prediction for king - man + woman
    assert summary(sections) == [("gender", 1, 2), ("fruit", 0, 1), ("Total accuracy", 1, 3)]
    assert ("man", "woman", "king", "queen") in sections[0]["incorrect"]
    assert score == pytest.approx(1 / 4)


def test_analogies_dummy4unknown_and_restrict_vocab(kv, analogies):
    score, sections = kv.evaluate_word_analogies(analogies, dummy4unknown=True)
    assert summary(sections)[-1] == ("Total accuracy", 3, 4)
    assert ("MAN", "WOMAN", "KING", "UNICORN") in sections[0]["incorrect"]
    # first 6 keys only: fruit is OOV, and "Woman" can no longer be predicted
    score, sections = kv.evaluate_word_analogies(analogies, restrict_vocab=6, case_insensitive=False)
    assert summary(sections) == [("gender", 2, 0), ("fruit", 0, 0), ("Total accuracy", 2, 0)]
    assert score == 1.0


def test_analogies_bad_files(kv, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("man woman king queen\n: gender\n")
    with pytest.raises(ValueError, match="Missing section header"):
        kv.evaluate_word_analogies(path)
    path.write_bytes(b": s\nman woman king qu\xffeen\n")
    with pytest.raises(ValueError, match="line 2 is not valid UTF-8"):
        kv.evaluate_word_analogies(path)
    path.write_text(": empty\n")
    with pytest.raises(ValueError, match="no analogy questions"):
        kv.evaluate_word_analogies(path)
    path.write_text(": s\nman woman king queen\n")
    with pytest.raises(ValueError, match="similarity_function"):
        kv.evaluate_word_analogies(path, similarity_function="cosmul")


def test_word_pairs(kv, pairs):
    pearson, spearman, oov = kv.evaluate_word_pairs(pairs)
    gold = [9.0, 8.5, 7.5, 1.0, 2.0]
    model = [kv.similarity(a, b) for a, b in
             [("man", "woman"), ("king", "queen"), ("apple", "banana"), ("man", "apple"), ("girl", "cherry")]]
    assert pearson[0] == pytest.approx(stats.pearsonr(gold, model)[0], abs=1e-6)
    assert spearman[0] == pytest.approx(stats.spearmanr(gold, model)[0], abs=1e-6)
    assert pearson.pvalue == pytest.approx(stats.pearsonr(gold, model).pvalue, rel=1e-4)
    assert oov == pytest.approx(100 / 6)
    pearson, spearman, oov = kv.evaluate_word_pairs(pairs, dummy4unknown=True)
    assert pearson[0] == pytest.approx(stats.pearsonr(gold + [5.0], model + [0.0])[0], abs=1e-6)
    assert oov == pytest.approx(100 / 6)
    _, _, oov = kv.evaluate_word_pairs(pairs, restrict_vocab=6)
    assert oov == pytest.approx(400 / 6)


def test_word_pairs_without_any_known_pair(kv, tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("x\ty\t1.0\n")
    with pytest.raises(ValueError, match="No valid similarity judgements"):
        kv.evaluate_word_pairs(path)


def structured_model(seed=0, relations=4, pairs_per_relation=30, distractors=400, dim=24):
    """Vectors where analogies hold up to noise, and a question file over them."""
    rng = np.random.default_rng(seed)
    words, vectors, lines = [], [], []
    for r in range(relations):
        offset = rng.standard_normal(dim)
        lines.append(": relation-%d" % r)
        pairs = []
        for p in range(pairs_per_relation):
            base = rng.standard_normal(dim)
            pairs.append(("r%da%d" % (r, p), "R%db%d" % (r, p)))
            words += list(pairs[-1])
            vectors += [base, base + offset + 1.2 * rng.standard_normal(dim)]
        for i in range(0, pairs_per_relation - 1):
            (a, b), (c, d) = pairs[i], pairs[i + 1]
            lines.append("%s %s %s %s" % (a, b, c, d))
        lines.append("%s %s %s oovword" % (a, b, c))
    words += ["x%d" % i for i in range(distractors)]
    vectors += list(rng.standard_normal((distractors, dim)))
    order = rng.permutation(len(words))
    return [words[i] for i in order], np.array(vectors, dtype=np.float32)[order], "\n".join(lines) + "\n"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_scores_equal_gensims(tmp_path):
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
    words, vectors, questions = structured_model()
    path = tmp_path / "questions.txt"
    path.write_text(questions)
    ours = KeyedVectors(vectors.shape[1])
    ours.add_vectors(words, vectors)
    ref = gensim_kv.KeyedVectors(vectors.shape[1])
    ref.add_vectors(words, vectors)
    for kwargs in ({}, {"case_insensitive": False}, {"restrict_vocab": 400}, {"dummy4unknown": True}):
        score, sections = ours.evaluate_word_analogies(path, **kwargs)
        ref_score, ref_sections = ref.evaluate_word_analogies(str(path), **kwargs)
        assert 0.2 < ref_score < 0.9  # a meaningful mix of right and wrong answers
        assert round(score, 4) == round(ref_score, 4)
        assert sections == ref_sections
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("".join("%s\t%s\t%d\n" % (words[i], words[i + 1], i % 7) for i in range(0, 300, 3)))
    for kwargs in ({}, {"restrict_vocab": 200}, {"restrict_vocab": 200, "dummy4unknown": True}):
        result, ref_result = ours.evaluate_word_pairs(pairs, **kwargs), ref.evaluate_word_pairs(str(pairs), **kwargs)
        assert round(result[0][0], 4) == round(ref_result[0][0], 4)
        assert round(result[1][0], 4) == round(ref_result[1][0], 4)
        assert result[2] == ref_result[2]
