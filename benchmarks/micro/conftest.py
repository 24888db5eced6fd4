"""Synthetic corpora for the micro-benchmarks: Zipf-distributed words, fixed seed."""
import numpy as np
import pytest

#: 200 sentences of 1,000 words drawn from a 5,000-word Zipf vocabulary (200k words).
SENTENCES, SENTENCE_LENGTH, VOCABULARY = 200, 1000, 5000


@pytest.fixture(scope="session")
def sentences():
    """The synthetic corpus as a list of token lists."""
    rng = np.random.default_rng(0)
    ranks = 1.0 / np.arange(1, VOCABULARY + 1)
    ids = rng.choice(VOCABULARY, size=(SENTENCES, SENTENCE_LENGTH), p=ranks / ranks.sum())
    return [["w%d" % i for i in row] for row in ids]


@pytest.fixture(scope="session")
def corpus_file(sentences, tmp_path_factory):
    """The synthetic corpus as a LineSentence file (one sentence per line)."""
    path = tmp_path_factory.mktemp("micro") / "corpus.txt"
    path.write_text("".join(" ".join(sentence) + "\n" for sentence in sentences))
    return str(path)
