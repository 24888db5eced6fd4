"""Importing gensim's own saved models: does fastw2v load what gensim 4 loads, equal to it?

    python -m benchmarks.gensim_imports --data DIR [--out JSON]

``DIR`` is a directory of files saved by gensim's ``save()`` (for instance gensim's own test
data, ``gensim/test/test_data``, extracted somewhere outside this repository: those files are
not shipped with fastw2v). Every file under it (recursively; ``.npy``/``.npz`` side arrays are
read with the file they belong to) is first loaded with gensim 4, with the gensim class the
pickle's top object names (``Word2Vec``, ``KeyedVectors``/``Word2VecKeyedVectors``,
``Phrases``, ``FrozenPhrases``/``Phraser``); files gensim cannot load, and models of other
kinds (fastText, Poincaré, ...) or files that are not pickles, are listed as skipped with the
reason. Each file gensim loads is then loaded with fastw2v's matching class and compared:

- Word2Vec: keys and their order, vectors (exactly), counts, ``syn1neg`` and ``syn1``
  (exactly), the Huffman ``code``/``point`` of every word where gensim has them, the training
  parameters gensim has (sg, hs, negative, window, vector_size, alpha, min_alpha, sample,
  epochs, cbow_mean, ns_exponent), the vectors ``KeyedVectors.load`` takes from the file, and
  whether the imported model trains a few more sentences;
- KeyedVectors: keys, vectors and the per-key attributes gensim has;
- Phrases / FrozenPhrases: vocab or phrasegrams, scorer, threshold, min_count, delimiter,
  connector words, and the phrases both find in sentences made of the model's words.

Each file's result is ``equal``, ``differs: <what>`` or ``refused: <why>``. gensim 4 no
longer loads the Word2Vec models of gensim < 0.13.4 (``syn0`` on the model, no ``wv``): those
are skipped, and compared instead ("vs the pickle") with the pickle's own arrays and
attributes, converted as gensim 4 converts its older layouts. A Markdown table is
printed and the results written to ``benchmarks/results/gensim_imports.json`` (or ``--out``).
The pickles are unpickled by gensim (fastw2v never unpickles them): run this only on files you
trust, such as gensim's test data.
"""
import argparse
import os
import pickletools
import re
import sys
import warnings

import numpy as np

from benchmarks.common import RESULTS_DIR, format_table, write_json
from fastw2v import gensim_import

SIDE_ARRAY = re.compile(r"\.(npy|npz)\Z")
#: The gensim class to load a pickle with, by the class of its top object.
GENSIM_KINDS = {
    "gensim.models.word2vec.Word2Vec": "Word2Vec",
    "gensim.models.keyedvectors.KeyedVectors": "KeyedVectors",
    "gensim.models.keyedvectors.Word2VecKeyedVectors": "KeyedVectors",
    "gensim.models.keyedvectors.EuclideanKeyedVectors": "KeyedVectors",
    "gensim.models.phrases.Phrases": "Phrases",
    "gensim.models.phrases.FrozenPhrases": "FrozenPhrases",
    "gensim.models.phrases.Phraser": "FrozenPhrases",
}
PARAMS = ("sg", "hs", "negative", "window", "vector_size", "alpha", "min_alpha", "sample",
          "epochs", "cbow_mean", "ns_exponent")


# ----------------------------------------------------------------- what the file holds

def top_class(path):
    """The class of the pickle's top object (``module.name``), read from its opcodes (nothing
    is unpickled), or None when the file is not a pickle of an object of a class."""
    try:
        with (gensim_import._decompressor(path) or open)(path, "rb") as fin:
            data = fin.read()
    except (OSError, EOFError) as exc:
        return None, "unreadable (%s)" % exc
    strings = []
    try:
        for opcode, arg, _ in pickletools.genops(data):
            if opcode.name in ("GLOBAL", "INST"):
                module, name = arg.split(" ", 1)
                strings.append("%s.%s" % (module, name))
            elif opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
                strings.append(arg)
            elif opcode.name == "STACK_GLOBAL":
                strings[-2:] = ["%s.%s" % tuple(strings[-2:])]
            if opcode.name in ("BUILD", "REDUCE", "NEWOBJ", "OBJ", "INST", "STOP"):
                break
    except Exception as exc:  # pickletools raises ValueError mostly, or anything on junk
        return None, "not a pickle (%s)" % str(exc).splitlines()[0][:60]
    classes = [s for s in strings if s.startswith("gensim.")]
    if classes:
        return classes[-1], None
    return None, "a pickle of no gensim class (%s)" % (strings[:1] or ["plain data"])[0]


def gensim_version(path, model=None):
    """The gensim version that saved ``path``: from the model's lifecycle events (gensim 4), or
    from the file's name as gensim's test data names them, else None."""
    for event in getattr(model, "lifecycle_events", None) or []:
        # gensim 4 records its own version when it loads the file ("loaded"): not that one
        if isinstance(event, dict) and event.get("gensim") and event.get("event") != "loaded":
            return event["gensim"]
    name = os.path.basename(path)
    match = re.search(r"(?<![0-9])v?([0-9]+\.[0-9]+(?:\.[0-9]+)?)(?![0-9])", name)
    if match:
        return match.group(1)
    if "pre_kv" in name:
        return "< 1.0 (pre-KeyedVectors)"
    return None


def candidates(data):
    """Every file under ``data`` but the side arrays of gensim's ``save()``."""
    paths = []
    for root, dirs, files in os.walk(data):
        dirs.sort()
        for name in sorted(files):
            if not SIDE_ARRAY.search(name):
                paths.append(os.path.join(root, name))
    return paths


def load_with_gensim(path):
    """``(kind, gensim model, None)``, or ``(kind, None, reason)`` when the file is skipped."""
    name, reason = top_class(path)
    if name is None:
        return None, None, reason
    kind = GENSIM_KINDS.get(name)
    if kind is None:
        return None, None, "another kind of model (%s)" % name
    from gensim.models import KeyedVectors, Word2Vec
    from gensim.models.phrases import FrozenPhrases, Phrases
    cls = {"Word2Vec": Word2Vec, "KeyedVectors": KeyedVectors, "Phrases": Phrases,
           "FrozenPhrases": FrozenPhrases}[kind]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = cls.load(path)
    except Exception as exc:
        return kind, None, "gensim cannot load it (%s: %s)" % (type(exc).__name__,
                                                               str(exc)[:80])
    return kind, model, None


# ----------------------------------------------------------------- comparing

def _same_array(ours, theirs):
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    return ours.shape == theirs.shape and np.array_equal(ours, theirs)


def _close(mine, gensims):
    """Two ``{key: score}`` dicts with the same keys and scores equal to 1e-12."""
    return mine.keys() == gensims.keys() and all(
        np.isclose(mine[k], gensims[k], rtol=1e-12, atol=0) for k in gensims)


class Comparison:
    """What was compared (``checked``) and what differs (``differences``)."""

    def __init__(self):
        self.checked, self.differences, self.notes = [], [], []

    def check(self, name, equal, detail=None):
        if name not in self.checked:
            self.checked.append(name)
        if not equal:
            self.differences.append(detail or name)
        return equal


def _compare_vectors(ours, theirs, found, prefix="", attrs=None):
    """Keys, vectors and the per-key attributes ``attrs`` (all gensim has but the Huffman
    code and point, by default)."""
    if not found.check(prefix + "keys", list(ours.index_to_key) == list(theirs.index_to_key)):
        return False
    found.check(prefix + "vectors", _same_array(ours.vectors, theirs.vectors))
    for attr in sorted(getattr(theirs, "expandos", {})):
        if attr in ("code", "point") or (attrs is not None and attr not in attrs):
            continue
        if found.check(prefix + attr, attr in ours.expandos, "%s%s missing" % (prefix, attr)):
            found.check(prefix + attr, _same_array(ours.expandos[attr], theirs.expandos[attr]))
    return True


def _huffman(ours, theirs, found):
    """Compare the code and point of every word (and syn1 through them)."""
    if "code" not in getattr(theirs.wv, "expandos", {}):
        return
    renumbered = False
    for word in theirs.wv.index_to_key:
        code = np.asarray(theirs.wv.get_vecattr(word, "code"), np.int64)
        point = np.asarray(theirs.wv.get_vecattr(word, "point"), np.int64)
        our_code = np.asarray(ours.wv.get_vecattr(word, "code"), np.int64)
        our_point = np.asarray(ours.wv.get_vecattr(word, "point"), np.int64)
        if not found.check("code", _same_array(our_code, code),
                           "Huffman code of %r (and maybe others)" % word):
            return
        if not _same_array(our_point, point):
            renumbered = True
            if not found.check("point", np.array_equal(ours.syn1[our_point],
                                                       theirs.syn1[point]),
                               "Huffman point of %r (and maybe others)" % word):
                return
    found.check("point", not renumbered,
                "inner nodes numbered otherwise (same tree, syn1 rows moved)")


def _training_sentences(keys, rng):
    words = [w for w in keys[:200] if isinstance(w, str)] or ["a", "b"]
    return [[words[i] for i in rng.integers(0, len(words), 12)] for _ in range(20)]


def compare_word2vec(path, theirs):
    from fastw2v import KeyedVectors, Word2Vec
    found = Comparison()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = Word2Vec.load(path)
    found.notes = ["warning: %s" % str(w.message).split(": ", 1)[-1][:100] for w in caught
                   if issubclass(w.category, RuntimeWarning)]
    # fastw2v's Word2Vec keeps only the counts per word: gensim's other attributes are the
    # word's row ("index", of models gensim converted from its < 4.0 layout) and its
    # "sample_int", which fastw2v derives from the counts and `sample` when it trains
    if not _compare_vectors(ours.wv, theirs.wv, found, attrs=("count",)):
        return found
    for name in ("syn1neg", "syn1"):
        used = getattr(theirs, "negative" if name == "syn1neg" else "hs", 0)
        if used and getattr(theirs, name, None) is not None:
            found.check(name, _same_array(getattr(ours, name), getattr(theirs, name)))
    if getattr(theirs, "hs", 0):
        _huffman(ours, theirs, found)
    for param in PARAMS:
        if hasattr(theirs, param):
            found.check(param, getattr(ours, param) == getattr(theirs, param),
                        "%s %r, gensim %r" % (param, getattr(ours, param),
                                              getattr(theirs, param)))
    _compare_vectors(KeyedVectors.load(path), theirs.wv, found, "KeyedVectors.load: ")
    before, epochs = ours.wv.vectors.copy(), ours.epochs_trained
    ours.progress = False
    try:
        sentences = _training_sentences(ours.wv.index_to_key, np.random.default_rng(0))
        ours.train(sentences, total_examples=len(sentences), epochs=1)
        found.check("train()", ours.epochs_trained == epochs + 1 and not np.array_equal(
            before, ours.wv.vectors) and np.isfinite(ours.wv.vectors).all(),
            "train() did not train")
    except Exception as exc:
        found.check("train()", False, "train() fails (%s: %s)" % (type(exc).__name__, exc))
    return found


def compare_keyedvectors(path, theirs):
    from fastw2v import KeyedVectors
    found = Comparison()
    _compare_vectors(KeyedVectors.load(path), theirs, found)
    return found


def _scorer_name(scoring):
    return scoring if isinstance(scoring, str) else getattr(scoring, "__name__", repr(scoring))


def compare_phrases(path, theirs, kind):
    from fastw2v import FrozenPhrases, Phrases
    found = Comparison()
    ours = (Phrases if kind == "Phrases" else FrozenPhrases).load(path)
    if not found.check("class", type(ours).__name__ == type(theirs).__name__,
                       "class %s" % type(ours).__name__):
        return found
    for attr in ("threshold", "min_count", "delimiter"):
        found.check(attr, getattr(ours, attr) == getattr(theirs, attr),
                    "%s %r, gensim %r" % (attr, getattr(ours, attr), getattr(theirs, attr)))
    found.check("scoring", _scorer_name(ours.scoring) == _scorer_name(theirs.scoring),
                "scoring %s, gensim %s" % (_scorer_name(ours.scoring),
                                           _scorer_name(theirs.scoring)))
    found.check("connector_words",
                sorted(ours.connector_words) == sorted(theirs.connector_words))
    if kind == "Phrases":
        found.check("vocab", dict(ours.vocab) == dict(theirs.vocab))
        found.check("export_phrases", _close(ours.export_phrases(), theirs.export_phrases()))
        keys = [k for k in theirs.vocab if theirs.delimiter in k]
    else:
        found.check("phrasegrams", _close(ours.phrasegrams, theirs.phrasegrams))
        keys = list(theirs.phrasegrams)
    sentences = [key.split(theirs.delimiter) + ["and"] + key.split(theirs.delimiter)[::-1]
                 for key in keys[:200]]
    found.check("phrases found in sentences", all(ours[s] == theirs[s] for s in sentences))
    return found


class _Raw:
    """What gensim 4 would hold for a model it cannot load itself, from the pickle's
    attributes (an object with the attributes the comparisons read)."""


def raw_reference(path):
    """A gensim < 1.0 Word2Vec pickle (vectors in ``syn0``, keys in ``index2word``, a ``vocab``
    of ``Vocab`` objects on the model), which gensim 4 no longer loads, as gensim 4 would
    convert it (``KeyedVectors._upconvert_old_vocab``): unpickled by gensim's
    ``utils.unpickle``, the separately stored arrays read from their ``.npy`` files."""
    from gensim import utils
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        obj = utils.unpickle(path)
    fields = dict(vars(obj))
    for attrib in fields.pop("__numpys", []):
        fields[attrib] = np.load("%s.%s.npy" % (path, attrib), allow_pickle=False)
    for attrib in fields.pop("__ignoreds", []):
        fields[attrib] = None
    if "syn0" not in fields or "index2word" not in fields or "vocab" not in fields:
        raise ValueError("not the gensim < 1.0 layout")
    wv, model = _Raw(), _Raw()
    vocab, keys = fields["vocab"], list(fields["index2word"])
    wv.index_to_key, wv.vectors, wv.expandos = keys, fields["syn0"], {}
    for attr in vars(vocab[keys[0]]) if keys else ():
        values = [getattr(vocab[key], attr) for key in keys]
        if attr in ("code", "point"):
            wv.expandos[attr] = values
        else:  # gensim 4 casts sample_int to uint32 (gensim < 0.12.4's 2**32 wraps to 0)
            wv.expandos[attr] = np.array(values).astype(
                np.uint32 if attr == "sample_int" else np.array(values).dtype)
    wv.get_vecattr = lambda key, attr: getattr(vocab[key], attr)
    model.wv = wv
    for name in ("sg", "hs", "negative", "window", "alpha", "min_alpha", "sample",
                 "cbow_mean", "syn1", "syn1neg"):
        if name in fields:
            setattr(model, name, fields[name])
    model.vector_size = fields.get("vector_size", fields.get("layer1_size"))
    if "iter" in fields:
        model.epochs = fields["iter"]
    return model


def _result(row, compare_function, path, *args):
    """``row`` with the ``result`` and ``status`` of ``compare_function(path, *args)``."""
    try:
        found = compare_function(path, *args)
    except Exception as exc:
        message = str(exc).replace(path, "<file>").replace("\n", " ")
        row.update(result="refused: %s: %s" % (type(exc).__name__, message[:200]),
                   status="refused")
        return row
    row.update(notes=found.notes, checked=found.checked)
    if found.differences:
        row.update(result="differs: " + "; ".join(found.differences), status="differs")
    else:
        row.update(result="equal", status="equal")
    return row


def compare(path):
    """The row of ``path``."""
    kind, theirs, reason = load_with_gensim(path)
    row = {"file": path, "version": gensim_version(path, theirs), "class": kind}
    if theirs is None:
        row.update(result="skipped: " + reason, status="skipped")
        if kind == "Word2Vec" and reason.startswith("gensim cannot"):
            # no reference from gensim 4: compare with the arrays of the pickle itself
            try:
                raw = raw_reference(path)
            except Exception as exc:
                row["vs the pickle"] = "no reference (%s)" % exc
            else:
                done = _result({}, compare_word2vec, path, raw)
                row["vs the pickle"] = done["result"]
                row.update(notes=done.get("notes", []), checked=done.get("checked", []))
        return row
    row["gensim class"] = type(theirs).__name__
    if kind == "Word2Vec":
        return _result(row, compare_word2vec, path, theirs)
    if kind == "KeyedVectors":
        return _result(row, compare_keyedvectors, path, theirs)
    return _result(row, compare_phrases, path, theirs, kind)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True,
                        help="a directory of gensim-saved files (e.g. gensim/test/test_data)")
    parser.add_argument("--out", default=os.path.join(RESULTS_DIR, "gensim_imports.json"))
    args = parser.parse_args(argv)
    if not os.path.isdir(args.data):
        sys.exit("error: the data directory %r does not exist (or is not a directory): give "
                 "--data a directory of gensim-saved models, e.g. gensim's test/test_data "
                 "extracted from gensim's repository" % args.data)
    try:
        import gensim
    except ImportError:
        sys.exit("error: gensim is not installed; it is needed to compare with what it loads")
    rows = []
    for path in candidates(args.data):
        row = compare(path)
        row["file"] = os.path.relpath(path, args.data)
        rows.append(row)
        print("%-45s %s" % (row["file"], row["result"]), flush=True)
    print()
    print(format_table(rows, ["file", "version", "class", "result", "vs the pickle"]))
    totals = {}
    for row in rows:
        totals[row["status"]] = totals.get(row["status"], 0) + 1
    print()
    print(", ".join("%d %s" % (n, status) for status, n in sorted(totals.items())))
    path = write_json("gensim_imports", {
        "data": os.path.abspath(args.data), "gensim": gensim.__version__, "totals": totals,
        "rows": rows}, args.out)
    print("wrote", path)


if __name__ == "__main__":
    main()
