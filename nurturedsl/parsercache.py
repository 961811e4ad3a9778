"""A pickle of the whole built `Lark` object, beside Lark's own grammar cache.

Lark's `cache=True` stores its parser as serialised data that it turns back
into objects on every start (the parse table's ~10,000 entries one by one,
~195 per-state lexers, a tree builder for ~445 rules): ~40 ms of a ~280 ms
`check`. Pickling the finished object instead makes loading one C-speed
`pickle.loads` (~6 ms). Lark's cache is still used, to build the object when
this one is missing.

The file lives in the temp dir as Lark's does. Its name and first line carry
a key at least as strict as Lark's (the grammar text, the options with the
callbacks' names, the versions of lark, Python and this format) and a digest
of the pickle, so a stale, foreign or damaged file is ignored and rebuilt. It
is written to a private temporary file and renamed into place, so two
processes writing it at once each leave a whole file. It is loaded only when
it belongs to this user and nobody else can write it.
"""

from __future__ import annotations

import copyreg
import getpass
import hashlib
import importlib
import io
import os
import pickle
import stat
import sys
import tempfile
import types
from collections.abc import Callable
from typing import Any

import lark
from lark import Lark
from lark.parsers.lalr_analysis import Action

from .gcpause import gc_paused

FORMAT = b"nurturedsl-parser-1"


def _reduce_action(action: Action) -> str:
    # The parse table's `Shift` and `Reduce` are module-level singletons the
    # parser compares with `is`: pickle them by name, never as copies.
    return str(action.name)


def _reduce_module(module: types.ModuleType) -> tuple[Callable[[str], types.ModuleType], tuple[str]]:
    # The lexers hold the `re` module they compile with.
    return importlib.import_module, (module.__name__,)


class _Pickler(pickle.Pickler):
    dispatch_table = {**copyreg.dispatch_table, Action: _reduce_action, types.ModuleType: _reduce_module}


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_describe(v)}" for k, v in sorted(value.items())) + "}"
    if callable(value):
        return f"{value.__module__}.{value.__qualname__}"
    return repr(value)


def key(grammar: str, options: dict[str, Any]) -> str:
    parts = [
        FORMAT.decode(),
        grammar,
        _describe(options),
        lark.__version__,
        sys.version,
        sys.implementation.cache_tag or "",
        str(pickle.HIGHEST_PROTOCOL),
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def path(cache_key: str) -> str:
    try:
        user = getpass.getuser()
    except Exception:  # as Lark: no user name is no reason to fail
        user = "unknown"
    return os.path.join(tempfile.gettempdir(), f".nurturedsl_parser_{user}_{cache_key}.pickle")


def load(cache_key: str) -> Lark | None:
    """The cached parser for this key, or None (missing, stale, damaged or
    not safely ours)."""
    try:
        with open(path(cache_key), "rb") as f:
            info = os.fstat(f.fileno())
            if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return None
            data = f.read()
        header, digest, payload = data.split(b"\n", 2)
        if header != FORMAT + b" " + cache_key.encode() or digest != hashlib.sha256(payload).hexdigest().encode():
            return None
        # ~30,000 new objects: with the collector on, the generations it
        # would sweep meanwhile (all of pydantic's and lark's) cost 3x the load.
        with gc_paused():
            found = pickle.loads(payload)
    except Exception:  # missing, unreadable, truncated, from other code: rebuild
        return None
    return found if isinstance(found, Lark) else None


def save(cache_key: str, parser: Lark) -> None:
    """Store a parser that was just built (before it has parsed anything, so
    its lexers are still unbuilt). Never fails: the cache is only a cache."""
    try:
        buffer = io.BytesIO()
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(parser)
        payload = buffer.getvalue()
        target = path(cache_key)
        fd, temporary = tempfile.mkstemp(prefix=os.path.basename(target) + ".", dir=os.path.dirname(target))
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(FORMAT + b" " + cache_key.encode() + b"\n")
                f.write(hashlib.sha256(payload).hexdigest().encode() + b"\n")
                f.write(payload)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
    except Exception:
        pass
