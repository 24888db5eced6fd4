"""The types the public API's annotations share (the package is typed: see ``py.typed``).

Aliases only, valid at run time on every supported Python; modules annotate with
``from __future__ import annotations``, so annotations themselves are never evaluated.
"""
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Callable, Union

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from fastw2v.sequences import IntSequences

#: A file: a path as str or ``os.PathLike`` (``pathlib.Path``).
PathType = Union[str, "os.PathLike[str]"]
#: A key of a ``KeyedVectors`` as stored: a word, or an int id (graph nodes, items).
Key = Union[str, int]
#: A key as accepted: numpy integers are the same keys as the Python ints.
KeyLike = Union[str, int, "np.integer[Any]"]
#: A tokenised sentence.
Sentence = Sequence[str]
#: A corpus of tokenised sentences: a restartable iterable (a list, a fastw2v reader).
Sentences = Iterable[Sequence[str]]
#: A corpus of integer ids (graph walks, item sequences): a 2-D array (a sequence per row),
#: 1-D arrays or lists of ints, or an ``IntSequences``.
IntCorpus = Union[npt.NDArray[np.integer], Sequence[npt.NDArray[np.integer]],
                  Sequence[Sequence[int]], "IntSequences"]
#: What ``Word2Vec`` trains on.
Corpus = Union[Sentences, IntCorpus]
#: Float vectors of any precision (the vectors may be float16, float32 or float64).
FloatArray = npt.NDArray[np.floating]
#: A ``trim_rule(word, count, min_count)`` returning ``vocab.RULE_DISCARD``, ``RULE_KEEP`` or
#: ``RULE_DEFAULT``.
TrimRule = Callable[[Any, int, int], int]
