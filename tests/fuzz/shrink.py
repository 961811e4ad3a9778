"""Shrink a failing case to a small one that fails the same way (same
problem signature): drop files, then lines, tokens and bytes of what is
left, then arguments. Greedy delta debugging, bounded by time."""

from __future__ import annotations

import dataclasses
import time

from .harness import Case, Fifo, Folder, HardLink, Link, run_case


def fails_alike(case: Case, signature: str) -> bool:
    outcome = run_case(case)
    return any(p.signature(case.command()) == signature for p in outcome.problems)


def shrink(case: Case, signature: str, seconds: float = 30.0) -> Case:
    deadline = time.monotonic() + seconds
    best = case

    def attempt(candidate: Case) -> bool:
        nonlocal best
        if time.monotonic() > deadline:
            return False
        if fails_alike(candidate, signature):
            best = candidate
            return True
        return False

    # 1. arguments: drop an option with its value, or a flag
    i = 1
    while i < len(best.args) and time.monotonic() < deadline:
        arg = best.args[i]
        if arg.startswith("-") and arg != "-":
            for width in (2, 1):
                candidate = dataclasses.replace(best, args=best.args[:i] + best.args[i + width :])
                if attempt(candidate):
                    break
            else:
                i += 1
        else:
            i += 1
    # 2. files nobody needs
    for rel in sorted(best.files, key=lambda r: -_size(best.files[r])):
        if f"@{rel}" in " ".join(best.args):
            continue
        files = dict(best.files)
        del files[rel]
        attempt(dataclasses.replace(best, files=files))
    # 3. the contents of what is left, biggest first
    for rel in sorted(best.files, key=lambda r: -_size(best.files[r])):
        content = best.files[rel]
        if isinstance(content, (Link, Folder, HardLink, Fifo)):
            continue
        data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
        for unit in (b"\n", None):
            data = _ddmin(data, unit, lambda d: attempt(_with_file(best, rel, d)))
    return best


def _with_file(case: Case, rel: str, data: bytes) -> Case:
    files = dict(case.files)
    files[rel] = data
    return dataclasses.replace(case, files=files)


def _size(content) -> int:
    return (
        len(content)
        if isinstance(content, (bytes, str)) and not isinstance(content, (Link, Folder, HardLink, Fifo))
        else 0
    )


def _ddmin(data: bytes, unit: bytes | None, keeps_failing) -> bytes:
    """Remove chunks of lines (unit b"\\n") or bytes (None) while the case
    keeps failing; chunks halve down to one unit."""
    parts = data.split(unit) if unit else [bytes([b]) for b in data]
    if unit is None and len(parts) > 4000:
        return data  # bytes of a big file: the line pass has done what it can
    joiner = unit or b""
    chunk = max(1, len(parts) // 2)
    while chunk >= 1 and parts:
        start, removed = 0, False
        while start < len(parts):
            candidate = parts[:start] + parts[start + chunk :]
            if keeps_failing(joiner.join(candidate)):
                parts, removed = candidate, True
            else:
                start += chunk
        if not removed:
            if chunk == 1:
                break
            chunk //= 2
    return joiner.join(parts)
