"""Type stubs of the compiled module ``_alias.pyx``: Walker's alias table."""
import numpy as np
import numpy.typing as npt

def pair_buckets(
    residual: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int32]]: ...
