"""Pictures (fastw2v.plot, with matplotlib's Agg backend) and TensorBoard projector files."""
import os
import random
import subprocess
import sys

import numpy as np
import pytest

from fastw2v import KeyedVectors, Word2Vec
from fastw2v.callbacks import LossLogger
from fastw2v.cli import main
from fastw2v.projector import escape_key, export_projector

WORDS = "king queen man woman paris france rome italy city river car red big small".split()


@pytest.fixture(scope="module")
def trained():
    """(model, LossLogger) of 3 epochs on random sentences over WORDS."""
    rng = random.Random(0)
    sentences = [[rng.choice(WORDS) for _ in range(8)] for _ in range(200)]
    logger = LossLogger()
    model = Word2Vec(sentences, vector_size=12, min_count=1, epochs=3, workers=1, seed=3,
                     compute_loss=True, callbacks=[logger], progress=False)
    return model, logger


@pytest.fixture
def mpl():
    """matplotlib with the Agg backend (the tests are skipped without it)."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    return matplotlib


def check_png(path, figure):
    """The PNG at ``path`` decodes to the figure's size in pixels and is not blank."""
    from matplotlib.image import imread
    image = imread(path)
    width, height = figure.get_size_inches() * figure.dpi
    assert image.shape[:2] == (round(height), round(width))
    inner = image[image.shape[0] // 10: -image.shape[0] // 10,
                  image.shape[1] // 10: -image.shape[1] // 10, :3]
    colours = np.unique(inner.reshape(-1, 3), axis=0)
    assert len(colours) > 1, "the plot area is one flat colour"
    assert (inner < 0.9).any(axis=-1).mean() > 0.001, "almost nothing drawn"


# -- import

def test_importing_fastw2v_does_not_import_matplotlib():
    code = ("import sys, fastw2v, fastw2v.plot, fastw2v.projector, fastw2v.cli; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_matplotlib_names_the_extra(monkeypatch, trained):
    from fastw2v import plot
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"fastw2v\[plot\]"):
        plot.plot_history(trained[1])
    with pytest.raises(ImportError, match=r"fastw2v\[plot\]"):
        plot.plot_words(trained[0].wv, ["king", "queen"])


# -- history curves

def test_loss_curve_has_a_point_per_epoch(mpl, trained, tmp_path):
    from fastw2v import plot
    model, logger = trained
    path = tmp_path / "loss.png"
    figure = plot.plot_history(logger, path=path, title="loss")
    (ax,) = figure.axes
    (line,) = ax.lines
    assert list(line.get_xdata()) == [1, 2, 3]
    assert np.allclose(line.get_ydata(), model.training_loss)
    assert ax.get_xlabel() == "epoch"
    check_png(path, figure)
    assert os.listdir(tmp_path) == ["loss.png"]  # no temporary file left


def test_model_loss_is_plotted_like_the_logger(mpl, trained):
    from fastw2v import plot
    model, logger = trained
    from_model = plot.plot_history(model).axes[0].lines[0]
    from_logger = plot.plot_history(logger).axes[0].lines[0]
    assert np.array_equal(from_model.get_xydata(), from_logger.get_xydata())


def test_loss_and_evaluation_in_two_panels(mpl, tmp_path):
    from fastw2v import plot
    losses = [{"epoch": e, "loss": 100.0 / e} for e in (1, 2, 3, 4)]
    scores = [{"epoch": e, "analogy_accuracy": 0.1 * e, "pearson": 0.2 * e,
               "spearman": 0.15 * e, "oov_ratio": 0.05} for e in (1, 2, 3, 4)]
    path = tmp_path / "history.png"
    figure = plot.plot_history(losses, scores, path=path)
    loss_ax, score_ax = figure.axes[:2]
    assert len(loss_ax.lines) == 1 and len(loss_ax.lines[0].get_xdata()) == 4
    labels = [line.get_label() for line in score_ax.lines]
    assert labels == ["analogy accuracy", "pearson", "spearman", "oov ratio"]
    assert all(len(line.get_xdata()) == 4 for line in score_ax.lines)
    assert np.allclose(score_ax.lines[1].get_ydata(), [0.2, 0.4, 0.6, 0.8])
    check_png(path, figure)


def test_evaluation_only(mpl):
    from fastw2v import plot
    figure = plot.plot_history([{"epoch": 1, "pearson": 0.3}, {"epoch": 2, "pearson": 0.5}])
    assert len(figure.axes) == 1
    assert list(figure.axes[0].lines[0].get_xdata()) == [1, 2]


def test_history_errors(mpl):
    from fastw2v import plot
    with pytest.raises(ValueError, match="at least one"):
        plot.plot_history()
    with pytest.raises(ValueError, match="nothing to plot"):
        plot.plot_history([{"epoch": 1, "seconds": 2.0}])  # a CheckpointCallback's history
    with pytest.raises(ValueError, match="'epoch'"):
        plot.plot_history([{"loss": 1.0}])
    with pytest.raises(TypeError, match="history"):
        plot.plot_history("loss.png")


# -- word maps

def test_word_map_labels_every_word(mpl, trained, tmp_path):
    from fastw2v import plot
    words = ["king", "queen", "man", "woman", "paris", "france"]
    path = tmp_path / "words.png"
    figure = plot.plot_words(trained[0], words, path=path)
    (ax,) = figure.axes
    assert [text.get_text() for text in ax.texts] == words
    assert len(ax.collections[0].get_offsets()) == len(words)
    assert ax.get_title() == "6 words, PCA"
    check_png(path, figure)


def test_svg_by_suffix(mpl, trained, tmp_path):
    from fastw2v import plot
    path = tmp_path / "words.svg"
    plot.plot_words(trained[0].wv, ["king", "queen", "river"], path=path)
    assert b"<svg" in path.read_bytes()[:1000]


def test_pca_keeps_the_distances_of_planar_points():
    from fastw2v.plot import project
    rng = np.random.default_rng(0)
    plane = np.linalg.qr(rng.normal(size=(6, 2)))[0]  # an orthonormal basis of a plane in 6-D
    flat = rng.normal(size=(9, 2))
    points = flat @ plane.T + 5.0
    coords = project(points, "pca")

    def distances(x):
        return np.linalg.norm(x[:, None] - x[None], axis=-1)

    assert np.allclose(distances(coords), distances(flat))
    assert (np.abs(coords).max(axis=0) == coords.max(axis=0)).all()  # signs fixed


def test_word_map_errors(mpl, trained, monkeypatch):
    from fastw2v import plot
    kv = trained[0].wv
    with pytest.raises(KeyError, match="'nowhere', 'nothing'"):
        plot.plot_words(kv, ["king", "nowhere", "nothing"])
    with pytest.raises(ValueError, match="at least 2"):
        plot.plot_words(kv, ["king", "king"])
    with pytest.raises(TypeError, match="list of keys"):
        plot.plot_words(kv, "king")
    with pytest.raises(ValueError, match="method must be one of"):
        plot.plot_words(kv, ["king", "queen"], method="mds")
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.manifold", None)
    monkeypatch.setitem(sys.modules, "umap", None)
    with pytest.raises(ImportError, match="scikit-learn"):
        plot.plot_words(kv, ["king", "queen"], method="tsne")
    with pytest.raises(ImportError, match="umap-learn"):
        plot.plot_words(kv, ["king", "queen", "man"], method="umap")
    with pytest.raises(ValueError, match="at least 3"):
        plot.plot_words(kv, ["king", "queen"], method="umap")


@pytest.mark.parametrize("method, module, title", [("tsne", "sklearn", "t-SNE"),
                                                    ("umap", "umap", "UMAP")])
def test_optional_maps(mpl, trained, tmp_path, method, module, title):
    pytest.importorskip(module)
    from fastw2v import plot
    path = tmp_path / "map.png"
    figure = plot.plot_words(trained[0], WORDS, method=method, path=path)
    (ax,) = figure.axes
    assert ax.get_title() == "%d words, %s" % (len(WORDS), title)
    assert np.isfinite(ax.collections[0].get_offsets()).all()
    assert [text.get_text() for text in ax.texts] == WORDS
    check_png(path, figure)


# -- projector files

def tiny_vectors():
    """Five keys, one with a tab, one with a newline and a backslash, one blank, one empty;
    counts out of index order."""
    kv = KeyedVectors(3)
    keys = ["plain", "tab\there", "new\nline\\", " \u3000", ""]
    weights = np.array([[0.5, -1.25, 3.0], [1.0, 0.0, -0.125], [2.5, 4.0, -8.0],
                        [0.25, 0.75, 1.5], [-2.0, 6.0, 0.0625]], dtype=np.float32)
    kv.add_vectors(keys, weights)
    for key, count in zip(keys, [5, 9, 7, 1, 3]):
        kv.set_vecattr(key, "count", count)
    return kv


EXPECTED_VECTORS = (b"1.0\t0.0\t-0.125\n"
                    b"2.5\t4.0\t-8.0\n"
                    b"0.5\t-1.25\t3.0\n"
                    b"-2.0\t6.0\t0.0625\n"
                    b"0.25\t0.75\t1.5\n")
EXPECTED_KEYS = [b"tab\\there", b"new\\nline\\\\", b"plain", b"\\empty", b"\\u0020\\u3000"]


def test_escape_key():
    assert escape_key("a\tb") == "a\\tb"
    assert escape_key("a\r\nb\\") == "a\\r\\nb\\\\"
    assert escape_key("café") == "café"
    assert escape_key(42) == "42"
    assert escape_key("") == "\\empty"
    assert escape_key(" \t") == "\\u0020\\u0009"
    assert escape_key("\\u0020") == "\\\\u0020"  # never taken for an escaped blank key


def test_projector_files_byte_exact(tmp_path):
    vectors_path, metadata_path = export_projector(tiny_vectors(), tmp_path / "out")
    assert open(vectors_path, "rb").read() == EXPECTED_VECTORS
    assert open(metadata_path, "rb").read() == b"".join(key + b"\n" for key in EXPECTED_KEYS)
    assert sorted(os.listdir(tmp_path / "out")) == ["metadata.tsv", "vectors.tsv"]


def test_projector_limit_and_counts(tmp_path):
    export_projector(tiny_vectors(), tmp_path, limit=2, counts=True)
    assert (tmp_path / "vectors.tsv").read_bytes() == b"".join(
        EXPECTED_VECTORS.splitlines(keepends=True)[:2])
    assert (tmp_path / "metadata.tsv").read_bytes() == (
        b"key\tcount\ntab\\there\t9\nnew\\nline\\\\\t7\n")


def test_projector_rows_parse_as_the_projector_parses_them(tmp_path):
    """Split as TensorBoard does: blank lines dropped, a tab in the first line is a header."""
    kv = tiny_vectors()
    export_projector(kv, tmp_path)
    metadata = (tmp_path / "metadata.tsv").read_text("utf8").split("\n")
    metadata = [line for line in metadata if line.strip()]
    assert "\t" not in metadata[0]
    vectors = [line for line in (tmp_path / "vectors.tsv").read_text().split("\n") if line]
    assert len(metadata) == len(vectors) == len(kv)
    for line, key in zip(vectors, [kv.index_to_key[i] for i in (1, 2, 0, 4, 3)]):
        assert np.array_equal(np.array(line.split("\t"), dtype=np.float32), kv[key])


def test_projector_int_keys_and_models(trained, tmp_path):
    kv = KeyedVectors(2)
    kv.add_vectors([7, 3], np.array([[1, 2], [3, 4]], dtype=np.float32))
    export_projector(kv, tmp_path / "ints")
    assert (tmp_path / "ints" / "metadata.tsv").read_bytes() == b"7\n3\n"
    model = trained[0]
    export_projector(model, tmp_path / "model", limit=3)
    keys = (tmp_path / "model" / "metadata.tsv").read_text().splitlines()
    assert keys == model.wv.index_to_key[:3]


def test_projector_errors(tmp_path):
    kv = tiny_vectors()
    with pytest.raises(ValueError, match="limit"):
        export_projector(kv, tmp_path, limit=0)
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        export_projector(kv, tmp_path / "file")
    with pytest.raises(ValueError, match="no counts"):
        export_projector(KeyedVectors(2), tmp_path, counts=True)
    with pytest.raises(ValueError, match="no vectors"):
        export_projector(KeyedVectors(2), tmp_path)


def test_export_projector_command(tmp_path, capsys):
    kv = tiny_vectors()
    saved = tmp_path / "vectors.fw2v"
    kv.save(str(saved))
    assert main(["export-projector", str(saved), str(tmp_path / "a")]) == 0
    assert "wrote 5 vectors" in capsys.readouterr().err
    assert (tmp_path / "a" / "vectors.tsv").read_bytes() == EXPECTED_VECTORS
    assert (tmp_path / "a" / "metadata.tsv").read_bytes() == b"".join(
        key + b"\n" for key in EXPECTED_KEYS)
    assert main(["export-projector", str(saved), str(tmp_path / "b"), "--limit", "2",
                 "--counts", "-q"]) == 0
    assert capsys.readouterr().err == ""
    assert (tmp_path / "b" / "metadata.tsv").read_bytes() == (
        b"key\tcount\ntab\\there\t9\nnew\\nline\\\\\t7\n")


def test_export_projector_command_reads_saved_models(trained, tmp_path):
    model = trained[0]
    model.save(str(tmp_path / "model.fw2v"))
    assert main(["export-projector", str(tmp_path / "model.fw2v"), str(tmp_path / "cli"),
                 "--counts", "-q"]) == 0
    export_projector(model, tmp_path / "api", counts=True)
    for name in ("vectors.tsv", "metadata.tsv"):
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "api" / name).read_bytes()
    assert (tmp_path / "cli" / "metadata.tsv").read_text().count("\n") == len(model.wv) + 1


@pytest.mark.parametrize("binary", [False, True])
def test_export_projector_command_reads_word2vec_files(trained, tmp_path, binary):
    wv = trained[0].wv
    source = tmp_path / ("vectors.bin" if binary else "vectors.txt")
    wv.save_word2vec_format(str(source), binary=binary)
    assert main(["export-projector", str(source), str(tmp_path / "cli"), "--limit", "4",
                 "-q"]) == 0
    export_projector(wv, tmp_path / "api", limit=4)
    for name in ("vectors.tsv", "metadata.tsv"):
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "api" / name).read_bytes()


def test_export_projector_command_errors(tmp_path, capsys):
    assert main(["export-projector", str(tmp_path / "missing.bin"), str(tmp_path)]) == 1
    assert "does not exist" in capsys.readouterr().err
    saved = tmp_path / "vectors.fw2v"
    tiny_vectors().save(str(saved))
    assert main(["export-projector", str(saved), str(saved)]) == 1
    assert "not a directory" in capsys.readouterr().err
    assert main(["export-projector", str(saved), str(tmp_path), "--limit", "0"]) == 2
