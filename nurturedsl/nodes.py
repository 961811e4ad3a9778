"""The syntax tree: one pydantic model per construct, each with its span.

These are what the parser's transformer builds; `model.py` resolves names and
checks meaning on top of them. Field types are validated by pydantic, so a
node can never hold a value of the wrong shape whatever the transformer does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import ClassVar, Literal, ParamSpec, TypeVar, cast, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr
from typing_extensions import assert_never

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
    names = _FIELD_NAMES.get(node_class)
    if names is None:
        names = _field_names(node_class)
    if not names:
        return node_class.model_construct(None, **fields)
    # What `model_construct` makes of these fields (its loop over aliases,
    # kept out: no node field has one), at half the cost: the parse makes
    # a node per construct.
    node = node_class.__new__(node_class)
    values = {name: fields[name] for name in names if name in fields}
    _set(node, "__dict__", values)
    _set(node, "__pydantic_fields_set__", set(values))
    _set(node, "__pydantic_extra__", None)
    _set(node, "__pydantic_private__", None)
    if node_class.__pydantic_post_init__:
        node.model_post_init(None)
        private = node.__pydantic_private__
        if private is not None:
            for name, value in fields.items():
                if name not in values and name in node_class.__private_attributes__:
                    private[name] = value
    return node


_set = object.__setattr__
# A node class's field names in order, or () when `make` must leave it to
# `model_construct` (a field with an alias, extra fields kept, a root model).
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type[Node]) -> tuple[str, ...]:
    fields = cls.__pydantic_fields__
    plain = (
        not cls.__pydantic_root_model__
        and cls.model_config.get("extra") != "allow"
        and all(info.alias is None and info.validation_alias is None for info in fields.values())
    )
    found = _FIELD_NAMES[cls] = tuple(fields) if plain else ()
    return found


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
    # `any email`: only events about a touch on this channel (kind "any")
    channel: str | None = None
    channel_span: Span | None = None


class InFlow(Node):
    """`in flow onboarding`: true while the contact is in that flow."""

    type: Literal["in_flow"] = "in_flow"
    flow: str
    flow_span: Span


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


# A `|` union rather than `Union[...]`: `isinstance` takes it.
Condition = Ref | Compare | Member | Tagged | Has | Consent | Inactive | InFlow | EventTest | Not | And | Or


class EventPattern(Node):
    name: str
    args: list[EventArg] = Field(default_factory=list)


# ------------------------------------------------------------ runner meta --

MetaValue = bool | int | float | str


class MetaEntry(Node):
    key: str
    value: Value


class Meta(Node):
    """A `meta { key value ... }` block: runner metadata (template ids,
    sender ids) that every stage carries untouched into the IR."""

    entries: list[MetaEntry] = Field(default_factory=list)

    def as_dict(self) -> dict[str, MetaValue]:
        return {entry.key: entry.value.value for entry in self.entries}


# ------------------------------------------------------------------- steps --

TouchKind = Literal["email", "sms", "linkedin", "ads", "task", "notify"]
Intent = Literal["give", "ask"]


class Step(Node):
    # Set by model.py: the node id in the flow's graph.
    id: str = ""
    label: str | None = None
    meta: Meta | None = None
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


class WaitCalendar(Step):
    """`wait until 09:00`, `wait until mon 09:00`, `wait until mon..fri
    09:00`, `wait until 2026-12-01` or `wait until 2026-12-01 09:00`: until
    the next such moment in the contact's time zone."""

    type: Literal["wait_calendar"] = "wait_calendar"
    date: Word | None = None
    # One day, or a range's two ends as written (`mon..fri`); empty when none.
    days: list[Word] = Field(default_factory=list)
    time: Word | None = None


class WaitForArm(Node):
    """`on EVENT { ... }` of a `wait for`: the event as a condition (no
    `within`, no `count`), so every stage reads it as it reads events."""

    event: EventTest
    steps: list[AnyStep]


class WaitFor(Step):
    """`wait for up to D { on EVENT { ... } ... on timeout { ... } }`: the
    first of the arms' events after arrival, else the time-out."""

    type: Literal["wait_for"] = "wait_for"
    timeout: Duration | None = None
    arms: list[WaitForArm]
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


class ExperimentArm(Node):
    percent: float
    percent_text: str
    name: str
    steps: list[AnyStep]


class Experiment(Step):
    """A split that decides: contacts go down the arms at random, in the
    given shares, until the decision (`decide_after` contacts per arm whose
    `window` has closed, or the date `decide_on`); from then on every contact
    takes the arm with the best goal rate. Its name is its label."""

    type: Literal["experiment"] = "experiment"
    goal: Condition
    window: Duration
    decide_after: Value | None = None  # contacts per arm, or
    decide_on: Word | None = None  # a YYYY-MM-DD date
    arms: list[ExperimentArm]


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


class Webhook(Step):
    """A call to a URL: a runner action, never a touch."""

    type: Literal["webhook"] = "webhook"
    method: str  # as written; the checker accepts get/post/put/patch/delete in any case
    method_span: Span
    url: str
    url_span: Span
    body: str | None = None  # the body's texts joined
    body_span: Span | None = None


ScoreOp = Literal["add", "reset"]


class ScoreChange(Step):
    """`score NAME +N`, `score NAME -N` or `score NAME reset`: a step, or a
    threshold's action."""

    type: Literal["score"] = "score"
    score: str
    score_span: Span
    op: ScoreOp
    points: int | None = None  # for `add`; negative subtracts


AnyStep = (
    Touch
    | Wait
    | WaitUntil
    | WaitCalendar
    | WaitFor
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
    | Experiment
    | Webhook
    | ScoreChange
)


# The words each kind of step is written with: the keyword table the parser's
# messages and the checker read. Checked complete against `AnyStep` below.
STEP_KEYWORDS: dict[type[Step], tuple[str, ...]] = {
    Touch: ("email", "sms", "linkedin", "ads", "task", "notify"),
    Wait: ("wait",),
    WaitUntil: ("wait",),
    WaitCalendar: ("wait",),
    WaitFor: ("wait",),
    Branch: ("branch",),
    Split: ("split",),
    Repeat: ("repeat",),
    Goto: ("goto",),
    MoveTo: ("move",),
    TagStep: ("tag", "untag"),
    SetStep: ("set",),
    Suppress: ("suppress",),
    Handoff: ("handoff",),
    ExitStep: ("exit",),
    Experiment: ("experiment",),
    Webhook: ("webhook",),
    ScoreChange: ("score",),
}


def bodies(step: AnyStep) -> list[list[AnyStep]]:
    """The blocks of steps nested in a step, in source order: the one place
    that knows which steps hold others."""
    match step:
        # the leaves first: most steps are touches and waits (step classes
        # are disjoint, so the order of the cases changes nothing else)
        case Touch() | Wait() | Goto() | MoveTo() | TagStep() | SetStep() | Suppress() | Handoff() | ExitStep():
            return []
        case WaitCalendar() | Webhook() | ScoreChange():
            return []
        case WaitUntil():
            return [body for body in (step.on_event, step.on_timeout) if body is not None]
        case WaitFor():
            return [arm.steps for arm in step.arms] + ([step.on_timeout] if step.on_timeout is not None else [])
        case Branch():
            return [arm.steps for arm in step.arms] + ([step.otherwise] if step.otherwise is not None else [])
        case Split() | Experiment():
            return [arm.steps for arm in step.arms]
        case Repeat():
            return [step.steps]
        case _:
            assert_never(step)


def children(step: AnyStep) -> list[AnyStep]:
    """The steps directly nested in a step, in source order."""
    return [child for body in bodies(step) for child in body]


def iter_steps(steps: Iterable[AnyStep]) -> Iterator[AnyStep]:
    """Every step in a body, nested ones included, in source order."""
    stack = list(reversed(list(steps)))
    while stack:
        step = stack.pop()
        yield step
        stack.extend(reversed(children(step)))


def keyword(step: AnyStep) -> str:
    """The word this step starts with in the source."""
    match step:
        case Touch():
            return step.channel
        case TagStep():
            return "untag" if step.remove else "tag"
        case Wait() | WaitUntil() | WaitCalendar() | WaitFor():
            return "wait"
        case MoveTo():
            return "move"
        case Branch() | Split() | Repeat() | Goto() | SetStep() | Suppress() | Handoff() | ExitStep():
            return step.type
        case Experiment() | Webhook() | ScoreChange():
            return step.type
        case _:
            assert_never(step)


def step_conditions(step: AnyStep) -> list[Condition]:
    """The conditions a step itself tests (not those of steps inside it)."""
    match step:
        case Branch():
            return [arm.condition for arm in step.arms]
        case WaitUntil():
            return [step.condition]
        case Experiment():
            return [step.goal]
        case WaitFor():
            return [arm.event for arm in step.arms]
        case WaitCalendar():
            return []
        case Touch() | Wait() | Split() | Repeat() | Goto() | MoveTo() | TagStep() | SetStep() | Suppress():
            return []
        case Handoff() | ExitStep():
            return []
        case Webhook() | ScoreChange():
            return []
        case _:
            assert_never(step)


def node_type(step: AnyStep) -> str:
    """The type of a step's node in the graph and the IR: a touch's channel,
    otherwise the step's own type."""
    return step.channel if isinstance(step, Touch) else step.type


def _check_step_tables() -> None:
    kinds = set(get_args(AnyStep))
    missing = kinds - set(STEP_KEYWORDS)
    if missing:  # pragma: no cover - fails at import, in every test
        raise AssertionError(f"no keywords for step kinds {sorted(k.__name__ for k in missing)}")


_check_step_tables()


# ------------------------------------------------------------ declarations --


class Word(Node):
    """A word or quoted text of a setting whose place in the source the
    checker may point at on its own: a day, a time, a zone, a stage."""

    text: str


class Setting(Node):
    """One `key value` line of a header, policy, content, rule or flow. Each
    kind is a class of its own with typed fields, so a stage reads the field
    it needs and the type checker holds it to the kind; `KEY` is the word
    the setting is written with, for messages ("`cadence` is given twice")."""

    KEY: ClassVar[str]

    @property
    def key(self) -> str:
        return self.KEY


class Owner(Setting):
    KEY: ClassVar[str] = "owner"
    text: str


class Reviewed(Setting):
    KEY: ClassVar[str] = "reviewed"
    date: str


class Version(Setting):
    KEY: ClassVar[str] = "version"
    text: str


class Description(Setting):
    KEY: ClassVar[str] = "description"
    text: str


class GiveToGet(Setting):
    KEY: ClassVar[str] = "give_to_get"
    gives: Value
    asks: Value


class Cadence(Setting):
    KEY: ClassVar[str] = "cadence"
    low: Duration
    high: Duration  # `low` again when one duration is written


class FirstTouch(Setting):
    KEY: ClassVar[str] = "first_touch"
    within: Duration


class MaxTouches(Setting):
    KEY: ClassVar[str] = "max_touches"
    count: Value


class FrequencyCap(Setting):
    KEY: ClassVar[str] = "frequency_cap"
    count: Value
    per: Duration


class ChannelFrequencyCap(Setting):
    """`frequency_cap email 2 per 7d`: a cap on one channel's messages, on
    top of the all-channel `FrequencyCap`; one per channel."""

    KEY: ClassVar[str] = "frequency_cap"
    channel: Word
    count: Value
    per: Duration

    @property
    def key(self) -> str:
        return f"frequency_cap {self.channel.text}"


class QuietHours(Setting):
    KEY: ClassVar[str] = "quiet_hours"
    start: Word
    end: Word


class SendDays(Setting):
    KEY: ClassVar[str] = "send_days"
    form: Literal["range", "list"]
    days: list[Word]


class Timezone(Setting):
    KEY: ClassVar[str] = "timezone"
    zone: Word


class UnsubscribeRequired(Setting):
    KEY: ClassVar[str] = "unsubscribe_required"


class Messages(Setting):
    KEY: ClassVar[str] = "messages"
    items: list[Word]  # each item's words joined by one space: `linkedin follow`


class Stage(Setting):
    KEY: ClassVar[str] = "stage"
    stage: Word


class Persona(Setting):
    KEY: ClassVar[str] = "persona"
    persona: str


ContentFlagName = Literal["gated", "attached", "unsubscribe_link", "way_out"]
ContentTextName = Literal["url", "subject", "body", "cta"]


class ContentFlag(Setting):
    """`gated`, `attached`, `unsubscribe link`, `way out`: a word alone."""

    KEY: ClassVar[str] = "flag"
    flag: ContentFlagName

    @property
    def key(self) -> str:
        return self.flag


class ContentText(Setting):
    """`url`, `subject`, `body`, `cta`: a quoted text."""

    KEY: ClassVar[str] = "text"
    name: ContentTextName
    text: str

    @property
    def key(self) -> str:
        return self.name


class Decay(Setting):
    KEY: ClassVar[str] = "decay"
    half_life: Duration


class Expires(Setting):
    KEY: ClassVar[str] = "expires"
    after: Duration


class AtMost(Setting):
    KEY: ClassVar[str] = "at_most"
    count: Value


class Audience(Setting):
    KEY: ClassVar[str] = "audience"
    condition: Condition


class Goal(Setting):
    KEY: ClassVar[str] = "goal"
    condition: Condition


RateLimitKind = Literal["entries", "sends"]
RATE_LIMIT_KINDS: tuple[RateLimitKind, ...] = ("entries", "sends")


class RateLimit(Setting):
    """`rate_limit entries 500 per 1d`, `rate_limit sends 100 per 1h`: a
    flow's limit over all contacts together; one of each kind. `what` is
    the word as written (the checker holds it to `RATE_LIMIT_KINDS`)."""

    KEY: ClassVar[str] = "rate_limit"
    what: Word
    count: Value
    per: Duration

    @property
    def key(self) -> str:
        return f"rate_limit {self.what.text}"

    @property
    def kind(self) -> RateLimitKind:
        if self.what.text == "entries":
            return "entries"
        if self.what.text == "sends":
            return "sends"
        raise ValueError(f"`{self.what.text}` is not a rate limit kind")  # pragma: no cover - checked


class Reentry(Setting):
    KEY: ClassVar[str] = "reentry"
    after: Duration | None = None  # `reentry allowed`: at once


HeaderSetting = Owner | Reviewed | Version | Description
PolicySetting = (
    GiveToGet
    | Cadence
    | FirstTouch
    | MaxTouches
    | FrequencyCap
    | ChannelFrequencyCap
    | QuietHours
    | SendDays
    | Timezone
    | UnsubscribeRequired
    | Messages
)
ContentOption = Stage | Persona | ContentFlag | ContentText | Reviewed
RuleModifier = Decay | Expires | AtMost
FlowSetting = Audience | Goal | Cadence | MaxTouches | Reentry | Reviewed | RateLimit

_S = TypeVar("_S", bound=Setting)


def find(settings: Iterable[Setting], kind: type[_S]) -> _S | None:
    """The setting of this kind among `settings` (the checker allows one)."""
    for setting in settings:
        if isinstance(setting, kind):
            return setting
    return None


def find_flag(content: Content, flag: ContentFlagName) -> ContentFlag | None:
    return next((o for o in content.options if isinstance(o, ContentFlag) and o.flag == flag), None)


def has_flag(content: Content, flag: ContentFlagName) -> bool:
    return find_flag(content, flag) is not None


def content_text(content: Content, name: ContentTextName) -> str | None:
    return next((o.text for o in content.options if isinstance(o, ContentText) and o.name == name), None)


class Import(Node):
    path: str


class PlaybookHeader(Node):
    name: str
    settings: list[HeaderSetting] = Field(default_factory=list)
    meta: Meta | None = None


class Policy(Node):
    settings: list[PolicySetting] = Field(default_factory=list)


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
    options: list[ContentOption] = Field(default_factory=list)
    meta: Meta | None = None


class FitRule(Node):
    points: int
    condition: Condition


class BehaviourRule(Node):
    points: int
    event: EventPattern
    modifiers: list[RuleModifier] = Field(default_factory=list)


ThresholdOp = Literal["at", "above"]


class Threshold(Node):
    name: str
    op: ThresholdOp
    value: Value
    # handoff, move to, tag, and notify (a Touch on the notify channel)
    actions: list[Handoff | MoveTo | TagStep | Touch | ScoreChange] = Field(default_factory=list)


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
    settings: list[FlowSetting] = Field(default_factory=list)
    steps: list[AnyStep] = Field(default_factory=list)
    meta: Meta | None = None


# ------------------------------------------------------------------ tests --
# `test` declarations (docs/testing.md): checked with the programme, run by
# `nurturedsl test` on the simulator, never compiled into the IR.


class Moment(Node):
    """`day 3 [15:32]`, `+48h` (after the test's start) or `2026-01-08 [15:32]`."""

    kind: Literal["day", "offset", "date"]
    text: str
    day: int = 0
    offset: int = 0  # seconds, for `+48h`
    date: str | None = None
    time: str | None = None  # HH:MM, in the contact's time zone


class Timing(Node):
    """`on MOMENT` (that day, or that minute when a time is given) or `by MOMENT`."""

    kind: Literal["on", "by"]
    at: Moment


class HistoryEvent(Node):
    at: Moment
    event: EventPattern


class ContactValue(Node):
    path: list[str]
    path_span: Span
    value: Value


ExpectKind = Literal["touch", "handoff", "exit", "enter", "threshold", "notify"]


class Expect(Node):
    """`expect [never] WHAT [on|by MOMENT]`: a happening of the contact's trace."""

    what: ExpectKind
    never: bool = False
    channel: str | None = None  # touch: email, sms, linkedin, ads or touch (any)
    target: list[str] = Field(default_factory=list)  # a step path, a flow, a team, `score.threshold`
    target_span: Span | None = None
    text: str | None = None  # exit: the reason; notify: text the message contains
    recipient: str | None = None
    recipient_span: Span | None = None
    timing: Timing | None = None


class ExpectScore(Node):
    score: str
    score_span: Span
    op: CompareOp
    value: Value
    timing: Timing | None = None


class ExpectPath(Node):
    flow: str
    flow_span: Span
    steps: list[Word]


class ExpectAtMost(Node):
    count: Value
    within: Duration | None = None


Expectation = Expect | ExpectScore | ExpectPath | ExpectAtMost


class PlaybookTest(Node):
    name: str
    name_span: Span
    title: str | None = None
    start: Word | None = None
    until: Moment | None = None
    contact: list[ContactValue] = Field(default_factory=list)
    tags: list[Word] = Field(default_factory=list)
    consent: list[Word] = Field(default_factory=list)
    history: list[HistoryEvent] = Field(default_factory=list)
    expectations: list[Expectation] = Field(default_factory=list)
    # `start`, `until` and `contact {}` as written, each a Word of its keyword
    # at the item: each may be given once (check_tests.py)
    written: list[Word] = Field(default_factory=list)


Declaration = (
    Import | PlaybookHeader | Policy | AttributeDecl | EventDecl | Segment | Content | Score | Flow | PlaybookTest
)


class Document(Node):
    """One parsed file."""

    declarations: list[Declaration] = Field(default_factory=list)
