"""Reading inputs and writing outputs so that nothing is lost and nothing hangs.

Every file a command reads goes through `read_input`: anything that is not a
regular file (a FIFO would block in `open()` for ever, `/dev/zero` never
ends) is refused before it is opened, and no more than the limit plus one
byte is read, so a file that grows while it is read cannot exhaust memory.
Every file a command writes goes through `check_output` (never one of the
command's inputs, never something that is not a plain file) and
`write_atomic` (a temporary file beside it, renamed into place).
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable


class UnsafeOutput(Exception):
    """The output path names something that must not be replaced."""


class UnreadableInput(Exception):
    """An input that cannot be read: the message says why, starting with the path."""


class TooLarge(UnreadableInput):
    """An input larger than its limit."""

    def __init__(self, message: str, size: int, limit: int, grew: bool = False) -> None:
        super().__init__(message)
        self.size, self.limit, self.grew = size, limit, grew

    @property
    def size_text(self) -> str:
        """The size, precise enough to differ from the limit's."""
        return over_limit(self.size, self.limit)


TEST_SUFFIX = "_test.nurture"  # the files that hold tests (docs/testing.md)


def playbook_files(paths: Iterable[str], found: str = "all") -> list[str]:
    """The files named, and the `.nurture` files under the folders named
    (`found`: "all", "playbooks" without the `*_test.nurture` files, or
    "tests" only those), each once and spelt as imports spell them
    (`./a.nurture` is `a.nurture`), so a file named and imported is one file
    in every report. A file named is always kept, whatever its name."""
    files: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            under = []
            for folder, subfolders, names in os.walk(path):
                subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
                for name in names:
                    test = name.endswith(TEST_SUFFIX)
                    if name.endswith(".nurture") and found != ("tests" if not test else "playbooks"):
                        under.append(os.path.join(folder, name))
            files += sorted(under)
        else:
            files.append(path)
    unique: dict[str, str] = {}  # real path -> the path as the user or an import spells it
    for path in files:
        real, tidy = os.path.realpath(path), os.path.normpath(path)
        # `a/link/../b` is not `a/b` when `link` is a symlink to a folder
        unique.setdefault(real, tidy if os.path.realpath(tidy) == real else path)
    return list(unique.values())


def over_limit(size: int, limit: int) -> str:
    """`size` as people read it, in bytes when rounding would make it look
    like the limit itself (8 MiB and one byte is not "8.0 MiB")."""
    rounded = _size(size)
    return rounded if rounded != _size(limit) and rounded != f"{limit / (1 << 20):.1f} MiB" else f"{size:,} bytes"


def describe_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_input(path: str, limit: int, what: str = "file") -> int:
    """The size of `path`, after refusing what is not a regular file or is
    larger than `limit` bytes. Raises `UnreadableInput`."""
    try:
        info = os.stat(path)
    except OSError as error:
        raise UnreadableInput(f"cannot read {path}: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableInput(f"{path} is {describe_kind(info.st_mode)}, not a {what}; give the path of a regular file")
    if info.st_size > limit:
        raise TooLarge(
            f"{path} is {over_limit(info.st_size, limit)}; a {what} is limited to {_size(limit)}", info.st_size, limit
        )
    return info.st_size


def read_input(path: str, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most `limit` bytes. Raises
    `UnreadableInput` with a one-line reason (never blocks on a FIFO)."""
    check_input(path, limit, what)
    try:
        fd = _open_for_reading(path)
    except OSError as error:
        raise UnreadableInput(f"cannot read {path}: {error.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableInput(f"{path} is {describe_kind(info.st_mode)}, not a {what}")
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as error:
        raise UnreadableInput(f"cannot read {path}: {error.strerror}") from None
    finally:
        os.close(fd)
    if total > limit:
        raise TooLarge(
            f"{path} grew past {_size(limit)} while it was read; a {what} is limited to that", total, limit, grew=True
        )
    return b"".join(chunks)


def _open_for_reading(path: str) -> int:
    # O_NONBLOCK: if the path was swapped for a FIFO after the check, open()
    # returns at once instead of waiting for a writer.
    return os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))


def _size(count: int) -> str:
    if count >= 1 << 30:
        return f"{count / (1 << 30):.1f} GiB"
    if count >= 1 << 20:
        return f"{count / (1 << 20):.1f} MiB"
    if count >= 1 << 10:
        return f"{count / (1 << 10):.1f} KiB"
    return f"{count} bytes"


def same_file(a: str, b: str) -> bool:
    """Whether two paths name one file (by real path, or by device and inode
    when both exist, so hard links count too)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_output(path: str, inputs: Iterable[str] = (), what: str = "one of the command's inputs") -> None:
    """Refuse to replace an input or anything that is not a plain file."""
    if os.path.exists(path) and not os.path.isfile(path) or os.path.islink(path):
        raise UnsafeOutput(f"{path} exists and is not a regular file; not replacing it")
    for source in inputs:
        if source and same_file(path, source):
            raise UnsafeOutput(f"{path} is {what} ({source}); not overwriting it")


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
