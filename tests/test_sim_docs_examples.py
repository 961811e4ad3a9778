"""The report examples in docs/simulation.md are what the documented command
prints (review #7): the text block is the exact output, a line `  ...`
standing for rows left out; the JSON block's members are the output's."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from nurturedsl.cli import main

from .conftest import ROOT

COMMAND = [
    "simulate",
    str(ROOT / "playbooks" / "programme.nurture"),
    "--contacts",
    str(ROOT / "examples" / "contacts.csv"),
    "--events",
    str(ROOT / "examples" / "events.jsonl"),
    "--start",
    "2026-01-05",
]


def _blocks(kind: str) -> list[str]:
    text = (ROOT / "docs" / "simulation.md").read_text(encoding="utf-8")
    report = text.split("### The report", 1)[1]
    return re.findall(rf"```{kind}\n(.*?)```", report, re.S)


def _matches(documented: list[str], printed: list[str]) -> bool:
    """`documented` is `printed` with runs of lines replaced by `  ...`."""
    chunks: list[list[str]] = [[]]
    for line in documented:
        if line.strip() == "...":
            chunks.append([])
        else:
            chunks[-1].append(line)
    at = 0
    for index, chunk in enumerate(chunks):
        if index == 0:
            if printed[: len(chunk)] != chunk:
                return False
            at = len(chunk)
            continue
        found = next(
            (k for k in range(at + 1, len(printed) - len(chunk) + 1) if printed[k : k + len(chunk)] == chunk), None
        )
        if found is None:
            return False
        at = found + len(chunk)
    return at == len(printed)


def test_the_text_example_is_the_commands_output():
    result = CliRunner().invoke(main, COMMAND, catch_exceptions=False)
    assert result.exit_code == 0
    documented = _blocks("")[0].rstrip("\n").split("\n")
    assert _matches(documented, result.stdout.rstrip("\n").split("\n")), result.stdout
    assert documented[2].startswith("start: ")  # the third line says where it starts, as the docs say


def test_the_matcher_can_fail():
    assert not _matches(["a", "  ...", "d"], ["a", "b", "c"])
    assert not _matches(["a", "c"], ["a", "b", "c"])
    assert _matches(["a", "  ...", "c"], ["a", "b", "b2", "c"])


def _differences(documented, printed, where: str = "") -> list[str]:
    """Where the documented JSON differs from the printed, over the members
    it shows: a `"...": ...` member stands for members left out, a `"..."`
    item for items left out (the rest in order), a string ending in `...`
    for the rest of the string."""
    if isinstance(documented, dict):
        if not isinstance(printed, dict):
            return [where]
        found = []
        for key, value in documented.items():
            if key == "...":
                continue
            if key not in printed:
                found.append(f"{where}.{key} (absent)")
            else:
                found.extend(_differences(value, printed[key], f"{where}.{key}"))
        if "..." not in documented and set(printed) - set(documented) and where:
            found.append(f"{where}: members not shown {sorted(set(printed) - set(documented))}")
        return found
    if isinstance(documented, list):
        if not isinstance(printed, list):
            return [where]
        if "..." not in documented:
            if len(documented) != len(printed):
                return [f"{where}: {len(printed)} items, documented {len(documented)}"]
            return [d for i, (a, b) in enumerate(zip(documented, printed)) for d in _differences(a, b, f"{where}[{i}]")]
        at = 0
        for item in documented:
            if item == "...":
                continue
            while at < len(printed) and _differences(item, printed[at], where):
                at += 1
            if at == len(printed):
                return [f"{where}: no item like {json.dumps(item)[:60]}"]
            at += 1
        return []
    if isinstance(documented, str) and documented.endswith("...") and isinstance(printed, str):
        return [] if printed.startswith(documented[:-3].rstrip(", ")) else [where]
    return [] if documented == printed else [f"{where}: {printed!r}, documented {documented!r}"]


def test_the_json_example_shows_the_commands_members():
    result = CliRunner().invoke(main, [*COMMAND, "-f", "json"], catch_exceptions=False)
    assert result.exit_code == 0
    documented = json.loads(_blocks("json")[0])
    printed = json.loads(result.stdout)
    printed["inputs"] = {key: str(value).replace(str(ROOT) + "/", "") for key, value in printed["inputs"].items()}
    assert _differences(documented, printed) == []
    assert _differences({"a": [1, "..."]}, {"a": [2, 1]}) == []
    assert _differences({"a": 1}, {"a": 2}) != []
