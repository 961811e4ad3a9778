"""The bindings file: our names → an engine's ids, read and checked whole.

    # nurturedsl bindings for Mautic
    target = "mautic"

    [content]
    blog_post = 12          # the Mautic email id

    [events]
    'booked("demo")' = { segment = 7 }

Every problem is found in one pass and reported together, each located
twice where it can be: in the playbook (where the name is used) and in the
bindings file (where it is, or would be, bound), with did-you-mean in both
directions (a typo in the file, a name the playbook does not have). Moving
programmes between instances "one missing field at a time" is what this
file is for never having to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..diagnostics import Diagnostic, Severity, closest_name
from ..source import SourceFile, Span
from ..tomlfile import TomlDocument, TomlError, describe_value, read_toml
from .core import KINDS, TABLES, Bindings, Kind, Need, Target, to_span

if TYPE_CHECKING:
    from ..irmodel import ProgrammeIR

BINDINGS_LIMIT = 8 << 20  # thousands of names fit in a few hundred KiB
_TOP_KEYS = ("target", *TABLES.values())


class BindingsError(TomlError):
    """A bindings file that cannot be read at all (not TOML, not a table)."""


def load(path: str, target: Target) -> tuple[Bindings, TomlDocument, list[Diagnostic]]:
    """The file's bindings, and every problem of its own shape (unknown
    tables, a wrong `target`, values the target cannot use). Raises
    BindingsError when it is not a TOML file at all."""
    try:
        document = read_toml(Path(path), BINDINGS_LIMIT, "bindings file")
    except TomlError as error:
        raise BindingsError(str(error)) from None
    problems: list[Diagnostic] = []
    tables: dict[Kind, dict[str, Any]] = {}
    for key, value in document.data.items():
        if key == "target":
            if value != target.name:
                problems.append(
                    _at(
                        document,
                        ("target",),
                        f"these bindings are for `{value}`, not for `{target.name}`",
                        hints=(f'export with `--target {value}`, or write `target = "{target.name}"`',),
                    )
                )
            continue
        kind = KINDS.get(key)
        if kind is None:
            match = closest_name(key, _TOP_KEYS)
            problems.append(
                _at(
                    document,
                    (key,),
                    f"unknown table `{key}` in a bindings file",
                    hints=(f"did you mean `{match}`?",) if match else (f"the tables are {', '.join(TABLES.values())}",),
                )
            )
            continue
        if not isinstance(value, dict):
            problems.append(_at(document, (key,), f"`{key}` must be a table of names, not {describe_value(value)}"))
            continue
        good: dict[str, Any] = {}
        for name, bound in value.items():
            if bound == "":
                good[name] = bound  # a blank of a skeleton: reported as missing if it is needed
                continue
            problem = target.binding_problem(kind, name, bound)
            if problem is not None:
                problems.append(_at(document, (key, name), f"{kind} `{name}`: {problem}"))
            else:
                good[name] = bound
        tables[kind] = good
    if "target" not in document.data:
        problems.append(
            Diagnostic(
                "BND004",
                f'the bindings file does not say its target; add `target = "{target.name}"` at the top',
                Span(document.display, 1, 1, 1, 2),
                Severity.WARNING,
            )
        )
    return Bindings(target.name, tables, document.display), document, problems


def _at(
    document: TomlDocument, keys: tuple[str, ...], message: str, hints: tuple[str, ...] = (), code: str = "BND002"
) -> Diagnostic:
    return Diagnostic(code, message, _key_span(document, keys), Severity.ERROR, hints=hints)


def _key_span(document: TomlDocument, keys: tuple[str, ...]) -> Span:
    where = document.at(keys)
    parts = where.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        line, column = int(parts[1]), int(parts[2])
        width = len(keys[-1]) if keys else 1
        return Span(document.display, line, column, line, column + max(width, 1))
    return Span(document.display, 1, 1, 1, 2)


def known_names(ir: ProgrammeIR, needs: Iterable[Need]) -> dict[Kind, set[str]]:
    """The names the programme has, per kind: declared ones and every one
    some flow's export looks up (tags, teams, event keys)."""
    names: dict[Kind, set[str]] = {kind: set() for kind in TABLES}
    names["flow"] |= set(ir.flows)
    names["content"] |= set(ir.content)
    names["segment"] |= set(ir.segments)
    names["attribute"] |= set(ir.attributes)
    names["event"] |= set(ir.events)
    for need in needs:
        names[need.kind].add(need.name)
    return names


def check(
    needs: list[Need],
    bindings: Bindings,
    document: TomlDocument | None,
    known: Mapping[Kind, set[str]],
    target: Target,
    base: str,
) -> list[Diagnostic]:
    """Every need without a binding, and every binding for a name the
    programme does not have, at once."""
    problems: list[Diagnostic] = []
    bindings_file = bindings.path or "the bindings file"
    seen: set[tuple[Kind, str]] = set()
    for need in needs:
        if (need.kind, need.name) in seen or bindings.get(need.kind, need.name) is not None:
            continue
        seen.add((need.kind, need.name))
        table = TABLES[need.kind]
        bound = bindings.tables.get(need.kind, {})
        hints: list[str] = []
        related: list[tuple[Span, str]] = []
        if document is not None and need.name in bound:
            related.append((_key_span(document, (table, need.name)), "left blank here"))
        else:
            typo = closest_name(need.name, [n for n in bound if n not in known[need.kind]])
            if typo is not None and document is not None:
                related.append((_key_span(document, (table, typo)), f"`{typo}` is bound here"))
                hints.append(f"did you mean `{need.name}` for `{typo}` in {bindings_file}?")
        key = _toml_key(need.name)
        verb = "fill in" if need.name in bound else "add"
        hints.append(f"{verb} `{key} = ...` under `[{table}]` in {bindings_file}: {target.describe(need.kind)}")
        problems.append(
            Diagnostic(
                "BND001",
                f"{need.kind} `{need.name}` has no {target.title} binding ({need.purpose})",
                to_span(need.span, base),
                Severity.ERROR,
                hints=tuple(hints),
                related=tuple(related),
            )
        )
    for kind, bound in bindings.tables.items():
        for name in bound:
            if name in known[kind] or (kind == "event" and name.split("(", 1)[0] in known[kind]):
                continue
            match = closest_name(name, sorted(known[kind]))
            hint = (f"did you mean `{match}`?",) if match else (f"the programme has no {kind} of that name",)
            where = _key_span(document, (TABLES[kind], name)) if document is not None else None
            problems.append(
                Diagnostic(
                    "BND003",
                    f"{kind} `{name}` is bound but the programme has no such {kind}",
                    where,
                    # a warning: one file per engine instance serves every
                    # playbook, and a typo also leaves its name unbound (BND001)
                    Severity.WARNING,
                    hints=hint,
                )
            )
    return problems


def _toml_key(name: str) -> str:
    import re

    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else "'" + name.replace("'", "") + "'"


def skeleton(needs: list[Need], target: Target, existing: Bindings | None, base: str) -> str:
    """A bindings file listing every name the export needs, blank (`""`)
    where no value is known yet; values of `existing` are kept."""
    lines = [
        f'# nurturedsl bindings for {target.title}: fill in each "" with the engine\'s id.',
        "# Written by `nurturedsl export --init-bindings`; see docs/engines.md.",
        f'target = "{target.name}"',
    ]
    by_kind: dict[Kind, dict[str, Need]] = {}
    for need in needs:
        by_kind.setdefault(need.kind, {}).setdefault(need.name, need)
    if existing is not None:
        for kind, table in existing.tables.items():
            for name in table:
                by_kind.setdefault(kind, {}).setdefault(name, Need(kind, name, None, "kept from the bindings given"))
    for kind, table_name in TABLES.items():
        entries = by_kind.get(kind)
        if not entries:
            continue
        lines += ["", f"# {target.describe(kind)}", f"[{table_name}]"]
        for name in sorted(entries):
            need = entries[name]
            value = existing.tables.get(kind, {}).get(name) if existing is not None else None
            where = ""
            span = to_span(need.span, base)
            if span is not None:
                where = f" ({span.file}:{span.line})"
            lines.append(f"{_toml_key(name)} = {_toml_value(value)}  # {need.purpose}{where}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    import json

    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"not a TOML value: {value!r}")


def dumps(tables: Mapping[Kind, Mapping[str, Any]], target: Target) -> str:
    """Bindings as a file (an import's, sorted), that `load` reads back the same."""
    lines = [f"# nurturedsl bindings for {target.title}, written by `nurturedsl import`.", f'target = "{target.name}"']
    for kind, table_name in TABLES.items():
        entries = tables.get(kind)
        if not entries:
            continue
        lines += ["", f"[{table_name}]"]
        lines += [f"{_toml_key(name)} = {_toml_value(entries[name])}" for name in sorted(entries)]
    return "\n".join(lines) + "\n"


def source_of(document: TomlDocument) -> SourceFile:
    """The file for diagnostics' excerpts."""
    return SourceFile(document.display, document.text)


__all__ = ["BindingsError", "check", "dumps", "known_names", "load", "skeleton", "source_of"]
