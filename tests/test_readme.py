"""The README's two sample diagnostics are what the commands print for the
edits it describes, on the bundled playbooks."""

from __future__ import annotations

import re
import shutil

from click.testing import CliRunner

from nurturedsl.cli import main

from .conftest import PLAYBOOKS, ROOT


def _block_after(marker: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text[text.index(marker) :]
    return re.search(r"```text\n(.*?)```", after, re.S).group(1)


def _edited_playbooks(tmp_path, name: str, old: str, new: str):
    folder = tmp_path / "playbooks"
    shutil.copytree(PLAYBOOKS, folder)
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def _run(monkeypatch, cwd, *args):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(main, list(args), catch_exceptions=False).output


def test_the_misspelt_content_example(tmp_path, monkeypatch):
    _edited_playbooks(tmp_path, "inbound.nurture", "email video: loom_video", "email video: loom_vdeo")
    output = _run(monkeypatch, tmp_path, "check", "playbooks/inbound.nurture")
    expected = _block_after("Mistakes are reported where they are")
    assert expected.strip() in output


def test_the_calendar_example(tmp_path, monkeypatch):
    _edited_playbooks(tmp_path, "policy.nurture", "  timezone ", "  send_days     mon..fri\n  timezone ")
    output = _run(monkeypatch, tmp_path, "lint", "playbooks/inbound.nurture", "--select", "NUR201")
    expected = _block_after("Add `send_days mon..fri`")
    assert expected.strip() in output
