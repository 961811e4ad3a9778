"""Writing output files so that a crash never leaves half a file behind."""

from __future__ import annotations

import os
import tempfile


class UnsafeOutput(Exception):
    """The output path names something that must not be replaced."""


def check_output(path: str, inputs: list[str] = ()) -> None:
    """Refuse to replace an input or anything that is not a plain file."""
    if os.path.exists(path) and not os.path.isfile(path) or os.path.islink(path):
        raise UnsafeOutput(f"{path} exists and is not a regular file; not replacing it")
    target = os.path.realpath(path)
    if any(os.path.realpath(p) == target for p in inputs):
        raise UnsafeOutput(f"{path} is one of the playbook's own source files; not overwriting it")


def write_atomic(path: str, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it into place."""
    check_output(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # as open() would have made it, not mkstemp's 0600
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
