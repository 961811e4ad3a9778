"""Syntax trees to a checked programme: `load` and `load_each`, the entry
points every command uses. Loading (load.py) reads files and follows
imports; checking (check.py) resolves names and judges meaning; the
result is a `Programme` (programme.py). Every problem found is reported,
not just the first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .check import _Checker
from .diagnostics import Diagnostic, DiagnosticError
from .load import MAX_FILE_BYTES, _Loader, _real_paths, project_root, read_source
from .programme import Programme, calendar_hold, iter_conditions, message_items, send_days
from .source import SourceFile


def load(path: str) -> Programme:
    """Load, resolve and check a playbook and its imports. Raises
    `DiagnosticError` with every problem found."""
    from .gcpause import gc_paused

    with gc_paused():
        return _load_and_check(path)


def _load_and_check(path: str) -> Programme:
    programme, diagnostics = _load_partial(path)
    if diagnostics:
        raise DiagnosticError(diagnostics, programme.sources)
    return programme


def _load_partial(path: str) -> tuple[Programme, list[Diagnostic]]:
    """The programme as far as it could be loaded, and its problems."""
    loader = _Loader(path)
    loader.load()
    programme = loader.programme
    if loader.diagnostics:
        return programme, loader.diagnostics
    checker = _Checker(programme)
    checker.run()
    return programme, checker.diagnostics


@dataclass
class Loaded:
    """Several files, each loaded and checked on its own with what it
    imports: what `check` reports and what `lint` starts from, so that the
    two always find the same core errors."""

    programmes: list[Programme] = field(default_factory=list)  # the files that checked clean
    diagnostics: list[Diagnostic] = field(default_factory=list)  # every problem once, in file order
    sources: dict[str, SourceFile] = field(default_factory=dict)
    # Every file read, named or imported, by real path: what it imports
    # (real paths), and the path it is shown as.
    imports: dict[str, set[str]] = field(default_factory=dict)
    displays: dict[str, str] = field(default_factory=dict)
    # Real paths of the files read that define at least one flow.
    flow_files: set[str] = field(default_factory=set)
    unreadable: bool = False  # a file could not be read at all (NUR009)


def load_each(paths: Iterable[str]) -> Loaded:
    """Load and check every file in `paths` on its own, as `load` does,
    collecting instead of raising. A problem found from several files (in a
    file they all import) is reported once."""
    from .gcpause import gc_paused

    result = Loaded()
    real = _real_paths()
    seen: set[tuple[str, tuple[str, int, int, int, int] | None, str]] = set()
    with gc_paused():
        for path in paths:
            programme, diagnostics = _load_partial(path)
            result.sources.update(programme.sources)
            for display in programme.sources:
                result.displays.setdefault(real(display), display)
                result.imports.setdefault(real(display), set())
            for display, targets in programme.imports.items():
                result.imports.setdefault(real(display), set()).update(real(t) for t in targets)
            result.flow_files |= {real(flow.span.file) for flow in programme.flows.values()}
            if not diagnostics:
                result.programmes.append(programme)
                continue
            for d in diagnostics:
                span = d.span
                where = (real(span.file), span.line, span.column, span.end_line, span.end_column) if span else None
                key = (d.code, where, d.message)
                if key not in seen:
                    seen.add(key)
                    result.diagnostics.append(d)
                    result.unreadable |= d.code == "NUR009"
    return result


__all__ = [
    "MAX_FILE_BYTES",
    "Loaded",
    "Programme",
    "calendar_hold",
    "iter_conditions",
    "load",
    "load_each",
    "message_items",
    "project_root",
    "read_source",
    "send_days",
]
