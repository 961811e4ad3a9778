"""Checking: every name resolved, every value and setting judged, every
step given its id. Every problem found is reported, not just the first."""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from typing_extensions import assert_never

from . import nodes as n
from . import units
from . import vocabulary as vocab
from . import webhook as hooks
from .diagnostics import Diagnostic, did_you_mean
from .load import _Nearby, _shorten, _wanted, project_root
from .nodes import iter_steps
from .policy import CONTACT_CHANNELS, MESSAGE_ITEMS
from .programme import Programme, iter_conditions
from .source import Span
from .units import DAYS, MAX_DURATION_SECONDS

MAX_NUMBER = 10**15  # beyond this a JSON number loses precision in most runners


class _Checker:
    def __init__(self, programme: Programme):
        self.p = programme
        self.diagnostics: list[Diagnostic] = []
        self.labels: dict[str, str] = {}  # step label -> flow
        self._loaded: set[str] | None = None  # real paths of the programme's files, for import hints
        self._nearby: dict[Path, _Nearby] = {}  # the playbooks around each folder, read once per check

    def error(self, code: str, message: str, span: Span | None, **extra: Any) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, **extra))

    def run(self) -> None:
        p = self.p
        if p.header:
            self.check_settings(p.header.settings, "playbook header")
            self.check_meta(p.header.meta)
        self.check_policy()
        for decl in p.custom_attributes.values():
            if decl.type_name not in vocab.ATTRIBUTE_TYPES:
                self.error(
                    "NUR013",
                    f"unknown attribute type `{decl.type_name}`",
                    decl.type_span,
                    notes=("types: " + ", ".join(vocab.ATTRIBUTE_TYPES),),
                    hints=did_you_mean(decl.type_name, vocab.ATTRIBUTE_TYPES),
                )
            else:
                p.attributes[".".join(decl.path)] = decl.type_name
        for flow in p.flows.values():
            self.assign_ids(flow)
        for name, segment in p.segments.items():
            clash = "a score" if name in p.scores else "an event" if name in p.event_names() else None
            if clash:
                self.error(
                    "NUR011",
                    f"segment `{name}` has the name of {clash}; conditions could not tell them apart",
                    segment.name_span,
                    hints=("rename the segment",),
                )
        for segment in p.segments.values():
            self.check_condition(segment.condition)
        for content in p.contents.values():
            self.check_content(content)
        for score in p.scores.values():
            self.check_score(score)
        self.check_definition_cycles()  # once every condition is resolved
        for flow in p.flows.values():
            self.check_flow(flow)
        if p.tests:  # imported only when there are tests: `lint` start-up stays as it was
            from .check_tests import check_tests

            check_tests(self)

    # ---- values
    def positive(self, duration: n.Duration | None, what: str) -> None:
        if duration is not None and duration.seconds <= 0:
            word = "zero" if duration.seconds == 0 else "negative"
            self.error("NUR014", f"{what} must be longer than zero, not {word} (`{duration.text}`)", duration.span)
        elif duration is not None and duration.seconds > MAX_DURATION_SECONDS:
            self.error(
                "NUR014",
                f"{what} of `{duration.text}` is longer than ten years",
                duration.span,
                hints=("durations are limited to 3650d",),
            )

    def whole(self, value: n.Value | None, what: str, minimum: int = 1) -> None:
        if value is None or not self.in_range(value):
            return
        v = value.value
        if not isinstance(v, int) or isinstance(v, bool) or v < minimum:
            self.error("NUR014", f"{what} must be a whole number of at least {minimum}, not `{value.text}`", value.span)

    def date(self, text: str, span: Span) -> None:
        try:
            _dt.date.fromisoformat(text)
        except ValueError:
            self.error("NUR014", f"`{text}` is not a date on the calendar", span)

    def given_once(self, items: Sequence[n.Setting | n.MetaEntry], where: str) -> None:
        """NUR011 for a key given twice among a block's settings or entries."""
        seen: dict[str, Span] = {}
        for item in items:
            if item.key in seen:
                self.error(
                    "NUR011",
                    f"`{item.key}` is given twice in this {where}",
                    item.span,
                    related=((seen[item.key], "first given here"),),
                )
            seen[item.key] = item.span

    def check_settings(self, settings: Sequence[n.Setting], where: str) -> None:
        self.given_once(settings, where)
        for s in settings:
            if isinstance(s, n.Reviewed):
                self.date(s.date, s.span)

    def check_policy(self) -> None:
        for s in [*self.p.policy.values(), *self.p.channel_caps.values()]:
            match s:
                case n.GiveToGet():
                    self.check_give_to_get(s)
                case n.Cadence():
                    self.check_cadence(s)
                case n.FirstTouch():
                    self.positive(s.within, "first_touch")
                case n.MaxTouches():
                    self.whole(s.count, "max_touches")
                case n.FrequencyCap():
                    self.whole(s.count, "the frequency cap's count")
                    self.positive(s.per, "the frequency cap's window")
                case n.ChannelFrequencyCap():
                    self.check_channel_cap(s)
                case n.QuietHours():
                    for word in (s.start, s.end):
                        try:
                            units.time_minutes(word.text)
                        except ValueError:
                            self.error("NUR014", f"`{word.text}` is not a time of day (00:00 to 23:59)", word.span)
                    if s.start.text == s.end.text:
                        self.error("NUR014", "quiet hours start and end at the same time", s.span)
                case n.SendDays():
                    for day in s.days:
                        if day.text not in DAYS:
                            self.error(
                                "NUR010",
                                f"unknown day `{day.text}`",
                                day.span,
                                notes=("days: " + ", ".join(DAYS),),
                                hints=did_you_mean(day.text, DAYS),
                            )
                case n.Timezone():
                    self.check_timezone(s.zone.text, s.zone.span)
                case n.Messages():
                    self.check_messages([(item.text, item.span) for item in s.items])
                case n.UnsubscribeRequired():
                    pass
                case _:
                    assert_never(s)

    def check_channel_cap(self, cap: n.ChannelFrequencyCap) -> None:
        channel = cap.channel
        if channel.text not in CONTACT_CHANNELS:
            self.error(
                "NUR010",
                f"unknown channel `{channel.text}` for a frequency cap",
                channel.span,
                notes=("channels: " + ", ".join(CONTACT_CHANNELS),),
                hints=did_you_mean(channel.text, CONTACT_CHANNELS)
                + ("or leave the channel out for a cap on all channels: `frequency_cap 2 per 7d`",),
            )
        self.whole(cap.count, f"the {channel.text} frequency cap's count")
        self.positive(cap.per, f"the {channel.text} frequency cap's window")

    def check_give_to_get(self, s: n.GiveToGet) -> None:
        gives, asks = s.gives, s.asks
        if not all(isinstance(part.value, int) for part in (gives, asks)):
            self.error(
                "NUR014",
                f"give_to_get takes whole numbers, not `{gives.text}:{asks.text}`",
                s.span,
                hints=("for example `give_to_get 3:1` or `give_to_get 5:2`",),
            )
            return
        for part, what in ((gives, "gives"), (asks, "asks")):
            if part.number() < 1:
                self.error(
                    "NUR014",
                    f"give_to_get needs at least one {what[:-1]} on each side, not `{gives.text}:{asks.text}`",
                    s.span,
                    hints=("the usual ratio is `give_to_get 3:1`: three gives before an ask",),
                )
                break

    def check_messages(self, items: list[tuple[str, Span]]) -> None:
        """`messages`: known items, each said once (`linkedin` already says
        `linkedin message`)."""
        seen: dict[str, Span] = {}
        for text, span in items:
            if text not in MESSAGE_ITEMS:
                words = text.split(" ")
                hints: tuple[str, ...]
                if len(words) == 2 and all(word in MESSAGE_ITEMS for word in words):
                    hints = (f"separate the items with commas: `{words[0]}, {words[1]}`",)
                else:
                    hints = did_you_mean(text, MESSAGE_ITEMS)
                self.error(
                    "NUR010",
                    f"unknown message kind `{text}`",
                    span,
                    notes=("kinds: " + ", ".join(MESSAGE_ITEMS),),
                    hints=hints,
                )
                continue
            channel = text.split(" ")[0]
            if text in seen or channel in seen:
                first = text if text in seen else channel
                what = "listed twice" if first == text else f"already covered by `{channel}` (every {channel} action)"
                self.error(
                    "NUR011",
                    f"`{text}` is {what} in `messages`",
                    span,
                    related=((seen[first], "first listed here" if first == text else f"`{channel}` is here"),),
                    hints=("remove one of them",),
                )
                continue
            covered = [other for other in seen if other.startswith(text + " ")]
            if covered:
                self.error(
                    "NUR011",
                    f"`{text}` covers `{covered[0]}`, listed before it in `messages`",
                    span,
                    related=((seen[covered[0]], "listed here"),),
                    hints=(f"keep `{text}` (every {channel} action) or the single actions, not both",),
                )
                continue
            seen[text] = span

    def check_timezone(self, name: str, span: Span) -> None:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.error(
                "NUR010",
                f"unknown time zone `{name}`",
                span,
                hints=('use an IANA name such as "Europe/Berlin" or "UTC"',),
            )

    def check_cadence(self, s: n.Cadence) -> None:
        low, high = s.low, s.high
        self.positive(low, "cadence")
        if high is not low:
            self.positive(high, "cadence")
        if low.seconds > high.seconds:
            self.error(
                "NUR014", f"cadence `{low.text}..{high.text}` runs backwards: the shortest gap comes first", s.span
            )

    # ---- names
    def what_is(self, name: str) -> str | None:
        for table, what in (
            (self.p.segments, "a segment"),
            (self.p.contents, "content"),
            (self.p.scores, "a score"),
            (self.p.flows, "a flow"),
        ):
            if name in table:
                return what
        if name in self.labels:
            return f"a step in flow `{self.labels[name]}`"
        return None

    def unknown(self, what: str, name: str, span: Span, known: Iterable[str], extra_hint: str | None = None) -> None:
        other = self.what_is(name)
        notes = (f"`{name}` is {other}",) if other else ()
        hints = (self.import_hint(_wanted(what, name), span) or did_you_mean(name, known)) if not other else ()
        if extra_hint:
            hints += (extra_hint,)
        message = f"`{name}` is not {what}" if other else f"unknown {what} `{name}`"
        self.error("NUR010", message, span, notes=notes, hints=hints)

    def import_hint(self, wanted: tuple[tuple[str, str], ...], span: Span | None) -> tuple[str, ...]:
        """`add import "content.nurture"` when a playbook this one does not
        import defines the unknown name: the nearest such files in the
        project folder, found by a look at their text, never a full check.
        Only runs for a name that is unknown, so a clean check costs nothing."""
        if not wanted or span is None:
            return ()
        if self._loaded is None:
            self._loaded = {os.path.realpath(path) for path in self.p.sources}
        user = Path(os.path.realpath(span.file))
        nearby = self._nearby.get(user.parent)
        if nearby is None:
            nearby = self._nearby[user.parent] = _Nearby(user.parent, project_root(user))
        for files in nearby.levels():
            found = []
            for path, defined in files:
                if path in self._loaded:
                    continue
                hit = next((w for w in wanted if w in defined), None)
                if hit is not None:
                    found.append((os.path.relpath(path, user.parent).replace(os.sep, "/"), hit))
            if found:
                first, (kind, name) = found[0]
                others = [path for path, _ in found[1:]]
                also = f" (also in {', '.join(others[:3])}{', ...' if len(others) > 3 else ''})" if others else ""
                return (f'add `import "{first}"`: {kind} `{name}` is defined there{also}',)
        return ()

    def attribute_type(self, path: list[str], span: Span) -> str | None:
        key = ".".join(path)
        if key in self.p.attributes:
            return self.p.attributes[key]
        hints = self.import_hint((("attribute", key),), span) or did_you_mean(key, self.p.attributes) + (
            f"declare a custom attribute with `attribute {key}: string` (or number, duration, date, bool)",
        )
        self.error("NUR010", f"unknown attribute `{key}`", span, hints=hints)
        return None

    # ---- conditions
    def check_condition(self, condition: n.Condition) -> None:
        for c in iter_conditions(condition):
            if isinstance(c, n.Ref):
                self.resolve_ref(c)
            elif isinstance(c, n.Compare):
                self.check_compare(c)
            elif isinstance(c, n.Member):
                kind = self.attribute_type(c.path, c.path_span)
                if kind:
                    for value in c.values:
                        self.check_literal(kind, value, ".".join(c.path))
            elif isinstance(c, n.Has):
                self.attribute_type(c.path, c.span)
            elif isinstance(c, n.Consent):
                if c.channel not in vocab.CONSENT_CHANNELS:
                    self.error(
                        "NUR010",
                        f"unknown consent channel `{c.channel}`",
                        c.span,
                        notes=("channels: " + ", ".join(vocab.CONSENT_CHANNELS),),
                        hints=did_you_mean(c.channel, vocab.CONSENT_CHANNELS),
                    )
            elif isinstance(c, n.Inactive):
                self.positive(c.duration, "`inactive for`")
            elif isinstance(c, n.InFlow):
                if c.flow not in self.p.flows:
                    self.unknown("flow", c.flow, c.flow_span, self.p.flows)
            elif isinstance(c, n.EventTest):
                self.check_event(c.name, c.name_span, c.args)
                self.positive(c.within, "`within`")
                if c.count is not None:
                    self.whole(c.count, "an event count", minimum=0)

    def resolve_ref(self, ref: n.Ref) -> None:
        p = self.p
        key = ".".join(ref.path)
        head = ref.path[0]
        if len(ref.path) == 1 and head in p.segments:
            ref.resolved = "segment"
        elif len(ref.path) == 1 and head in p.event_names():
            ref.resolved = "event"
        elif len(ref.path) == 2 and head in p.scores:
            score = p.scores[head]
            names = [t.name for t in score.thresholds]
            if ref.path[1] in names:
                ref.resolved = "threshold"
            else:
                self.error(
                    "NUR010",
                    f"score `{head}` has no threshold `{ref.path[1]}`",
                    ref.span,
                    notes=("its thresholds: " + (", ".join(names) or "none"),),
                    hints=did_you_mean(ref.path[1], names),
                )
        elif len(ref.path) == 1 and head in p.scores:
            self.error(
                "NUR013",
                f"`{head}` is a score, a number: compare it or name one of its thresholds",
                ref.span,
                hints=(
                    f"for example `{head} >= 40`"
                    + "".join(f" or `{head}.{t.name}`" for t in p.scores[head].thresholds[:1]),
                ),
            )
        elif p.attributes.get(key) == "bool":
            ref.resolved = "attribute"
        elif key in p.attributes:
            self.error(
                "NUR013",
                f"`{key}` is a {p.attributes[key]} attribute, not a yes/no test",
                ref.span,
                hints=(f"compare it, e.g. `{key} == ...`, or test it is there with `has {key}`",),
            )
        else:
            known = list(p.segments) + list(p.event_names()) + [k for k, t in p.attributes.items() if t == "bool"]
            known += [f"{s}.{t.name}" for s in p.scores.values() for t in s.thresholds]
            # `wait until mon` reads a condition; a weekday wait needs its time
            day = f"to wait for a weekday, give a time: `wait until {key} 09:00`" if key in DAYS else None
            self.unknown("segment, event or threshold", key, ref.span, known, extra_hint=day)

    def check_compare(self, c: n.Compare) -> None:
        key = ".".join(c.path)
        if len(c.path) == 1 and c.path[0] in self.p.scores:
            c.resolved = "score"
            if not self.in_range(c.value):
                return
            if c.value.kind != "number":
                self.error(
                    "NUR013",
                    f"score `{key}` is a number and cannot be compared with "
                    f"{_kind_words(c.value.kind)} `{c.value.text}`",
                    c.value.span,
                )
            return
        kind = self.attribute_type(c.path, c.path_span)
        if kind is None:
            return
        c.resolved = "attribute"
        if self.check_literal(kind, c.value, key) and c.op not in ("==", "!=") and kind in ("string", "bool"):
            self.error(
                "NUR013",
                f"`{c.op}` orders numbers, durations and dates; `{key}` is a {kind}",
                c.span,
                hints=("use `==`, `!=` or `in [...]`",),
            )

    def in_range(self, value: n.Value) -> bool:
        if value.kind in ("number", "amount") and abs(value.number()) > MAX_NUMBER:
            self.error("NUR014", f"`{value.text}` is too large: numbers are limited to 10^15", value.span)
            return False
        if value.kind == "duration" and abs(value.number()) > MAX_DURATION_SECONDS:
            self.error("NUR014", f"`{value.text}` is longer than ten years (3650d)", value.span)
            return False
        return True

    def check_literal(self, kind: str, value: n.Value, key: str) -> bool:
        if not self.in_range(value):
            return False
        if value.kind not in vocab.LITERAL_KINDS_FOR_TYPE[kind]:
            self.error(
                "NUR013",
                f"`{key}` is a {kind}, but `{value.text}` is {_kind_words(value.kind)}",
                value.span,
                hints=(_literal_hint(kind),),
            )
            return False
        if value.kind == "date":
            self.date(str(value.value), value.span)
        return True

    def check_event_channel(self, name: str, arg: n.EventArg, pattern: bool) -> None:
        """`clicked(any email)`: a touch event, a contact-facing channel, and
        only in a condition (entry triggers and scoring rules match events
        as they come, by name and argument)."""
        span = arg.channel_span or arg.span
        channel = arg.channel or ""
        if pattern:
            self.error(
                "NUR014",
                f"a channel filter (`any {channel}`) is for conditions, not entry triggers or scoring rules",
                span,
                hints=(f"match `{name}(any)` here and test the channel in a `when`: `when {name}(any {channel})`",),
            )
        elif name not in vocab.TOUCH_EVENTS:
            self.error(
                "NUR014",
                f"`{name}` is not about a touch, so it has no channel",
                span,
                notes=("events about a touch: " + ", ".join(vocab.TOUCH_EVENTS),),
                hints=(f"write `{name}(any)`",),
            )
        elif channel not in CONTACT_CHANNELS:
            self.error(
                "NUR010",
                f"unknown channel `{channel}`",
                span,
                notes=("channels: " + ", ".join(CONTACT_CHANNELS),),
                hints=did_you_mean(channel, CONTACT_CHANNELS),
            )

    def check_event(self, name: str, span: Span, args: list[n.EventArg], pattern: bool = False) -> None:
        events = self.p.event_names()
        if "." in name or name not in events:
            if name in self.p.segments or name in self.p.scores:
                self.error("NUR010", f"`{name}` is {self.what_is(name)}, not an event", span)
            else:
                imported = () if name in self.p.attributes else self.import_hint((("event", name),), span)
                hint = (
                    (f"`{name}` is an attribute: compare it, e.g. `{name} == ...`",)
                    if name in self.p.attributes
                    else (f"declare a custom event with `event {name}`",)
                )
                self.error(
                    "NUR010",
                    f"unknown event `{name}`",
                    span,
                    notes=("events: " + ", ".join(sorted(events)),),
                    hints=imported or did_you_mean(name, events) + hint,
                )
            return
        if len(args) > 1:
            self.error("NUR014", f"an event takes at most one argument; `{name}` has {len(args)}", args[1].span)
        for arg in args:
            if arg.channel is not None:
                self.check_event_channel(name, arg, pattern)
            if arg.kind == "name" and arg.value not in self.p.contents and arg.value not in self.labels:
                self.unknown(
                    "content or step",
                    arg.value,
                    arg.span,
                    list(self.p.contents) + list(self.labels),
                    extra_hint=f'to match a literal value, quote it: `{name}("{arg.value}")`',
                )

    def check_definition_cycles(self) -> None:
        """Segments and scores whose value would depend on itself: a segment
        used in its own definition, or a score whose fit rule reads the score
        (`+5 when lead >= 40` in `score lead`), directly or through others.
        Behaviour rules are judged at the event, from the score before it,
        so they are no part of the value's definition."""

        def reads(condition: n.Condition) -> list[tuple[str, str]]:
            found: list[tuple[str, str]] = []
            for c in iter_conditions(condition):
                if isinstance(c, n.Ref) and c.resolved == "segment":
                    found.append(("segment", c.path[0]))
                elif isinstance(c, n.Compare) and c.resolved == "score":
                    found.append(("score", c.path[0]))
            return found

        graph: dict[tuple[str, str], list[tuple[str, str]]] = {
            ("segment", name): reads(seg.condition) for name, seg in self.p.segments.items()
        }
        for name, score in self.p.scores.items():
            graph[("score", name)] = [used for rule in score.fit_rules for used in reads(rule.condition)]
        state: dict[tuple[str, str], int] = {}
        for start in sorted(graph):
            if state.get(start):
                continue
            stack = [(start, iter(graph[start]))]
            path = [start]
            state[start] = 1
            while stack:
                node, children = stack[-1]
                child = next(children, None)
                if child is None:
                    state[node] = 2
                    stack.pop()
                    path.pop()
                elif state.get(child) == 1:
                    self._definition_cycle(path[path.index(child) :] + [child])
                elif not state.get(child) and child in graph:
                    state[child] = 1
                    stack.append((child, iter(graph[child])))
                    path.append(child)

    def _definition_cycle(self, chain: list[tuple[str, str]]) -> None:
        kind, name = chain[0]
        first = self.p.segments[name] if kind == "segment" else self.p.scores[name]
        if all(kind == "segment" for kind, _ in chain):
            message = "segments refer to each other in a circle: " + " -> ".join(name for _, name in chain)
        else:
            message = (
                f"{kind} `{name}` is defined by itself: "
                + " -> ".join(f"{k} {v}" for k, v in chain)
                + " (its value would depend on its own value)"
            )
        hint = (
            "a fit rule adds to the score while its condition holds, so the condition cannot read that score; "
            "act on the score with a threshold instead (`threshold hot at 40 -> ...`)"
        )
        self.error("NUR021", message, first.name_span, hints=(hint,) if kind == "score" else ())

    # ---- declarations
    def check_meta(self, meta: n.Meta | None) -> None:
        entries = meta.entries if meta else []
        self.given_once(entries, "`meta` block")
        for entry in entries:
            self.in_range(entry.value)

    def check_content(self, content: n.Content) -> None:
        self.check_meta(content.meta)
        self.check_settings(content.options, f"content `{content.name}`")
        for option in content.options:
            if isinstance(option, n.Stage):
                stage = option.stage
                if stage.text not in vocab.STAGES:
                    self.error(
                        "NUR010",
                        f"unknown stage `{stage.text}`",
                        stage.span,
                        notes=("stages: " + ", ".join(vocab.STAGES),),
                        hints=did_you_mean(stage.text, vocab.STAGES),
                    )
            elif isinstance(option, n.ContentFlag) and option.flag == "way_out" and content.kind != "ask":
                # a way out asks one thing, whether to stop: a give has nothing to ask
                self.error(
                    "NUR013",
                    f"`way out` marks ask content, but `{content.name}` is give content",
                    option.span,
                    hints=(f"declare `{content.name}` as `ask`, or drop `way out`",),
                )

    def check_score(self, score: n.Score) -> None:
        for fit in score.fit_rules:
            self.check_points(fit.points, fit.span)
            self.check_condition(fit.condition)
        for rule in score.behaviour_rules:
            self.check_points(rule.points, rule.span)
            self.check_event(rule.event.name, rule.event.span, rule.event.args, pattern=True)
            self.check_settings(rule.modifiers, "rule")
            for m in rule.modifiers:
                match m:
                    case n.Decay():
                        self.positive(m.half_life, "`decay half_life`")
                    case n.Expires():
                        self.positive(m.after, "`expires`")
                    case n.AtMost():
                        self.whole(m.count, "`at most`")
                    case _:
                        assert_never(m)
        seen: dict[str, n.Threshold] = {}
        for t in score.thresholds:
            if t.name in seen:
                self.error(
                    "NUR011",
                    f"threshold `{t.name}` is defined twice in score `{score.name}`",
                    t.span,
                    related=((seen[t.name].span, "first defined here"),),
                )
            seen[t.name] = t
            if t.value.kind != "number" or t.value.number() <= 0:
                self.error("NUR014", f"a threshold must be a score above zero, not `{t.value.text}`", t.value.span)
            for action in t.actions:
                if isinstance(action, n.MoveTo) and action.flow not in self.p.flows:
                    self.unknown("flow", action.flow, action.span, self.p.flows)
                if isinstance(action, n.ScoreChange):
                    self.check_score_change(action)

    def check_points(self, points: int, span: Span) -> None:
        if points == 0:
            self.error("NUR014", "a rule worth 0 points does nothing", span, hints=("remove it or give it points",))

    # ---- flows
    def assign_ids(self, flow: n.Flow) -> None:
        taken: dict[str, n.AnyStep] = {}
        steps = list(iter_steps(flow.steps))
        for step in steps:
            if step.label is None:
                continue
            if step.label in taken:
                self.error(
                    "NUR011",
                    f"step `{step.label}` is defined twice in flow `{flow.name}`",
                    step.span,
                    related=((taken[step.label].span, "first defined here"),),
                    hints=("step names must be unique within a flow",),
                )
                continue
            taken[step.label] = step
            step.id = step.label
            self.labels.setdefault(step.label, flow.name)
        for step in steps:
            if step.id:
                continue
            base = _base_id(step)
            # only a touch named by its content may go unnumbered (`welcome`, then `welcome_2`)
            numbered = not isinstance(step, n.Touch) or step.content is None
            k = 1
            candidate = f"{base}_{k}" if numbered else base
            while candidate in taken:
                k += 1
                candidate = f"{base}_{k}"
            taken[candidate] = step
            step.id = candidate

    def check_flow(self, flow: n.Flow) -> None:
        self.check_meta(flow.meta)
        self.check_settings(flow.settings, f"flow `{flow.name}`")
        for s in flow.settings:
            match s:
                case n.Audience() | n.Goal():
                    self.check_condition(s.condition)
                case n.Cadence():
                    self.check_cadence(s)
                case n.MaxTouches():
                    self.whole(s.count, "max_touches")
                case n.Reentry():
                    self.positive(s.after, "`reentry after`")
                case n.RateLimit():
                    self.check_rate_limit(s)
                case n.Reviewed():
                    pass  # its date is checked with the other settings
                case _:
                    assert_never(s)
        for entry in flow.entries:
            if entry.event:
                self.check_event(entry.event.name, entry.event.span, entry.event.args, pattern=True)
            self.positive(entry.delay, "`after`")
            if entry.condition is not None:
                self.check_condition(entry.condition)
        for exit_condition in flow.exits:
            self.check_condition(exit_condition)
        labels = {s.id: s for s in iter_steps(flow.steps)}
        for step in iter_steps(flow.steps):
            self.check_step(flow, step, labels)

    def check_rate_limit(self, limit: n.RateLimit) -> None:
        what = limit.what
        if what.text not in n.RATE_LIMIT_KINDS:
            self.error(
                "NUR010",
                f"unknown rate limit `{what.text}`",
                what.span,
                notes=("a flow limits its `entries` (refused over the limit) or its `sends` (held)",),
                hints=did_you_mean(what.text, n.RATE_LIMIT_KINDS)
                + ("for example `rate_limit entries 500 per 1d` or `rate_limit sends 100 per 1h`",),
            )
            return
        self.whole(limit.count, f"the {what.text} rate limit")
        self.positive(limit.per, f"the {what.text} rate limit's window")

    def check_step(self, flow: n.Flow, step: n.AnyStep, labels: dict[str, n.AnyStep]) -> None:
        self.check_meta(step.meta)
        match step:
            case n.Touch():
                self.check_touch(step)
            case n.Wait():
                self.positive(step.duration, "a wait")
            case n.WaitUntil():
                self.check_condition(step.condition)
                self.positive(step.timeout, "the `up to` time-out")
                if step.timeout is None and step.on_timeout is not None:
                    self.error(
                        "NUR014",
                        "`on timeout` needs a time-out: add `up to DURATION` to this `wait until`",
                        step.on_timeout_span,
                    )
            case n.WaitCalendar():
                self.check_calendar_wait(step)
            case n.WaitFor():
                self.check_wait_for(step)
            case n.Branch():
                for arm in step.arms:
                    self.check_condition(arm.condition)
            case n.Split():
                total = sum(share.percent for share in step.arms)
                for share in step.arms:
                    if share.percent <= 0:
                        self.error(
                            "NUR014", f"a split arm needs a share above 0%, not {share.percent_text}", share.span
                        )
                if abs(total - 100) > 1e-9:
                    shares = " + ".join(arm.percent_text for arm in step.arms)
                    self.error("NUR015", f"split shares add up to {total:g}%, not 100% ({shares})", step.span)
                names = [arm.name for arm in step.arms if arm.name]
                for name in {x for x in names if names.count(x) > 1}:
                    self.error("NUR011", f'split arm "{name}" is named twice', step.span)
            case n.Experiment():
                self.check_experiment(step)
            case n.Repeat():
                self.positive(step.every, "`repeat every`")
                self.whole(step.at_most, "`at most`")
            case n.Goto():
                if step.target not in labels:
                    other = self.labels.get(step.target)
                    if other and other != flow.name:
                        self.error(
                            "NUR010",
                            f"`goto` stays inside flow `{flow.name}`; `{step.target}` is a step of flow `{other}`",
                            step.span,
                            hints=(f"to hand the contact over, use `move to {other}`",),
                        )
                    else:
                        self.error(
                            "NUR010",
                            f"unknown step `{step.target}` in flow `{flow.name}`",
                            step.span,
                            hints=did_you_mean(step.target, [k for k, s in labels.items() if s.label]),
                        )
            case n.MoveTo():
                if step.flow not in self.p.flows:
                    self.unknown("flow", step.flow, step.span, self.p.flows)
            case n.SetStep():
                kind = self.attribute_type(step.path, step.span)
                if kind:
                    self.check_literal(kind, step.value, ".".join(step.path))
            case n.Suppress():
                self.positive(step.revisit, "`revisit`")
            case n.TagStep() | n.Handoff() | n.ExitStep():
                pass  # nothing to check beyond their syntax
            case n.Webhook():
                self.check_webhook(step)
            case n.ScoreChange():
                self.check_score_change(step)
            case _:
                assert_never(step)

    def check_experiment(self, step: n.Experiment) -> None:
        self.check_condition(step.goal)
        self.positive(step.window, "an experiment's `window`")
        self.whole(step.decide_after, "`decide after` (contacts per arm)")
        if step.decide_on is not None:
            self.date(step.decide_on.text, step.decide_on.span)
        for arm in step.arms:
            if arm.percent <= 0:
                self.error("NUR014", f"an experiment arm needs a share above 0%, not {arm.percent_text}", arm.span)
        total = sum(arm.percent for arm in step.arms)
        if abs(total - 100) > 1e-9:
            shares = " + ".join(arm.percent_text for arm in step.arms)
            self.error("NUR015", f"experiment shares add up to {total:g}%, not 100% ({shares})", step.span)
        if len(step.arms) < 2:
            self.error(
                "NUR014",
                f"experiment `{step.id}` has one arm: there is nothing to pick a winner from",
                step.span,
                hints=("add another arm, or write the arm's steps without the experiment",),
            )
        seen: dict[str, n.ExperimentArm] = {}
        for arm in step.arms:
            if arm.name in seen:
                self.error(
                    "NUR011",
                    f'experiment arm "{arm.name}" is named twice',
                    arm.span,
                    related=((seen[arm.name].span, "first named here"),),
                )
            seen.setdefault(arm.name, arm)

    def check_calendar_wait(self, step: n.WaitCalendar) -> None:
        if step.date is not None:
            self.date(step.date.text, step.date.span)
        if step.time is not None:
            try:
                units.time_minutes(step.time.text)
            except ValueError:
                self.error("NUR014", f"`{step.time.text}` is not a time of day (00:00 to 23:59)", step.time.span)
        for day in step.days:
            if day.text not in DAYS:
                self.error(
                    "NUR010",
                    f"unknown day `{day.text}`",
                    day.span,
                    notes=("days: " + ", ".join(DAYS),),
                    hints=did_you_mean(day.text, DAYS) or (f"days are written {', '.join(DAYS)}",),
                )

    def check_wait_for(self, step: n.WaitFor) -> None:
        if step.timeout is None:
            self.error(
                "NUR014",
                "`wait for` needs a time-out, or a contact no event reaches waits for ever",
                step.span,
                hints=("write `wait for up to 7d { ... }`",),
            )
        self.positive(step.timeout, "the `up to` time-out")
        if not step.arms:
            self.error(
                "NUR014",
                "`wait for` needs at least one `on EVENT { ... }` arm",
                step.span,
                hints=('for example `on booked("demo") { ... }`; to wait for a time alone, use `wait 7d`',),
            )
        seen: dict[tuple[str, tuple[str, ...]], n.WaitForArm] = {}
        for arm in step.arms:
            self.check_event(arm.event.name, arm.event.name_span, arm.event.args)
            # `clicked(any)` is `clicked`: any argument matches either way
            key = (arm.event.name, tuple(f"{a.kind}:{a.value}" for a in arm.event.args if a.kind != "any"))
            if key in seen:
                shown = [f'"{a.value}"' if a.kind == "string" else a.value for a in arm.event.args if a.kind != "any"]
                written = arm.event.name + (f"({', '.join(shown)})" if shown else "")
                self.error(
                    "NUR011",
                    f"`on {written}` is given twice in this `wait for`; the first always wins",
                    arm.span,
                    related=((seen[key].span, "first given here"),),
                )
            seen.setdefault(key, arm)

    def check_webhook(self, step: n.Webhook) -> None:
        method = step.method.upper()
        if method not in hooks.METHODS:
            self.error(
                "NUR010",
                f"unknown webhook method `{step.method}`",
                step.method_span,
                notes=("methods: " + ", ".join(m.lower() for m in hooks.METHODS),),
                hints=did_you_mean(step.method.lower(), [m.lower() for m in hooks.METHODS]),
            )
        if not re.match(r"https?://[^\s/?#]+", step.url, re.IGNORECASE) or any(c.isspace() for c in step.url):
            self.error(
                "NUR014",
                f'a webhook needs an absolute http:// or https:// URL, not "{_shorten(step.url, 60)}"',
                step.url_span,
                hints=('for example "https://hooks.example.com/lead"',),
            )
        if step.body is None:
            return
        if method in hooks.METHODS and method not in hooks.METHODS_WITH_BODY:
            self.error(
                "NUR014",
                f"a {method} webhook sends no body",
                step.body_span,
                hints=("use post, put or patch to send one, or drop `body`",),
            )
            return
        problem = hooks.body_problem(step.body)
        if problem is not None:
            self.error(
                "NUR014",
                f"the webhook body is not JSON: {problem}",
                step.body_span,
                notes=(f"placeholders are filled in with text: `{{email}}` becomes {hooks.SAMPLE}",),
                hints=('write placeholders inside JSON strings: "{\\"email\\": \\"{email}\\"}"',),
            )

    def check_score_change(self, step: n.ScoreChange) -> None:
        if step.score not in self.p.scores:
            self.unknown("score", step.score, step.score_span, self.p.scores)
        if step.op == "add" and step.points == 0:
            self.error(
                "NUR014", "a score change of 0 points does nothing", step.span, hints=("give it points, or `reset`",)
            )

    def check_touch(self, step: n.Touch) -> None:
        if step.channel == "linkedin":
            if step.action == "message" and not step.content:
                self.error(
                    "NUR014",
                    "`linkedin message` needs content to send",
                    step.span,
                    hints=("for example `linkedin message intro_note`",),
                )
            if step.content and step.action not in vocab.LINKEDIN_ACTIONS_WITH_CONTENT:
                self.error(
                    "NUR014", f"`linkedin {step.action}` sends nothing, so it takes no content", step.content_span
                )
        if step.content is None:
            return
        content = self.p.contents.get(step.content)
        if content is None:
            self.unknown("content", step.content, step.content_span or step.span, self.p.contents)
            return
        if step.intent and step.intent != content.kind:
            self.error(
                "NUR016",
                f"`{step.content}` is {content.kind} content, but this step sends it as {step.intent}",
                step.content_span,
                related=((content.name_span, f"`{step.content}` is defined as {content.kind} here"),),
                hints=(f"send {step.intent} content here, or change `as {step.intent}`",),
            )


def _base_id(step: n.AnyStep) -> str:
    """The generated id of an unlabelled step: its content, else its kind."""
    if isinstance(step, n.Touch):
        if step.content:
            return step.content
        if step.channel == "linkedin":
            return f"linkedin_{step.action}"
        return step.channel
    if isinstance(step, n.ScoreChange):
        return f"score_{step.score}"
    return n.node_type(step)


def _kind_words(kind: str) -> str:
    return {
        "string": "a text",
        "number": "a number",
        "amount": "an amount",
        "duration": "a duration",
        "date": "a date",
        "bool": "a yes/no value",
    }[kind]


def _literal_hint(kind: str) -> str:
    return {
        "string": 'compare it with a quoted text, e.g. "SaaS"',
        "number": "compare it with a number, e.g. 50 or 5M",
        "duration": "compare it with a duration, e.g. 180d",
        "date": "compare it with a date, e.g. 2026-01-31",
        "bool": "compare it with true or false",
    }[kind]
