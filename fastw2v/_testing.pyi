"""Type stubs of the compiled module ``_testing.pyx``: the tests' entry points into code the
library calls only from C."""
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from fastw2v._words import WordHash

def split_chunks(chunks: Iterable[bytes]) -> list[list[str]]: ...
def read_file_range(
    words: WordHash, path: str | bytes, start: int, end: int, max_sentence_length: int = 0,
    by_line: bool = True,
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64], int, int]: ...
def exact_cosines(query: npt.NDArray[np.float32], vectors: npt.NDArray[np.float32],
                  norms: npt.NDArray[np.float32],
                  rows: npt.NDArray[np.int32]) -> npt.NDArray[np.float32]: ...
