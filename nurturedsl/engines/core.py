"""What every engine target shares: the names an export needs bound, the
bindings themselves, the fidelity report, and the protocol a target keeps.

A target reads the compiled IR (never the syntax tree) and writes one
engine document per flow; importing goes the other way, from an engine
document to `.nurture` text, which the command then checks like any file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ..diagnostics import Diagnostic, Severity
from ..source import Span

if TYPE_CHECKING:
    from ..irmodel import ProgrammeIR, SpanIR

Kind = Literal["content", "segment", "attribute", "event", "tag", "team", "recipient", "list", "flow"]
# The bindings file's table for each kind, in the order a skeleton lists them.
TABLES: dict[Kind, str] = {
    "flow": "flows",
    "content": "content",
    "segment": "segments",
    "attribute": "attributes",
    "event": "events",
    "tag": "tags",
    "list": "lists",
    "team": "teams",
    "recipient": "recipients",
}
KINDS: dict[str, Kind] = {table: kind for kind, table in TABLES.items()}


@dataclass(frozen=True)
class Need:
    """One of our names that the export needs an engine id or value for."""

    kind: Kind
    name: str
    span: SpanIR | None
    purpose: str  # "email step `welcome` in flow `inbound`"


class Bindings:
    """Our names → engine ids and values, for one target."""

    def __init__(self, target: str, tables: Mapping[Kind, Mapping[str, Any]] | None = None, path: str | None = None):
        self.target = target
        self.path = path
        self.tables: dict[Kind, dict[str, Any]] = {kind: dict(values) for kind, values in (tables or {}).items()}

    def get(self, kind: Kind, name: str) -> Any | None:
        """The bound value, or None. An event key `visited("pricing")` falls
        back to the bare event `visited`."""
        table = self.tables.get(kind, {})
        value = table.get(name)
        if value is None and kind == "event" and "(" in name:
            value = table.get(name.split("(", 1)[0])
        if value == "":  # a skeleton's blank: not filled in yet
            return None
        return value

    def require(self, kind: Kind, name: str) -> Any:
        """The bound value of a name the check has seen bound."""
        value = self.get(kind, name)
        if value is None:
            raise KeyError(f"{kind} `{name}` is not bound (the bindings check should have said so)")
        return value


def to_span(span: SpanIR | None, base: str) -> Span | None:
    """A diagnostic span from an IR span (whose file is relative to the
    compiled file's folder `base`)."""
    if span is None:
        return None
    import os

    file = os.path.normpath(os.path.join(base, span.file)) if base else span.file
    return Span(file, span.line, span.column, span.end_line, span.end_column)


@dataclass
class Report:
    """The fidelity report: what the target could not express, and what it did instead."""

    target: str
    strict: bool = False
    base: str = ""  # the compiled file's folder, for spans
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def approximate(self, code: str, span: SpanIR | None, construct: str, approximation: str) -> None:
        """`construct` (a sentence: what the playbook says that the engine
        cannot) is exported as `approximation` says; under --strict it is refused."""
        severity, note = (
            (Severity.ERROR, f"refused under --strict; without it: {approximation}")
            if self.strict
            else (Severity.WARNING, f"exported as: {approximation}")
        )
        self.diagnostics.append(Diagnostic(code, construct, to_span(span, self.base), severity, notes=(note,)))

    def refuse(self, code: str, span: SpanIR | None, construct: str, why: str) -> None:
        """`construct` cannot be exported at all: nothing is written."""
        self.diagnostics.append(Diagnostic(code, construct, to_span(span, self.base), Severity.ERROR, notes=(why,)))

    def note(self, code: str, span: SpanIR | None, message: str) -> None:
        """Something the user should know that loses nothing (an import's comment)."""
        self.diagnostics.append(Diagnostic(code, message, to_span(span, self.base), Severity.INFO))

    @property
    def refused(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)


@dataclass
class Imported:
    """An engine document as `.nurture` text, and the bindings that text
    needs to be exported back to the same engine ids."""

    text: str
    bindings: dict[Kind, dict[str, Any]] = field(default_factory=dict)


class Target(Protocol):
    name: str  # "mautic": the --target and bindings `target` value
    title: str  # "Mautic": in messages
    formats: tuple[str, ...]  # the first is the default
    # The (method, path) of the engine's API operation an export is the body
    # of, for validating against the user's copy of the engine's OpenAPI
    # description (`export --hubspot-spec`); None when the engine has none.
    openapi_operation: tuple[str, str] | None

    def describe(self, kind: Kind) -> str:
        """What a binding of this kind holds, for skeletons and messages: "the Mautic email id"."""
        ...

    def binding_problem(self, kind: Kind, name: str, value: Any) -> str | None:
        """Why a bound value cannot be used ("an email id is a whole number,
        not a text"), or None when it can."""
        ...

    def needs(self, ir: ProgrammeIR, flow: str) -> list[Need]:
        """Every name exporting `flow` looks up, with where the playbook uses it."""
        ...

    def outside_flows(self, ir: ProgrammeIR, report: Report) -> None:
        """Report what the programme says outside its flows (scores, their
        rules and thresholds) that the target's documents do not carry;
        called once per export, whichever flows are chosen."""
        ...

    def export(self, ir: ProgrammeIR, flow: str, bindings: Bindings, report: Report, fmt: str) -> dict[str, Any]:
        """The engine document for one flow. Called only when every need is bound."""
        ...

    def validate(self, doc: dict[str, Any], fmt: str) -> list[str]:
        """The project's schema for the target and the engine's own graph
        rules; each problem a line that says where (a JSON pointer)."""
        ...

    def import_doc(self, doc: Any, bindings: Bindings | None, report: Report) -> Imported:
        """An engine document (as parsed JSON) as `.nurture` text."""
        ...


def report_scores(ir: ProgrammeIR, report: Report, code: str, instead: str) -> None:
    """Each score, and each threshold that acts, as an approximation at its
    span: neither engine's flow documents hold a scoring model, so what the
    score does is `instead` (the engine's own scoring, set up by hand)."""
    for name, score in sorted(ir.scores.items()):
        rules = len(score.fit) + len(score.behaviour)
        report.approximate(
            code,
            score.span,
            f"score `{name}` ({rules} rules) is no part of a flow",
            f"not exported; build it by hand {instead}",
        )
        for threshold in score.thresholds:
            if threshold.actions:
                acts = ", ".join(_action_shown(action) for action in threshold.actions)
                report.approximate(
                    code,
                    threshold.span,
                    f"threshold `{threshold.name}` of score `{name}` and what it does ({acts})",
                    f"not exported; build it by hand {instead}",
                )


def _action_shown(action: Any) -> str:
    if action.type == "handoff":
        return f"handoff {action.team}"
    if action.type == "notify":
        return f"notify {action.recipient}" if action.recipient else "notify"
    if action.type == "move_to":
        return f"move to {action.flow}"
    if action.type == "tag":
        return f'tag "{action.tag}"'
    if action.type == "score":
        return f"score {action.score} {'reset' if action.op == 'reset' else f'{action.points:+}'}"
    raise AssertionError(f"a threshold action of type {action.type!r} this function does not know")
