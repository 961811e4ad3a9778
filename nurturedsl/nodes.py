"""The syntax tree: one pydantic model per construct, each with its span.

These are what the parser's transformer builds; `model.py` resolves names and
checks meaning on top of them. Field types are validated by pydantic, so a
node can never hold a value of the wrong shape whatever the transformer does.
"""

from __future__ import annotations

import os
from typing import Literal, Optional, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from .source import Span


class Node(BaseModel):
    # Schemas are built on first use, not at import: only the node types a
    # playbook really uses cost start-up time.
    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid", defer_build=True)
    span: Span


_N = TypeVar("_N", bound=Node)

# Validating every node makes pydantic build a schema for each node class on
# first use, which costs a command-line run more than the parse itself. The
# parser's builder is the only producer of nodes, so its output is validated
# where its bugs would show: in the test suite, which sets this variable.
VALIDATE = os.environ.get("NURTUREDSL_VALIDATE_NODES") == "1"


def make(cls: type[_N], **fields) -> _N:
    """A node from the parser's builder: validated under test, trusted
    otherwise."""
    return cls(**fields) if VALIDATE else cls.model_construct(**fields)


# ------------------------------------------------------------------ values --

ValueKind = Literal["string", "number", "amount", "duration", "date", "bool"]


class Value(Node):
    kind: ValueKind
    text: str
    # strings and dates as text, numbers and amounts as numbers, durations in
    # seconds, booleans as bool
    value: Union[bool, int, float, str]


class Duration(Node):
    seconds: int
    text: str


# -------------------------------------------------------------- conditions --


class Ref(Node):
    """A bare name or dotted path: a segment, an event, a score threshold or a
    boolean attribute. `model.py` decides which and records it in `resolved`."""

    type: Literal["ref"] = "ref"
    path: list[str]
    resolved: Optional[str] = None


class Compare(Node):
    type: Literal["compare"] = "compare"
    path: list[str]
    path_span: Span
    op: Literal["==", "!=", "<", "<=", ">", ">="]
    value: Value
    resolved: Optional[str] = None  # "attribute" or "score"


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
    within: Optional[Duration] = None
    count_op: Optional[str] = None
    count: Optional[Value] = None


class _Combined(Node):
    # How deeply and/or/not nest inside this condition.
    _nesting: int = PrivateAttr(default=0)

    def children(self) -> list["Condition"]:
        return [self.item] if isinstance(self, Not) else list(self.items)


class Not(_Combined):
    type: Literal["not"] = "not"
    item: "Condition"


class And(_Combined):
    type: Literal["and"] = "and"
    items: list["Condition"]


class Or(_Combined):
    type: Literal["or"] = "or"
    items: list["Condition"]


Condition = Union[Ref, Compare, Member, Tagged, Has, Consent, Inactive, EventTest, Not, And, Or]


class EventPattern(Node):
    name: str
    args: list[EventArg] = Field(default_factory=list)


# ------------------------------------------------------------------- steps --

TouchKind = Literal["email", "sms", "linkedin", "ads", "task", "notify"]


class Step(Node):
    # Set by model.py: the node id in the flow's graph.
    id: str = ""
    label: Optional[str] = None
    # How many blocks deep the deepest step inside this one is.
    _nesting: int = PrivateAttr(default=0)


class Touch(Step):
    type: Literal["touch"] = "touch"
    channel: TouchKind
    content: Optional[str] = None
    content_span: Optional[Span] = None
    intent: Optional[Literal["give", "ask"]] = None
    action: Optional[str] = None  # linkedin follow/engage/..., ads add/remove
    audience: Optional[str] = None  # ads
    text: Optional[str] = None  # task, notify
    recipient: Optional[str] = None  # task owner, notify recipient


class Wait(Step):
    type: Literal["wait"] = "wait"
    duration: Duration


class WaitUntil(Step):
    type: Literal["wait_until"] = "wait_until"
    condition: Condition
    timeout: Optional[Duration] = None
    on_event: Optional[list["AnyStep"]] = None
    on_event_span: Optional[Span] = None
    on_timeout: Optional[list["AnyStep"]] = None
    on_timeout_span: Optional[Span] = None


class BranchArm(Node):
    condition: Condition
    steps: list["AnyStep"]


class Branch(Step):
    type: Literal["branch"] = "branch"
    arms: list[BranchArm]
    otherwise: Optional[list["AnyStep"]] = None
    otherwise_span: Optional[Span] = None


class SplitArm(Node):
    percent: float
    percent_text: str
    name: Optional[str] = None
    steps: list["AnyStep"]


class Split(Step):
    type: Literal["split"] = "split"
    arms: list[SplitArm]


class Repeat(Step):
    type: Literal["repeat"] = "repeat"
    every: Duration
    at_most: Optional[Value] = None
    steps: list["AnyStep"]


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
    revisit: Optional[Duration] = None


class Handoff(Step):
    type: Literal["handoff"] = "handoff"
    team: str


class ExitStep(Step):
    type: Literal["exit"] = "exit"
    reason: Optional[str] = None


AnyStep = Union[Touch, Wait, WaitUntil, Branch, Split, Repeat, Goto, MoveTo, TagStep, SetStep, Suppress, Handoff, ExitStep]


# ------------------------------------------------------------ declarations --


class Setting(Node):
    """One `key value` line of a header or policy block."""

    key: str
    value: object


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
    kind: Literal["give", "ask"]
    title: str
    options: list[Setting] = Field(default_factory=list)


class FitRule(Node):
    points: int
    condition: Condition


class BehaviourRule(Node):
    points: int
    event: EventPattern
    modifiers: list[Setting] = Field(default_factory=list)


class Threshold(Node):
    name: str
    op: Literal["at", "above"]
    value: Value
    # handoff, move to, tag, and notify (a Touch on the notify channel)
    actions: list[Union["Handoff", "MoveTo", "TagStep", "Touch"]] = Field(default_factory=list)


class Score(Node):
    name: str
    name_span: Span
    fit_rules: list[FitRule] = Field(default_factory=list)
    behaviour_rules: list[BehaviourRule] = Field(default_factory=list)
    thresholds: list[Threshold] = Field(default_factory=list)


class Entry(Node):
    event: Optional[EventPattern] = None
    delay: Optional[Duration] = None
    condition: Optional[Condition] = None


class Flow(Node):
    name: str
    name_span: Span
    title: Optional[str] = None
    entries: list[Entry] = Field(default_factory=list)
    exits: list[Condition] = Field(default_factory=list)
    settings: list[Setting] = Field(default_factory=list)  # audience, goal, cadence, ...
    steps: list[AnyStep] = Field(default_factory=list)


Declaration = Union[Import, PlaybookHeader, Policy, AttributeDecl, EventDecl, Segment, Content, Score, Flow]


class Document(Node):
    """One parsed file."""

    declarations: list[Declaration] = Field(default_factory=list)

