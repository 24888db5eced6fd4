"""Fuzz targets of every loader: seed files, their mutations, and "load, then train or query".

Shared by ``tests/test_fuzz_loaders.py`` (a bounded hypothesis run in the default suite) and
``tools/fuzz.py`` (``make fuzz``: minutes per target, each input in a subprocess). A target
passes an input when loading it either raises a ValueError naming the file, or gives an object
that then trains and answers queries without any error.
"""
import functools
import io
import json
import math
import os
import re
import struct
import tempfile
import zipfile

import numpy as np

from fastw2v import KeyedVectors, Word2Vec
from fastw2v.phrases import FrozenPhrases, Phrases

CORPUS = [["new", "york", "is", "a", "big", "city"], ["the", "big", "apple", "is", "new", "york"],
          ["a", "new", "car", "in", "the", "city"], ["york", "new", "york", "big", "apple"]] * 3

INTERESTING_INTS = (0, 1, -1, 2, 3, 7, 255, 256, 65535, 2**31 - 1, 2**31, 2**32, 2**53, 2**62,
                    2**63 - 1, 2**63, 2**64, -2**31, -2**63, 10**30)
INTERESTING_JSON = INTERESTING_INTS + (
    0.5, -0.5, 1e-300, 1e308, -1e308, math.inf, -math.inf, math.nan, True, False, None, "", "x",
    "str", "int", "Word2Vec", "KeyedVectors", "Phrases", "FrozenPhrases", "/etc/hostname",
    [], {}, [1], [["new", "york"]], {"custom": "x"}, {"epochs": 1, "completed": 9,
                                                      "start_alpha": 0.1, "end_alpha": 0.0})
# parameters a file must never be able to pass to a constructor
FOREIGN_PARAMS = {"corpus_file": "/etc/hostname", "sentences": [["a", "b"]], "callbacks": [1],
                  "trim_rule": "x", "hashfxn": "x", "corpus_iterable": [["a"]]}
NPY_DESCRS = ("<f4", "<f8", "<f2", "<i8", "<i4", "<i1", "|u1", "<u8", "|b1", ">f4", ">i8", "|O",
              "<U3", "|S2", "|V8", "<c8", "<M8[s]", [("a", "<f4")], ("<f4", (2,)), "xyz")
NPY_HEADERS = (b"{'descr': '<f4", b"{'descr': '<f4', 'fortran_order': False, 'shape': (1, "
               b"'a')}", b"(" * 300 + b")" * 300, b"-" * 3000 + b"1", b"'''", b"\xff\xfe",
               b"{'descr': '<f4', 'fortran_order': False, 'shape': (-2, -2)}",
               b"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}",
               b"{'descr': '<f4', 'fortran_order': False, 'shape': (2**70,)}", b"{" * 5000)


# ----------------------------------------------------------------- mutations

def mutate_bytes(data, rng):
    """``data`` with one random byte-level change."""
    data = bytearray(data)
    if not data:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    position = rng.randrange(len(data))
    choice = rng.randrange(8)
    if choice == 0:
        data[position] ^= 1 << rng.randrange(8)
    elif choice == 1:
        data[position] = rng.choice((0, 1, 0x7F, 0x80, 0xFF, 0x0A, 0x20, 0x2D))
    elif choice == 2:
        del data[position:position + rng.choice((1, 2, 4, 16, 100))]
    elif choice == 3:
        data[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    elif choice == 4:
        end = rng.randint(position, len(data))
        data[position:position] = data[position:end]
    elif choice == 5:
        del data[position:]
    else:  # an interesting little-endian integer
        width = rng.choice((2, 4, 8))
        value = rng.choice(INTERESTING_INTS) % (1 << 8 * width)
        data[position:position + width] = value.to_bytes(width, "little")
    return bytes(data)


def mutate_zip_fields(data, rng):
    """``data`` with one field of a zip header (local, central or end record) overwritten."""
    signatures = [m.start() for m in re.finditer(rb"PK\x03\x04|PK\x01\x02|PK\x05\x06|PK\x06\x06|"
                                                 rb"PK\x06\x07", data)]
    if not signatures:
        return mutate_bytes(data, rng)
    start = rng.choice(signatures)
    offset = start + rng.randrange(4, 56)
    width = rng.choice((1, 2, 4, 8))
    value = rng.choice(INTERESTING_INTS + (rng.randrange(1 << 8 * width),)) % (1 << 8 * width)
    data = bytearray(data)
    data[offset:offset + width] = value.to_bytes(width, "little")[:max(0, len(data) - offset)]
    return bytes(data)


def _json_paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _json_paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_paths(item, path + (index,))


def mutate_json(meta, rng):
    """``meta`` (parsed JSON) with one value replaced, removed, or a foreign field added."""
    paths = [path for path in _json_paths(meta) if path]
    if not paths:
        return rng.choice(INTERESTING_JSON)
    path = rng.choice(paths)
    parent = meta
    for key in path[:-1]:
        parent = parent[key]
    key, choice = path[-1], rng.randrange(6)
    if choice == 0 and isinstance(parent, dict):
        del parent[key]
    elif choice == 1 and isinstance(parent, dict):
        name = rng.choice(sorted(FOREIGN_PARAMS))
        parent[name] = FOREIGN_PARAMS[name]
    elif choice == 2 and type(parent[key]) in (int, float) and math.isfinite(parent[key]):
        parent[key] = parent[key] * rng.choice((-1, 2, 1000, 10**9)) + rng.choice((-1, 0, 1))
    else:
        parent[key] = rng.choice(INTERESTING_JSON)
    return meta


def mutate_npy(data, rng):
    """An ``.npy`` member with its header, dtype, shape or data changed."""
    choice = rng.randrange(6)
    if choice == 0:
        header = rng.choice(NPY_HEADERS)
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header
    try:
        with np.errstate(all="ignore"):
            array = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception:  # already broken: change its bytes
        return mutate_bytes(data, rng)
    if choice == 1:
        header = {"descr": rng.choice(NPY_DESCRS), "fortran_order": False, "shape": array.shape}
    elif choice == 2:
        shape = list(array.shape) or [1]
        shape[rng.randrange(len(shape))] = rng.choice(INTERESTING_INTS)
        if rng.random() < 0.3:
            shape.append(rng.choice((0, 1, 2)))
        header = {"descr": array.dtype.str, "fortran_order": rng.random() < 0.2,
                  "shape": tuple(shape)}
    elif choice == 3:  # interesting values, same layout
        values = array.reshape(-1).copy()
        if values.size:
            pick = rng.choice((-1, 0, 1, 2**31 - 1, -2**31, 10**6)) if values.dtype.kind in "iu" \
                else rng.choice((math.nan, math.inf, -math.inf, 0.0, 1e30))
            with np.errstate(all="ignore"):
                values[rng.randrange(values.size)] = np.array(pick).astype(values.dtype)
        buffer = io.BytesIO()
        np.save(buffer, values.reshape(array.shape))
        return buffer.getvalue()
    elif choice == 4:
        version = rng.choice((b"\x02\x00", b"\x03\x00", b"\x09\x09", b"\x01\x01"))
        return data[:6] + version + data[8:]
    else:
        return mutate_bytes(data, rng)
    text = repr(header).encode("latin1")
    text += b" " * (-(10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + array.tobytes()


def mutate_archive(data, rng):
    """A fastw2v archive with its JSON, one array member or the member list changed, repacked;
    or its zip structure or bytes changed in place."""
    choice = rng.randrange(10)
    if choice >= 7:
        return (mutate_zip_fields if choice < 9 else mutate_bytes)(data, rng)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
    except Exception:  # already broken: change its bytes
        return mutate_bytes(data, rng)
    names = sorted(members)
    if choice <= 2 and "fastw2v.json" in members:
        try:
            meta = json.loads(members["fastw2v.json"])
        except ValueError:
            meta = {}
        members["fastw2v.json"] = json.dumps(mutate_json(meta, rng)).encode()
    elif choice <= 5 and names:
        name = rng.choice(names)
        members[name] = mutate_npy(members[name], rng)
    elif names:
        name = rng.choice(names)
        if rng.random() < 0.5:
            del members[name]
        else:
            members[rng.choice(names)] = members[name]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, member in members.items():
            archive.writestr(name, member)
    return buffer.getvalue()


def mutate_word2vec(data, rng):
    """A word2vec.c file with its header numbers, a token, a line or some bytes changed."""
    choice = rng.randrange(5)
    header, newline, rest = data.partition(b"\n")
    if choice == 0:
        numbers = header.split() or [b"1"]
        numbers[rng.randrange(len(numbers))] = str(rng.choice(INTERESTING_INTS)).encode()
        return b" ".join(numbers) + newline + rest
    if choice == 1:
        tokens = data.split(b" ")
        tokens[rng.randrange(len(tokens))] = rng.choice(
            (b"nan", b"inf", b"-inf", b"1e999", b"-", b"", b"0x10", b"\xff\xfe", b"\n", b"\t",
             "\u00e9".encode(), b"\x00", b"1" * 400))
        return b" ".join(tokens)
    if choice == 2:
        lines = data.split(b"\n")
        index = rng.randrange(len(lines))
        lines[index:index + 1] = rng.choice(([], [lines[index]] * 2, [b""], [lines[0]]))
        return b"\n".join(lines)
    return mutate_bytes(data, rng)


def mutate(target, data, rng, rounds=None):
    """``data`` after 1 to 3 (or ``rounds``) mutations of ``target``'s kind, drawn from ``rng``."""
    for _ in range(rounds or rng.randint(1, 3)):
        data = target.mutator(data, rng)
    return data


# ----------------------------------------------------------------- targets

class Target:
    """One loader: its seed files, how to mutate them, and how to load and use the result."""

    def __init__(self, name, suffix, mutator, make_seeds, load, use):
        self.name, self.suffix, self.mutator = name, suffix, mutator
        self._make_seeds, self._load, self._use = make_seeds, load, use

    @functools.cached_property
    def seeds(self):
        """list of bytes: small valid files, made once."""
        with tempfile.TemporaryDirectory() as directory:
            return self._make_seeds(directory)

    def run(self, data, directory):
        """Load ``data`` (written to a file in ``directory``), then train or query the result.

        Returns
        -------
        str
            ``"refused"`` (a ValueError naming the file) or ``"loaded"``.

        Raises
        ------
        AssertionError
            A ValueError that does not name the file.
        Exception
            Any other error: a bug.
        """
        path = os.path.join(directory, "input" + self.suffix)
        with open(path, "wb") as fout:
            fout.write(data)
        try:
            loaded = self._load(path)
        except ValueError as exc:
            if path not in str(exc):
                raise AssertionError("ValueError without the file name: %s" % exc) from exc
            return "refused"
        self._use(loaded)
        return "loaded"


def _words(keys, count=6):
    return [key for key in keys[:count] if isinstance(key, str)]


def _query(kv):
    if len(kv):
        key = kv.index_to_key[0]
        kv.most_similar(key, topn=3)
        kv.similarity(key, kv.index_to_key[-1])


def _model_seeds(directory):
    seeds = []
    for i, extra in enumerate((dict(), dict(hs=1, negative=0, sg=1), dict(hs=1, negative=2))):
        model = Word2Vec(vector_size=4, min_count=1, workers=1, epochs=1, seed=i, progress=False,
                         compute_loss=True, **extra)
        model.build_vocab(CORPUS, keep_raw_vocab=i == 1)
        model.train(CORPUS, total_examples=len(CORPUS), epochs=1)
        model.save(os.path.join(directory, "m"))
        seeds.append(_read(directory, "m"))
    Word2Vec(vector_size=3, workers=1, progress=False).save(os.path.join(directory, "m"))
    return seeds + [_read(directory, "m")]


def _load_model(path):
    return Word2Vec.load(path), Word2Vec.load(path, mmap="r")


def _use_model(models):
    model, mapped = models
    if len(model.wv):
        sentences = [_words(model.wv.index_to_key)] * 3
        if all(np.isfinite(weights).all() for weights in (model.wv.vectors, model.syn1neg,
                                                         model.syn1)):
            model.train(sentences, total_examples=len(sentences), epochs=1)
        else:  # documented: training refuses what would spread to every vector
            try:
                model.train(sentences, total_examples=len(sentences), epochs=1)
            except ValueError as exc:
                assert "holds NaN or infinite values" in str(exc)
            else:
                raise AssertionError("train() accepted NaN or infinite weights")
        if model.negative:
            model.predict_output_word(sentences[0][:2], topn=3)
    _query(model.wv)
    _query(mapped.wv)


def _vectors(kind=str):
    kv = KeyedVectors(4)
    keys = [w for w in dict.fromkeys(w for s in CORPUS for w in s)]
    keys = keys if kind is str else list(range(10, 10 + len(keys)))
    kv.add_vectors(keys, np.random.default_rng(0).standard_normal((len(keys), 4), np.float32))
    kv.expandos["count"] = np.arange(len(keys), 0, -1, dtype=np.int64)
    return kv


def _kv_seeds(directory):
    for i, kind in enumerate((str, int)):
        _vectors(kind).save(os.path.join(directory, "kv%d" % i))
    return [_read(directory, "kv0"), _read(directory, "kv1")]


def _load_kv(path):
    return KeyedVectors.load(path), KeyedVectors.load(path, mmap="r")


def _use_kv(kvs):
    for kv in kvs:
        _query(kv)


def _word2vec_seeds(binary):
    def make(directory):
        path = os.path.join(directory, "v")
        _vectors().save_word2vec_format(path, binary=binary)
        return [_read(directory, "v")]
    return make


def _phrases_seeds(frozen):
    def make(directory):
        seeds = []
        for kwargs in (dict(min_count=1, threshold=0.1),
                       dict(min_count=1, threshold=0.1, scoring="npmi", connector_words=["a"])):
            model = Phrases(CORPUS, **kwargs)
            (model.freeze() if frozen else model).save(os.path.join(directory, "p"))
            seeds.append(_read(directory, "p"))
        return seeds
    return make


def _use_phrases(model):
    if isinstance(model, Phrases):
        model.add_vocab(CORPUS[:2])
        model.export_phrases()
    else:
        model.phrasegrams
    list(model[CORPUS[:3]])
    model.find_phrases(CORPUS[:3])


def _read(directory, name):
    with open(os.path.join(directory, name), "rb") as fin:
        return fin.read()


TARGETS = {target.name: target for target in (
    Target("model", ".fw2v", mutate_archive, _model_seeds, _load_model, _use_model),
    Target("keyedvectors", ".fw2v", mutate_archive, _kv_seeds, _load_kv, _use_kv),
    Target("word2vec_text", ".txt", mutate_word2vec, _word2vec_seeds(False),
           KeyedVectors.load_word2vec_format, _query),
    Target("word2vec_binary", ".bin", mutate_word2vec, _word2vec_seeds(True),
           functools.partial(KeyedVectors.load_word2vec_format, binary=True), _query),
    Target("phrases", ".fw2v", mutate_archive, _phrases_seeds(False), Phrases.load, _use_phrases),
    Target("frozen_phrases", ".fw2v", mutate_archive, _phrases_seeds(True), FrozenPhrases.load,
           _use_phrases),
)}
