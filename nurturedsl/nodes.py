"""The syntax tree: one pydantic model per construct, each with its span.

These are what the parser's transformer builds; `model.py` resolves names and
checks meaning on top of them. Field types are validated by pydantic, so a
node can never hold a value of the wrong shape whatever the transformer does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Literal, ParamSpec, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from .source import Span


class Node(BaseModel):
    # Schemas are built on first use, not at import: only the node types a
    # playbook really uses cost start-up time.
    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid", defer_build=True)
    span: Span


_N = TypeVar("_N", bound=Node)
_Fields = ParamSpec("_Fields")

# Validating every node makes pydantic build a schema for each node class on
# first use, which costs a command-line run more than the parse itself. The
# parser's builder is the only producer of nodes, so its output is validated
# where its bugs would show: in the test suite, which sets this variable.
VALIDATE = os.environ.get("NURTUREDSL_VALIDATE_NODES") == "1"


def make(cls: Callable[_Fields, _N], *args: _Fields.args, **fields: _Fields.kwargs) -> _N:
    """A node from the parser's builder: validated under test, trusted
    otherwise. Typed as the class's constructor, so that the type checker
    holds every call to the node's fields (they are keyword-only: `args` is
    always empty)."""
    if VALIDATE:
        return cls(*args, **fields)
    node_class = cast("type[_N]", cls)
    for name, default, factory in _defaults(node_class):
        if name not in fields:
            fields[name] = factory() if factory is not None else default
    return node_class.model_construct(None, **fields)


_DEFAULTS: dict[type, tuple[tuple[str, object, Callable[[], object] | None], ...]] = {}


def _defaults(cls: type[Node]) -> tuple[tuple[str, object, Callable[[], object] | None], ...]:
    """(field, default, default factory) of a node class, read once. Filled in
    here because pydantic's `model_construct` inspects the signature of a
    default factory on every call, which cost more than the whole parse."""
    found = _DEFAULTS.get(cls)
    if found is None:
        found = _DEFAULTS[cls] = tuple(
            (name, info.default, cast("Callable[[], object]", info.default_factory))
            for name, info in cls.model_fields.items()
            if not info.is_required()
        )
    return found


# ------------------------------------------------------------------ values --

ValueKind = Literal["string", "number", "amount", "duration", "date", "bool"]


class Value(Node):
    kind: ValueKind
    text: str
    # strings and dates as text, numbers and amounts as numbers, durations in
    # seconds, booleans as bool
    value: bool | int | float | str

    def whole(self) -> int:
        """The value of one the checker accepted as a whole number."""
        if not isinstance(self.value, int) or isinstance(self.value, bool):
            raise TypeError(f"`{self.text}` is not a whole number")
        return self.value

    def number(self) -> int | float:
        """The value of a number or an amount."""
        if isinstance(self.value, (str, bool)):
            raise TypeError(f"`{self.text}` is not a number")
        return self.value


class Duration(Node):
    seconds: int
    text: str


# -------------------------------------------------------------- conditions --


class Ref(Node):
    """A bare name or dotted path: a segment, an event, a score threshold or a
    boolean attribute. `model.py` decides which and records it in `resolved`."""

    type: Literal["ref"] = "ref"
    path: list[str]
    resolved: str | None = None


CompareOp = Literal["==", "!=", "<", "<=", ">", ">="]


class Compare(Node):
    type: Literal["compare"] = "compare"
    path: list[str]
    path_span: Span
    op: CompareOp
    value: Value
    resolved: str | None = None  # "attribute" or "score"


class Member(Node):
    type: Literal["member"] = "member"
    path: list[str]
    path_span: Span
    values: list[Value]
    negated: bool = False


class Tagged(Node):
    type: Literal["tagged"] = "tagged"
    tag: str


class Has(Node):
    type: Literal["has"] = "has"
    path: list[str]


class Consent(Node):
    type: Literal["consent"] = "consent"
    channel: str


class Inactive(Node):
    type: Literal["inactive"] = "inactive"
    duration: Duration


class EventArg(Node):
    kind: Literal["string", "any", "name"]
    value: str


class EventTest(Node):
    type: Literal["event"] = "event"
    name: str
    name_span: Span
    args: list[EventArg] = Field(default_factory=list)
    within: Duration | None = None
    count_op: str | None = None
    count: Value | None = None


class _Combined(Node):
    # How deeply and/or/not nest inside this condition.
    _nesting: int = PrivateAttr(default=0)

    def children(self) -> list[Condition]:
        raise NotImplementedError  # pragma: no cover - each kind says


class Not(_Combined):
    type: Literal["not"] = "not"
    item: Condition

    def children(self) -> list[Condition]:
        return [self.item]


class And(_Combined):
    type: Literal["and"] = "and"
    items: list[Condition]

    def children(self) -> list[Condition]:
        return list(self.items)


class Or(_Combined):
    type: Literal["or"] = "or"
    items: list[Condition]

    def children(self) -> list[Condition]:
        return list(self.items)


# A `|` union rather than `Union[...]`: `isinstance` takes it (Setting.condition).
Condition = Ref | Compare | Member | Tagged | Has | Consent | Inactive | EventTest | Not | And | Or


class EventPattern(Node):
    name: str
    args: list[EventArg] = Field(default_factory=list)


# ------------------------------------------------------------------- steps --

TouchKind = Literal["email", "sms", "linkedin", "ads", "task", "notify"]
Intent = Literal["give", "ask"]


class Step(Node):
    # Set by model.py: the node id in the flow's graph.
    id: str = ""
    label: str | None = None
    # How many blocks deep the deepest step inside this one is.
    _nesting: int = PrivateAttr(default=0)


class Touch(Step):
    type: Literal["touch"] = "touch"
    channel: TouchKind
    content: str | None = None
    content_span: Span | None = None
    intent: Intent | None = None
    action: str | None = None  # linkedin follow/engage/..., ads add/remove
    audience: str | None = None  # ads
    text: str | None = None  # task, notify
    recipient: str | None = None  # task owner, notify recipient


class Wait(Step):
    type: Literal["wait"] = "wait"
    duration: Duration


class WaitUntil(Step):
    type: Literal["wait_until"] = "wait_until"
    condition: Condition
    timeout: Duration | None = None
    on_event: list[AnyStep] | None = None
    on_event_span: Span | None = None
    on_timeout: list[AnyStep] | None = None
    on_timeout_span: Span | None = None


class BranchArm(Node):
    condition: Condition
    steps: list[AnyStep]


class Branch(Step):
    type: Literal["branch"] = "branch"
    arms: list[BranchArm]
    otherwise: list[AnyStep] | None = None
    otherwise_span: Span | None = None


class SplitArm(Node):
    percent: float
    percent_text: str
    name: str | None = None
    steps: list[AnyStep]


class Split(Step):
    type: Literal["split"] = "split"
    arms: list[SplitArm]


class Repeat(Step):
    type: Literal["repeat"] = "repeat"
    every: Duration
    at_most: Value | None = None
    steps: list[AnyStep]


class Goto(Step):
    type: Literal["goto"] = "goto"
    target: str


class MoveTo(Step):
    type: Literal["move_to"] = "move_to"
    flow: str


class TagStep(Step):
    type: Literal["tag"] = "tag"
    tag: str
    remove: bool = False


class SetStep(Step):
    type: Literal["set"] = "set"
    path: list[str]
    value: Value


class Suppress(Step):
    type: Literal["suppress"] = "suppress"
    list_name: str
    revisit: Duration | None = None


class Handoff(Step):
    type: Literal["handoff"] = "handoff"
    team: str


class ExitStep(Step):
    type: Literal["exit"] = "exit"
    reason: str | None = None


AnyStep = (
    Touch
    | Wait
    | WaitUntil
    | Branch
    | Split
    | Repeat
    | Goto
    | MoveTo
    | TagStep
    | SetStep
    | Suppress
    | Handoff
    | ExitStep
)


# ------------------------------------------------------------ declarations --


_T = TypeVar("_T")
_U = TypeVar("_U")


class Setting(Node):
    """One `key value` line of a header or policy block."""

    key: str
    # Its shape depends on the key: the parser's builder (syntax.py) makes a
    # Duration for `first_touch`, a pair of Values for `give_to_get`, a
    # (text, span) pair for `timezone`, and so on. The accessors below are
    # for the stages after the checker, which has accepted that shape.
    value: object

    def of(self, kind: type[_T]) -> _T:
        """The value, which this setting's key makes a `kind`."""
        if not isinstance(self.value, kind):
            raise TypeError(f"setting `{self.key}` holds {type(self.value).__name__}, not {kind.__name__}")
        return self.value

    def pair(self, first: type[_T], second: type[_U]) -> tuple[_T, _U]:
        """The value, which this setting's key makes a pair."""
        value = self.value
        if (
            isinstance(value, tuple)
            and len(value) == 2
            and isinstance(value[0], first)
            and isinstance(value[1], second)
        ):
            return value[0], value[1]
        raise TypeError(f"setting `{self.key}` holds {value!r}, not a pair of {first.__name__} and {second.__name__}")

    def condition(self) -> Condition:
        """The value of an `audience` or `goal`."""
        if not isinstance(self.value, Condition):
            raise TypeError(f"setting `{self.key}` holds {type(self.value).__name__}, not a condition")
        return self.value


class Import(Node):
    path: str


class PlaybookHeader(Node):
    name: str
    settings: list[Setting] = Field(default_factory=list)


class Policy(Node):
    settings: list[Setting] = Field(default_factory=list)


class AttributeDecl(Node):
    path: list[str]
    type_name: str
    type_span: Span


class EventDecl(Node):
    name: str


class Segment(Node):
    name: str
    name_span: Span
    condition: Condition


class Content(Node):
    name: str
    name_span: Span
    kind: Intent
    title: str
    options: list[Setting] = Field(default_factory=list)


class FitRule(Node):
    points: int
    condition: Condition


class BehaviourRule(Node):
    points: int
    event: EventPattern
    modifiers: list[Setting] = Field(default_factory=list)


ThresholdOp = Literal["at", "above"]


class Threshold(Node):
    name: str
    op: ThresholdOp
    value: Value
    # handoff, move to, tag, and notify (a Touch on the notify channel)
    actions: list[Handoff | MoveTo | TagStep | Touch] = Field(default_factory=list)


class Score(Node):
    name: str
    name_span: Span
    fit_rules: list[FitRule] = Field(default_factory=list)
    behaviour_rules: list[BehaviourRule] = Field(default_factory=list)
    thresholds: list[Threshold] = Field(default_factory=list)


class Entry(Node):
    event: EventPattern | None = None
    delay: Duration | None = None
    condition: Condition | None = None


class Flow(Node):
    name: str
    name_span: Span
    title: str | None = None
    entries: list[Entry] = Field(default_factory=list)
    exits: list[Condition] = Field(default_factory=list)
    settings: list[Setting] = Field(default_factory=list)  # audience, goal, cadence, ...
    steps: list[AnyStep] = Field(default_factory=list)


Declaration = Import | PlaybookHeader | Policy | AttributeDecl | EventDecl | Segment | Content | Score | Flow


class Document(Node):
    """One parsed file."""

    declarations: list[Declaration] = Field(default_factory=list)
