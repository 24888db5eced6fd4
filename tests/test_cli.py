"""The ``fastw2v`` command line, end to end on a small corpus."""
import builtins
import collections
import gzip
import io
import subprocess
import sys

import numpy as np
import pytest

from fastw2v import KeyedVectors, Word2Vec
from fastw2v.cli import build_parser, main
from fastw2v.cli import train as train_command
from fastw2v.cli.phrases import read_pieces
from fastw2v.cli.vectors import is_binary

WORDS = ("the a king queen man woman city bank river car red big small paris france rome "
         "italy of america").split()
FAST = ["-size", "16", "-iter", "1", "-min-count", "1", "-threads", "2", "-q"]


def write_corpus(path, n_lines=600, seed=0):
    """Random sentences over WORDS, half of them with "new york" and "bank of america" inside."""
    import random
    rng = random.Random(seed)
    lines = []
    for i in range(n_lines):
        sentence = [rng.choice(WORDS) for _ in range(rng.randint(3, 12))]
        if i % 2:
            sentence[1:1] = ["new", "york"] if i % 4 == 1 else ["bank", "of", "america"]
        lines.append(" ".join(sentence))
    path.write_text("\n".join(lines) + "\n")
    return lines


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "corpus.txt"
    write_corpus(path)
    return path


@pytest.fixture(scope="module")
def vectors(corpus):
    """(text vectors, binary vectors), trained once for the query tests."""
    text, binary = corpus.with_name("vectors.txt"), corpus.with_name("vectors.bin")
    assert main(["train", "-train", str(corpus), "-output", str(text), *FAST]) == 0
    assert main(["train", "-train", str(corpus), "-output", str(binary), "-binary", "1",
                 *FAST]) == 0
    return text, binary


def one_error_line(stderr):
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("fastw2v: error: ")
    assert "Traceback" not in stderr
    return lines[0]


# -- train


def test_train_accepts_word2vec_c_flags(corpus, tmp_path, capsys):
    out = tmp_path / "vectors.bin"
    status = main(["train", "-train", str(corpus), "-output", str(out), "-size", "20", "-cbow",
                   "0", "-iter", "2", "-min-count", "1", "-threads", "2", "-binary", "1",
                   "-window", "3", "-sample", "1e-4", "-negative", "3", "-hs", "1",
                   "-alpha", "0.03", "-q"])
    assert status == 0
    assert capsys.readouterr().err == ""
    kv = KeyedVectors.load_word2vec_format(str(out), binary=True)
    assert kv.vector_size == 20
    assert set(kv.index_to_key) == set(WORDS) | {"new", "york"}


def test_train_accepts_long_options(corpus, tmp_path, capsys):
    out = tmp_path / "vectors.txt"
    status = main(["train", "--corpus", str(corpus), "--output", str(out), "--vector-size",
                   "12", "--sg", "--epochs", "1", "--min-count", "1", "--workers", "1",
                   "--window", "2", "--negative", "2", "--kernel", "classic", "--seed", "3"])
    assert status == 0
    assert "fastw2v: trained %d vectors of size 12" % (len(WORDS) + 2) in capsys.readouterr().err
    kv = KeyedVectors.load_word2vec_format(str(out))
    assert kv.vectors.shape == (len(WORDS) + 2, 12)


def test_train_defaults_are_word2vec_c_defaults(monkeypatch):
    args = build_parser().parse_args(["train", "-train", "c", "-output", "v"])
    assert (args.vector_size, args.window, args.sample, args.hs, args.negative, args.workers,
            args.epochs, args.min_count, args.cbow, args.binary) == (
        100, 5, 1e-3, 0, 5, 12, 5, 5, 1, 0)

    built = []

    def record(**kwargs):
        built.append(kwargs)
        raise KeyboardInterrupt  # stop before any work

    monkeypatch.setattr(train_command, "Word2Vec", record)
    monkeypatch.setattr(train_command, "check_input", lambda path, what: path)
    assert main(["train", "-train", "c", "-output", "v"]) == 130
    assert main(["train", "-train", "c", "-output", "v", "-cbow", "0"]) == 130
    assert main(["train", "-train", "c", "-output", "v", "--cbow", "--alpha", "0.1"]) == 130
    cbow, skipgram, explicit = built
    assert (cbow["sg"], cbow["alpha"], cbow["workers"], cbow["epochs"]) == (0, 0.05, 12, 5)
    assert cbow["min_alpha"] == pytest.approx(0.05 * 1e-4)
    assert (skipgram["sg"], skipgram["alpha"]) == (1, 0.025)
    assert (explicit["sg"], explicit["alpha"]) == (0, 0.1)


def test_save_vocab_writes_word2vec_c_format(corpus, tmp_path):
    vocab = tmp_path / "vocab.txt"
    # Without -output, word2vec.c only builds (and saves) the vocabulary.
    assert main(["train", "-train", str(corpus), "-save-vocab", str(vocab), "-min-count", "1",
                 "-q"]) == 0
    lines = [line.split() for line in vocab.read_text().splitlines()]
    corpus_lines = corpus.read_text().splitlines()
    assert lines[0] == ["</s>", str(len(corpus_lines))]
    expected = collections.Counter(word for line in corpus_lines for word in line.split())
    assert {word: int(count) for word, count in lines[1:]} == dict(expected)
    counts = [int(count) for _, count in lines[1:]]
    assert counts == sorted(counts, reverse=True)


def test_read_vocab_uses_the_file_vocabulary(corpus, tmp_path):
    vocab, out = tmp_path / "vocab.txt", tmp_path / "vectors.txt"
    vocab.write_text("</s> 600\nking 500\nqueen 400\nbank 300\nrare 1\n")
    assert main(["train", "-train", str(corpus), "-output", str(out), "-read-vocab", str(vocab),
                 "-min-count", "2", "-size", "8", "-iter", "1", "-threads", "1", "-q"]) == 0
    kv = KeyedVectors.load_word2vec_format(str(out))
    assert kv.index_to_key == ["king", "queen", "bank"]


def test_train_streams_a_compressed_corpus_and_saves_the_model(corpus, tmp_path):
    gz, out, saved = tmp_path / "corpus.txt.gz", tmp_path / "v.txt", tmp_path / "model.fw2v"
    gz.write_bytes(gzip.compress(corpus.read_bytes()))
    assert main(["train", "-train", str(gz), "-output", str(out), "-save-model", str(saved),
                 *FAST]) == 0
    kv = KeyedVectors.load_word2vec_format(str(out))
    model = Word2Vec.load(str(saved))
    assert model.wv.index_to_key[:3] == kv.index_to_key[:3]
    assert model.vector_size == 16


# -- phrases


def test_phrases_joins_collocations_line_by_line(corpus, tmp_path, capsys):
    out = tmp_path / "phrased.txt"
    assert main(["phrases", "-train", str(corpus), "-output", str(out), "-min-count", "5",
                 "-threshold", "0.5", "--connector-words", "english"]) == 0
    assert "fastw2v: found" in capsys.readouterr().err
    original, phrased = corpus.read_text().splitlines(), out.read_text().splitlines()
    assert len(phrased) == len(original)
    assert sum("new_york" in line for line in phrased) == sum(
        "new york" in line for line in original)
    assert any("bank_of_america" in line for line in phrased)
    assert [line.replace("_", " ") for line in phrased] == original


def test_phrases_writes_to_stdout_and_reads_gzip(corpus, tmp_path, capsys):
    gz = tmp_path / "corpus.txt.gz"
    gz.write_bytes(gzip.compress(corpus.read_bytes()))
    assert main(["phrases", "--corpus", str(gz), "--output", "-", "--threshold", "0.5",
                 "-q"]) == 0
    captured = capsys.readouterr()
    assert "new_york" in captured.out and captured.err == ""


def test_read_pieces_cuts_long_lines_at_spaces(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("alpha beta gamma delta epsilon zeta eta theta\nshort line\n\nlast")
    seen = []
    pieces = list(read_pieces(str(path), seen.append, piece_bytes=16))
    assert all(len(" ".join(tokens)) < 2 * 16 for tokens, _ in pieces)  # a read + a carry
    lines, current = [], []
    for tokens, ends_line in pieces:
        current += tokens
        if ends_line:
            lines.append(current)
            current = []
    assert lines == [line.split() for line in path.read_text().split("\n")]
    assert sum(seen) == path.stat().st_size


# -- similar and analogy


def test_similar_answers_the_query_in_arguments(vectors, capsys):
    text, _ = vectors
    assert main(["similar", str(text), "king", "-n", "3"]) == 0
    out = capsys.readouterr().out
    assert "Word: king  Position in vocabulary:" in out
    assert "Cosine distance" in out
    rows = [line for line in out.splitlines() if "\t\t" in line]
    assert len(rows) == 3 and all(row.split()[0] in WORDS + ["new", "york"] for row in rows)
    assert not any(row.split()[0] == "king" for row in rows)


def test_similar_answers_about_the_int_keys_of_a_model(tmp_path, capsys):
    # an int-keyed model's word2vec file holds its keys as decimal words
    kv = KeyedVectors(2)
    kv.add_vectors([10, 20, 30], np.array([[1, 0], [0.9, 0.1], [0, 1]], dtype=np.float32))
    kv.save_word2vec_format(str(tmp_path / "ids.txt"))
    assert main(["similar", str(tmp_path / "ids.txt"), "10", "-n", "1"]) == 0
    out = capsys.readouterr().out
    assert "Word: 10  Position in vocabulary: 0" in out
    assert [line.split()[0] for line in out.splitlines() if "\t\t" in line] == ["20"]


def test_similar_reads_queries_from_stdin(vectors, capsys, monkeypatch):
    _, binary = vectors  # binary is detected without --binary
    monkeypatch.setattr(sys, "stdin", io.StringIO("king\n\nqueen man\nEXIT\ncar\n"))
    assert main(["similar", str(binary), "--topn", "2"]) == 0
    out = capsys.readouterr().out
    assert out.count("Cosine distance") == 2
    assert "Word: car" not in out  # after EXIT


def test_unknown_words_are_reported_not_raised(vectors, capsys, monkeypatch):
    text, _ = vectors
    monkeypatch.setattr(sys, "stdin", io.StringIO("kingg\nking\n"))
    assert main(["similar", str(text), "-n", "2"]) == 1  # a batch query failed
    out = capsys.readouterr().out
    assert "Out of dictionary word!" in out and "'kingg'" in out and "did you mean 'king'" in out
    assert out.count("Cosine distance") == 1  # the next query is still answered


def test_analogy_in_arguments_and_wrong_word_count(vectors, capsys):
    text, _ = vectors
    assert main(["analogy", str(text), "man", "king", "woman", "-n", "4"]) == 0
    out = capsys.readouterr().out
    rows = [line.split()[0] for line in out.splitlines() if "\t\t" in line]
    assert "Distance" in out and len(rows) == 4
    assert not {"man", "king", "woman"} & set(rows)
    assert main(["analogy", str(text), "man", "king"]) == 1
    assert "Expected 3 words, got 2" in capsys.readouterr().out


def test_interactive_session_prompts_until_exit(vectors, capsys, monkeypatch):
    text, _ = vectors
    answers = iter(["man king woman", "man", "EXIT", "never read"])
    prompts = []

    def fake_input(prompt):
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr(sys, "stdin", io.StringIO())
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(builtins, "input", fake_input)
    assert main(["analogy", str(text), "-n", "2"]) == 0  # failed queries: no error status
    assert prompts == ["Enter three words (EXIT to break): "] * 3
    assert capsys.readouterr().out.count("Distance") == 1


def test_binary_detection(vectors):
    text, binary = vectors
    assert is_binary(str(binary)) and not is_binary(str(text))


def test_forcing_the_wrong_format_is_an_error(vectors, capsys):
    _, binary = vectors
    assert main(["similar", str(binary), "king", "--text"]) == 1
    one_error_line(capsys.readouterr().err)


# -- evaluate


def test_evaluate_prints_sections_and_correlations(vectors, tmp_path, capsys):
    text, _ = vectors
    analogies, pairs = tmp_path / "analogies.txt", tmp_path / "pairs.tsv"
    analogies.write_text(": capitals\nparis france rome italy\nrome italy paris france\n"
                         ": people\nman king woman queen\nman king unknown queen\n")
    pairs.write_text("# word1\tword2\tscore\nking\tqueen\t8.5\nman\twoman\t8.3\n"
                     "car\triver\t1.2\nred\tbig\t2.0\nking\tunknown\t5.0\n")
    assert main(["evaluate", str(text), "--analogies", str(analogies), "--word-pairs",
                 str(pairs), "--restrict-vocab", "1000"]) == 0
    out = capsys.readouterr().out
    for expected in ("capitals", "people", "Total accuracy", "Pearson", "Spearman"):
        assert expected in out
    assert "25.0%  (1 of 4 questions)" in out
    assert "20.0%" in out  # one pair of five is unknown


def test_evaluate_defaults_to_the_shipped_sets(vectors, capsys):
    text, _ = vectors
    assert main(["evaluate", str(text)]) == 0
    out = capsys.readouterr().out
    assert "analogies: questions-words.txt" in out and "word pairs: wordsim353.tsv" in out
    assert "capital-common-countries" in out


# -- errors and exit codes


@pytest.mark.parametrize("argv, status", [
    (["train", "-train", "missing.txt", "-output", "v.txt"], 1),
    (["train", "-train", "CORPUS", "-output", "no/such/dir/v.txt"], 1),
    (["train", "-train", "CORPUS", "-output", "v.txt", "-size", "0"], 2),
    (["train", "-train", "CORPUS", "-output", "v.txt", "-cbow", "2"], 2),
    (["train", "-train", "CORPUS", "-output", "v.txt", "-negative", "0"], 2),
    (["train", "-train", "CORPUS"], 2),
    (["train", "-output", "v.txt"], 2),
    (["train", "-train", "CORPUS", "-output", "v.txt", "-min-count", "100000", "-q"], 1),
    (["train", "-train", "CORPUS", "-output", "v.txt", "-classes", "10"], 2),
    (["phrases", "-train", "missing.txt", "-output", "-"], 1),
    (["similar", "missing.bin", "king"], 1),
    (["similar", "CORPUS", "king"], 1),  # not a word2vec-format file
    (["similar", "CORPUS", "king", "-n", "-1"], 2),
    (["evaluate", "CORPUS", "--analogies", "missing.txt"], 1),
    (["frobnicate"], 2),
    ([], 2),
])
def test_errors_print_one_line_and_exit_nonzero(argv, status, corpus, tmp_path, capsys,
                                                monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = [str(corpus) if arg == "CORPUS" else arg for arg in argv]
    assert main(argv) == status
    captured = capsys.readouterr()
    message = one_error_line(captured.err)
    if status == 2:
        assert "--help'" in message


def test_unexpected_errors_are_one_line_unless_debug(corpus, capsys, monkeypatch):
    def broken(**kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(train_command, "Word2Vec", broken)
    argv = ["train", "-train", str(corpus), "-output", "v.txt"]
    assert main(argv) == 1
    message = one_error_line(capsys.readouterr().err)
    assert "unexpected ZeroDivisionError: a bug" in message and "--debug" in message
    assert main(argv + ["--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_help_returns_zero(capsys):
    assert main(["train", "--help"]) == 0
    assert "-train FILE, --corpus FILE" in capsys.readouterr().out


# -- as a process


def run_process(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "fastw2v", *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_process_exit_codes(corpus, tmp_path):
    missing = run_process("train", "-train", str(tmp_path / "missing.txt"), "-output", "v")
    assert missing.returncode == 1
    one_error_line(missing.stderr)
    usage = run_process("train", "-train", str(corpus), "-size", "many")
    assert usage.returncode == 2
    assert "invalid" not in usage.stderr and "expected a positive integer, got 'many'" in \
        one_error_line(usage.stderr)


def test_process_trains_and_queries_from_a_pipe(corpus, tmp_path):
    out = tmp_path / "v.bin"
    trained = run_process("train", "-train", str(corpus), "-output", str(out), "-binary", "1",
                          *FAST)
    assert trained.returncode == 0, trained.stderr
    queried = run_process("similar", str(out), "-n", "1", stdin="king\nqueen\n")
    assert queried.returncode == 0, queried.stderr
    assert queried.stdout.count("Cosine distance") == 2
