"""The rule catalogue for people and machines: `nurturedsl rules`, its JSON,
and docs/rules.md, all made from the registry and the rules' docstrings."""

from __future__ import annotations

import re
import textwrap
from typing import TypedDict

from .rule import FAMILIES, Option, Rule

# The articles the rules' rationales cite: each rule's rationale ends with a
# `Source:` sentence naming one of these keys and the article's section (or
# saying "neither article" and what the rule rests on instead).
SOURCES = {
    "Lacy": (
        'Keith Lacy, "B2B Lead Nurturing: Why Most Sequences Lose the Sale Before It Starts", The Marketing Juice'
    ),
    "Vanderbuild": (
        '"B2B Lead Nurturing: The Complete Guide to Converting Leads into Sales (2026)", Vanderbuild '
        "blog, https://vanderbuild.cp/blog/b2b-lead-nurturing-the-complete-guide-to-converting-leads-"
        "into-sales"
    ),
}
_CITED = re.compile(r"\b(" + "|".join(SOURCES) + r")\b(?=,)")


def cited(rationale: str) -> list[str]:
    """The keys of SOURCES that a rationale's `Source:` sentence names."""
    _, found, sentence = rationale.partition("Source:")
    return sorted(set(_CITED.findall(sentence))) if found else []


FAMILY_TITLES = {
    "suppression": "Suppressions",
    "structure": "Structure (NUR1xx)",
    "timing": "Timing (NUR2xx)",
    "give-to-get": "Give-to-get (NUR3xx)",
    "scoring": "Scoring (NUR4xx)",
    "compliance": "Compliance (NUR5xx)",
    "content": "Content (NUR6xx)",
    "segmentation": "Segmentation and reach (NUR7xx)",
    "re-engagement": "Re-engagement (NUR8xx)",
    "freshness": "Freshness (NUR9xx)",
}


class OptionJson(TypedDict):
    """A rule's option in `nurturedsl rules --format json`."""

    name: str
    kind: str
    default: str | None  # as a config file writes it
    help: str
    policy: str | None  # the policy setting that takes precedence
    flow: str | None  # the flow setting that takes precedence


class RuleJson(TypedDict):
    """A rule in `nurturedsl rules --format json`."""

    code: str
    name: str
    family: str
    severity: str
    summary: str
    rationale: str
    sources: list[str]  # keys of SOURCES
    options: list[OptionJson]
    bad: str
    good: str


def _option_dict(option: Option) -> OptionJson:
    return {
        "name": option.name,
        "kind": option.kind,
        "default": None if option.default is None else option.format(option.default),
        "help": option.help,
        "policy": option.policy.KEY if option.policy else None,
        "flow": option.flow.KEY if option.flow else None,
    }


def rule_dict(rule: type[Rule]) -> RuleJson:
    doc = rule.doc()
    return {
        "code": rule.code,
        "name": rule.name,
        "family": rule.family,
        "severity": rule.severity.value,
        "summary": doc.summary,
        "rationale": doc.rationale,
        "sources": cited(doc.rationale),
        "options": [_option_dict(o) for o in rule.options],
        "bad": doc.bad,
        "good": doc.good,
    }


def as_json(rules: list[type[Rule]]) -> str:
    import json  # only `rules --format json` needs it: lint starts without

    from .. import __version__

    return (
        json.dumps(
            {
                "version": "1.0",
                "tool": {"name": "nurturedsl", "version": __version__},
                "sources": SOURCES,
                "rules": [rule_dict(r) for r in rules],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


def table(rules: list[type[Rule]]) -> str:
    name_width = max(len(r.name) for r in rules)
    lines = []
    for family in FAMILIES:
        members = [r for r in rules if r.family == family]
        if not members:
            continue
        lines.append(FAMILY_TITLES[family])
        for r in members:
            lines.append(f"  {r.code}  {r.name:<{name_width}}  {r.severity.value:<7}  {r.doc().summary}")
        lines.append("")
    lines.append("`nurturedsl rules CODE` explains one rule; `--format json` prints the catalogue.")
    return "\n".join(lines) + "\n"


def _option_line(option: Option) -> str:
    default = "none" if option.default is None else option.format(option.default)
    overrides = []
    if option.flow:
        overrides.append(f"a flow's `{option.flow.KEY}`")
    if option.policy:
        overrides.append(f"the policy's `{option.policy.KEY}`")
    taken = f"; {' and '.join(overrides)} take{'s' if len(overrides) == 1 else ''} precedence" if overrides else ""
    return f"`{option.name}` ({option.kind}, default `{default}`): {option.help}{taken}"


def explain(rule: type[Rule]) -> str:
    doc = rule.doc()
    out = [
        f"{rule.code} {rule.name}: {doc.summary}",
        "",
        f"Family: {rule.family}. Default severity: {rule.severity.value}.",
        "",
    ]
    out += [textwrap.fill(p, 78) for p in doc.rationale.split("\n\n")] if doc.rationale else []
    references = [
        textwrap.fill(
            f"{key}: {SOURCES[key]}", 78, subsequent_indent="  ", break_on_hyphens=False, break_long_words=False
        )
        for key in cited(doc.rationale)
    ]
    out += ["", *references] if references else []
    if rule.options:
        out += ["", "Options ([tool.nurturedsl.rules." + rule.code + "] in pyproject.toml):"]
        out += ["  " + _option_line(o) for o in rule.options]
    out += [
        "",
        "Bad:",
        textwrap.indent(doc.bad, "    "),
        "",
        "Good:",
        textwrap.indent(doc.good, "    "),
        "",
        f"Silence one finding: `# nurture: ignore[{rule.code}]` on its line or its block's first line.",
    ]
    return "\n".join(out) + "\n"


def markdown(rules: list[type[Rule]]) -> str:
    out = [
        "# Lint rules",
        "",
        "<!-- Generated by `nurturedsl rules --format markdown -o docs/rules.md`; do not edit by hand. "
        "A test fails when this file is out of date. -->",
        "",
        "`nurturedsl lint` checks playbooks against what two articles on B2B lead nurturing (see",
        "[Sources](#sources)) name as the reasons nurture programmes fail. Each rule has a stable code, a",
        "name, a default severity, and options that `pyproject.toml` (`[tool.nurturedsl.rules.CODE]`) or",
        "`nurturedsl.toml` can change; the playbook's own `policy` block and a flow's header settings take",
        "precedence over the config file where a rule says so. Configuration, suppressions and exit codes",
        "are described in [ci.md](ci.md).",
        "",
        "Each rule's rationale ends with its source: the article, and the section of it, that the rule puts",
        "into practice, or, where neither article says it, what the rule rests on instead.",
        "",
        "| code | name | severity | what it finds |",
        "| --- | --- | --- | --- |",
    ]
    for r in rules:
        out.append(
            f"| [{r.code}](#{r.code.lower()}-{r.name}) | `{r.name}` | {r.severity.value} | "
            f"{r.doc().summary.replace('|', '&#124;')} |"
        )
    for family in FAMILIES:
        members = [r for r in rules if r.family == family]
        if not members:
            continue
        out += ["", f"## {FAMILY_TITLES[family]}"]
        for r in members:
            doc = r.doc()
            out += ["", f"### {r.code} {r.name}", "", f"**{doc.summary}** Default severity: {r.severity.value}.", ""]
            if doc.rationale:
                out += [_link_sources(doc.rationale), ""]
            if r.options:
                out += ["Options:", ""] + [f"- {_option_line(o)}" for o in r.options] + [""]
            out += ["Bad:", "", "```nurture", doc.bad, "```", "", "Good:", "", "```nurture", doc.good, "```"]
    out += [
        "",
        "## Sources",
        "",
        "The rules cite these two articles by the short name in bold, with the section of the article that says it.",
        "",
    ]
    for key, reference in SOURCES.items():
        text, _, url = reference.partition(", https://")
        out.append(f"- **{key}**: {text}" + (f", <https://{url}>" if url else "") + ".")
    return "\n".join(out) + "\n"


def _link_sources(rationale: str) -> str:
    """The rationale with the source names in its `Source:` sentence linked to the Sources section."""
    head, found, sentence = rationale.partition("Source:")
    if not found:
        return rationale
    return head + found + _CITED.sub(lambda m: f"[{m.group(1)}](#sources)", sentence)
