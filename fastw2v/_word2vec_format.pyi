"""Type stubs of the compiled module ``_word2vec_format.pyx``: the kernels of the
word2vec.c format readers."""
import numpy as np
import numpy.typing as npt
from typing_extensions import Buffer

def parse_binary_records(
    buf: Buffer, pos: int, out: npt.NDArray[np.float32], max_word_bytes: int,
    word_starts: npt.NDArray[np.intp], word_ends: npt.NDArray[np.intp],
    norms: npt.NDArray[np.float32], word_bytes: Buffer,
) -> tuple[int, int, int, int]: ...
def parse_numbers(text: Buffer, out: npt.NDArray[np.float64], per_line: int) -> int: ...
