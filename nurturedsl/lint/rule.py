"""What a lint rule is, and what it sees while it runs.

A rule is a small class: metadata as class attributes, documentation in its
docstring, and one `check(ctx)` generator that yields `Finding`s. The engine
(`engine.py`) turns findings into diagnostics with the rule's code, name and
configured severity.

Docstring layout (the docs page and `nurturedsl rules CODE` are made from
it): a one-line summary; the rationale, ending with its source; then a
`Bad:` and a `Good:` section, each an indented `.nurture` snippet.
"""

from __future__ import annotations

import datetime as _dt
import inspect
import re
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from .. import nodes as n
from .. import units
from ..diagnostics import Severity
from ..source import Span

if TYPE_CHECKING:  # pragma: no cover
    from ..digraph import MultiDiGraph
    from ..model import Programme
    from .dataflow import FlowAnalysis

FAMILIES = (
    "suppression",
    "structure",
    "timing",
    "give-to-get",
    "scoring",
    "compliance",
    "content",
    "segmentation",
    "re-engagement",
    "freshness",
)


# ---------------------------------------------------------------- options --


def parse_duration(text: str) -> int:
    return units.parse_duration(text)


def format_duration(seconds: int) -> str:
    return units.short(seconds, weeks=True)


@dataclass(frozen=True)
class Option:
    """A setting of a rule, configurable per rule in the config file.

    `kind` says how the value is written and read:
      int       a whole number               -> int
      duration  `48h`, `7d`, `2w`            -> seconds (int)
      range     `7d..14d` (or `45d`)         -> (low, high) seconds
      ratio     `3:1`                        -> (gives, asks)
      cap       `2 per 7d`                   -> (count, seconds)
      words     a list of strings            -> tuple[str, ...]

    `policy` is the kind of policy setting that, when the playbook sets it,
    takes precedence over the config file; `flow` the kind of flow setting
    that takes precedence over both for that flow.
    """

    name: str
    kind: str
    default: Any
    help: str
    policy: type[n.PolicySetting] | None = None
    flow: type[n.FlowSetting] | None = None

    def parse(self, raw: Any) -> Any:
        """A config value to the option's value; ValueError saying why not."""
        kind = self.kind
        if kind == "int":
            if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
                raise ValueError(f"expected a whole number, not {raw!r}")
            return raw
        if kind == "duration":
            return parse_duration(raw)
        if kind == "range":
            low, _, high = str(raw).partition("..")
            low_s = parse_duration(low)
            high_s = parse_duration(high) if high else low_s
            if low_s > high_s:
                raise ValueError(f"`{raw}` runs backwards")
            return (low_s, high_s)
        if kind == "ratio":
            match = re.match(r"^\s*(\d+)\s*:\s*(\d+)\s*$", str(raw))
            if not match or int(match.group(1)) < 1 or int(match.group(2)) < 1:
                raise ValueError(f"`{raw}` is not a ratio like `3:1`")
            return (int(match.group(1)), int(match.group(2)))
        if kind == "cap":
            match = re.match(r"^\s*(\d+)\s+per\s+(.+)$", str(raw))
            if not match:
                raise ValueError(f"`{raw}` is not a cap like `2 per 7d`")
            return (int(match.group(1)), parse_duration(match.group(2)))
        if kind == "words":
            if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
                raise ValueError("expected a list of strings")
            return tuple(raw)
        raise AssertionError(kind)

    def format(self, value: Any) -> str:
        """An option's value as it is written in the config file."""
        kind = self.kind
        if kind == "duration":
            return format_duration(value)
        if kind == "range":
            low, high = value
            return format_duration(low) if low == high else f"{format_duration(low)}..{format_duration(high)}"
        if kind == "ratio":
            return f"{value[0]}:{value[1]}"
        if kind == "cap":
            return f"{value[0]} per {format_duration(value[1])}"
        if kind == "words":
            return ", ".join(f'"{w}"' for w in value)
        return str(value)


def setting_value(setting: n.Setting) -> Any:
    """A policy or flow setting from the syntax tree as the value of the
    option it overrides (see `Option.kind`)."""
    match setting:
        case n.FirstTouch():
            return setting.within.seconds
        case n.Cadence():
            return (setting.low.seconds, setting.high.seconds)
        case n.GiveToGet():
            return (setting.gives.whole(), setting.asks.whole())
        case n.FrequencyCap():
            return (setting.count.whole(), setting.per.seconds)
        case n.MaxTouches():
            return setting.count.whole()
    raise TypeError(f"no lint option reads `{setting.key}`")


# ---------------------------------------------------------------- findings --


@dataclass(frozen=True)
class Finding:
    """One problem a rule found. `path` is a witness: the node ids of one
    path through the flow that shows the problem."""

    message: str
    span: Span | None
    notes: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    related: tuple[tuple[Span, str], ...] = ()
    flow: str | None = None
    path: tuple[str, ...] = ()


def head(span: Span, word: str) -> Span:
    """The keyword a block starts with: a caret there, not under the whole
    many-line block."""
    return Span(span.file, span.line, span.column, span.line, span.column + len(word))


# ------------------------------------------------------------------- rules --


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    family: ClassVar[str]
    severity: ClassVar[Severity]
    options: ClassVar[tuple[Option, ...]] = ()

    def check(self, ctx: Context) -> Iterator[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def option(cls, name: str) -> Option:
        return next(o for o in cls.options if o.name == name)

    @classmethod
    def doc(cls) -> RuleDoc:
        return RuleDoc.parse(inspect.cleandoc(cls.__doc__ or ""))


@dataclass(frozen=True)
class RuleDoc:
    summary: str
    rationale: str
    bad: str
    good: str

    @classmethod
    def parse(cls, text: str) -> RuleDoc:
        sections: dict[str, list[str]] = {"": []}
        current = ""
        for line in text.splitlines():
            if line.strip() in ("Bad:", "Good:"):
                current = line.strip()[:-1].lower()
                sections[current] = []
            else:
                sections[current].append(line)
        head = "\n".join(sections[""]).strip()
        summary, _, rationale = head.partition("\n\n")
        return cls(
            summary=" ".join(summary.split()),
            rationale=rationale.strip(),
            bad=textwrap.dedent("\n".join(sections.get("bad", []))).strip("\n"),
            good=textwrap.dedent("\n".join(sections.get("good", []))).strip("\n"),
        )


# ----------------------------------------------------------------- context --


@dataclass
class RunInfo:
    """What the rules may know about the whole lint run, beyond one
    programme: which files were named, and every name any of them uses."""

    linted_files: set[str] = field(default_factory=set)
    used_segments: set[str] = field(default_factory=set)
    used_contents: set[str] = field(default_factory=set)
    # files imported by some other linted file
    imported_files: set[str] = field(default_factory=set)
    # every file read in the run (named, or imported by one that was), by
    # real path: the files it imports, and how it is shown
    imports: dict[str, set[str]] = field(default_factory=dict)
    displays: dict[str, str] = field(default_factory=dict)
    # real paths of the files read that define at least one flow
    flow_files: set[str] = field(default_factory=set)
    # named files that do not check on their own: reported with their
    # errors and not linted, even where a programme that imports them is
    failed_files: set[str] = field(default_factory=set)


class Context:
    """What a rule sees: one checked programme, its flows' state graphs, the
    run, the date, and each option's value with policy and flow settings
    applied."""

    def __init__(
        self,
        programme: Programme,
        run: RunInfo,
        today: _dt.date,
        config_options: dict[str, dict[str, Any]] | None = None,
    ):
        self.programme = programme
        self.run = run
        self.today = today
        self._config_options = config_options or {}
        self._analyses: dict[str, FlowAnalysis] = {}

    @property
    def flows(self) -> list[n.Flow]:
        return list(self.programme.flows.values())

    @property
    def is_library(self) -> bool:
        """A file of shared definitions (no flows): completeness rules such as
        "no score model" do not apply to it."""
        return not self.programme.flows

    def analysis(self, flow: n.Flow) -> FlowAnalysis:
        found = self._analyses.get(flow.name)
        if found is None:
            from ..graph import flow_graph
            from .dataflow import FlowAnalysis

            found = self._analyses[flow.name] = FlowAnalysis(flow, flow_graph(flow), self.programme)
        return found

    def graph(self, flow: n.Flow) -> MultiDiGraph[str]:
        return self.analysis(flow).g

    def segment_facts(self, fact: Callable[[n.Condition, dict[str, bool]], bool]) -> dict[str, bool]:
        """`fact(condition, known)` for every segment's condition, each
        segment after the segments it uses (`known` holds theirs), without
        recursion: a long chain of segments costs nothing special."""
        from .. import nodes as n
        from ..model import iter_conditions

        segments = self.programme.segments
        result: dict[str, bool] = {}
        for start in segments:
            stack = [start]
            while stack:
                name = stack[-1]
                if name in result:
                    stack.pop()
                    continue
                needed = [
                    c.path[0]
                    for c in iter_conditions(segments[name].condition)
                    if isinstance(c, n.Ref) and c.resolved == "segment" and c.path[0] not in result
                ]
                if needed:
                    stack.extend(needed)  # segments form no circle (NUR021)
                    continue
                result[name] = fact(segments[name].condition, result)
                stack.pop()
        return result

    def source_text(self, span: Span | None) -> str:
        """The source under a span, whitespace collapsed onto one line, for
        quoting in messages; empty when there is none."""
        if span is None:
            return ""
        source = self.programme.sources.get(span.file)
        if source is None:
            return ""
        lines = list(source.lines[span.line - 1 : span.end_line])
        if not lines:
            return ""
        if len(lines) == 1:
            return " ".join(lines[0][span.column - 1 : span.end_column - 1].split())
        lines[0] = lines[0][span.column - 1 :]
        lines[-1] = lines[-1][: span.end_column - 1]
        return " ".join(" ".join(lines).split())

    def option(self, rule: type[Rule] | Rule, name: str, flow: n.Flow | None = None) -> Any:
        """Flow setting, then policy, then config file, then the default."""
        option = rule.option(name)
        if flow is not None and option.flow:
            setting = n.find(flow.settings, option.flow)
            if setting is not None:
                return setting_value(setting)
        policy = self.programme.setting(option.policy) if option.policy else None
        if policy is not None:
            return setting_value(policy)
        configured = self._config_options.get(rule.code, {})
        if name in configured:
            return configured[name]
        return option.default

    def option_source(self, rule: type[Rule] | Rule, name: str, flow: n.Flow | None = None) -> str:
        """Where an option's value came from, for messages."""
        option = rule.option(name)
        if flow is not None and option.flow and n.find(flow.settings, option.flow) is not None:
            return f"flow `{flow.name}`'s `{option.flow.KEY}`"
        if option.policy and self.programme.setting(option.policy) is not None:
            return f"the policy's `{option.policy.KEY}`"
        if name in self._config_options.get(rule.code, {}):
            return "the config file"
        return "the default"
