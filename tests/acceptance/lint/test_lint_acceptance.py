"""Acceptance suite for `nurturedsl lint`, written from the documentation alone.

Every folder beside this file is one case, `<CODE>-<slug>/`, holding a twin pair:

- `fires.nurture`: a playbook that must yield the case's rule;
- `silent.nurture`: its minimal twin (one small change) that must not.

Each file starts with a comment block quoting the rule, the hand computation
behind the expectation, and machine-readable lines:

    # expect: NUR301 line 53          (the code; optional `line N[,M]`, `count N`)
    # expect-none: NUR301             (silent twin: no finding of that code)
    # select: NUR301                  (what `--select` gets; `ALL` runs every rule)

The expectations come from docs/rules.md, docs/language.md and the issue-10
decisions, not from running the program. The CLI runs in-process through
click's CliRunner (one subprocess per file would take over a minute), with a
fixed `--today 2026-12-01`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from nurturedsl.cli import main

HERE = Path(__file__).resolve().parent
TODAY = "2026-12-01"
FAMILIES = {
    "NUR1": "structure",
    "NUR2": "timing",
    "NUR3": "give-to-get",
    "NUR4": "scoring",
    "NUR5": "compliance",
    "NUR6": "content",
    "NUR7": "segmentation",
    "NUR8": "re-engagement",
    "NUR9": "freshness",
}

EXPECT = re.compile(
    r"^#\s*expect:\s*(?P<code>NUR\d{3})(?:\s+line\s+(?P<lines>\d+(?:\s*,\s*\d+)*))?(?:\s+count\s+(?P<count>\d+))?\s*$"
)
EXPECT_NONE = re.compile(r"^#\s*expect-none:\s*(?P<code>NUR\d{3})\s*$")
SELECT = re.compile(r"^#\s*select:\s*(?P<select>\S+)\s*$")


def case_dirs() -> list[Path]:
    return sorted(p for p in HERE.iterdir() if p.is_dir() and re.match(r"NUR\d{3}-", p.name))


def header(path: Path) -> dict:
    """Parse the leading comment block of a case file."""
    spec: dict = {"expect": [], "none": [], "select": None}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line.startswith("#"):
            break
        if m := EXPECT.match(line):
            lines = [int(x) for x in m["lines"].split(",")] if m["lines"] else []
            spec["expect"].append((m["code"], lines, int(m["count"]) if m["count"] else None))
        elif m := EXPECT_NONE.match(line):
            spec["none"].append(m["code"])
        elif m := SELECT.match(line):
            spec["select"] = m["select"]
    return spec


def lint(path: Path, select: str | None) -> dict:
    args = ["lint", str(path), "--format", "json", "--today", TODAY]
    if select and select.upper() != "ALL":
        args += ["--select", select]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code in (0, 1), (
        f"lint exited {result.exit_code} on {path.relative_to(HERE)} (a check error is a broken case):\n{result.output}"
    )
    report = json.loads(result.output)
    assert not report["summary"]["broken"], f"{path.relative_to(HERE)} does not check:\n{result.output}"
    return report


def same_file(diag_path: str, path: Path) -> bool:
    p = Path(diag_path)
    if not p.is_absolute():
        p = Path.cwd() / p
    return p.resolve() == path.resolve()


def show(diags: list[dict]) -> str:
    return "\n".join(f"  {d['code']} line {d['line']}: {d['message']}" for d in diags) or "  (no findings)"


CASES = [(d, variant) for d in case_dirs() for variant in ("fires", "silent")]


@pytest.mark.parametrize("folder,variant", CASES, ids=[f"{d.name}/{v}" for d, v in CASES])
def test_case(folder: Path, variant: str) -> None:
    path = folder / f"{variant}.nurture"
    assert path.is_file(), f"{folder.name} has no {variant}.nurture"
    code = folder.name.split("-", 1)[0]
    spec = header(path)
    report = lint(path, spec["select"] or code)
    diags = report["diagnostics"]
    core = [d for d in diags if d["code"] < "NUR099"]
    assert not core, f"{path.relative_to(HERE)} has check errors:\n{show(core)}"
    if variant == "fires":
        assert spec["expect"], f"{path.relative_to(HERE)} has no `# expect:` line"
        for exp_code, lines, count in spec["expect"]:
            found = [d for d in diags if d["code"] == exp_code]
            assert found, f"expected {exp_code} in {path.relative_to(HERE)}, got:\n{show(diags)}"
            for line in lines:
                at = [d for d in found if d["line"] == line and same_file(d["path"], path)]
                assert at, f"expected {exp_code} at line {line} of {path.relative_to(HERE)}, got:\n{show(found)}"
            if count is not None:
                assert len(found) == count, (
                    f"expected exactly {count} {exp_code} in {path.relative_to(HERE)}, got:\n{show(found)}"
                )
    else:
        assert spec["none"], f"{path.relative_to(HERE)} has no `# expect-none:` line"
        for none_code in spec["none"]:
            found = [d for d in diags if d["code"] == none_code]
            assert not found, f"expected no {none_code} in {path.relative_to(HERE)}, got:\n{show(found)}"


def test_the_suite_covers_every_family() -> None:
    dirs = case_dirs()
    assert len(dirs) >= 44
    per_family = Counter(d.name[:4] for d in dirs)
    thin = {FAMILIES[p]: per_family[p] for p in FAMILIES if per_family[p] < 3}
    assert not thin, f"families with fewer than 3 twin cases: {thin}"
    for d in dirs:
        assert {"fires.nurture", "silent.nurture"} <= {p.name for p in d.iterdir()}, d.name
