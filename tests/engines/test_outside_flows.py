"""What a programme says outside its flows (a score's rules, a threshold
that hands off) is in no engine document: every target says so at the
score and at each acting threshold, once per export, and --strict refuses."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from nurturedsl.cli import main
from nurturedsl.engines import TARGETS

CODES = {"mautic": "MAU022", "hubspot": "HS027"}
FLOW = """\
content note give "A note"
flow inbound {
  entry on downloaded("guide")
  email welcome: note
}
"""
SCORE = """\
score lead {
  +20 when title == "CEO"
  +10 on visited("pricing")
  threshold mql at 40
  threshold sql above 60 -> handoff sales
}
"""
BINDINGS = {
    "mautic": 'target = "mautic"\n[flows]\ninbound = 1\n[content]\nnote = 2\n',
    "hubspot": 'target = "hubspot"\n[content]\nnote = 2\n[events]\ndownloaded = "4-1"\n',
}


def _export(tmp_path, target: str, text: str, *extra: str):
    playbook = tmp_path / "inbound.nurture"
    playbook.write_text(text)
    bindings = tmp_path / "b.toml"
    bindings.write_text(BINDINGS[target])
    args = ["export", "--target", target, str(playbook), "--bindings", str(bindings), "-o", str(tmp_path / "o.json")]
    return CliRunner().invoke(main, [*args, *extra])


def test_the_codes_cover_every_target():
    assert set(CODES) == set(TARGETS)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_a_score_and_its_acting_threshold_are_reported_where_they_are(tmp_path, target):
    result = _export(tmp_path, target, FLOW + SCORE)
    assert result.exit_code == 0, result.stderr
    code = CODES[target]
    assert f"inbound.nurture:6:1: warning[{code}] score `lead` (2 rules) is no part of a flow" in result.stderr
    assert (
        f"inbound.nurture:10:3: warning[{code}] threshold `sql` of score `lead` and what it does (handoff sales)"
        in result.stderr
    )
    # `mql` does nothing but mark a level: nothing of it is lost
    assert "threshold `mql`" not in result.stderr
    assert result.stderr.count(f"[{code}]") == 2


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_a_programme_without_scores_has_nothing_to_report(tmp_path, target):
    result = _export(tmp_path, target, FLOW)
    assert result.exit_code == 0, result.stderr
    assert f"[{CODES[target]}]" not in result.stderr


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_strict_refuses_a_score_it_cannot_carry(tmp_path, target):
    result = _export(tmp_path, target, FLOW + SCORE, "--strict")
    assert result.exit_code == 1 and not (tmp_path / "o.json").exists()
    assert f"error[{CODES[target]}] score `lead`" in result.stderr


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_a_flow_with_no_step_stands_for_one_in_the_engine_and_is_left_out(tmp_path, target):
    playbook = tmp_path / "p.nurture"
    playbook.write_text(FLOW + "flow elsewhere {\n}\n")
    bindings = tmp_path / "b.toml"
    bindings.write_text(BINDINGS[target])  # the empty flow needs nothing bound: it is not exported
    out = tmp_path / "out"
    out.mkdir()
    result = CliRunner().invoke(
        main, ["export", "--target", target, str(playbook), "--bindings", str(bindings), "-o", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    assert "p.nurture:6:1: info[ENG001] flow `elsewhere` has no step: not exported" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [f"inbound.{target}.json"]
