"""Type stubs of the compiled module ``_reading.pyx``: reading text in compiled code, files
in byte ranges and streams in chunks, to word ids."""
import os

import numpy as np
import numpy.typing as npt

from fastw2v._words import WordHash

def read_error(path: str | bytes | os.PathLike[str], invalid_at: int = -1) -> Exception: ...
def sentence_ranges(path: str | bytes, target_bytes: int, max_sentence_length: int,
                    by_line: bool) -> npt.NDArray[np.int64]: ...

class SentenceTransform:
    """What a ``TextStream`` applies to each sentence it reads (see ``_phrased_text``)."""

class TextStream:
    """Text fed in byte chunks, read as sentences of word ids or as word counts."""

    @property
    def total_words(self) -> int: ...
    @property
    def sentences(self) -> int: ...
    min_reduce: int
    def __init__(self, words: WordHash | None, max_sentence_length: int, by_line: bool,
                 name: object = "<stream>", transform: SentenceTransform | None = None) -> None: ...
    def record_bounds(self, target_bytes: int) -> None: ...
    def sentence_bounds(self) -> npt.NDArray[np.int64]: ...
    def ids(self, chunk: bytes, last: bool = False,
            ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64], int, int]: ...
    def count(self, chunk: bytes, last: bool = False, max_vocab_size: int = 0) -> None: ...
