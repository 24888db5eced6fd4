"""The benchmark harness's pure parts: arguments, scheduling, ratios, tables (no timing)."""
import gzip
import json
import os
import sys

import numpy as np
import pytest

# ``benchmarks`` is a directory of the repository, not part of the installed package.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import common, compare, scaling, trial  # noqa: E402


def row(impl, mode, workers, words_per_second, **extra):
    return dict({"impl": impl, "mode": mode, "workers": workers, "version": "x",
                 "words_per_second": words_per_second, "vocab_seconds": 1.0,
                 "train_seconds": 2.0, "analogy": 0.143, "wordsim": 0.46,
                 "peak_rss_mb": 300.0}, **extra)


def test_defaults_run_every_mode_with_two_workers():
    args = compare.parse_args([])
    assert args.modes == trial.DEFAULT_MODES and len(args.modes) == 8
    assert all(mode in args.modes for mode in trial.MODES
               if not mode.endswith(("-py", "-gz", "-utf8", "-ints")))
    assert args.workers == [2] and args.epochs == 1 and args.repeat == 1
    assert args.impl == ["fastw2v", "gensim"] and args.suite == "train"
    assert args.out.endswith(os.path.join("results", "train.json"))
    assert args.chart.endswith(os.path.join("docs", "img", "bench-train.png"))


def test_lists_are_parsed_and_checked():
    args = compare.parse_args(["--modes", "sg-ns, cbow-hs-file", "--workers", "1,2",
                               "--impl", "gensim", "--repeat", "3"])
    assert args.modes == ["sg-ns", "cbow-hs-file"]
    assert args.workers == [1, 2] and args.impl == ["gensim"] and args.repeat == 3
    for bad in (["--modes", "sg-xx"], ["--workers", "0"], ["--workers", "two"],
                ["--impl", "word2vec.c"], ["--epochs", "0"]):
        with pytest.raises(SystemExit):
            compare.parse_args(bad)


def test_quick_picks_few_modes_one_repeat_and_scratch_outputs():
    args = compare.parse_args(["--quick", "--repeat", "5"])
    assert args.modes == compare.QUICK_MODES and args.repeat == 1
    scratch = os.path.join("results", "tmp")
    assert scratch in args.out and scratch in args.chart
    assert compare.parse_args(["--quick", "--modes", "sg-hs"]).modes == ["sg-hs"]


def test_modes_cover_both_objectives_and_sources():
    assert trial.mode_parameters("sg-hs-file") == {"sg": 1, "hs": 1, "negative": 0}
    assert trial.mode_parameters("cbow-ns") == {"sg": 0, "hs": 0, "negative": 5}
    assert trial.MODES["cbow-ns-file"]["corpus_file"]
    assert not trial.MODES["cbow-ns"]["corpus_file"]
    assert trial.mode_parameters("sg-ns-py") == trial.mode_parameters("sg-ns")
    assert trial.MODES["sg-ns-py"]["python_iterable"]
    # the -py modes' iterable hides the reader, so fastw2v reads it in Python
    hidden = trial.PythonIterable([["a", "b"], ["c"]])
    assert not hasattr(hidden, "compiled_source") and list(hidden) == [["a", "b"], ["c"]]


def test_scaling_covers_every_input_kind(tmp_path, monkeypatch):
    modes = scaling.parse_args([]).modes
    for suffix in ("", "-file"):
        assert all(name + suffix in modes for name in ("sg-ns", "cbow-ns", "sg-hs", "cbow-hs"))
    for suffix in ("-py", "-gz", "-utf8", "-ints"):
        assert "sg-ns" + suffix in modes and "cbow-ns" + suffix in modes
    # the -gz and -utf8 copies: made once, read back as the corpus they copy
    monkeypatch.setattr(trial, "CACHE", str(tmp_path / "cache"))
    corpus = tmp_path / "c.txt"
    corpus.write_bytes(b"a cat in the care of bees")
    assert trial.corpus_variant(str(corpus), "sg-ns") == str(corpus)
    with gzip.open(trial.corpus_variant(str(corpus), "sg-ns-gz")) as f:
        assert f.read() == corpus.read_bytes()
    ints = np.load(trial.corpus_variant(str(corpus), "sg-ns-ints"))
    assert ints.shape == (0, trial.INT_ROW_WORDS) and ints.dtype == np.int32
    with open(trial.corpus_variant(str(corpus), "cbow-ns-utf8"), encoding="utf8") as f:
        assert f.read() == "a \u00e7at in\u2009th\u00e9 \u00e7ar\u00e9 of b\u00e9\u00e9s"


def test_schedule_alternates_implementations():
    specs = compare.schedule(["fastw2v", "gensim"], ["sg-ns"], [1, 2], 2, epochs=1, corpus="c")
    assert [(s["impl"], s["workers"], s["repeat"]) for s in specs] == [
        ("fastw2v", 1, 1), ("gensim", 1, 1), ("fastw2v", 2, 1), ("gensim", 2, 1),
        ("gensim", 1, 2), ("fastw2v", 1, 2), ("gensim", 2, 2), ("fastw2v", 2, 2)]
    assert all(s["epochs"] == 1 and s["corpus"] == "c" for s in specs)


def test_ratios_compare_same_mode_and_workers():
    rows = compare.add_ratios([
        row("fastw2v", "sg-ns", 2, 3.0e6), row("gensim", "sg-ns", 2, 0.5e6),
        row("fastw2v", "sg-ns", 1, 1.6e6), row("fastw2v", "cbow-ns", 2, 1e6)])
    assert rows[0]["ratio"] == pytest.approx(6.0) and rows[1]["ratio"] == pytest.approx(1.0)
    assert rows[2]["ratio"] is None and rows[3]["ratio"] is None
    assert rows[0]["scaling"] == pytest.approx(3.0 / 1.6)
    assert rows[2]["scaling"] is None and rows[3]["scaling"] is None
    # a -py mode compares with gensim's own iterable mode
    rows = compare.add_ratios([row("fastw2v", "sg-ns-py", 2, 1.5e6), row("gensim", "sg-ns", 2, 0.5e6)])
    assert rows[0]["ratio"] == pytest.approx(3.0)


def test_a_gensim_run_that_did_not_train_is_no_baseline():
    # gensim's corpus_file mode on a text8-format file: fast, but its vectors learnt nothing
    rows = compare.add_ratios([
        row("fastw2v", "sg-ns-file", 2, 2.0e6),
        row("gensim", "sg-ns-file", 2, 1.8e6, analogy=0.0, wordsim=-0.04),
        row("gensim", "sg-ns", 2, 0.4e6), row("fastw2v", "cbow-ns-file", 2, 4e6),
        row("gensim", "cbow-ns-file", 2, 2e6)])
    assert rows[0]["baseline"] == "sg-ns" and rows[0]["ratio"] == pytest.approx(5.0)
    assert rows[3]["baseline"] == "cbow-ns-file" and rows[3]["ratio"] == pytest.approx(2.0)
    cells = [line.split(" | ")[6] for line in compare.results_table(rows).splitlines()[2:]]
    assert cells == ["5.00x (vs sg-ns)", "did not train", "1.00x", "2.00x", "1.00x"]


def test_a_small_run_that_learnt_a_little_is_still_a_baseline():
    # one epoch on the 8 MB --quick slice: under 1% on analogies, but WordSim-353 is not ~0
    small = row("gensim", "sg-ns", 2, 0.4e6, analogy=0.007, wordsim=0.13)
    assert compare.trained(small)
    rows = compare.add_ratios([row("fastw2v", "sg-ns", 2, 2e6, analogy=0.008), small])
    assert compare._ratio_cell(rows[0]) == "5.00x" and compare._ratio_cell(rows[1]) == "1.00x"
    assert not compare.trained(dict(small, wordsim=0.01))


def test_summarize_takes_medians_and_skips_failures():
    trials = [row("gensim", "sg-ns", 2, v, repeat=i) for i, v in enumerate((1e6, 3e6, 2e6))]
    trials.append(dict(row("gensim", "sg-ns", 2, 9e9), error="boom"))
    (summary,) = compare.summarize(trials)
    assert summary["runs"] == 3 and summary["words_per_second"] == 2e6
    assert summary["ratio"] == 1.0
    assert set(summary) >= set(compare.MEASURES) | {"impl", "mode", "workers", "runs", "version"}


def test_progress_lines_describe_a_trial_or_its_failure():
    done = row("fastw2v", "sg-ns", 2, 1.7e6, repeat=1, eval_seconds=3.0)
    assert compare._describe(done) == (
        "fastw2v  sg-ns         workers=2 run 1  vocab 1.00 s  train 2.00 s  1.70M words/s"
        "  analogy 14.3%  WS-353 0.460  (scoring 3.0 s)")
    failed = dict(impl="gensim", mode="cbow-hs", workers=1, repeat=2, error="boom")
    assert compare._describe(failed).endswith("run 2  FAILED: boom")


def test_results_table_formats_cells():
    rows = compare.add_ratios([row("fastw2v", "sg-ns", 2, 1.7e6),
                               row("gensim", "sg-ns", 2, 0.34e6)])
    lines = compare.results_table(rows).splitlines()
    assert lines[0] == "| " + " | ".join(compare.COLUMNS) + " |"
    assert lines[2] == ("| fastw2v | sg-ns | 2 | 1.00 | 2.00 | 1.70M | 5.00x | 14.3% | 0.460 "
                        "| 300 MB |")
    assert compare.SCALING_COLUMN not in lines[0]
    scaled = compare.add_ratios([row("gensim", "sg-ns", 1, 1e6), row("gensim", "sg-ns", 2, 1.9e6)])
    table = compare.results_table(scaled)
    assert compare.SCALING_COLUMN in table and "| 1.90x |" in table


def test_format_table_renders_markdown():
    assert common.format_table([{"a": 1.5, "b": None}], ["a", "b"]).splitlines() == [
        "| a | b |", "|---|---|", "| 1.5 |  |"]


def test_decompressed_slices_plain_files_at_a_space(tmp_path):
    path = tmp_path / ("harness-%d.txt" % os.getpid())
    path.write_text("alpha beta gamma delta")
    assert common.decompressed(str(path)) == str(path)
    sliced = common.decompressed(str(path), max_bytes=13)
    try:
        with open(sliced) as f:
            assert f.read() == "alpha beta"
    finally:
        os.remove(sliced)


def test_evaluate_scores_vectors_with_gensim():
    np = pytest.importorskip("numpy")
    pytest.importorskip("gensim")
    pytest.importorskip("threadpoolctl")
    words = ["king", "queen", "man", "woman", "love", "sex"]
    scores = trial.evaluate(words, np.random.default_rng(0).random((6, 8), dtype=np.float32))
    assert 0.0 <= scores["analogy"] <= 1.0 and -1.0 <= scores["wordsim"] <= 1.0


def test_a_rebuild_during_the_run_is_reported():
    trials = [row("fastw2v", "sg-ns", 2, 1e6, version="0.1.0+aaa"),
              row("fastw2v", "cbow-ns", 2, 1e6, version="0.1.0+bbb"),
              row("gensim", "sg-ns", 2, 1e6, version="4.4.0"),
              dict(row("fastw2v", "sg-hs", 2, 1e6, version="0.1.0+ccc"), error="boom")]
    assert compare.mixed_versions(trials) == {"fastw2v": ["0.1.0+aaa", "0.1.0+bbb"]}


def test_scaling_runs_the_three_kinds_in_flipping_order():
    order = scaling.schedule(["sg-ns", "cbow-hs"], 2)
    assert order[:3] == [(1, "sg-ns", kind) for kind in scaling.KINDS]
    assert order[6:9] == [(2, "sg-ns", kind) for kind in reversed(scaling.KINDS)]
    assert len(order) == 12
    one, = scaling.kind_specs("1 worker", "sg-ns", "c.txt", "/b")
    two, = scaling.kind_specs("2 workers", "sg-ns", "c.txt", "/b")
    assert (one["workers"], two["workers"]) == (1, 2) and not one["score"]
    procs = scaling.kind_specs("2 processes", "sg-ns", "c.txt", "/b")
    assert [p["workers"] for p in procs] == [1, 1]
    assert all(p["barrier"] == ("/b", 2) for p in procs)


def test_trials_run_together_count_words_from_first_start_to_last_end():
    trials = [dict(mode="sg-ns", version="x", corpus_words=10e6, epochs=1,
                   train_start=100.0, train_end=110.0),
              dict(mode="sg-ns", version="x", corpus_words=4e6, epochs=2,
                   train_start=101.0, train_end=105.0)]
    run = scaling.combined(trials)
    assert run["words_per_second"] == pytest.approx(18e6 / 10.0)
    assert run["mode"] == "sg-ns" and run["version"] == "x"
    failed = scaling.combined([trials[0], dict(trials[1], error="boom")])
    assert failed["error"] == "boom" and "words_per_second" not in failed


def test_scaling_summary_takes_each_repeats_ratio_to_its_own_one_worker_run():
    def run(repeat, kind, wps, mode="sg-ns", **extra):
        return dict(mode=mode, repeat=repeat, kind=kind, words_per_second=wps, **extra)
    runs = [run(1, "1 worker", 1e6), run(1, "2 workers", 1.8e6, line_round_trip_ns=320.0),
            run(1, "2 processes", 2e6, line_round_trip_ns=330.0),
            run(2, "1 worker", 2e6), run(2, "2 workers", 3e6, line_round_trip_ns=55.0),
            run(2, "2 processes", 3.8e6),
            run(3, "1 worker", 1e6), run(3, "2 workers", 9e9, error="boom"),
            run(3, "2 processes", 1.9e6)]
    (row,) = scaling.summarize(runs)
    assert row["runs"] == 2  # repeat 3 is incomplete
    assert row["2 workers / 1"] == pytest.approx((1.8 + 1.5) / 2)
    assert row["2 processes / 1"] == pytest.approx((2.0 + 1.9) / 2)
    assert row["1 worker"] == pytest.approx(1.5e6)
    lines = scaling.results_table([row]).splitlines()
    assert lines[0] == "| " + " | ".join(scaling.COLUMNS) + " |"
    assert row["2 workers at > 150 ns"] == 1  # repeat 1's (processes do not count)
    assert row["share"] == pytest.approx((1.8 / 2.0 + 3 / 3.8) / 2)
    assert row["share at <= 150 ns"] == pytest.approx(3 / 3.8) and row["near runs"] == 1
    assert lines[2] == "| sg-ns | 1.50M | 2.40M | 2.90M | 1.65x | 1.95x | 0.84 | 2 | 1 | 0.79 (1) |"


def test_barrier_waits_for_every_party(tmp_path):
    (tmp_path / "1.ready").write_text("")
    trial.wait_at_barrier(str(tmp_path), 2)  # the other party is ready: no wait
    assert len(list(tmp_path.iterdir())) == 2
    with pytest.raises(TimeoutError, match="only some of 3 trials"):
        trial.wait_at_barrier(str(tmp_path), 3, timeout=0.05)


def test_two_trial_processes_meet_at_the_barrier_and_train_together(tmp_path):
    pytest.importorskip("fastw2v")
    words = ["w%d" % (i * 7919 % 97) for i in range(20000)]
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(" ".join(words))
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    specs = scaling.kind_specs("2 processes", "cbow-ns-file", str(corpus), str(barrier))
    results = compare.run_trials_together(specs)
    assert [r.get("error") for r in results] == [None, None]
    assert abs(results[0]["train_start"] - results[1]["train_start"]) < 1.0
    assert all(r["corpus_words"] == 20000 and "analogy" not in r for r in results)
    assert len(list(barrier.iterdir())) == 2
    assert scaling.combined(results)["words_per_second"] > 0


def test_scaling_arguments_are_parsed_and_checked(capsys):
    args = scaling.parse_args([])
    assert args.modes == scaling.SCALING_MODES and args.repeat == 3 and args.corpus is None
    assert args.out.endswith(os.path.join("results", "scaling.json"))
    args = scaling.parse_args(["--modes", "sg-ns,cbow-hs-file", "--repeat", "1",
                               "--out", "s.json", "--corpus", "c.txt"])
    assert (args.modes, args.repeat, args.out, args.corpus) == (
        ["sg-ns", "cbow-hs-file"], 1, "s.json", "c.txt")
    for bad in (["--repeat", "0"], ["--modes", "sg-ns,nope"]):
        with pytest.raises(SystemExit):
            scaling.parse_args(bad)
    assert "--repeat must be at least 1" in capsys.readouterr().err


def test_a_failing_trial_reports_its_last_error_line(tmp_path):
    pytest.importorskip("fastw2v")
    spec = dict(impl="fastw2v", mode="sg-ns-file", workers=1, epochs=1, score=False,
                corpus=str(tmp_path / "missing.txt"))
    (result,) = compare.run_trials_together([spec])
    assert result["mode"] == "sg-ns-file" and "missing.txt" in result["error"]


def test_corpus_path_keeps_a_plain_file_and_slices_it_when_quick(tmp_path, monkeypatch):
    monkeypatch.setattr(compare, "QUICK_BYTES", 11)
    path = tmp_path / ("corpus-%d.txt" % os.getpid())
    path.write_text("alpha beta gamma delta")
    assert compare.corpus_path(str(path)) == str(path)
    sliced = compare.corpus_path(str(path), quick=True)
    try:
        with open(sliced) as f:
            assert f.read() == "alpha beta"
    finally:
        os.remove(sliced)


def test_shared_rows_trains_every_kind_and_compares_shared_with_private(tmp_path, capsys):
    pytest.importorskip("fastw2v")
    from benchmarks import shared_rows
    words = ["w%d" % (i * 7919 % 97) for i in range(30000)]
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(" ".join(words))
    out = tmp_path / "shared_rows.json"
    assert shared_rows.main(["--corpus", str(corpus), "--modes", "cbow-ns,sg-ns",
                             "--never-noise", "0,8", "--repeat", "1", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert [(r["mode"], r["never noise"]) for r in result["rows"]] == [
        ("cbow-ns", 0), ("cbow-ns", 8), ("sg-ns", 0), ("sg-ns", 8)]
    assert {(r["mode"], r["never_noise"], r["kind"]) for r in result["runs"]} == {
        (mode, top, kind) for mode in ("cbow-ns", "sg-ns") for top in (0, 8)
        for kind in shared_rows.KINDS}
    assert all(r["words_per_second"] > 0 for r in result["runs"])
    assert "2 shared / 2 private syn1neg" in capsys.readouterr().out
    for bad in (["--repeat", "0"], ["--never-noise", "-1"], ["--never-noise", "x"]):
        with pytest.raises(SystemExit):
            shared_rows.parse_args(bad)


def test_never_noise_keeps_the_top_words_out_of_the_negatives(tmp_path):
    pytest.importorskip("fastw2v")
    from benchmarks import shared_rows
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(" ".join("w%d" % (i * 7919 % 97) for i in range(30000)))
    models = shared_rows.Models(str(corpus), 0)
    models.never_noise(10)
    # the distribution the alias table draws from: bucket b (uniform) is b itself with
    # probability prob[b] / 2**32, else index[b]
    keep = models.noise.prob / 2.0**32
    n = len(keep)
    drawn = np.bincount(np.arange(n), weights=keep, minlength=n) + np.bincount(
        models.noise.index, weights=1 - keep, minlength=n)
    assert drawn[:10].sum() == 0 and drawn[10:].min() > 0
