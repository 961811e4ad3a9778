"""`nodes.make` outside validation builds each node exactly as pydantic's
`model_construct` would: the same fields in the same order, the same fields
set, private attributes and extras, for every node of every bundled file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from nurturedsl import nodes as n
from nurturedsl.diagnostics import DiagnosticError
from nurturedsl.source import SourceFile
from nurturedsl.syntax import parse

ROOT = Path(__file__).resolve().parent.parent


def _texts() -> list[tuple[str, str]]:
    found = []
    for path in sorted(ROOT.glob("**/*.nurture")):
        try:
            found.append((str(path), path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue
    return found


def _construct(cls: Any, *args: Any, **fields: Any) -> Any:
    """`make` as it was: defaults filled in, then `model_construct`."""
    for name, default, factory in n._defaults(cls):
        if name not in fields:
            fields[name] = factory() if factory is not None else default
    return cls.model_construct(None, **fields)


def _state(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return (
            type(value),
            [(k, _state(v)) for k, v in value.__dict__.items()],
            value.__pydantic_fields_set__,
            value.__pydantic_private__,
            value.__pydantic_extra__,
        )
    if isinstance(value, (list, tuple)):
        return type(value), [_state(v) for v in value]
    return value


def _documents(monkeypatch, maker) -> list[Any]:
    monkeypatch.setattr(n, "VALIDATE", False)
    monkeypatch.setattr(n, "make", maker)
    documents = []
    for path, text in _texts():
        try:
            documents.append(parse(SourceFile(path, text)))
        except DiagnosticError as error:
            documents.append(error.diagnostics)
    return documents


def test_make_builds_what_model_construct_builds(monkeypatch):
    fast = _documents(monkeypatch, n.make)
    slow = _documents(monkeypatch, _construct)
    assert len(fast) > 100
    assert [_state(d) for d in fast] == [_state(d) for d in slow]


def test_make_sets_private_attributes_and_omits_what_is_not_given(monkeypatch):
    monkeypatch.setattr(n, "VALIDATE", False)
    span = parse(SourceFile("t.nurture", "")).span
    item = n.make(n.Tagged, span=span, tag="x")
    combined = n.make(n.Not, span=span, item=item)
    assert (
        combined.__pydantic_private__ == {"_nesting": 0} == _construct(n.Not, span=span, item=item).__pydantic_private__
    )
    combined._nesting = 3
    assert combined._nesting == 3
    with pytest.raises(AttributeError):
        n.make(n.Tagged, span=span).tag  # noqa: B018 - a required field left out stays unset, as in model_construct
    assert _state(n.make(n.Tagged, span=span)) == _state(_construct(n.Tagged, span=span))
