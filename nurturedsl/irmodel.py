"""The JSON IR's definition: one pydantic model per shape of docs/ir.md.

The compiler (ir.py) builds these models; a runner's check (sim/checkir.py)
validates a document with them; `ir_schema()` derives the committed JSON
Schema from them. So the three cannot drift. Nodes are a union of one model
per node type, told apart by `type`; transitions and threshold actions
likewise by `kind` and `type`.

What the schema says beyond the Python types is said here too: optional
members are left out, never `null` (`_Schema` drops pydantic's null
branch), durations are 1 second to ten years, and conditions are JsonLogic
over the operations of `OPERATIONS` only, each with its own arguments.

Only the standard library, pydantic and the IR's own vocabulary (units,
policy) are imported: a runner imports this without the parser.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Final, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from . import units
from .policy import CONTACT_CHANNELS, MessageItem

FORMAT: Final = "nurturedsl-ir"
VERSION = "1.2.0"
SCHEMA_ID = "https://nurturedsl.dev/schema/nurturedsl-ir-1.json"
# `[0-9]`, not `\d`: pydantic's regular expressions take `\d` for any
# Unicode digit, JSON Schema's for 0-9 only.
VERSION_PATTERN: Final = r"^1\.[0-9]+\.[0-9]+$"
HHMM_PATTERN: Final = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
DATE_PATTERN: Final = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _on_the_calendar(text: str) -> str:
    # the pattern says YYYY-MM-DD; a runner computes with the date, so
    # 2026-13-45 or 2027-02-30 must not get that far
    import datetime

    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text} is not a date on the calendar") from None
    return text


# A date a runner computes with (calendar waits, experiment decisions).
CalendarDate = Annotated[str, Field(pattern=DATE_PATTERN), AfterValidator(_on_the_calendar)]


def _not_zero(points: int) -> int:
    if points == 0:
        raise ValueError("a score change of 0 points changes nothing")
    return points


# Points a score change adds: never 0, as the checker says (NUR014).
ChangePoints = Annotated[
    int,
    Field(description="Points added; negative subtracts. Never 0.", json_schema_extra={"not": {"const": 0}}),
    AfterValidator(_not_zero),
]

# ------------------------------------------------------------- conditions --


def _ref(name: str) -> dict[str, str]:
    """A reference to a definition, from a schema written by hand here:
    pydantic resolves every `$ref` it meets as one of its own, so these are
    written `x-ref` and become `$ref` once it is done (`_resolve`)."""
    return {"x-ref": name}


# A JsonLogic rule is an object of one operation; its arguments, per
# operation, are below. Python holds a rule as plain JSON data.
JsonLogic = Annotated[dict[str, Any], WithJsonSchema(_ref("JsonLogic"))]

Arguments = Literal["attribute", "one", "two", "two or more", "name", "event count", "seconds"]
# The operations docs/ir.md's Conditions section lists, with their
# arguments: "attribute" a dotted path; "one", "two", "two or more" that many
# operands (a rule or a literal: string, number, boolean, or an array of
# them); "name" [a segment's, score's or flow's name]; "event count" [name,
# arg or null, seconds or null] and, since 1.2, optionally a fourth: the
# channel of the touch the event is about; "seconds" [a duration in seconds].
OPERATIONS: Final[dict[str, Arguments]] = {
    "var": "attribute",
    "==": "two",
    "!=": "two",
    "<": "two",
    "<=": "two",
    ">": "two",
    ">=": "two",
    "in": "two",
    "and": "two or more",
    "or": "two or more",
    "!": "one",
    "!!": "one",
    "segment": "name",
    "event_count": "event count",
    "score": "name",
    "inactive": "seconds",
    "in_flow": "name",  # since 1.2: the contact is in this flow now
}
# The channels `event_count`'s fourth argument may name: the contact channels.
EVENT_CHANNELS: Final = CONTACT_CHANNELS
_COUNTS: Final[dict[Arguments, tuple[int, int | None]]] = {"one": (1, 1), "two": (2, 2), "two or more": (2, None)}


def _is_seconds(value: object) -> bool:
    return type(value) is int and 0 < value <= units.MAX_DURATION_SECONDS


def argument_problem(op: str, args: object) -> str | None:
    """What is wrong with a known operation's arguments, as the schema's
    `JsonLogic` definition says it; None when they are right. Operands that
    are rules are not looked into (the caller walks them)."""
    kind = OPERATIONS[op]
    if kind == "attribute":
        return None if isinstance(args, str) else f"`{op}` takes an attribute's dotted path (a string)"
    if not isinstance(args, list):
        return f"`{op}` takes an array of arguments"
    if kind in _COUNTS:
        low, high = _COUNTS[kind]
        if len(args) < low or (high is not None and len(args) > high):
            return f"`{op}` takes {kind} argument{'s' if low > 1 else ''}, not {len(args)}"
        return None
    if kind == "name":
        return None if len(args) == 1 and isinstance(args[0], str) else f"`{op}` takes [name]"
    if kind == "event count":
        good = (
            len(args) in (3, 4)
            and isinstance(args[0], str)
            and (args[1] is None or isinstance(args[1], str))
            and (args[2] is None or _is_seconds(args[2]))
            and (len(args) == 3 or args[3] in EVENT_CHANNELS)
        )
        return None if good else "`event_count` takes [name, arg or null, seconds within or null, optional channel]"
    return None if len(args) == 1 and _is_seconds(args[0]) else f"`{op}` takes [seconds]"


def _seconds_schema() -> dict[str, Any]:
    return {"type": "integer", "exclusiveMinimum": 0, "maximum": units.MAX_DURATION_SECONDS}


def _arguments_schema(kind: Arguments) -> dict[str, Any]:
    operand = _ref("JsonLogicOperand")
    if kind == "attribute":
        return {"type": "string"}
    if kind in _COUNTS:
        low, high = _COUNTS[kind]
        return {"type": "array", "items": operand, "minItems": low} | ({"maxItems": high} if high else {})
    items: list[dict[str, Any]]
    if kind == "name":
        items = [{"type": "string"}]
    elif kind == "event count":
        items = [{"type": "string"}, {"type": ["string", "null"]}, {"anyOf": [_seconds_schema(), {"type": "null"}]}]
        # the channel, since 1.2: optional, so a 1.1 rule stays valid
        channel = {"enum": list(EVENT_CHANNELS)}
        return {"type": "array", "prefixItems": [*items, channel], "items": False, "minItems": 3, "maxItems": 4}
    else:
        items = [_seconds_schema()]
    return {"type": "array", "prefixItems": items, "items": False, "minItems": len(items)}


def _condition_defs() -> dict[str, Any]:
    return {
        "JsonLogic": {
            "description": "A JsonLogic rule: an object of exactly one of the operations docs/ir.md lists.",
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "properties": {op: _arguments_schema(kind) for op, kind in OPERATIONS.items()},
            "additionalProperties": False,
        },
        "JsonLogicOperand": {
            "description": "A rule, or a literal: a string, number, boolean or an array of operands.",
            "anyOf": [
                _ref("JsonLogic"),
                {"type": ["string", "number", "boolean"]},
                {"type": "array", "items": _ref("JsonLogicOperand")},
            ],
        },
    }


# ------------------------------------------------------------ shared shapes --


class _IR(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Members with a default in Python that a document nevertheless always
    # has (the compiler fills the default in): required by the schema and by
    # a runner's check, though the compiler may leave them to the default.
    ALWAYS: ClassVar[tuple[str, ...]] = ()


# Since 1.2: runner metadata (`meta { ... }` in the source), carried
# untouched: names to texts, numbers or booleans, for engine bindings such
# as template or sender ids. Nothing in the IR's meaning depends on it.
_META_KEY = r"^[A-Za-z_][A-Za-z0-9_]*$"
MetaKey = Annotated[str, Field(pattern=_META_KEY)]
MetaIR = Annotated[
    dict[MetaKey, Union[bool, int, float, str]],  # noqa: UP007 - pydantic keeps the order
    # `propertyNames`, not pydantic's `patternProperties`, which would let
    # other keys through unchecked
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": {"pattern": _META_KEY},
            "additionalProperties": {"type": ["boolean", "number", "string"]},
        }
    ),
]


def _meta_field() -> Any:
    return Field(
        default=None,
        description="Since 1.2: runner metadata from a `meta` block, untouched (names to texts, numbers "
        "or booleans); absent when the source has none.",
    )


Seconds = Annotated[int, Field(gt=0, le=units.MAX_DURATION_SECONDS, description="Whole seconds, above zero.")]


class SpanIR(_IR):
    file: str = Field(description="Path of the source file, relative to the compiled playbook's folder.")
    line: int
    column: int
    end_line: int
    end_column: int


class DurationIR(_IR):
    seconds: Seconds = Field(description="The duration in whole seconds: above zero, at most ten years.")
    iso: str = Field(description="The same duration in ISO 8601, e.g. P3D.")


class EventIR(_IR):
    name: str
    arg: str | None = Field(default=None, description="The event's argument; absent means any.")


class PlaybookIR(_IR):
    name: str
    owner: str | None = None
    reviewed: str | None = Field(default=None, description="ISO 8601 date.")
    version: str | None = None
    description: str | None = None
    span: SpanIR | None = None
    meta: MetaIR | None = _meta_field()


class RatioIR(_IR):
    gives: int
    asks: int


class RangeIR(_IR):
    min: DurationIR
    max: DurationIR


class CapIR(_IR):
    count: int
    per: DurationIR


class ChannelCapIR(_IR):
    channel: Literal["email", "sms", "linkedin", "ads"]
    count: int = Field(gt=0)
    per: DurationIR


class RateLimitIR(_IR):
    count: int = Field(gt=0)
    per: DurationIR


class RateLimitsIR(_IR):
    entries: RateLimitIR | None = Field(
        default=None,
        description="At most `count` entries into the flow, of all contacts, in any window of `per`; "
        "an entry over it is refused.",
    )
    sends: RateLimitIR | None = Field(
        default=None,
        description="At most `count` messages from the flow, to all contacts, in any window of `per`; "
        "a message over it is held.",
    )


class QuietHoursIR(_IR):
    start: str = Field(pattern=HHMM_PATTERN, description="HH:MM in the contact's time zone; no touch from here...")
    end: str = Field(pattern=HHMM_PATTERN, description="...until here (may wrap past midnight).")


class PolicyIR(_IR):
    give_to_get: RatioIR
    cadence: RangeIR
    first_touch: DurationIR
    max_touches: int
    frequency_cap: CapIR | None = None
    frequency_caps: list[ChannelCapIR] | None = Field(
        default=None,
        description="Since 1.2: caps on one channel's messages, one per channel, sorted by channel, on top of "
        "`frequency_cap`; absent when there are none.",
    )
    quiet_hours: QuietHoursIR | None = None
    send_days: list[units.Day]
    timezone: str = Field(description="IANA zone for contacts without one of their own.")
    unsubscribe_required: bool
    messages: list[MessageItem] | None = Field(
        default=None,
        description="What counts as a message: a channel (every action on it) or `channel action`. Other "
        "contact-facing touches are presence. Always present since 1.1; absent in 1.0 documents, "
        "where the default [email, sms, linkedin message, linkedin connect] applies.",
    )


class SegmentIR(_IR):
    condition: JsonLogic
    span: SpanIR


GiveOrAsk = Literal["give", "ask"]


class ContentIR(_IR):
    ALWAYS = ("gated", "attached", "unsubscribe_link")
    kind: GiveOrAsk
    title: str
    stage: Literal["early", "mid", "late"] | None = None
    persona: str | None = None
    gated: bool = False
    attached: bool = False
    unsubscribe_link: bool = False
    way_out: bool = Field(
        default=False,
        description="Since 1.1: an ask that offers the contact a way out of the conversation "
        '("Should I close your file?"); the give-to-get rules do not count it.',
    )
    url: str | None = None
    subject: str | None = None
    body: str | None = None
    cta: str | None = None
    reviewed: str | None = None
    span: SpanIR
    meta: MetaIR | None = _meta_field()


# ------------------------------------------------------------------ scores --


class FitRuleIR(_IR):
    points: int
    condition: JsonLogic
    span: SpanIR


class BehaviourRuleIR(_IR):
    points: int
    event: EventIR
    decay_half_life: DurationIR | None = None
    expires: DurationIR | None = None
    at_most: int | None = Field(default=None, description="Occurrences counted at most; absent means all.")
    span: SpanIR


class HandoffActionIR(_IR):
    type: Literal["handoff"]
    team: str


class NotifyActionIR(_IR):
    type: Literal["notify"]
    text: str = Field(description="Alert text; {name}, {score} and other {attribute} placeholders.")
    recipient: str | None = Field(default=None, description="Absent: the runner's default recipient.")


class MoveToActionIR(_IR):
    type: Literal["move_to"]
    flow: str


class TagActionIR(_IR):
    type: Literal["tag"]
    tag: str


class ScoreAddIR(_IR):
    """Since 1.2: add `points` (negative: subtract) to a score, as a manual
    adjustment (docs/ir.md, "Score changes")."""

    type: Literal["score"]
    score: str = Field(description="A name in the document's `scores`.")
    op: Literal["add"]
    points: ChangePoints


class ScoreResetIR(_IR):
    """Since 1.2: set a score to 0 now (docs/ir.md, "Score changes")."""

    type: Literal["score"]
    score: str = Field(description="A name in the document's `scores`.")
    op: Literal["reset"]


ScoreChangeIR = Annotated[Union[ScoreAddIR, ScoreResetIR], Field(discriminator="op")]  # noqa: UP007


ActionIR = Annotated[
    Union[HandoffActionIR, NotifyActionIR, MoveToActionIR, TagActionIR, ScoreChangeIR],  # noqa: UP007 - a discriminated union
    Field(discriminator="type"),
]


class ThresholdIR(_IR):
    name: str
    op: Literal[">=", ">"]
    value: int | float
    actions: list[ActionIR]
    span: SpanIR


class ScoreIR(_IR):
    fit: list[FitRuleIR]
    behaviour: list[BehaviourRuleIR]
    thresholds: list[ThresholdIR]
    span: SpanIR


# ------------------------------------------------------------- transitions --


class _Transition(_IR):
    to: str = Field(description="The id of the next node, in the same flow's `nodes`.")


class NextIR(_Transition):
    kind: Literal["next"]


class DelayedNextIR(_Transition):
    """A wait's transition: taken `delay` after arriving at the node."""

    kind: Literal["next"]
    delay: DurationIR


class BranchTransitionIR(_Transition):
    kind: Literal["branch"]
    guard: JsonLogic


class ElseIR(_Transition):
    kind: Literal["else"]
    label: str | None = Field(default=None, description='"no arm matched" when the source had no `else`.')


class SplitTransitionIR(_Transition):
    kind: Literal["split"]
    weight: float = Field(gt=0, le=100, description="Percentage of contacts; a node's weights add up to 100.")
    label: str | None = Field(default=None, description="The arm's name.")


class EventTransitionIR(_Transition):
    kind: Literal["event"]
    guard: JsonLogic


class TimeoutIR(_Transition):
    kind: Literal["timeout"]
    delay: DurationIR


class LoopIR(_Transition):
    kind: Literal["loop"]


class DoneIR(_Transition):
    kind: Literal["done"]


class GotoTransitionIR(_Transition):
    kind: Literal["goto"]


class ArmIR(_Transition):
    """A `wait_for` arm: taken when `event` occurs after the contact arrived."""

    kind: Literal["event"]
    event: EventIR


TransitionIR = Union[  # noqa: UP007 - one name for every transition model, for the compiler
    NextIR,
    DelayedNextIR,
    BranchTransitionIR,
    ElseIR,
    SplitTransitionIR,
    EventTransitionIR,
    TimeoutIR,
    LoopIR,
    DoneIR,
    GotoTransitionIR,
    ArmIR,
]
TransitionKind = Literal["next", "branch", "else", "split", "event", "timeout", "loop", "done", "goto"]

# Which transitions a node has. The schema says the order too (`prefixItems`,
# one `else`); Python validates the kinds and the count, and a runner's
# check (sim/checkir.py) the order, that a branch's `else` is last, and that
# split weights add up to 100, which no schema can say.
OneNext = Annotated[list[NextIR], Field(min_length=1, max_length=1, description="One `next` transition.")]
NoTransitions = Annotated[list[NextIR], Field(max_length=0, description="None: the contact leaves the flow here.")]
BranchTransitions = Annotated[
    list[Annotated[Union[BranchTransitionIR, ElseIR], Field(discriminator="kind")]],  # noqa: UP007
    Field(
        min_length=2,
        description="One or more `branch` transitions, each with a guard, then one `else`.",
        json_schema_extra={
            "contains": {"properties": {"kind": {"const": "else"}}},
            "minContains": 1,
            "maxContains": 1,
        },
    ),
]
WaitUntilTransitions = Annotated[
    list[Annotated[Union[EventTransitionIR, TimeoutIR], Field(discriminator="kind")]],  # noqa: UP007
    Field(
        min_length=1,
        max_length=2,
        description="One `event` (guard = condition), then a `timeout` if any.",
        json_schema_extra={"prefixItems": [_ref("EventTransitionIR"), _ref("TimeoutIR")]},
    ),
]
WaitForTransitions = Annotated[
    list[Annotated[Union[ArmIR, TimeoutIR], Field(discriminator="kind")]],  # noqa: UP007
    Field(
        min_length=2,
        description="One `event` per arm, in the order written (the first to occur wins; "
        "at the same moment, the first written), then one `timeout`.",
        json_schema_extra={
            "contains": {"properties": {"kind": {"const": "timeout"}}},
            "minContains": 1,
            "maxContains": 1,
        },
    ),
]
RepeatTransitions = Annotated[
    list[Annotated[Union[LoopIR, DoneIR], Field(discriminator="kind")]],  # noqa: UP007
    Field(
        min_length=2,
        max_length=2,
        description="One `loop`, then one `done`.",
        json_schema_extra={"prefixItems": [_ref("LoopIR"), _ref("DoneIR")]},
    ),
]

# ------------------------------------------------------------------- nodes --


class _Node(_IR):
    span: SpanIR
    meta: MetaIR | None = _meta_field()


class EntryNodeIR(_IR):
    type: Literal["entry"]
    next: OneNext


class EndNodeIR(_IR):
    type: Literal["end"]
    next: NoTransitions
    reason: Literal["completed"]


def _message_flag() -> Any:
    return Field(
        default=None,
        description="Since 1.1 (absent in 1.0 documents): true for a message, false for presence, "
        "under the policy's `messages`.",
    )


class EmailNodeIR(_Node):
    type: Literal["email"]
    next: OneNext
    content: str = Field(description="A name in the document's `content`.")
    give_or_ask: GiveOrAsk = Field(description="The content's `kind`.")
    message: bool | None = _message_flag()


class SmsNodeIR(_Node):
    type: Literal["sms"]
    next: OneNext
    content: str = Field(description="A name in the document's `content`.")
    give_or_ask: GiveOrAsk = Field(description="The content's `kind`.")
    message: bool | None = _message_flag()


class LinkedInMessageNodeIR(_Node):
    type: Literal["linkedin"]
    action: Literal["message"]
    next: OneNext
    content: str
    give_or_ask: GiveOrAsk
    message: bool | None = _message_flag()


class LinkedInConnectNodeIR(_Node):
    type: Literal["linkedin"]
    action: Literal["connect"]
    next: OneNext
    content: str | None = Field(default=None, description="The connection request's note.")
    give_or_ask: GiveOrAsk | None = None
    message: bool | None = _message_flag()


class LinkedInPresenceNodeIR(_Node):
    type: Literal["linkedin"]
    action: Literal["follow", "engage"]
    next: OneNext
    message: bool | None = _message_flag()


LinkedInNodeIR = Annotated[
    Union[LinkedInMessageNodeIR, LinkedInConnectNodeIR, LinkedInPresenceNodeIR],  # noqa: UP007
    Field(discriminator="action"),
]


class AdsNodeIR(_Node):
    type: Literal["ads"]
    action: Literal["add", "remove"]
    audience: str
    next: OneNext
    content: str | None = Field(default=None, description="The creative.")
    give_or_ask: GiveOrAsk | None = None
    message: bool | None = _message_flag()


class TaskNodeIR(_Node):
    type: Literal["task"]
    next: OneNext
    text: str
    recipient: str | None = Field(default=None, description="The task's owner.")


class NotifyNodeIR(_Node):
    type: Literal["notify"]
    next: OneNext
    text: str
    recipient: str | None = Field(default=None, description="Absent: the runner's default recipient.")


class WaitNodeIR(_Node):
    type: Literal["wait"]
    next: Annotated[list[DelayedNextIR], Field(min_length=1, max_length=1, description="delay = duration")]
    duration: DurationIR
    repeat: str | None = Field(default=None, description="For a repeat's own wait node: the repeat it belongs to.")


class WaitUntilNodeIR(_Node):
    type: Literal["wait_until"]
    next: WaitUntilTransitions
    condition: JsonLogic
    timeout: DurationIR | None = None


class WaitCalendarNodeIR(_Node):
    """Since 1.2: wait until the next moment matching `date`, `days` and
    `time`, in the contact's time zone (its `timezone` attribute, else the
    policy's). A node type of its own, not a `wait` with options: a runner
    that knows only 1.0's `wait` rejects it instead of sleeping wrong."""

    type: Literal["wait_calendar"]
    next: OneNext
    date: CalendarDate | None = Field(default=None, description="YYYY-MM-DD; a date already past is reached at once.")
    days: list[units.Day] | None = Field(
        default=None,
        min_length=1,
        description="The weekdays allowed, in week order, each once (a range written `mon..fri`).",
        json_schema_extra={"uniqueItems": True},
    )
    time: str | None = Field(
        default=None,
        pattern=HHMM_PATTERN,
        description="HH:MM local time; absent with a date: its start (00:00). Reached when the clock shows it.",
    )

    # A date or a time (days need one); never a date and days together.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [{"required": ["date"]}, {"required": ["time"]}],
            "dependentRequired": {"days": ["time"]},
            "not": {"required": ["date", "days"]},
        },
    )

    @model_validator(mode="after")
    def _a_moment(self) -> WaitCalendarNodeIR:
        if self.date is not None and self.days is not None:
            raise ValueError("a calendar wait has a date or days, not both")
        if self.days is not None and self.time is None:
            raise ValueError("a calendar wait on days needs a `time`")
        if self.date is None and self.time is None:
            raise ValueError("a calendar wait needs a `date` or a `time`")
        if self.days is not None and list(self.days) != sorted(set(self.days), key=units.day_index):
            raise ValueError("a calendar wait's days are in week order, each once")
        return self


class WaitForNodeIR(_Node):
    """Since 1.2: action paths. Only events after arrival count."""

    type: Literal["wait_for"]
    next: WaitForTransitions
    timeout: DurationIR


class BranchNodeIR(_Node):
    type: Literal["branch"]
    next: BranchTransitions


class SplitNodeIR(_Node):
    type: Literal["split"]
    next: Annotated[list[SplitTransitionIR], Field(min_length=1, description="Each arm, with its weight.")]


class DecideAfterIR(_IR):
    """Decide once every arm has `per_arm` contacts whose window has closed."""

    rule: Literal["after"]
    per_arm: int = Field(ge=1, description="Contacts per arm whose goal window has closed.")


class DecideOnIR(_IR):
    """Decide at 00:00 UTC of `date`, on the contacts whose window has closed by then."""

    rule: Literal["on"]
    date: CalendarDate = Field(description="YYYY-MM-DD.")


DecisionIR = Annotated[
    Union[DecideAfterIR, DecideOnIR],  # noqa: UP007 - a discriminated union
    Field(discriminator="rule"),
]


class ExperimentNodeIR(_Node):
    """A split that picks a winner (IR 1.2.0): arms as a split's, each named."""

    type: Literal["experiment"]
    next: Annotated[
        list[SplitTransitionIR],
        Field(min_length=2, description="Each arm, with its weight and its name as `label`."),
    ]
    goal: JsonLogic
    window: DurationIR = Field(description="How long after entering an arm a contact's goal counts.")
    decide: DecisionIR


class RepeatNodeIR(_Node):
    type: Literal["repeat"]
    next: RepeatTransitions
    every: DurationIR
    at_most: int | None = Field(default=None, description="Loops taken at most; absent means no limit.")


class GotoNodeIR(_Node):
    type: Literal["goto"]
    next: Annotated[list[GotoTransitionIR], Field(min_length=1, max_length=1, description="One `goto` to `target`.")]
    target: str


class TagNodeIR(_Node):
    type: Literal["tag"]
    next: OneNext
    tag: str
    remove: bool = Field(description="false for tag, true for untag.")


class SetNodeIR(_Node):
    type: Literal["set"]
    next: OneNext
    attribute: str = Field(description="A dotted path.")
    value: bool | int | float | str = Field(
        description="A string, number, seconds for a duration, YYYY-MM-DD for a date, or a boolean."
    )


class MoveToNodeIR(_Node):
    type: Literal["move_to"]
    next: NoTransitions
    flow: str


class SuppressNodeIR(_Node):
    type: Literal["suppress"]
    next: NoTransitions
    suppression_list: str
    revisit: DurationIR | None = None


class HandoffNodeIR(_Node):
    type: Literal["handoff"]
    next: NoTransitions
    team: str


class ExitNodeIR(_Node):
    type: Literal["exit"]
    next: NoTransitions
    reason: str | None = None


class WebhookNodeIR(_Node):
    """Since 1.2: a call to a URL, made by the runner; never a touch."""

    type: Literal["webhook"]
    next: OneNext
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
    url: str = Field(
        pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://",
        description="Absolute http(s) URL; {attribute} placeholders are filled in with the value, URL-encoded.",
    )
    body: str | None = Field(
        default=None,
        description="JSON text (POST, PUT, PATCH only); {attribute} placeholders inside its strings are "
        "filled in with the value's text, JSON-escaped.",
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "if": {"properties": {"method": {"enum": ["GET", "DELETE"]}}},
            "then": {"not": {"required": ["body"]}},
        },
    )

    @model_validator(mode="after")
    def _body_where_allowed(self) -> WebhookNodeIR:
        if self.body is not None and self.method in ("GET", "DELETE"):
            raise ValueError(f"a {self.method} webhook sends no body")
        return self


class ScoreAddNodeIR(_Node):
    """Since 1.2: `score NAME +N` / `-N` as a step."""

    type: Literal["score"]
    op: Literal["add"]
    next: OneNext
    score: str = Field(description="A name in the document's `scores`.")
    points: ChangePoints


class ScoreResetNodeIR(_Node):
    """Since 1.2: `score NAME reset` as a step."""

    type: Literal["score"]
    op: Literal["reset"]
    next: OneNext
    score: str = Field(description="A name in the document's `scores`.")


ScoreNodeIR = Annotated[Union[ScoreAddNodeIR, ScoreResetNodeIR], Field(discriminator="op")]  # noqa: UP007


NodeIR = Annotated[
    Union[  # noqa: UP007 - a discriminated union
        EntryNodeIR,
        EndNodeIR,
        EmailNodeIR,
        SmsNodeIR,
        LinkedInNodeIR,
        AdsNodeIR,
        TaskNodeIR,
        NotifyNodeIR,
        WaitNodeIR,
        WaitUntilNodeIR,
        WaitCalendarNodeIR,
        WaitForNodeIR,
        BranchNodeIR,
        SplitNodeIR,
        RepeatNodeIR,
        GotoNodeIR,
        MoveToNodeIR,
        TagNodeIR,
        SetNodeIR,
        SuppressNodeIR,
        HandoffNodeIR,
        ExitNodeIR,
        ExperimentNodeIR,
        WebhookNodeIR,
        ScoreNodeIR,
    ],
    Field(discriminator="type"),
]
NodeType = Literal[
    "entry",
    "end",
    "email",
    "sms",
    "linkedin",
    "ads",
    "task",
    "notify",
    "wait",
    "wait_until",
    "wait_calendar",
    "wait_for",
    "branch",
    "split",
    "repeat",
    "goto",
    "move_to",
    "tag",
    "set",
    "suppress",
    "handoff",
    "exit",
    "experiment",
    "webhook",
    "score",
]

# ------------------------------------------------------------------- flows --


class EntryIR(_IR):
    event: EventIR | None = None
    delay: DurationIR | None = None
    condition: JsonLogic | None = None
    span: SpanIR


class ReentryIR(_IR):
    allowed: bool
    after: DurationIR | None = None


class FlowIR(_IR):
    title: str | None = None
    entry: list[EntryIR]
    audience: JsonLogic | None = None
    goal: JsonLogic | None = None
    exit: list[JsonLogic]
    cadence: RangeIR
    max_touches: int
    reentry: ReentryIR
    rate_limits: RateLimitsIR | None = Field(default=None, description="Since 1.2; absent when the flow has none.")
    reviewed: str | None = None
    start: str
    nodes: dict[str, NodeIR]
    span: SpanIR
    meta: MetaIR | None = _meta_field()


AttributeType = Literal["string", "number", "duration", "date", "bool"]


class ProgrammeIR(_IR):
    model_config = ConfigDict(extra="forbid", title="nurturedsl IR")
    format: Literal["nurturedsl-ir"]
    version: str = Field(pattern=VERSION_PATTERN, description="Semantic version of the IR format: 1.MINOR.PATCH.")
    playbook: PlaybookIR
    sources: list[str]
    policy: PolicyIR
    attributes: dict[str, AttributeType]
    events: list[str]
    segments: dict[str, SegmentIR]
    content: dict[str, ContentIR]
    scores: dict[str, ScoreIR]
    flows: dict[str, FlowIR]


# ------------------------------------------------------------------ schema --


class _Schema(GenerateJsonSchema):
    """Pydantic's JSON Schema, saying what docs/ir.md says of optional
    members: they are left out, never `null` (a Python `None` default means
    "absent"), and members the compiler always writes are required."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        if schema.get("default", ...) is None:
            return self.generate_inner(schema["schema"])
        return super().default_schema(schema)


def _always_required(schema: dict[str, Any]) -> None:
    names = {cls.__name__: cls for cls in _models()}
    for name, definition in schema["$defs"].items():
        cls = names.get(name)
        if cls is not None and cls.ALWAYS:
            required = definition.setdefault("required", [])
            required.extend(field for field in cls.ALWAYS if field not in required)


def _models() -> list[type[_IR]]:
    found: list[type[_IR]] = []
    stack: list[type[_IR]] = [_IR]
    while stack:
        for sub in stack.pop().__subclasses__():
            found.append(sub)
            stack.append(sub)
    return found


def _resolve(value: Any) -> None:
    if isinstance(value, dict):
        if "x-ref" in value:
            value["$ref"] = "#/$defs/" + value.pop("x-ref")
        for inner in value.values():
            _resolve(inner)
    elif isinstance(value, list):
        for inner in value:
            _resolve(inner)


def ir_schema() -> dict[str, Any]:
    schema = ProgrammeIR.model_json_schema(schema_generator=_Schema)
    schema["$defs"].update(_condition_defs())
    _resolve(schema)
    _always_required(schema)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
