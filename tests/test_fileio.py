"""Atomic writes: all or nothing, with the permissions a plain open() would give."""
import os
import stat

import pytest

from fastw2v._fileio import atomic_write


def test_atomic_write_replaces_the_file_with_normal_permissions(tmp_path):
    path = tmp_path / "out.txt"
    with atomic_write(path, "w") as fout:
        fout.write("hello")
    mask = os.umask(0o022)
    os.umask(mask)
    assert path.read_text() == "hello"
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    assert os.listdir(tmp_path) == ["out.txt"]


@pytest.mark.parametrize("error", [KeyboardInterrupt, OSError])
def test_failed_write_keeps_the_previous_file_and_leaves_no_temp(tmp_path, error):
    path = tmp_path / "out.txt"
    path.write_text("previous")
    with pytest.raises(error):
        with atomic_write(path, "w") as fout:
            fout.write("partial")
            raise error()
    assert path.read_text() == "previous"
    assert os.listdir(tmp_path) == ["out.txt"]
