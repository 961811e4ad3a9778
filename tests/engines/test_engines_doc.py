"""docs/engines.md's quick start, run as a user would: a skeleton, filled
in, exported, and imported back into a playbook that checks clean."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from nurturedsl.cli import main

from ..conftest import PLAYBOOKS, ROOT


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_quick_start_works_end_to_end(tmp_path):
    doc = (ROOT / "docs" / "engines.md").read_text()
    assert "--init-bindings -o mautic.toml" in doc and "import mautic campaign.json" in doc
    skeleton = tmp_path / "mautic.toml"
    assert (
        run(
            "export", "--target", "mautic", str(PLAYBOOKS / "inbound.nurture"), "--init-bindings", "-o", str(skeleton)
        ).exit_code
        == 0
    )
    # before it is filled in, every blank is reported at once and nothing is written
    out = tmp_path / "inbound.json"
    blank = run(
        "export", "--target", "mautic", str(PLAYBOOKS / "inbound.nurture"), "--bindings", str(skeleton), "-o", str(out)
    )
    assert blank.exit_code == 1 and not out.exists()
    assert blank.stderr.count("error[BND001]") == skeleton.read_text().count('= ""')
    ids = iter(range(100, 1000))
    filled = tmp_path / "filled.toml"
    filled.write_text(re.sub(r'= ""', lambda _: f"= {next(ids)}", skeleton.read_text()))
    result = run(
        "export", "--target", "mautic", str(PLAYBOOKS / "inbound.nurture"), "--bindings", str(filled), "-o", str(out)
    )
    assert result.exit_code == 0, result.stderr
    campaign = json.loads(out.read_text())
    assert {e["type"] for e in campaign["events"]} >= {"email.send", "campaign.sendwebhook"}
    # the approximations are warnings at their places, never silent
    assert "warning[MAU007] linkedin step `linkedin_follow_1`" in result.stderr
    back = tmp_path / "welcome.nurture"
    imported = run("import", "mautic", str(out), "-o", str(back))
    assert imported.exit_code == 0, imported.stderr
    assert run("check", str(back)).exit_code == 0
    assert (tmp_path / "welcome.mautic.toml").exists()
    # no command replaces one of its inputs
    again = run("import", "mautic", str(out), "-o", str(out))
    assert again.exit_code == 2 and json.loads(out.read_text()) == campaign
