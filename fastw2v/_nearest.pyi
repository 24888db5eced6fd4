"""Type stubs of the compiled module ``_nearest.pyx``: the bfloat16 kernels of the batched
nearest-key search."""
from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

SCAN_ODD_NORMS: Final[int]

def bf16_supported() -> bool: ...

class CandidateLists:
    """Candidate keys per query, collected by one thread's scans."""

    @property
    def scores(self) -> npt.NDArray[np.float32]: ...
    @property
    def rows(self) -> npt.NDArray[np.int32]: ...
    @property
    def counts(self) -> npt.NDArray[np.int32]: ...
    @property
    def thresholds(self) -> npt.NDArray[np.float32]: ...
    @property
    def end_row(self) -> int: ...
    def __init__(self, n_queries: int, capacity: int) -> None: ...

def pack_queries(queries: npt.NDArray[np.float32]) -> npt.NDArray[np.uint32]: ...
def scan(packed_queries: npt.NDArray[np.uint32], vectors: npt.NDArray[np.float32],
         norms: npt.NDArray[np.float32], begin_row: int, end_row: int, max_sum_squares: float,
         k: int, margin: float, candidates: CandidateLists) -> int: ...
def rerank(
    scans: Sequence[CandidateLists], queries: npt.NDArray[np.float32],
    vectors: npt.NDArray[np.float32], norms: npt.NDArray[np.float32], k: int, margin: float,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32], npt.NDArray[np.bool_]]: ...
