"""Type stubs of the compiled module ``_norms.pyx``: L2 lengths of vector rows."""
from typing import TypeVar

import numpy as np
import numpy.typing as npt

_Real = TypeVar("_Real", np.float32, np.float64)

def row_norms_into(vectors: npt.NDArray[_Real], out: npt.NDArray[_Real], begin: int,
                   end: int) -> None: ...
