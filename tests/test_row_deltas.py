"""The compiled kernels of distributed training's row deltas (fastw2v._row_deltas)."""
import numpy as np
import pytest

from fastw2v import _row_deltas


def widen(bits):
    """float32 values of bfloat16 bits."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def test_values_are_rounded_to_the_nearest_bfloat16_and_nan_stays_nan():
    one_ulp = 2.0 ** -7  # of bfloat16 at 1.0
    values = np.array([[1.0, 1 + one_ulp * 0.49, 1 + one_ulp * 0.51, 1 + one_ulp * 1.5,
                        -3.0, 0.0, np.inf, np.nan]], dtype=np.float32)
    negative_nan = np.array([[0]], dtype=np.uint32) | 0xFFFF8000  # rounding would carry it to 0
    out = np.empty(values.shape, dtype=np.uint16)
    _row_deltas.narrow(values, out)
    np.testing.assert_array_equal(
        widen(out)[0, :7], [1.0, 1.0, 1 + one_ulp, 1 + 2 * one_ulp, -3.0, 0.0, np.inf])
    assert np.isnan(widen(out)[0, 7])
    _row_deltas.narrow(negative_nan.view(np.float32), out[:, :1])
    assert np.isnan(widen(out)[0, 0])


def test_changed_rows_are_taken_and_the_base_keeps_what_rounding_dropped():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(50, 6)).astype(np.float32)
    current = base.copy()
    current[[3, 17, 40]] += rng.normal(scale=1e-3, size=(3, 6)).astype(np.float32)
    trained = current - base
    index, out = np.empty(40, dtype=np.int32), np.empty((40, 6), dtype=np.uint16)
    found = _row_deltas.take_changed(current, base, 10, 50, index, out)  # row 3 is outside
    assert list(index[:found]) == [17, 40]
    np.testing.assert_allclose(widen(out[:found]), trained[[17, 40]], rtol=2 ** -8)
    np.testing.assert_array_equal(base[[17, 40]] - (current - trained)[[17, 40]] != 0, True)
    found = _row_deltas.take_changed(current, base, 10, 50, index, out)  # the remainders
    assert 0 < found and set(index[:found]) <= {17, 40}


def test_rows_are_added_to_matrix_and_base_and_bad_indices_are_refused():
    matrix, base = np.zeros((5, 3), dtype=np.float32), np.ones((5, 3), dtype=np.float32)
    rows = np.empty((2, 3), dtype=np.uint16)
    _row_deltas.narrow(np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32), rows)
    _row_deltas.add_rows(matrix, base, np.array([4, 1], dtype=np.int64), rows, -1.0)
    np.testing.assert_array_equal(matrix[[4, 1]], [[-1, -2, -3], [-4, -5, -6]])
    np.testing.assert_array_equal(base[[4, 1]], [[0, -1, -2], [-3, -4, -5]])
    _row_deltas.add_block(matrix, None, 3, rows, 1.0)
    np.testing.assert_array_equal(matrix[3:], [[1, 2, 3], [3, 3, 3]])
    with pytest.raises(IndexError, match="outside the matrix's 5 rows"):
        _row_deltas.add_rows(matrix, None, np.array([0, 5], dtype=np.int32), rows, 1.0)
    with pytest.raises(ValueError, match="rows 4:6 of a matrix of 5"):
        _row_deltas.add_block(matrix, base, 4, rows, 1.0)
    with pytest.raises(ValueError, match="base of shape"):
        _row_deltas.add_rows(matrix, base[:4], np.array([0, 1]), rows, 1.0)
