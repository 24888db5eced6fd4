"""Type stubs of the compiled module ``_huffman.pyx``: the Huffman tree of the vocabulary."""
import numpy as np
import numpy.typing as npt

def huffman_tree(
    counts: npt.NDArray[np.int64], by_index: bool,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8], npt.NDArray[np.int32]]: ...
