"""Text to syntax tree: the one Lark parser and the transformer that builds
`nodes`.

Nobody else constructs a `Lark`. Users never see a Lark class name: every
`UnexpectedInput` becomes a `Diagnostic` in syntax_errors.py, which explains
why a text did not parse; this module only builds trees from texts that do.
"""

from __future__ import annotations

import functools
import io
import re
import threading
from collections.abc import Callable
from pathlib import Path
from types import FunctionType, MethodType
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, cast

from lark import Lark, Token, Transformer_NonRecursive, Tree, v_args
from lark.exceptions import GrammarError, UnexpectedInput, VisitError
from lark.tree import Meta
from lark.visitors import _VArgsWrapper

from . import nodes as n
from . import parsercache, units
from .diagnostics import Diagnostic, DiagnosticError
from .source import SourceFile, Span
from .syntax_errors import run_together, translate_error

if TYPE_CHECKING:  # typing.Unpack is new in Python 3.11
    from typing_extensions import Unpack

MAX_DEPTH = 64


def grammar_path() -> Path:
    """The grammar ships inside the wheel as `nurturedsl/grammar/`; in a
    source checkout it is the top-level `grammar/` folder."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "grammar" / "nurture.lark", here.parent / "grammar" / "nurture.lark"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("nurture.lark is missing from this installation of nurturedsl")


@functools.cache
def _grammar() -> str:
    """The grammar's text, read once: the parsers' cache key and the
    keywords both come from it."""
    return grammar_path().read_text(encoding="utf-8")


@functools.cache
def parser() -> Lark:
    # Where only keywords can come (the start of a step, say), the contextual
    # lexer takes a keyword off the front of a longer word: `emailblog` would
    # read as `email blog`, `goalicp` as `goal icp`. Every keyword token is
    # checked to end where its word ends.
    return _open(lexer_callbacks={word.upper(): _whole_word for word in _keywords()})


def _open(**options: Any) -> Lark:
    """The grammar's LALR parser with the contextual lexer; `options` are what
    a reader adds (callbacks, every token kept). Loaded whole from
    `parsercache` when it can be; else made by Lark, and stored there when
    Lark made it from its own cache (a parser Lark has just built from the
    grammar also holds the grammar, which a warm run never needed: the next
    run, from Lark's cache, stores the one every later run loads)."""
    options = dict(
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
        cache=True,
        **options,
    )
    grammar = _grammar()
    key = parsercache.key(grammar, options)
    found = parsercache.load(key)
    if found is not None:
        return found
    # What `Lark.open` would pass, from the text the key was made of.
    source = io.StringIO(grammar)
    source.name = str(grammar_path())
    made = Lark(source, **options)
    if not hasattr(made, "grammar"):
        parsercache.save(key, made)
    return made


@functools.cache
def _keywords() -> tuple[str, ...]:
    """The grammar's keywords: its quoted literals that are words (Lark names
    each terminal after its word in capitals)."""
    return tuple(sorted(set(re.findall(r'"([a-z_][a-z0-9_]*)"', _grammar()))))


_lexing = threading.local()  # the text being lexed (per thread), for `_whole_word`


class _RunTogether(Exception):
    def __init__(self, token: Token):
        self.token = token


def _whole_word(token: Token) -> Token:
    text: str = getattr(_lexing, "text", "")
    end = token.end_pos
    if end is None:
        raise _unplaced(token)
    if end < len(text) and (text[end].isalnum() or text[end] == "_"):
        raise _RunTogether(token)
    return token


def _unplaced(token: Token) -> AssertionError:
    # Lark types a token's positions Optional, for tokens made by hand; the
    # lexer sets every one.
    return AssertionError(f"the lexer made token {token!r} without a position")


# ------------------------------------------------------------ transformer --


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def _unquote(token: Token) -> str:
    body = str(token)[1:-1]
    if "\\" not in body:
        return body
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


# A rule's children as its callback gets them: tokens, and what the callbacks
# of its sub-rules returned. Their shapes are set by the grammar, which the
# type checker cannot see, so each callback reads them as its rule defines.
Children = list[Any]
# A `{ ... }` body: its span (None when empty) and its steps.
_Block = tuple[Span | None, list[n.AnyStep]]
# One arm of a `wait until`: "event" or "timeout", its block and the arm's span.
_WaitArm = tuple[str, Span | None, list[n.AnyStep], Span]


class _ContentFields(TypedDict, total=False):
    content: str
    content_span: Span
    intent: n.Intent | None


class _TouchFields(_ContentFields, total=False):
    action: str
    audience: str
    text: str
    recipient: str | None


_C = TypeVar("_C", n.Not, n.And, n.Or)


class _Builder(Transformer_NonRecursive[Token, n.Document]):
    """Parse tree to `nodes`. Thin: meaning is checked in model.py.

    A word the grammar restricts (a content's kind, an operator, a channel)
    is cast to its node field's Literal type: the grammar admits no other,
    and the test suite validates every node built (`nodes.VALIDATE`)."""

    def __init__(self, file: str):
        super().__init__(visit_tokens=False)
        self.file = file

    def _call_userfunc(self, tree: Tree[Token], new_children: list[Any] | None = None) -> Any:
        """Lark's dispatch to the rule's method, without what getting the
        method costs: each `getattr` of a `v_args` method makes a new wrapper
        (`functools.update_wrapper`, ~2.5 us, once per node). The class's
        function is bound with `MethodType` and given to the same visit
        wrapper; anything else goes to Lark's own dispatch."""
        handler = _HANDLERS.get(tree.data)
        if handler is None:
            handler = _HANDLERS[tree.data] = _handler(type(self), tree.data)
        function, wrapper = handler
        if function is None or tree.data in self.__dict__:
            return super()._call_userfunc(tree, new_children)  # type: ignore[no-untyped-call]
        children = new_children if new_children is not None else tree.children
        try:
            if wrapper is not None:
                return wrapper(MethodType(function, self), tree.data, children, tree.meta)
            return function(self, children)
        except GrammarError:
            raise
        except Exception as e:
            # as Lark raises it (its context the error, no cause)
            raise VisitError(tree.data, tree, e)  # type: ignore[no-untyped-call]  # noqa: B904

    # spans
    def tspan(self, token: Token) -> Span:
        line, column, end_line, end_column = token.line, token.column, token.end_line, token.end_column
        if line is None or column is None or end_line is None or end_column is None:
            raise _unplaced(token)
        return Span(self.file, line, column, end_line, end_column)

    def mspan(self, meta: Meta) -> Span:
        return Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column)

    # values
    def duration(self, token: Token) -> n.Duration:
        text = str(token)
        return n.make(n.Duration, span=self.tspan(token), seconds=units.parse_duration(text), text=text)

    def value(self, token: Token | n.Value) -> n.Value:
        if isinstance(token, n.Value):
            return token
        kind = token.type
        text = str(token)
        span = self.tspan(token)
        if kind == "STRING":
            return n.make(n.Value, span=span, kind="string", text=text, value=_unquote(token))
        if kind == "NUMBER":
            return n.make(n.Value, span=span, kind="number", text=text, value=_number(text))
        if kind == "AMOUNT":
            factor = 1_000 if text[-1] == "k" else 1_000_000
            return n.make(n.Value, span=span, kind="amount", text=text, value=_number(text[:-1]) * factor)
        if kind == "DURATION":
            return n.make(n.Value, span=span, kind="duration", text=text, value=self.duration(token).seconds)
        if kind == "DATE":
            return n.make(n.Value, span=span, kind="date", text=text, value=text)
        raise AssertionError(f"no value for {kind}")

    def word(self, token: Token, text: str | None = None) -> n.Word:
        return n.make(n.Word, span=self.tspan(token), text=str(token) if text is None else text)

    # ---- top level
    @v_args(meta=True)
    def start(self, meta: Meta, children: Children) -> n.Document:
        span = self.mspan(meta) if not meta.empty else Span(self.file, 1, 1, 1, 1)
        declarations = []
        for child in children:  # `event a, b` declares several at once
            declarations.extend(child if isinstance(child, list) else [child])
        return n.make(n.Document, span=span, declarations=declarations)

    @v_args(meta=True)
    def import_decl(self, meta: Meta, children: Children) -> n.Import:
        return n.make(n.Import, span=self.mspan(meta), path=_unquote(children[0]))

    @v_args(meta=True)
    def playbook_decl(self, meta: Meta, children: Children) -> n.PlaybookHeader:
        settings, runner_meta = _split_meta(children[1:], "playbook header")
        return n.make(
            n.PlaybookHeader, span=self.mspan(meta), name=_unquote(children[0]), settings=settings, meta=runner_meta
        )

    @v_args(meta=True)
    def owner(self, meta: Meta, c: Children) -> n.Owner:
        return n.make(n.Owner, span=self.mspan(meta), text=_unquote(c[0]))

    @v_args(meta=True)
    def reviewed(self, meta: Meta, c: Children) -> n.Reviewed:
        return n.make(n.Reviewed, span=self.mspan(meta), date=str(c[0]))

    @v_args(meta=True)
    def version(self, meta: Meta, c: Children) -> n.Version:
        return n.make(n.Version, span=self.mspan(meta), text=_unquote(c[0]))

    @v_args(meta=True)
    def description(self, meta: Meta, c: Children) -> n.Description:
        return n.make(n.Description, span=self.mspan(meta), text=_unquote(c[0]))

    @v_args(meta=True)
    def policy_decl(self, meta: Meta, children: Children) -> n.Policy:
        return n.make(n.Policy, span=self.mspan(meta), settings=children)

    @v_args(meta=True)
    def give_to_get(self, meta: Meta, c: Children) -> n.GiveToGet:
        return n.make(n.GiveToGet, span=self.mspan(meta), gives=self.value(c[0]), asks=self.value(c[1]))

    @v_args(meta=True)
    def cadence(self, meta: Meta, c: Children) -> n.Cadence:
        low = self.duration(c[0])
        high = self.duration(c[1]) if len(c) > 1 else low
        return n.make(n.Cadence, span=self.mspan(meta), low=low, high=high)

    @v_args(meta=True)
    def first_touch(self, meta: Meta, c: Children) -> n.FirstTouch:
        return n.make(n.FirstTouch, span=self.mspan(meta), within=self.duration(c[0]))

    @v_args(meta=True)
    def max_touches(self, meta: Meta, c: Children) -> n.MaxTouches:
        return n.make(n.MaxTouches, span=self.mspan(meta), count=self.value(c[0]))

    @v_args(meta=True)
    def frequency_cap(self, meta: Meta, c: Children) -> n.FrequencyCap:
        return n.make(n.FrequencyCap, span=self.mspan(meta), count=self.value(c[0]), per=self.duration(c[1]))

    @v_args(meta=True)
    def channel_frequency_cap(self, meta: Meta, c: Children) -> n.ChannelFrequencyCap:
        return n.make(
            n.ChannelFrequencyCap,
            span=self.mspan(meta),
            channel=self.word(c[0]),
            count=self.value(c[1]),
            per=self.duration(c[2]),
        )

    @v_args(meta=True)
    def quiet_hours(self, meta: Meta, c: Children) -> n.QuietHours:
        return n.make(n.QuietHours, span=self.mspan(meta), start=self.word(c[0]), end=self.word(c[1]))

    @v_args(meta=True)
    def send_day_range(self, meta: Meta, c: Children) -> n.SendDays:
        return n.make(n.SendDays, span=self.mspan(meta), form="range", days=[self.word(t) for t in c])

    @v_args(meta=True)
    def send_day_list(self, meta: Meta, c: Children) -> n.SendDays:
        return n.make(n.SendDays, span=self.mspan(meta), form="list", days=[self.word(t) for t in c])

    @v_args(meta=True)
    def timezone(self, meta: Meta, c: Children) -> n.Timezone:
        return n.make(n.Timezone, span=self.mspan(meta), zone=self.word(c[0], _unquote(c[0])))

    @v_args(meta=True)
    def unsubscribe_required(self, meta: Meta, c: Children) -> n.UnsubscribeRequired:
        return n.make(n.UnsubscribeRequired, span=self.mspan(meta))

    @v_args(meta=True)
    def messages(self, meta: Meta, c: Children) -> n.Messages:
        return n.make(n.Messages, span=self.mspan(meta), items=list(c))

    @v_args(meta=True)
    def message_item(self, meta: Meta, c: Children) -> n.Word:
        # the item's words joined by one space (`linkedin follow`)
        return n.make(n.Word, span=self.mspan(meta), text=" ".join(str(t) for t in c))

    @v_args(meta=True)
    def attribute_decl(self, meta: Meta, c: Children) -> n.AttributeDecl:
        path, _ = c[0]
        return n.make(
            n.AttributeDecl, span=self.mspan(meta), path=path, type_name=str(c[1]), type_span=self.tspan(c[1])
        )

    @v_args(meta=True)
    def event_decl(self, meta: Meta, c: Children) -> list[n.EventDecl]:
        return [n.make(n.EventDecl, span=self.tspan(t), name=str(t)) for t in c]

    @v_args(meta=True)
    def segment_decl(self, meta: Meta, c: Children) -> n.Segment:
        return n.make(n.Segment, span=self.mspan(meta), name=str(c[0]), name_span=self.tspan(c[0]), condition=c[1])

    # ---- content
    @v_args(meta=True)
    def content_decl(self, meta: Meta, c: Children) -> n.Content:
        options, runner_meta = _split_meta(c[3:], f"content `{c[0]}`")
        return n.make(
            n.Content,
            span=self.mspan(meta),
            name=str(c[0]),
            name_span=self.tspan(c[0]),
            kind=cast(n.Intent, str(c[1].children[0])),
            title=_unquote(c[2]),
            options=options,
            meta=runner_meta,
        )

    @v_args(meta=True)
    def stage(self, meta: Meta, c: Children) -> n.Stage:
        return n.make(n.Stage, span=self.mspan(meta), stage=self.word(c[0]))

    @v_args(meta=True)
    def persona(self, meta: Meta, c: Children) -> n.Persona:
        return n.make(n.Persona, span=self.mspan(meta), persona=str(c[0]))

    @v_args(meta=True)
    def gated(self, meta: Meta, c: Children) -> n.ContentFlag:
        return n.make(n.ContentFlag, span=self.mspan(meta), flag="gated")

    @v_args(meta=True)
    def attached(self, meta: Meta, c: Children) -> n.ContentFlag:
        return n.make(n.ContentFlag, span=self.mspan(meta), flag="attached")

    @v_args(meta=True)
    def unsubscribe_link(self, meta: Meta, c: Children) -> n.ContentFlag:
        return n.make(n.ContentFlag, span=self.mspan(meta), flag="unsubscribe_link")

    @v_args(meta=True)
    def way_out(self, meta: Meta, c: Children) -> n.ContentFlag:
        return n.make(n.ContentFlag, span=self.mspan(meta), flag="way_out")

    @v_args(meta=True)
    def url(self, meta: Meta, c: Children) -> n.ContentText:
        return n.make(n.ContentText, span=self.mspan(meta), name="url", text=_unquote(c[0]))

    @v_args(meta=True)
    def subject(self, meta: Meta, c: Children) -> n.ContentText:
        return n.make(n.ContentText, span=self.mspan(meta), name="subject", text=_unquote(c[0]))

    @v_args(meta=True)
    def body(self, meta: Meta, c: Children) -> n.ContentText:
        return n.make(n.ContentText, span=self.mspan(meta), name="body", text=_unquote(c[0]))

    @v_args(meta=True)
    def cta(self, meta: Meta, c: Children) -> n.ContentText:
        return n.make(n.ContentText, span=self.mspan(meta), name="cta", text=_unquote(c[0]))

    # ---- scoring
    @v_args(meta=True)
    def score_decl(self, meta: Meta, c: Children) -> n.Score:
        score = n.make(n.Score, span=self.mspan(meta), name=str(c[0]), name_span=self.tspan(c[0]))
        for item in c[1:]:
            if isinstance(item, n.FitRule):
                score.fit_rules.append(item)
            elif isinstance(item, n.BehaviourRule):
                score.behaviour_rules.append(item)
            else:
                score.thresholds.append(item)
        return score

    @v_args(meta=True)
    def fit_rule(self, meta: Meta, c: Children) -> n.FitRule:
        return n.make(n.FitRule, span=self.mspan(meta), points=int(c[0]), condition=c[1])

    @v_args(meta=True)
    def behaviour_rule(self, meta: Meta, c: Children) -> n.BehaviourRule:
        return n.make(n.BehaviourRule, span=self.mspan(meta), points=int(c[0]), event=c[1], modifiers=c[2:])

    @v_args(meta=True)
    def decay(self, meta: Meta, c: Children) -> n.Decay:
        return n.make(n.Decay, span=self.mspan(meta), half_life=self.duration(c[0]))

    @v_args(meta=True)
    def expires(self, meta: Meta, c: Children) -> n.Expires:
        return n.make(n.Expires, span=self.mspan(meta), after=self.duration(c[0]))

    @v_args(meta=True)
    def at_most(self, meta: Meta, c: Children) -> n.AtMost:
        return n.make(n.AtMost, span=self.mspan(meta), count=self.value(c[0]))

    @v_args(meta=True)
    def threshold(self, meta: Meta, c: Children) -> n.Threshold:
        return n.make(
            n.Threshold,
            span=self.mspan(meta),
            name=str(c[0]),
            op=cast(n.ThresholdOp, str(c[1].children[0])),
            value=self.value(c[2]),
            actions=c[3:],
        )

    @v_args(meta=True)
    def notify_action(self, meta: Meta, c: Children) -> n.Touch:
        recipient = str(c[0]) if len(c) == 2 else None
        return n.make(n.Touch, span=self.mspan(meta), channel="notify", recipient=recipient, text=_unquote(c[-1]))

    # ---- flows
    @v_args(meta=True)
    def flow_decl(self, meta: Meta, c: Children) -> n.Flow:
        name, rest = c[0], c[1:]
        title = None
        if rest and isinstance(rest[0], Token):
            title, rest = _unquote(rest[0]), rest[1:]
        flow = n.make(n.Flow, span=self.mspan(meta), name=str(name), name_span=self.tspan(name), title=title)
        rest, flow.meta = _attach_meta(rest, f"flow `{name}`")
        for item in rest:
            if isinstance(item, n.Entry):
                flow.entries.append(item)
            elif isinstance(item, tuple) and item[0] == "exit":
                flow.exits.extend(item[2])
            elif isinstance(item, n.FlowSetting):
                flow.settings.append(item)
            else:
                flow.steps.append(item)
        return flow

    @v_args(meta=True)
    def entry(self, meta: Meta, c: Children) -> n.Entry:
        entry = n.make(n.Entry, span=self.mspan(meta))
        for item in c:
            if isinstance(item, n.EventPattern):
                entry.event = item
            elif isinstance(item, n.Duration):
                entry.delay = item
            else:
                entry.condition = item
        return entry

    def entry_delay(self, c: Children) -> n.Duration:
        return self.duration(c[0])

    def entry_condition(self, c: Children) -> n.Condition:
        condition: n.Condition = c[0]
        return condition

    @v_args(meta=True)
    def audience(self, meta: Meta, c: Children) -> n.Audience:
        return n.make(n.Audience, span=self.mspan(meta), condition=c[0])

    @v_args(meta=True)
    def goal(self, meta: Meta, c: Children) -> n.Goal:
        return n.make(n.Goal, span=self.mspan(meta), condition=c[0])

    @v_args(meta=True)
    def exit_triggers(self, meta: Meta, c: Children) -> tuple[str, Span, list[n.Condition]]:
        return ("exit", self.mspan(meta), list(c))

    @v_args(meta=True)
    def reentry_after(self, meta: Meta, c: Children) -> n.Reentry:
        return n.make(n.Reentry, span=self.mspan(meta), after=self.duration(c[0]))

    @v_args(meta=True)
    def rate_limit(self, meta: Meta, c: Children) -> n.RateLimit:
        return n.make(
            n.RateLimit, span=self.mspan(meta), what=self.word(c[0]), count=self.value(c[1]), per=self.duration(c[2])
        )

    @v_args(meta=True)
    def reentry_allowed(self, meta: Meta, c: Children) -> n.Reentry:
        return n.make(n.Reentry, span=self.mspan(meta))

    # ---- steps
    @v_args(meta=True)
    def block(self, meta: Meta, c: Children) -> _Block:
        steps, loose = _attach_meta(list(c), None)
        if loose is not None:
            raise _MetaProblem(
                loose.span,
                "NUR001",
                "a `meta` block belongs right after the step it describes",
                "move it after a step of this block, or to the flow's body for the flow's own",
            )
        return (self.mspan(meta) if not meta.empty else None, steps)

    def label(self, c: Children) -> tuple[str, Span]:
        return (str(c[0]), self.tspan(c[0]))

    def _touch(self, meta: Meta, channel: n.TouchKind, c: Children, **fields: Unpack[_TouchFields]) -> n.Touch:
        label = None
        if c and isinstance(c[0], tuple):
            label = c[0][0]
        return n.make(n.Touch, span=self.mspan(meta), channel=channel, label=label, **fields)

    def _content_fields(self, c: Children) -> _ContentFields:
        rest = [x for x in c if not isinstance(x, tuple)]
        token = rest[0]
        intent = cast(n.Intent, str(rest[1].children[-1])) if len(rest) > 1 else None
        return {"content": str(token), "content_span": self.tspan(token), "intent": intent}

    @v_args(meta=True)
    def email(self, meta: Meta, c: Children) -> n.Touch:
        return self._touch(meta, "email", c, **self._content_fields(c))

    @v_args(meta=True)
    def sms(self, meta: Meta, c: Children) -> n.Touch:
        return self._touch(meta, "sms", c, **self._content_fields(c))

    @v_args(meta=True)
    def linkedin(self, meta: Meta, c: Children) -> n.Touch:
        rest = [x for x in c if not isinstance(x, tuple)]
        action = str(rest[0].children[0])
        fields: _ContentFields = self._content_fields(rest[1:]) if len(rest) > 1 else {}
        return self._touch(meta, "linkedin", c, action=action, **fields)

    @v_args(meta=True)
    def ads(self, meta: Meta, c: Children) -> n.Touch:
        rest = [x for x in c if not isinstance(x, tuple)]
        fields: _ContentFields = self._content_fields(rest[2:]) if len(rest) > 2 else {}
        return self._touch(meta, "ads", c, action=str(rest[0].children[0]), audience=_unquote(rest[1]), **fields)

    @v_args(meta=True)
    def task(self, meta: Meta, c: Children) -> n.Touch:
        rest = [x for x in c if not isinstance(x, tuple)]
        owner = str(rest[1]) if len(rest) > 1 else None
        return self._touch(meta, "task", c, text=_unquote(rest[0]), recipient=owner)

    @v_args(meta=True)
    def notify(self, meta: Meta, c: Children) -> n.Touch:
        rest = [x for x in c if not isinstance(x, tuple)]
        recipient = str(rest[0]) if len(rest) > 1 else None
        return self._touch(meta, "notify", c, text=_unquote(rest[-1]), recipient=recipient)

    @v_args(meta=True)
    def wait(self, meta: Meta, c: Children) -> n.Wait:
        return n.make(n.Wait, span=self.mspan(meta), duration=self.duration(c[0]))

    @v_args(meta=True)
    def wait_until(self, meta: Meta, c: Children) -> n.WaitUntil:
        step = n.make(n.WaitUntil, span=self.mspan(meta), condition=c[0])
        for item in c[1:]:
            if isinstance(item, Token):
                step.timeout = self.duration(item)
            else:
                for kind, _span, steps, arm_span in item:
                    if kind == "event":
                        if step.on_event is not None:
                            raise _Duplicate(arm_span, "`on event`", "`wait until`")
                        step.on_event, step.on_event_span = steps, arm_span
                    else:
                        if step.on_timeout is not None:
                            raise _Duplicate(arm_span, "`on timeout`", "`wait until`")
                        step.on_timeout, step.on_timeout_span = steps, arm_span
        self._nest(step, (step.on_event or []) + (step.on_timeout or []))
        return step

    def wait_arms(self, c: Children) -> list[_WaitArm]:
        return list(c)

    @v_args(meta=True)
    def on_event(self, meta: Meta, c: Children) -> _WaitArm:
        return ("event", c[0][0], c[0][1], self.mspan(meta))

    @v_args(meta=True)
    def on_timeout(self, meta: Meta, c: Children) -> _WaitArm:
        return ("timeout", c[0][0], c[0][1], self.mspan(meta))

    @v_args(meta=True)
    def wait_at_date(self, meta: Meta, c: Children) -> n.WaitCalendar:
        time = self.word(c[1]) if len(c) > 1 else None
        return n.make(n.WaitCalendar, span=self.mspan(meta), date=self.word(c[0]), time=time)

    @v_args(meta=True)
    def wait_at_day(self, meta: Meta, c: Children) -> n.WaitCalendar:
        days = [self.word(t) for t in c[:-1]]
        return n.make(n.WaitCalendar, span=self.mspan(meta), days=days, time=self.word(c[-1]))

    @v_args(meta=True)
    def wait_at_time(self, meta: Meta, c: Children) -> n.WaitCalendar:
        return n.make(n.WaitCalendar, span=self.mspan(meta), time=self.word(c[0]))

    @v_args(meta=True)
    def wait_for(self, meta: Meta, c: Children) -> n.WaitFor:
        step = n.make(n.WaitFor, span=self.mspan(meta), arms=[x for x in c if isinstance(x, n.WaitForArm)])
        for item in c:
            if isinstance(item, Token):
                step.timeout = self.duration(item)
            elif isinstance(item, tuple):  # `on timeout`
                _kind, _span, steps, arm_span = item
                if step.on_timeout is not None:
                    raise _Duplicate(arm_span, "`on timeout`", "`wait for`")
                step.on_timeout, step.on_timeout_span = steps, arm_span
        self._nest(step, [s for arm in step.arms for s in arm.steps] + (step.on_timeout or []))
        return step

    @v_args(meta=True)
    def wait_for_arm(self, meta: Meta, c: Children) -> n.WaitForArm:
        pattern: n.EventPattern = c[0]
        where = pattern.span
        name_span = Span.point(where.file, where.line, where.column, len(pattern.name))
        event = n.make(n.EventTest, span=where, name=pattern.name, name_span=name_span, args=pattern.args)
        return n.make(n.WaitForArm, span=self.mspan(meta), event=event, steps=c[1][1])

    def _nest(self, step: n.Step, children: list[n.AnyStep]) -> None:
        depth = 1 + max((s._nesting for s in children), default=0)
        step._nesting = depth
        if depth > MAX_DEPTH:
            raise _TooDeep(step.span)

    @v_args(meta=True)
    def branch(self, meta: Meta, c: Children) -> n.Branch:
        arms = [x for x in c if isinstance(x, n.BranchArm)]
        otherwise = next((x for x in c if isinstance(x, tuple)), None)
        step = n.make(
            n.Branch,
            span=self.mspan(meta),
            arms=arms,
            otherwise=otherwise[1] if otherwise else None,
            otherwise_span=otherwise[0] if otherwise else None,
        )
        self._nest(step, [s for arm in arms for s in arm.steps] + (step.otherwise or []))
        return step

    @v_args(meta=True)
    def branch_arm(self, meta: Meta, c: Children) -> n.BranchArm:
        return n.make(n.BranchArm, span=self.mspan(meta), condition=c[0], steps=c[1][1])

    @v_args(meta=True)
    def else_arm(self, meta: Meta, c: Children) -> tuple[Span, list[n.AnyStep]]:
        return (self.mspan(meta), c[0][1])

    @v_args(meta=True)
    def split(self, meta: Meta, c: Children) -> n.Split:
        step = n.make(n.Split, span=self.mspan(meta), arms=list(c))
        self._nest(step, [s for arm in step.arms for s in arm.steps])
        return step

    @v_args(meta=True)
    def split_arm(self, meta: Meta, c: Children) -> n.SplitArm:
        text = str(c[0])
        name = _unquote(c[1]) if len(c) == 3 else None
        return n.make(
            n.SplitArm, span=self.mspan(meta), percent=float(text[:-1]), percent_text=text, name=name, steps=c[-1][1]
        )

    @v_args(meta=True)
    def experiment(self, meta: Meta, c: Children) -> n.Experiment:
        goal, window, (rule, value) = c[1], c[2], c[3]
        step = n.make(
            n.Experiment,
            span=self.mspan(meta),
            label=str(c[0]),
            goal=goal,
            window=window,
            decide_after=value if rule == "after" else None,
            decide_on=value if rule == "on" else None,
            arms=list(c[4:]),
        )
        self._nest(step, [s for arm in step.arms for s in arm.steps])
        return step

    def experiment_goal(self, c: Children) -> n.Condition:
        goal: n.Condition = c[0]
        return goal

    def experiment_window(self, c: Children) -> n.Duration:
        return self.duration(c[0])

    def decide_after(self, c: Children) -> tuple[str, n.Value]:
        return ("after", self.value(c[0]))

    def decide_on(self, c: Children) -> tuple[str, n.Word]:
        return ("on", self.word(c[0]))

    @v_args(meta=True)
    def experiment_arm(self, meta: Meta, c: Children) -> n.ExperimentArm:
        text = str(c[0])
        return n.make(
            n.ExperimentArm,
            span=self.mspan(meta),
            percent=float(text[:-1]),
            percent_text=text,
            name=_unquote(c[1]),
            steps=c[2][1],
        )

    @v_args(meta=True)
    def repeat(self, meta: Meta, c: Children) -> n.Repeat:
        at_most = self.value(c[1]) if len(c) == 3 else None
        step = n.make(n.Repeat, span=self.mspan(meta), every=self.duration(c[0]), at_most=at_most, steps=c[-1][1])
        self._nest(step, step.steps)
        return step

    @v_args(meta=True)
    def goto(self, meta: Meta, c: Children) -> n.Goto:
        return n.make(n.Goto, span=self.mspan(meta), target=str(c[0]))

    @v_args(meta=True)
    def move_to(self, meta: Meta, c: Children) -> n.MoveTo:
        return n.make(n.MoveTo, span=self.mspan(meta), flow=str(c[0]))

    @v_args(meta=True)
    def tag(self, meta: Meta, c: Children) -> n.TagStep:
        return n.make(n.TagStep, span=self.mspan(meta), tag=_unquote(c[0]))

    @v_args(meta=True)
    def untag(self, meta: Meta, c: Children) -> n.TagStep:
        return n.make(n.TagStep, span=self.mspan(meta), tag=_unquote(c[0]), remove=True)

    @v_args(meta=True)
    def set(self, meta: Meta, c: Children) -> n.SetStep:
        return n.make(n.SetStep, span=self.mspan(meta), path=c[0][0], value=self.value(c[1]))

    @v_args(meta=True)
    def suppress(self, meta: Meta, c: Children) -> n.Suppress:
        revisit = self.duration(c[1]) if len(c) > 1 else None
        return n.make(n.Suppress, span=self.mspan(meta), list_name=_unquote(c[0]), revisit=revisit)

    @v_args(meta=True)
    def handoff(self, meta: Meta, c: Children) -> n.Handoff:
        return n.make(n.Handoff, span=self.mspan(meta), team=str(c[0]))

    @v_args(meta=True)
    def exit_step(self, meta: Meta, c: Children) -> n.ExitStep:
        return n.make(n.ExitStep, span=self.mspan(meta), reason=_unquote(c[0]) if c else None)

    @v_args(meta=True)
    def webhook(self, meta: Meta, c: Children) -> n.Webhook:
        label = c[0][0] if isinstance(c[0], tuple) else None
        method, url, *body = [x for x in c if not isinstance(x, tuple)]
        body_span = None
        if body:
            first, last = self.tspan(body[0]), self.tspan(body[-1])
            body_span = Span(self.file, first.line, first.column, last.end_line, last.end_column)
        return n.make(
            n.Webhook,
            span=self.mspan(meta),
            label=label,
            method=str(method),
            method_span=self.tspan(method),
            url=_unquote(url),
            url_span=self.tspan(url),
            body="".join(_unquote(t) for t in body) if body else None,
            body_span=body_span,
        )

    @v_args(meta=True)
    def score_change(self, meta: Meta, c: Children) -> n.ScoreChange:
        label = c[0][0] if isinstance(c[0], tuple) else None
        return self._score_change(meta, [x for x in c if not isinstance(x, tuple)], label)

    @v_args(meta=True)
    def score_action(self, meta: Meta, c: Children) -> n.ScoreChange:
        return self._score_change(meta, c, None)

    def _score_change(self, meta: Meta, c: Children, label: str | None) -> n.ScoreChange:
        name, delta = c
        reset = isinstance(delta, Tree)  # `score_reset`; a token is POINTS
        return n.make(
            n.ScoreChange,
            span=self.mspan(meta),
            label=label,
            score=str(name),
            score_span=self.tspan(name),
            op="reset" if reset else "add",
            points=None if reset else int(str(delta)),
        )

    @v_args(meta=True)
    def meta_block(self, meta: Meta, c: Children) -> n.Meta:
        return n.make(n.Meta, span=self.mspan(meta), entries=list(c))

    @v_args(meta=True)
    def meta_entry(self, meta: Meta, c: Children) -> n.MetaEntry:
        return n.make(n.MetaEntry, span=self.mspan(meta), key=str(c[0]), value=self.value(c[1]))

    # ---- tests (docs/testing.md): never compiled, run by `nurturedsl test`
    @v_args(meta=True)
    def test_decl(self, meta: Meta, c: Children) -> n.PlaybookTest:
        name, rest = c[0], list(c[1:])
        title = None
        if rest and isinstance(rest[0], Token):
            title, rest = _unquote(rest[0]), rest[1:]
        test = n.make(n.PlaybookTest, span=self.mspan(meta), name=str(name), name_span=self.tspan(name), title=title)
        for kind, value, *where in rest:
            if where:  # `start`, `until`, `contact`: once each (check_tests.py)
                test.written.append(n.make(n.Word, span=where[0], text=kind))
            if kind == "start":
                test.start = value
            elif kind == "until":
                test.until = value
            elif kind == "contact":
                for item in value:
                    if isinstance(item, n.ContactValue):
                        test.contact.append(item)
                    else:
                        (test.tags if item[0] == "tags" else test.consent).extend(item[1])
            elif kind == "history":
                test.history.extend(value)
            else:
                test.expectations.append(value)
        return test

    @v_args(meta=True)
    def test_start(self, meta: Meta, c: Children) -> tuple[str, n.Word, Span]:
        return ("start", self.word(c[0]), self.mspan(meta))

    @v_args(meta=True)
    def test_until(self, meta: Meta, c: Children) -> tuple[str, n.Moment, Span]:
        return ("until", c[0], self.mspan(meta))

    @v_args(meta=True)
    def test_contact(self, meta: Meta, c: Children) -> tuple[str, list[Any], Span]:
        return ("contact", list(c), self.mspan(meta))

    @v_args(meta=True)
    def contact_value(self, meta: Meta, c: Children) -> n.ContactValue:
        path, path_span = c[0]
        return n.make(n.ContactValue, span=self.mspan(meta), path=path, path_span=path_span, value=self.value(c[1]))

    def contact_tags(self, c: Children) -> tuple[str, list[n.Word]]:
        return ("tags", [self.word(t, _unquote(t)) for t in c])

    def contact_consent(self, c: Children) -> tuple[str, list[n.Word]]:
        return ("consent", [self.word(t, _unquote(t)) for t in c])

    def test_history(self, c: Children) -> tuple[str, list[n.HistoryEvent]]:
        return ("history", list(c))

    @v_args(meta=True)
    def history_event(self, meta: Meta, c: Children) -> n.HistoryEvent:
        return n.make(n.HistoryEvent, span=self.mspan(meta), at=c[0], event=c[1])

    @v_args(meta=True)
    def day_moment(self, meta: Meta, c: Children) -> n.Moment:
        text = " ".join(["day", *map(str, c)])
        time = str(c[1]) if len(c) > 1 else None
        return n.make(n.Moment, span=self.mspan(meta), kind="day", text=text, day=int(float(c[0])), time=time)

    @v_args(meta=True)
    def offset_moment(self, meta: Meta, c: Children) -> n.Moment:
        text = str(c[0])
        return n.make(n.Moment, span=self.mspan(meta), kind="offset", text=text, offset=units.parse_duration(text[1:]))

    @v_args(meta=True)
    def date_moment(self, meta: Meta, c: Children) -> n.Moment:
        time = str(c[1]) if len(c) > 1 else None
        text = " ".join(map(str, c))
        return n.make(n.Moment, span=self.mspan(meta), kind="date", text=text, date=str(c[0]), time=time)

    @v_args(meta=True)
    def timing_on(self, meta: Meta, c: Children) -> n.Timing:
        return n.make(n.Timing, span=self.mspan(meta), kind="on", at=c[0])

    @v_args(meta=True)
    def timing_by(self, meta: Meta, c: Children) -> n.Timing:
        return n.make(n.Timing, span=self.mspan(meta), kind="by", at=c[0])

    def never(self, c: Children) -> str:
        return "never"

    @v_args(meta=True)
    def expect(self, meta: Meta, c: Children) -> tuple[str, n.Expect]:
        items = list(c)
        never = bool(items) and items[0] == "never"
        if never:
            items = items[1:]
        fields: dict[str, Any] = items[0]
        timing = items[1] if len(items) > 1 else None
        return ("expect", n.make(n.Expect, span=self.mspan(meta), never=never, timing=timing, **fields))

    @v_args(meta=True)
    def expect_touch(self, meta: Meta, c: Children) -> dict[str, Any]:
        path, span = c[1]
        return {"what": "touch", "channel": str(c[0].children[0]), "target": path, "target_span": span}

    def expect_handoff(self, c: Children) -> dict[str, Any]:
        if not c:
            return {"what": "handoff"}
        return {"what": "handoff", "target": [str(c[0])], "target_span": self.tspan(c[0])}

    def expect_exit(self, c: Children) -> dict[str, Any]:
        text = _unquote(c[1]) if len(c) > 1 else None
        return {"what": "exit", "target": [str(c[0])], "target_span": self.tspan(c[0]), "text": text}

    def expect_enter(self, c: Children) -> dict[str, Any]:
        return {"what": "enter", "target": [str(c[0])], "target_span": self.tspan(c[0])}

    def expect_threshold(self, c: Children) -> dict[str, Any]:
        path, span = c[0]
        return {"what": "threshold", "target": path, "target_span": span}

    def expect_notify(self, c: Children) -> dict[str, Any]:
        recipient = str(c[0]) if len(c) > 1 else None
        where = self.tspan(c[0]) if len(c) > 1 else None
        return {
            "what": "notify",
            "recipient": recipient,
            "recipient_span": where,
            "text": _unquote(c[-1]),
            "target_span": self.tspan(c[-1]),
        }

    @v_args(meta=True)
    def expect_score(self, meta: Meta, c: Children) -> tuple[str, n.ExpectScore]:
        timing = c[3] if len(c) > 3 else None
        score = n.make(
            n.ExpectScore,
            span=self.mspan(meta),
            score=str(c[0]),
            score_span=self.tspan(c[0]),
            op=cast(n.CompareOp, str(c[1])),
            value=self.value(c[2]),
            timing=timing,
        )
        return ("expect", score)

    @v_args(meta=True)
    def expect_path(self, meta: Meta, c: Children) -> tuple[str, n.ExpectPath]:
        steps = [self.word(t) for t in c[1:]]
        path = n.make(n.ExpectPath, span=self.mspan(meta), flow=str(c[0]), flow_span=self.tspan(c[0]), steps=steps)
        return ("expect", path)

    @v_args(meta=True)
    def expect_at_most(self, meta: Meta, c: Children) -> tuple[str, n.ExpectAtMost]:
        within = self.duration(c[1]) if len(c) > 1 else None
        return ("expect", n.make(n.ExpectAtMost, span=self.mspan(meta), count=self.value(c[0]), within=within))

    # ---- conditions
    def _nest_condition(self, condition: _C) -> _C:
        depth = 1 + max((getattr(c, "_nesting", 0) for c in condition.children()), default=0)
        condition._nesting = depth
        if depth > MAX_DEPTH:
            raise _TooDeep(condition.span, "conditions are")
        return condition

    @v_args(meta=True)
    def or_cond(self, meta: Meta, c: Children) -> n.Or:
        return self._nest_condition(n.make(n.Or, span=self.mspan(meta), items=c))

    @v_args(meta=True)
    def and_cond(self, meta: Meta, c: Children) -> n.And:
        return self._nest_condition(n.make(n.And, span=self.mspan(meta), items=c))

    @v_args(meta=True)
    def negation(self, meta: Meta, c: Children) -> n.Not:
        return self._nest_condition(n.make(n.Not, span=self.mspan(meta), item=c[0]))

    @v_args(meta=True)
    def path(self, meta: Meta, c: Children) -> tuple[list[str], Span]:
        return ([str(t) for t in c], self.mspan(meta))

    @v_args(meta=True)
    def reference(self, meta: Meta, c: Children) -> n.Ref:
        return n.make(n.Ref, span=self.mspan(meta), path=c[0][0])

    @v_args(meta=True)
    def comparison(self, meta: Meta, c: Children) -> n.Compare:
        path, path_span = c[0]
        return n.make(
            n.Compare,
            span=self.mspan(meta),
            path=path,
            path_span=path_span,
            op=cast(n.CompareOp, str(c[1])),
            value=self.value(c[2]),
        )

    @v_args(meta=True)
    def membership(self, meta: Meta, c: Children) -> n.Member:
        path, path_span = c[0]
        negated = len(c) > 1 and getattr(c[1], "data", None) == "not_in"
        values = [self.value(v) for v in c[2 if negated else 1 :]]
        return n.make(n.Member, span=self.mspan(meta), path=path, path_span=path_span, values=values, negated=negated)

    @v_args(meta=True)
    def true(self, meta: Meta, c: Children) -> n.Value:
        return n.make(n.Value, span=self.mspan(meta), kind="bool", text="true", value=True)

    @v_args(meta=True)
    def false(self, meta: Meta, c: Children) -> n.Value:
        return n.make(n.Value, span=self.mspan(meta), kind="bool", text="false", value=False)

    @v_args(meta=True)
    def tagged(self, meta: Meta, c: Children) -> n.Tagged:
        return n.make(n.Tagged, span=self.mspan(meta), tag=_unquote(c[0]))

    @v_args(meta=True)
    def has(self, meta: Meta, c: Children) -> n.Has:
        return n.make(n.Has, span=self.mspan(meta), path=c[0][0])

    @v_args(meta=True)
    def consent(self, meta: Meta, c: Children) -> n.Consent:
        return n.make(n.Consent, span=self.mspan(meta), channel=_unquote(c[0]))

    @v_args(meta=True)
    def inactive(self, meta: Meta, c: Children) -> n.Inactive:
        return n.make(n.Inactive, span=self.mspan(meta), duration=self.duration(c[0]))

    @v_args(meta=True)
    def in_flow(self, meta: Meta, c: Children) -> n.InFlow:
        return n.make(n.InFlow, span=self.mspan(meta), flow=str(c[0]), flow_span=self.tspan(c[0]))

    @v_args(meta=True)
    def event(self, meta: Meta, c: Children) -> n.EventTest:
        head = c[0]
        if isinstance(head, tuple):  # bare path with modifiers: `replied within 3d`
            path, name_span = head
            name, args, mods = ".".join(path), [], c[1:]
        else:
            name, name_span = str(head), self.tspan(head)
            args, mods = c[1], c[2:]
        test = n.make(n.EventTest, span=self.mspan(meta), name=name, name_span=name_span, args=args)
        for kind, payload in mods:
            if kind == "within":
                test.within = payload
            else:
                test.count_op, test.count = payload
        return test

    def within(self, c: Children) -> tuple[str, n.Duration]:
        return ("within", self.duration(c[0]))

    def count(self, c: Children) -> tuple[str, tuple[str, n.Value]]:
        return ("count", (str(c[0]), self.value(c[1])))

    @v_args(meta=True)
    def event_pattern(self, meta: Meta, c: Children) -> n.EventPattern:
        return n.make(n.EventPattern, span=self.mspan(meta), name=str(c[0]), args=c[1] if len(c) > 1 else [])

    def event_args(self, c: Children) -> list[n.EventArg]:
        args = []
        for item in c:
            if isinstance(item, Token) and item.type == "STRING":
                args.append(n.make(n.EventArg, span=self.tspan(item), kind="string", value=_unquote(item)))
            elif isinstance(item, Token):
                args.append(n.make(n.EventArg, span=self.tspan(item), kind="name", value=str(item)))
            else:
                args.append(item)
        return args

    @v_args(meta=True)
    def any(self, meta: Meta, c: Children) -> n.EventArg:
        if not c:
            return n.make(n.EventArg, span=self.mspan(meta), kind="any", value="any")
        return n.make(
            n.EventArg,
            span=self.mspan(meta),
            kind="any",
            value="any",
            channel=str(c[0]),
            channel_span=self.tspan(c[0]),
        )


# A rule's method on `_Builder`: (its function, the `v_args` visit wrapper or
# None); (None, None) where Lark's dispatch is left to find it.
_HANDLERS: dict[str, tuple[Callable[..., Any] | None, Callable[..., Any] | None]] = {}


def _handler(cls: type, name: str) -> tuple[Callable[..., Any] | None, Callable[..., Any] | None]:
    for klass in cls.__mro__:
        if name in klass.__dict__:
            found = klass.__dict__[name]
            if isinstance(found, _VArgsWrapper) and isinstance(found.base_func, FunctionType):
                return found.base_func, found.visit_wrapper
            if isinstance(found, FunctionType):
                return found, None
            return None, None
    return None, None


class _TooDeep(Exception):
    def __init__(self, span: Span, what: str = "blocks are"):
        self.span, self.what = span, what


class _Duplicate(Exception):
    def __init__(self, span: Span, what: str, where: str):
        self.span, self.what, self.where = span, what, where


class _MetaProblem(Exception):
    def __init__(self, span: Span, code: str, message: str, hint: str):
        self.span, self.code, self.message, self.hint = span, code, message, hint


def _twice(second: n.Meta, where: str) -> _MetaProblem:
    return _MetaProblem(second.span, "NUR011", f"`meta` is given twice in this {where}", "merge the two blocks")


def _split_meta(items: list[Any], where: str) -> tuple[list[Any], n.Meta | None]:
    """A header's or a content's own items and its one `meta` block."""
    found: n.Meta | None = None
    rest = []
    for item in items:
        if isinstance(item, n.Meta):
            if found is not None:
                raise _twice(item, where)
            found = item
        else:
            rest.append(item)
    return rest, found


def _attach_meta(items: list[Any], where: str | None) -> tuple[list[Any], n.Meta | None]:
    """A body's items with each `meta` block given to the step right before
    it; a block after anything else (or first) is the body's owner's (a
    flow's), returned, or an error when `where` is None."""
    loose: n.Meta | None = None
    rest: list[Any] = []
    for item in items:
        if not isinstance(item, n.Meta):
            rest.append(item)
            continue
        before = rest[-1] if rest else None
        if isinstance(before, n.Step):
            if before.meta is not None:
                raise _twice(item, "step")
            before.meta = item
        elif loose is not None and where is not None:
            raise _twice(item, where)
        elif loose is None:
            loose = item
    return rest, loose


@functools.lru_cache(maxsize=64)
def _tree(text: str) -> Tree[Token]:
    """Lark's parse tree of a text. `check DIR` and `lint DIR` load every file
    with its imports, so a shared file is read again for each file that
    imports it: its tree is made once (the transformer builds new nodes from
    it and never changes it, so each programme still gets nodes, and spans,
    of its own). A syntax error is not cached."""
    _lexing.text = text
    try:
        return parser().parse(text)
    finally:
        _lexing.text = ""


@functools.cache
def layout_parser() -> Lark:
    """The parser `fmt` reads layout with: every token kept (keywords and
    punctuation too) and each comment handed to `_collect_comment`, which the
    grammar otherwise ignores. Only for texts `parse` has accepted."""
    return _open(
        keep_all_tokens=True,
        lexer_callbacks={"COMMENT": _collect_comment},
    )


def _collect_comment(token: Token) -> Token:
    comments: list[Token] | None = getattr(_lexing, "comments", None)
    if comments is not None:
        comments.append(token)
    return token


def layout_tree(text: str) -> tuple[Tree[Token], list[Token]]:
    """The full parse tree of a text (every token kept) and its comments, in
    order. Raises Lark's errors: call `parse` first for a diagnostic."""
    comments: list[Token] = []
    _lexing.comments = comments
    try:
        return layout_parser().parse(text), comments
    finally:
        _lexing.comments = None


def parse(source: SourceFile) -> n.Document:
    """Parse one file, raising `DiagnosticError` with a single diagnostic."""
    try:
        tree = _tree(source.text)
    except _RunTogether as error:
        raise DiagnosticError([run_together(error.token, source, parser())]) from None
    except UnexpectedInput as error:
        raise DiagnosticError([translate_error(error, source, parser())]) from None
    builder = _Builder(source.path)
    try:
        document = builder.transform(tree)
    except VisitError as error:
        inner = error.orig_exc
        if isinstance(inner, _TooDeep):
            raise DiagnosticError(
                [
                    Diagnostic(
                        "NUR006",
                        f"{inner.what} nested more than {MAX_DEPTH} deep here",
                        inner.span,
                        hints=(
                            "split the logic into several flows joined with `move to`"
                            if inner.what == "blocks are"
                            else "name parts of the condition as segments and refer to them",
                        ),
                    )
                ]
            ) from None
        if isinstance(inner, _MetaProblem):
            raise DiagnosticError([Diagnostic(inner.code, inner.message, inner.span, hints=(inner.hint,))]) from None
        if isinstance(inner, _Duplicate):
            raise DiagnosticError(
                [
                    Diagnostic(
                        "NUR011",
                        f"{inner.what} is given twice in this {inner.where}",
                        inner.span,
                    )
                ]
            ) from None
        raise
    return document
