"""Command-line hazards: abbreviated flags, and an output path that names an input file."""
import os
import re

import pytest

from fastw2v.cli import build_parser, main
from fastw2v.cli.arguments import UsageError
from fastw2v.cli.files import check_distinct, same_file

CORPUS_TEXT = "the king and the queen\nthe man and the woman\n" * 20


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(CORPUS_TEXT)
    return path


def error_line(capsys):
    """The one error line on stderr (nothing on stdout)."""
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


# ---- abbreviated flags ----------------------------------------------------------------------

@pytest.mark.parametrize("command, required, flag, value", [
    ("train", ["-train", "c.txt", "-output", "v.txt"], "-si", "10"),  # -size
    ("train", ["-train", "c.txt", "-output", "v.txt"], "-siz", "10"),
    ("train", ["-train", "c.txt", "-output", "v.txt"], "-thread", "2"),  # -threads
    ("train", ["-train", "c.txt", "-output", "v.txt"], "-neg", "5"),  # -negative
    ("train", ["-train", "c.txt", "-output", "v.txt"], "-save-voc", "vocab.txt"),
    ("train", ["-train", "c.txt", "-output", "v.txt"], "--vector", "10"),  # --vector-size
    ("train", ["-train", "c.txt", "-output", "v.txt"], "--epoch", "2"),
    ("phrases", ["-train", "c.txt", "-output", "-"], "-thresh", "50"),  # -threshold
    ("phrases", ["-train", "c.txt", "-output", "-"], "--delim", "+"),  # --delimiter
    ("similar", ["v.bin", "king"], "--lim", "5"),  # --limit
    ("similar", ["v.bin", "king"], "--top", "5"),  # --topn
    ("analogy", ["v.bin", "a", "b", "c"], "--top", "5"),
    ("evaluate", ["v.bin"], "--restrict", "5"),  # --restrict-vocab
    ("evaluate", ["v.bin"], "--analog", "q.txt"),  # --analogies
])
def test_abbreviated_flags_are_refused(command, required, flag, value):
    with pytest.raises(UsageError, match="^%s$" % re.escape(
            "unrecognized arguments: %s %s (see 'fastw2v --help')" % (flag, value))):
        build_parser().parse_args([command, *required, flag, value])


def test_abbreviated_flags_exit_2_before_anything_is_written(corpus, tmp_path, capsys):
    out = tmp_path / "v.txt"
    assert main(["train", "-train", str(corpus), "-output", str(out), "-si", "10"]) == 2
    assert error_line(capsys) == ("fastw2v: error: unrecognized arguments: -si 10 "
                                  "(see 'fastw2v --help')")
    assert not out.exists()


def test_exact_flags_and_attached_short_values_still_parse():
    args = build_parser().parse_args(["train", "-train", "c.txt", "-output", "v.txt", "-size", "10",
                                      "-threads", "2", "--epochs", "3", "-size=12"])
    assert (args.vector_size, args.workers, args.epochs) == (12, 2, 3)
    assert build_parser().parse_args(["similar", "v.bin", "king", "-n5"]).topn == 5
    assert build_parser().parse_args(["similar", "v.bin", "king", "-n", "7"]).topn == 7


# ---- an output that is an input -----------------------------------------------------------------

def _same_message(flag, path, other_flag, other):
    return ("fastw2v: error: %s %r is the same file as %s %r, which would be overwritten; "
            "choose another %s path" % (flag, path, other_flag, other, flag))


def _vocab_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("</s> 40\nthe 80\nand 40\n")
    return str(path)


@pytest.mark.parametrize("extra, refused", [
    (["-output", "CORPUS"], ["-output", "CORPUS", "-train", "CORPUS"]),
    (["--output", "CORPUS"], ["-output", "CORPUS", "-train", "CORPUS"]),
    (["-save-vocab", "CORPUS"], ["-save-vocab", "CORPUS", "-train", "CORPUS"]),
    (["-output", "v.txt", "-save-model", "CORPUS"], ["-save-model", "CORPUS", "-train", "CORPUS"]),
    (["-output", "VOCAB", "-read-vocab", "VOCAB"], ["-output", "VOCAB", "-read-vocab", "VOCAB"]),
    (["-save-vocab", "VOCAB", "-read-vocab", "VOCAB"],
     ["-save-vocab", "VOCAB", "-read-vocab", "VOCAB"]),
    (["-output", "v.txt", "-save-vocab", "v.txt"], ["-save-vocab", "v.txt", "-output", "v.txt"]),
    (["-output", "v.txt", "-save-model", "v.txt"], ["-save-model", "v.txt", "-output", "v.txt"]),
])
def test_train_refuses_to_overwrite_an_input_or_another_output(extra, refused, corpus, tmp_path,
                                                                 capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    names = {"CORPUS": str(corpus), "VOCAB": _vocab_file(tmp_path)}
    extra = [names.get(arg, arg) for arg in extra]
    assert main(["train", "-train", str(corpus), *extra, "-min-count", "1", "-q"]) == 2
    assert error_line(capsys) == _same_message(*[names.get(arg, arg) for arg in refused])
    assert corpus.read_text() == CORPUS_TEXT
    assert sorted(os.listdir(tmp_path)) == ["corpus.txt", "vocab.txt"]  # nothing written


@pytest.mark.parametrize("spelling", ["relative", "dotted", "symlink", "hardlink"])
@pytest.mark.parametrize("command", ["train", "phrases"])
def test_the_same_file_under_another_name_is_refused(command, spelling, corpus, tmp_path, capsys,
                                                     monkeypatch):
    monkeypatch.chdir(tmp_path)
    alias = {"relative": "corpus.txt", "dotted": str(tmp_path / "." / "corpus.txt"),
             "symlink": "link.txt", "hardlink": "hard.txt"}[spelling]
    if spelling == "symlink":
        os.symlink(corpus, alias)
    elif spelling == "hardlink":
        os.link(corpus, alias)
    assert main([command, "-train", str(corpus), "-output", alias, "-min-count", "1", "-q"]) == 2
    assert error_line(capsys) == _same_message("-output", alias, "-train", str(corpus))
    assert corpus.read_text() == CORPUS_TEXT


def test_a_compressed_corpus_is_not_overwritten_either(tmp_path, capsys):
    import gzip
    path = tmp_path / "corpus.txt.gz"
    with gzip.open(path, "wt") as fout:
        fout.write(CORPUS_TEXT)
    before = path.read_bytes()
    assert main(["phrases", "-train", str(path), "-output", str(path), "-q"]) == 2
    assert error_line(capsys) == _same_message("-output", str(path), "-train", str(path))
    assert path.read_bytes() == before


def test_phrases_to_standard_output_or_another_file_still_works(corpus, tmp_path, capsys):
    assert main(["phrases", "-train", str(corpus), "-output", "-", "-min-count", "1", "-q"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 40
    out = tmp_path / "phrased.txt"
    assert main(["phrases", "-train", str(corpus), "-output", str(out), "-min-count", "1", "-q"]) == 0
    assert len(out.read_text().splitlines()) == 40 and corpus.read_text() == CORPUS_TEXT


def test_same_file(tmp_path):
    existing = tmp_path / "a.txt"
    existing.write_text("x")
    linked_dir = tmp_path / "linked"
    os.symlink(tmp_path, linked_dir)
    assert same_file(str(existing), str(linked_dir / "a.txt"))
    assert same_file(str(tmp_path / "new.txt"), str(linked_dir / "new.txt"))  # neither exists yet
    assert not same_file(str(existing), str(tmp_path / "b.txt"))
    assert same_file("s3://bucket/corpus.txt", "s3://bucket/corpus.txt")
    assert not same_file("s3://bucket/corpus.txt", "s3://bucket/vectors.txt")
    assert not same_file("s3://bucket/corpus.txt", str(existing))


def test_check_distinct_skips_missing_paths_and_stdout(tmp_path):
    path = str(tmp_path / "a.txt")
    check_distinct([("-output", None), ("-save-vocab", path)], [("-read-vocab", None)])
    check_distinct([("-output", "-")], [("-train", "-")])
    with pytest.raises(UsageError, match=re.escape("-save-model %r is the same file as -output %r"
                                                   % (path, path))):
        check_distinct([("-output", path), ("-save-model", path)])


def test_training_that_diverges_is_an_ordinary_error(tmp_path, capsys):
    from fastw2v.cli import main
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join("w%d" % ((i * 7 + j) % 50) for j in range(20))
                                for i in range(500)) + "\n")
    status = main(["train", "-train", str(corpus), "-output", str(tmp_path / "v.bin"),
                   "-size", "16", "-min-count", "1", "-alpha", "1e6", "-iter", "2"])
    err = capsys.readouterr().err
    assert status != 0 and "unexpected" not in err
    assert "training diverged in epoch 1 of 2" in err and "lower alpha" in err
    assert not (tmp_path / "v.bin").exists()
