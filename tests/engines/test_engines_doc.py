"""docs/engines.md's quick start, run as a user would: a skeleton, filled
in, exported, and imported back into a playbook that checks clean."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nurturedsl.cli import main

from ..conftest import PLAYBOOKS, ROOT


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _filled(skeleton: str) -> str:
    """The skeleton with every blank given an id of the kind its table holds."""
    ids = iter(range(100, 1000))
    table = ""
    lines = []
    for line in skeleton.splitlines():
        if line.startswith("["):
            table = line.strip("[]")
        elif '= ""' in line:
            n = next(ids)
            value = {"events": f'"4-{n}"', "attributes": f'"property_{n}"'}.get(table, str(n))
            line = line.replace('= ""', f"= {value}", 1)
        lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("target", "document", "touch", "skipped"),
    [
        ("mautic", "campaign.json", "email.send", "warning[MAU007] linkedin step `linkedin_follow_1`"),
        ("hubspot", "flow.json", "0-4", "warning[HS017] linkedin step `linkedin_follow_1`"),
    ],
)
def test_the_quick_start_works_end_to_end(tmp_path, target, document, touch, skipped):
    doc = (ROOT / "docs" / "engines.md").read_text()
    assert "--init-bindings -o mautic.toml" in doc and "import mautic campaign.json" in doc
    assert "--target hubspot" in doc and "import hubspot flow.json" in doc
    playbook = str(PLAYBOOKS / "inbound.nurture")
    skeleton = tmp_path / f"{target}.toml"
    assert run("export", "--target", target, playbook, "--init-bindings", "-o", str(skeleton)).exit_code == 0
    # before it is filled in, every blank is reported at once and nothing is written
    out = tmp_path / "inbound.json"
    blank = run("export", "--target", target, playbook, "--bindings", str(skeleton), "-o", str(out))
    assert blank.exit_code == 1 and not out.exists()
    assert blank.stderr.count("error[BND001]") == skeleton.read_text().count('= ""')
    filled = tmp_path / "filled.toml"
    filled.write_text(_filled(skeleton.read_text()))
    result = run("export", "--target", target, playbook, "--bindings", str(filled), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    exported = json.loads(out.read_text())
    kinds = (
        {e["type"] for e in exported["events"]}
        if target == "mautic"
        else {a.get("actionTypeId", a["type"]) for a in exported["actions"]}
    )
    assert touch in kinds
    # the approximations are warnings at their places, never silent
    assert skipped in result.stderr
    back = tmp_path / "welcome.nurture"
    imported = run("import", target, str(out), "-o", str(back))
    assert imported.exit_code == 0, imported.stderr
    assert run("check", str(back)).exit_code == 0
    written = tmp_path / f"welcome.{target}.toml"
    assert written.exists()
    # exported back with the bindings the import wrote, it is the same document
    again_out = tmp_path / "again.json"
    again = run("export", "--target", target, str(back), "--bindings", str(written), "-o", str(again_out))
    assert again.exit_code == 0, again.stderr
    assert json.loads(again_out.read_text()) == exported
    # no command replaces one of its inputs
    again = run("import", target, str(out), "-o", str(out))
    assert again.exit_code == 2 and json.loads(out.read_text()) == exported
