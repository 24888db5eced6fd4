"""Type stubs of the compiled module ``_trainer.pyx``: the training kernels' Python side."""
from typing import Any, Final, Optional

import numpy as np
import numpy.typing as npt

from fastw2v._words import WordHash
from fastw2v.losses import HierarchicalSoftmax, NegativeSampling

VARIANTS: Final[dict[str, int]]

def compile_args() -> str: ...
def cpu_runs(variant: str) -> bool: ...
def use_variant(variant: str) -> None: ...

class WorkerState:
    """One training thread's random generator, tallies and scratch buffers."""

    @property
    def dim(self) -> int: ...
    def __init__(self, dim: int, seed: int) -> None: ...
    @property
    def rng(self) -> int: ...
    @rng.setter
    def rng(self, value: int) -> None: ...
    @property
    def loss(self) -> float: ...
    @property
    def nonfinite(self) -> int: ...
    @nonfinite.setter
    def nonfinite(self, value: int) -> None: ...
    def take_tallies(self) -> tuple[int, float]: ...

class JobQueue:
    """The jobs of an epoch, from the reading thread to the workers."""

    @property
    def n_words(self) -> int: ...
    def __init__(self, n_words: int, capacity: int) -> None: ...
    def put(self, ids: npt.NDArray[np.int32], ends: npt.NDArray[np.int64], alpha_start: float,
            alpha_end: float, info: Any, timeout_ms: int = 100) -> bool: ...
    def take_finished(self) -> list[tuple[Any, int]]: ...
    def close(self) -> None: ...
    def stop(self) -> None: ...

class KernelConfig:
    """Everything a ``TrainingKernel`` trains with: weights, tables and settings (frozen)."""

    syn0: npt.NDArray[np.float32]
    keep_threshold: npt.NDArray[np.uint64]
    sg: int
    window: int
    cbow_mean: int
    shrink_windows: int
    batched: int
    negative_sampling: Optional[NegativeSampling]
    syn1neg: Optional[npt.NDArray[np.float32]]
    hierarchical_softmax: Optional[HierarchicalSoftmax]
    syn1: Optional[npt.NDArray[np.float32]]
    top_nodes: int
    top_sync: int
    lockf: Optional[npt.NDArray[np.float32]]
    def __init__(self, *, syn0: npt.NDArray[np.float32], keep_threshold: npt.NDArray[np.uint64],
                 sg: int = 0, window: int = 5, cbow_mean: int = 1, shrink_windows: int = 1,
                 batched: int = 1, negative_sampling: Optional[NegativeSampling] = None,
                 syn1neg: Optional[npt.NDArray[np.float32]] = None,
                 hierarchical_softmax: Optional[HierarchicalSoftmax] = None,
                 syn1: Optional[npt.NDArray[np.float32]] = None, top_nodes: int = 0,
                 top_sync: int = 0, lockf: Optional[npt.NDArray[np.float32]] = None) -> None: ...

class TrainingKernel:
    """The C form of a ``KernelConfig``, shared by all worker threads of a training run."""

    @property
    def config(self) -> KernelConfig: ...
    def __init__(self, config: KernelConfig) -> None: ...
    @property
    def n_words(self) -> int: ...
    @property
    def top_nodes(self) -> int: ...
    def train_batch(self, worker: WorkerState, ids: npt.NDArray[np.int32],
                    ends: npt.NDArray[np.int64], alpha_start: float, alpha_end: float,
                    compute_loss: bool) -> int: ...
    def train_jobs(self, worker: WorkerState, jobs: JobQueue, compute_loss: bool) -> None: ...
    def train_file_range(self, worker: WorkerState, words: WordHash, path: str | bytes,
                         start: int, end: int, alpha_start: float, alpha_end: float,
                         compute_loss: bool, max_sentence_length: int = 0,
                         by_line: bool = True) -> tuple[int, int, int]: ...
