"""Writing `.nurture` source from an engine's document, and checking it.

Importers build their output from these pieces so that names, texts,
durations and conditions are written one way, the way the checker reads
them; `check_text` runs the real checker on the result, so an import that
would not check clean is caught before it is written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from .. import units
from ..diagnostics import Diagnostic
from .conditions import (
    And,
    Compare,
    Condition,
    Consent,
    EventCount,
    Has,
    Inactive,
    InFlow,
    InSegment,
    Not,
    Or,
    Score,
    Tagged,
    Value,
)

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def quote(text: str) -> str:
    """A string literal: `"..."` with `"` and `\\` escaped, on one line."""
    return json.dumps(text.replace("\r", " ").replace("\n", " "), ensure_ascii=False)


def ident(text: str, fallback: str = "step") -> str:
    """A name the grammar accepts, made from an engine's label:
    `Welcome email!` → `welcome_email`."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", text.strip()).strip("_").lower()
    name = re.sub(r"_+", "_", name)
    if not name:
        name = fallback
    if not (name[0].isalpha() or name[0] == "_"):
        name = f"{fallback}_{name}"
    return name


def unique(name: str, taken: set[str]) -> str:
    """`name`, or `name_2`, `name_3`, ... when taken; the result is added to `taken`."""
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    taken.add(candidate)
    return candidate


def duration(seconds: int) -> str:
    """`3d`, `36h`, `90m`: the largest whole unit (a remainder of seconds is
    rounded up to a minute, the language's smallest unit)."""
    if seconds % units.MINUTE:
        seconds += units.MINUTE - seconds % units.MINUTE
    return units.short(seconds)


def value(literal: Value, kind: str = "string") -> str:
    """A literal compared with an attribute of type `kind`."""
    if isinstance(literal, tuple):
        return "[" + ", ".join(value(item, kind) for item in literal) + "]"
    if isinstance(literal, bool):
        return "true" if literal else "false"
    if kind == "duration" and isinstance(literal, int):
        return duration(literal)
    if kind == "date" and isinstance(literal, str):
        return literal
    if isinstance(literal, (int, float)):
        return repr(literal) if isinstance(literal, float) and not literal.is_integer() else str(int(literal))
    return quote(literal)


def condition(cond: Condition, types: Mapping[str, str]) -> str:
    """Source text of a condition; `types` gives attribute types (IR `attributes`)."""
    match cond:
        case And(parts):
            text = " and ".join(_operand(part, types, "and") for part in parts)
        case Or(parts):
            text = " or ".join(condition(part, types) for part in parts)
        case Not(part):
            text = "not " + _operand(part, types, "not")
        case InSegment(segment):
            text = segment
        case InFlow(flow):
            text = f"in flow {flow}"
        case Inactive(seconds):
            text = f"inactive for {duration(seconds)}"
        case Has(attribute):
            text = f"has {attribute}"
        case Tagged(tag):
            text = f"tagged {quote(tag)}"
        case Consent(channel):
            text = f"consent({quote(channel)})"
        case Score(score, op, number):
            text = f"{score} {op} {value(number, 'number')}"
        case Compare(attribute, op, literal):
            kind = types.get(attribute, "string")
            if kind == "bool" and op == "==" and literal is True:
                text = attribute
            else:
                text = f"{attribute} {op} {value(literal, kind)}"
        case EventCount(event, arg, within, channel, op, count):
            argument = f"any {channel}" if channel else (quote(arg) if arg is not None else "")
            text = f"{event}({argument})" if argument else event
            if not (op == ">" and count == 0):
                text += f" count {op} {count}"
            if within is not None:
                text += f" within {duration(within)}"
        case _:  # pragma: no cover - the union is closed
            raise TypeError(f"not a condition: {cond!r}")
    return text


def _operand(cond: Condition, types: Mapping[str, str], within: str) -> str:
    """An operand of `and`/`not`, parenthesised when it binds looser."""
    text = condition(cond, types)
    if isinstance(cond, Or) or (within == "not" and isinstance(cond, And)):
        return f"({text})"
    return text


def check_text(text: str, name: str) -> list[Diagnostic]:
    """The checker's findings on `text` as a file named `name` on its own
    (in a scratch folder, so nothing around the output is read)."""
    import os
    import tempfile

    from ..diagnostics import DiagnosticError
    from ..model import load

    with tempfile.TemporaryDirectory(prefix="nurturedsl-import-") as folder:
        path = os.path.join(folder, os.path.basename(name) or "imported.nurture")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            load(path)
        except DiagnosticError as error:
            return [_renamed(d, path, name) for d in error.diagnostics]
    return []


def _renamed(diagnostic: Diagnostic, scratch: str, name: str) -> Diagnostic:
    import dataclasses

    span = diagnostic.span
    if span is None or span.file != scratch:
        return diagnostic
    return dataclasses.replace(diagnostic, span=dataclasses.replace(span, file=name))
