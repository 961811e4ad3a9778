"""A pickle of the whole built `Lark` object, beside Lark's own grammar cache.

Lark's `cache=True` stores its parser as serialised data that it turns back
into objects on every start (the parse table's ~10,000 entries one by one,
~195 per-state lexers, a tree builder for ~445 rules): ~40 ms of a ~280 ms
`check`. Pickling the finished object instead makes loading one C-speed
`pickle.loads` (~6 ms). Lark's cache is still used, to build the object when
this one is missing.

The lexers compile their regular expressions (one union of a parser state's
terminals each) on first use; in Python's `re` that is pure Python, ~30 ms of
reading four files. So the pickle also carries the compiled form of every
lexer's expressions (the `_sre` code `re` itself hands to `_sre.compile`,
recorded when the file is written and checked equal to what `re.compile`
makes), and the lexers get `_Regex`, a stand-in for the `re` module that
turns those back into patterns for free. An expression it has no code for is
compiled by `re` as before.

The file lives in the temp dir as Lark's does. Its name and first line carry
a key at least as strict as Lark's (the grammar text, the options with the
callbacks' names, the versions of lark, Python and this format) and a digest
of the pickle, so a stale, foreign or damaged file is ignored and rebuilt. It
is written to a private temporary file and renamed into place, so two
processes writing it at once each leave a whole file. It is loaded only when
it belongs to this user and nobody else can write it.
"""

from __future__ import annotations

import array
import copyreg
import getpass
import hashlib
import importlib
import io
import os
import pickle
import re
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

_sre: Any
try:  # CPython's regular-expression engine, as `re` drives it (no stubs)
    import _sre  # type: ignore[import-not-found, no-redef]
    from re import _compiler, _parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - another Python: `re` compiles as usual
    _sre = None

FORMAT = b"nurturedsl-parser-2"  # change it whenever what is pickled changes (`_Regex`, the table)
_CODE_TYPE = next((t for t in "ILQ" if array.array(t).itemsize == getattr(_sre, "CODESIZE", 0)), "")
_FAST = _sre is not None and _CODE_TYPE != ""  # else `re` compiles everything, as without a cache

# (pattern, flags) -> the arguments of `_sre.compile` but the pattern, with
# the code as the bytes of an array
_Compiled = tuple[int, bytes, int, dict[str, int], tuple[str | None, ...]]
_Table = dict[tuple[str | bytes, int], _Compiled]


class _Regex:
    """What the pickled lexers have for the `re` module (Lark calls
    `compile`, `match` and reads `error`): the same patterns, from code
    recorded when the cache was written."""

    def __init__(self, table: _Table, record: bool = False):
        self._table = table
        self._record = record and _FAST
        self._made: dict[tuple[str | bytes, int], re.Pattern[Any]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)

    def __reduce__(self) -> tuple[type[_Regex], tuple[_Table]]:
        return _Regex, (self._table,)

    def compile(self, pattern: str | bytes, flags: int = 0) -> re.Pattern[Any]:
        made = self._made.get((pattern, flags))
        if made is None:
            made = self._made[(pattern, flags)] = self._make(pattern, flags)
        return made

    def match(self, pattern: str | bytes, string: Any, flags: int = 0) -> re.Match[Any] | None:
        return self.compile(pattern, flags).match(string)

    def _make(self, pattern: str | bytes, flags: int) -> re.Pattern[Any]:
        known = self._table.get((pattern, flags)) if type(flags) is int else None
        if known is not None and _FAST:
            final_flags, code, groups, groupindex, indexgroup = known
            made: re.Pattern[Any] = _sre.compile(
                pattern, final_flags, array.array(_CODE_TYPE, code).tolist(), groups, groupindex, indexgroup
            )
            return made
        expected = re.compile(pattern, flags)
        if self._record and type(flags) is int and isinstance(pattern, (str, bytes)):
            try:
                self._table[(pattern, flags)] = compiled = _compile(pattern, flags)
                recorded = _sre.compile(pattern, compiled[0], list(array.array(_CODE_TYPE, compiled[1])), *compiled[2:])
                if recorded != expected:  # `==` on patterns compares their code
                    del self._table[(pattern, flags)]
            except Exception:
                self._table.pop((pattern, flags), None)
        return expected


def _compile(pattern: str | bytes, flags: int) -> _Compiled:
    """What `re._compiler.compile` passes `_sre.compile`, but the pattern."""
    parsed = _parser.parse(pattern, flags)
    code = _compiler._code(parsed, flags)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return (
        flags | parsed.state.flags,
        array.array(_CODE_TYPE, code).tobytes(),
        parsed.state.groups - 1,
        groupindex,
        tuple(indexgroup),
    )


def _reduce_action(action: Action) -> str:
    # The parse table's `Shift` and `Reduce` are module-level singletons the
    # parser compares with `is`: pickle them by name, never as copies.
    return str(action.name)


def _reduce_module(module: types.ModuleType) -> tuple[Callable[[str], types.ModuleType], tuple[str]]:
    # The lexers hold the `re` module they compile with.
    return importlib.import_module, (module.__name__,)


class _Pickler(pickle.Pickler):
    dispatch_table = {**copyreg.dispatch_table, Action: _reduce_action, types.ModuleType: _reduce_module}

    def __init__(self, file: io.BytesIO, regex: _Regex):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.regex = regex

    def reducer_override(self, obj: Any) -> Any:
        # the lexers' `re` becomes `_Regex`
        return self.regex.__reduce__() if obj is re else NotImplemented


def _dumps(parser: Lark, regex: _Regex) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, regex).dump(parser)
    return buffer.getvalue()


def _record(parser: Lark) -> _Table:
    """The compiled form of every expression the parser's lexers will
    compile: made on a copy of the parser, whose lexers all build their
    scanners. Empty if the parser is not made as expected (another lark)."""
    table: _Table = {}
    try:
        recorder = _Regex(table, record=True)
        data = _dumps(parser, _Regex({}))
        with gc_paused():
            copy = pickle.loads(data)
        for lexer in copy.parser.lexer.lexers.values():
            lexer.re = recorder
            lexer.scanner  # noqa: B018 - built for what it compiles
        copy.parser.lexer.root_lexer.re = recorder
        copy.parser.lexer.root_lexer.scanner  # noqa: B018
    except Exception:
        return {}
    return table


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
        f"{getattr(_sre, 'MAGIC', None)} {getattr(_sre, 'CODESIZE', None)}",
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
        payload = _dumps(parser, _Regex(_record(parser)))
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
