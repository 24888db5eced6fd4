"""Logging follows gensim's: a logger per module, gensim's events at gensim's levels."""
import gzip
import logging
import os
import re

import pytest

from fastw2v import KeyedVectors, Word2Vec
from fastw2v.corpora import PathLineSentences
from fastw2v.phrases import Phrases

SENTENCES = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "sat", "on", "a", "rug"]] * 60
WORDS = sum(len(sentence) for sentence in SENTENCES)
SMALL = dict(vector_size=8, min_count=1, workers=2, epochs=1, progress=False, seed=1)


def messages(caplog, name=None, level=logging.INFO):
    """The messages logged by logger ``name`` (any, if None) at ``level``."""
    return [record.getMessage() for record in caplog.records
            if (name is None or record.name == name) and record.levelno == level]


def test_each_module_logs_under_its_own_name(caplog, tmp_path):
    with caplog.at_level(logging.INFO, logger="fastw2v"):
        model = Word2Vec(SENTENCES, hs=1, **SMALL)
        model.save(tmp_path / "model")
        Word2Vec.load(tmp_path / "model")
    for record in caplog.records:
        module = "fastw2v." + os.path.splitext(os.path.basename(record.pathname))[0]
        if "lifecycle event" in record.getMessage():  # logged for the object's class
            assert record.name == "fastw2v.word2vec", record.getMessage()
        else:
            assert record.name == module, (record.name, record.getMessage())
    assert {record.name for record in caplog.records} == {
        "fastw2v.word2vec", "fastw2v.vocab", "fastw2v.losses", "fastw2v.training",
        "fastw2v.persistence"}


def test_building_and_training_log_gensims_events(caplog):
    with caplog.at_level(logging.INFO, logger="fastw2v"):
        model = Word2Vec(SENTENCES, **SMALL)
    w2v = messages(caplog, "fastw2v.word2vec")
    assert w2v[1:3] == ["collecting all words and their counts",
                        "collected 8 word types from a corpus of %d raw words and 120 sentences"
                        % WORDS]
    assert messages(caplog, "fastw2v.vocab") == [
        "PROGRESS: at sentence #0, processed 0 words, keeping 0 word types"]
    for expected in ("Creating a fresh vocabulary", "sample=0.001 downsamples 8 most-common words",
                     "deleting the raw counts dictionary of 8 items",
                     "estimated required memory for 8 words and 8 dimensions: 4512 bytes",
                     "resetting layer weights"):
        assert expected in w2v
    events = [message for message in w2v if message.startswith("Word2Vec lifecycle event")]
    for expected in ("'params': 'Word2Vec<vocab=0, vector_size=8, alpha=0.025>'",
                     "effective_min_count=1 retains 8 unique words (100.00% of original 8, drops 0)",
                     "effective_min_count=1 leaves %d word corpus (100.00%% of original %d, "
                     "drops 0)" % (WORDS, WORDS),
                     "'msg': 'training model with 2 workers on 8 vocabulary and 8 features, using "
                     "sg=0 hs=0 sample=0.001 negative=5 window=5 shrink_windows=True'",
                     "'msg': 'training on %d raw words (" % WORDS):
        assert any(expected in event for event in events), expected
    trained = re.match(r"training on \d+ raw words \((\d+) effective words\)",
                       model.lifecycle_events[-1]["msg"]).group(1)
    epoch, = messages(caplog, "fastw2v.training")
    assert re.fullmatch(r"EPOCH 0: training on %d raw words \(%s effective words\) took "
                        r"[\d.]+s, \d+ effective words/s" % (WORDS, trained), epoch)


def test_progress_lines_and_count_warnings(caplog):
    model = Word2Vec(**SMALL)
    model.build_vocab(SENTENCES)
    with caplog.at_level(logging.INFO, logger="fastw2v"):
        model.train(SENTENCES, total_examples=len(SENTENCES), epochs=2, report_delay=0)
        model.train(SENTENCES, total_words=WORDS + 1, epochs=1, report_delay=0)
    training = messages(caplog, "fastw2v.training")
    assert any(m.startswith("EPOCH 1 - PROGRESS: at 100.00% examples, ") and m.endswith(" words/s")
               for m in training)
    assert any(m.startswith("EPOCH 0 - PROGRESS: at 99.") and "% words, " in m for m in training)
    assert messages(caplog, "fastw2v.training", logging.WARNING) == [
        "EPOCH 0: supplied raw word count (%d) did not equal expected count (%d)"
        % (WORDS, WORDS + 1)]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="fastw2v"):
        model.train(SENTENCES[:-1], total_examples=len(SENTENCES), epochs=1)
    assert messages(caplog, "fastw2v.training", logging.WARNING) == [
        "EPOCH 0: supplied example count (119) did not equal expected count (120)"]


def test_updates_and_counting_in_compiled_code_log_as_gensim(caplog, tmp_path):
    path = tmp_path / "corpus.txt.gz"
    with gzip.open(path, "wt") as fout:
        fout.writelines(" ".join(sentence) + "\n" for sentence in SENTENCES * 100)
    model = Word2Vec(SENTENCES, **SMALL)
    with caplog.at_level(logging.INFO, logger="fastw2v"):
        model.build_vocab([["cat", "mouse"]], update=True)
        model.build_vocab(corpus_file=str(path), progress_per=5000)
    w2v = messages(caplog, "fastw2v.word2vec")
    assert "Updating model with new vocabulary" in w2v and "updating layer weights" in w2v
    assert any("added 1 new unique words (50.00% of original 2) and increased the count of 1 "
               "pre-existing words (50.00% of original 2)" in m for m in w2v)
    # a compressed file is counted in compiled code, a chunk at a time
    assert messages(caplog, "fastw2v.vocab")[-2:] == [
        "PROGRESS: at sentence #0, processed 0 words, keeping 0 word types",
        "PROGRESS: at sentence #12000, processed %d words, keeping 8 word types" % (100 * WORDS)]


def test_files_phrases_and_evaluation_log_as_gensim(caplog, tmp_path):
    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b"], [[1, 0], [0, 1]])
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "one.txt").write_text("a b\n")
    with caplog.at_level(logging.INFO, logger="fastw2v"):
        kv.save_word2vec_format(tmp_path / "kv.txt")
        KeyedVectors.load_word2vec_format(tmp_path / "kv.txt")
        list(PathLineSentences(tmp_path / "dir"))
        Phrases([["new", "york"]] * 3, min_count=1, threshold=0.1).freeze()
    assert "storing 2x2 projection weights into %s" % (tmp_path / "kv.txt") in messages(caplog)
    assert "loading projection weights from %s" % (tmp_path / "kv.txt") in messages(caplog)
    assert messages(caplog, "fastw2v.corpora") == [
        "reading directory %s" % (tmp_path / "dir"),
        "files read into PathLineSentences:%s" % (tmp_path / "dir" / "one.txt"),
        "reading file %s" % (tmp_path / "dir" / "one.txt")]
    phrases = messages(caplog, "fastw2v.phrases")
    assert phrases[0] == "collecting all words and their counts"
    assert "collected 3 token types (unigram + bigrams) from a corpus of 6 words and 3 sentences" \
        in phrases
    assert any(m.startswith("built Phrases<3 vocab, min_count=1, threshold=0.1, ") for m in phrases)
    assert any(m.startswith("exported FrozenPhrases<1 phrases") for m in phrases)


@pytest.mark.parametrize("dummy4unknown", [False, True])
def test_evaluation_logs_gensims_notes(caplog, tmp_path, dummy4unknown):
    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b", "c", "d"], [[1, 0], [0, 1], [1, 1], [1, 0.5]])
    (tmp_path / "analogies.txt").write_text(": s\na b c d\na b c zzz\n")
    (tmp_path / "pairs.tsv").write_text("a\tb\t1\nc\td\t3\na\tzzz\t3\na\tc\t2\n")
    with caplog.at_level(logging.INFO, logger="fastw2v.evaluation"):
        kv.evaluate_word_analogies(tmp_path / "analogies.txt", dummy4unknown=dummy4unknown)
        kv.evaluate_word_pairs(tmp_path / "pairs.tsv", dummy4unknown=dummy4unknown)
    logged = messages(caplog, "fastw2v.evaluation")
    assert "Evaluating word analogies for top 300000 words in the model on %s" \
        % (tmp_path / "analogies.txt") in logged
    notes = ['NB: analogies containing OOV words were skipped from evaluation! To change this '
             'behavior, use "dummy4unknown=True"', "Skipping line #2 with OOV words: a\tzzz\t3"]
    assert [note in logged for note in notes] == [not dummy4unknown] * 2


def test_max_final_vocab_logs_gensims_calc_min_count(caplog):
    with caplog.at_level(logging.INFO, logger="fastw2v.word2vec"):
        model = Word2Vec(SENTENCES, **dict(SMALL, max_final_vocab=4))
    assert sorted(model.wv.index_to_key) == ["a", "on", "sat", "the"]  # 120 each, the rest 60
    assert any("'msg': 'max_final_vocab=4 and min_count=1 resulted in calc_min_count=61, "
               "effective_min_count=61'" in message for message in messages(caplog))
