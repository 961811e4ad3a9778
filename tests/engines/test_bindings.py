"""The bindings file and the fidelity report, as every target sees them:
checked whole, every problem at once, located in the playbook and in the
file. A stand-in target keeps these tests about the frame, not an engine."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from nurturedsl.engines import command as engine_command
from nurturedsl.engines import conditions as c
from nurturedsl.engines.core import Bindings, Imported, Kind, Need, Report

PLAYBOOK = """\
segment icp = industry == "SaaS"
content blog_post give "The real cost of manual onboarding"
content case_study give "A customer story"
flow inbound {
  entry on downloaded("guide")
  exit on unsubscribed
  email welcome: blog_post
  wait 2d
  branch {
    when icp { email case_study }
  }
  split {
    50% "a" { email blog_post }
    50% "b" { email case_study }
  }
}
"""


class StandIn:
    """Binds content (emails) and segments (branch guards); a split is approximated."""

    name = "mautic"  # the bindings' `target`
    title = "Stand-in"
    formats = ("api",)

    def describe(self, kind: Kind) -> str:
        return f"the stand-in {kind} id"

    def binding_problem(self, kind: Kind, name: str, value: Any) -> str | None:
        return (
            None
            if isinstance(value, int) and not isinstance(value, bool)
            else f"an id is a whole number, not {value!r}"
        )

    def needs(self, ir: Any, flow: str) -> list[Need]:
        found: list[Need] = []
        for node_id, node in sorted(ir.flows[flow].nodes.items()):
            if node.type == "email":
                found.append(Need("content", node.content, node.span, f"email step `{node_id}` in flow `{flow}`"))
            if node.type == "branch":
                for arm in node.next:
                    if arm.kind == "branch":
                        for leaf in c.leaves(c.parse(arm.guard)):
                            if isinstance(leaf, c.InSegment):
                                found.append(Need("segment", leaf.segment, node.span, f"branch in flow `{flow}`"))
        return found

    def outside_flows(self, ir: Any, report: Report) -> None:
        pass  # the stand-in carries nothing outside flows, and loses nothing there

    def export(self, ir: Any, flow: str, bindings: Bindings, report: Report, fmt: str) -> dict[str, Any]:
        for node_id, node in sorted(ir.flows[flow].nodes.items()):
            if node.type == "split":
                report.approximate(
                    "STA101", node.span, f"the stand-in has no random split (`{node_id}`)", "the first arm"
                )
        emails = {
            n: bindings.require("content", node.content)
            for n, node in ir.flows[flow].nodes.items()
            if node.type == "email"
        }
        return {"flow": flow, "emails": emails}

    def validate(self, doc: dict[str, Any], fmt: str) -> list[str]:
        return [] if "emails" in doc else ["/emails: missing"]

    def import_doc(self, doc: Any, bindings: Bindings | None, report: Report) -> Imported:
        return Imported("")


@pytest.fixture
def stand_in(monkeypatch):
    monkeypatch.setattr(engine_command, "target_named", lambda name: StandIn())


def _files(tmp_path, bindings: str | None):
    playbook = tmp_path / "inbound.nurture"
    playbook.write_text(PLAYBOOK)
    if bindings is None:
        return str(playbook), None
    path = tmp_path / "bindings.toml"
    path.write_text(bindings)
    return str(playbook), str(path)


def _export(tmp_path, bindings: str | None, **options: Any):
    playbook, path = _files(tmp_path, bindings)
    written: dict[str, str] = {}

    def write(output: str, text: str, inputs: Any) -> None:
        written[output] = text

    code = engine_command.run_export(engine_command.ExportOptions("mautic", playbook, path, **options), write)
    return code, written


def test_every_missing_binding_is_reported_at_once_where_the_playbook_uses_it(stand_in, tmp_path, capsys):
    code, written = _export(tmp_path, 'target = "mautic"\n[content]\nblog_post = 12\n')
    err = capsys.readouterr().err
    assert code == 1 and not written
    # both missing names, each at its use, in one run
    assert "inbound.nurture:9:3: error[BND001] segment `icp` has no Stand-in binding" in err
    assert "inbound.nurture:10:16: error[BND001] content `case_study` has no Stand-in binding" in err
    assert "add `case_study = ...` under `[content]`" in err
    assert "nothing written" in err


def test_a_typo_in_the_bindings_is_located_in_the_file_with_did_you_mean(stand_in, tmp_path, capsys):
    code, _ = _export(tmp_path, 'target = "mautic"\n[content]\nblog_post = 12\ncase_studdy = 13\n[segments]\nicp = 3\n')
    err = capsys.readouterr().err
    assert code == 1
    # the use in the playbook points at the typo in the file ...
    assert "did you mean `case_study` for `case_studdy`" in err
    # ... and the file's unknown name is an error of its own, at its line
    assert (
        "bindings.toml:4:1: warning[BND003] content `case_studdy` is bound but the programme has no such content" in err
    )
    assert "did you mean `case_study`?" in err


def test_values_the_target_cannot_use_and_unknown_tables_are_errors_in_the_file(stand_in, tmp_path, capsys):
    code, _ = _export(
        tmp_path, 'target = "mautic"\n[content]\nblog_post = "twelve"\ncase_study = 13\n[segmnts]\nicp = 3\n'
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "bindings.toml:3:1: error[BND002] content `blog_post`: an id is a whole number, not 'twelve'" in err
    assert "bindings.toml:5:2: error[BND002] unknown table `segmnts` in a bindings file" in err
    assert "did you mean `segments`?" in err


def test_bindings_for_another_target_are_refused(stand_in, tmp_path, capsys):
    code, _ = _export(tmp_path, 'target = "hubspot"\n[content]\nblog_post = 12\ncase_study = 13\n[segments]\nicp = 3\n')
    assert code == 1
    assert "these bindings are for `hubspot`, not for `mautic`" in capsys.readouterr().err


COMPLETE = 'target = "mautic"\n[content]\nblog_post = 12\ncase_study = 13\n[segments]\nicp = 3\n'


def test_an_approximation_is_a_warning_at_its_place_and_the_export_is_written(stand_in, tmp_path, capsys):
    code, written = _export(tmp_path, COMPLETE, output=str(tmp_path / "out.json"))
    err = capsys.readouterr().err
    assert code == 0
    assert "inbound.nurture:12:3: warning[STA101] the stand-in has no random split" in err
    assert "exported as: the first arm" in err
    doc = json.loads(written[str(tmp_path / "out.json")])
    assert doc["emails"]["welcome"] == 12


def test_strict_refuses_every_approximation_and_writes_nothing(stand_in, tmp_path, capsys):
    code, written = _export(tmp_path, COMPLETE, output=str(tmp_path / "out.json"), strict=True)
    err = capsys.readouterr().err
    assert code == 1 and not written
    assert "error[STA101]" in err and "refused under --strict" in err


def test_the_skeleton_lists_every_name_blank_and_keeps_known_values(stand_in, tmp_path, capsys):
    code, written = _export(
        tmp_path, 'target = "mautic"\n[content]\nblog_post = 12\n', init_bindings=True, output="b.toml"
    )
    assert code == 0
    skeleton = written["b.toml"]
    assert "blog_post = 12" in skeleton
    assert 'case_study = ""  # email step `case_study` in flow `inbound`' in skeleton
    assert '[segments]\nicp = ""' in skeleton
    # a skeleton's blanks are "not bound yet", reported like a missing name
    code, _ = _export(tmp_path, skeleton)
    assert code == 1
    err = capsys.readouterr().err
    assert "content `case_study` has no Stand-in binding" in err
    assert "left blank here" in err
    assert "fill in `case_study = ...` under `[content]`" in err


def test_condition_tree_reads_every_ir_shape():
    rule = {
        "or": [
            {"and": [{"in": ["x", {"var": "tags"}]}, {"in": ["sms", {"var": "consent"}]}, {"!!": [{"var": "phone"}]}]},
            {"!": [{"in": [{"var": "country"}, ["DE", "FR"]]}]},
            {">=": [{"event_count": ["clicked", None, 2592000, "email"]}, 3]},
            {">": [{"event_count": ["visited", "pricing", None]}, 0]},
            {">=": [{"score": ["lead"]}, 40]},
            {"inactive": [7776000]},
            {"in_flow": ["trial"]},
            {"!": [{"segment": ["icp"]}]},
        ]
    }
    tree = c.parse(rule)
    assert tree == c.Or(
        (
            c.And((c.Tagged("x"), c.Consent("sms"), c.Has("phone"))),
            c.Compare("country", "not in", ("DE", "FR")),
            c.EventCount("clicked", None, 2592000, "email", ">=", 3),
            c.EventCount("visited", "pricing"),
            c.Score("lead", ">=", 40),
            c.Inactive(7776000),
            c.InFlow("trial"),
            c.Not(c.InSegment("icp")),
        )
    )
    assert c.EventCount("visited", "pricing").key == 'visited("pricing")'
    with pytest.raises(c.UnknownCondition):
        c.parse({"median": [1, 2]})


def test_condition_text_is_what_the_language_reads_back():
    from nurturedsl.engines.text import check_text, condition

    tree = c.Or(
        (
            c.And((c.Tagged("x"), c.Not(c.Or((c.InSegment("icp"), c.Has("phone")))))),
            c.EventCount("clicked", None, 2592000, "email", ">=", 3),
            c.Compare("deal.closed_ago", ">", 15552000),
            c.Compare("country", "not in", ("DE", "FR")),
        )
    )
    text = condition(tree, {"deal.closed_ago": "duration", "country": "string"})
    assert text == (
        'tagged "x" and not (icp or has phone) or clicked(any email) count >= 3 within 30d '
        'or deal.closed_ago > 180d or country not in ["DE", "FR"]'
    )
    source = f'segment icp = industry == "SaaS"\nsegment s = {text}\n'
    assert check_text(source, "s.nurture") == []
    assert os.path.basename("s.nurture")


def test_export_needs_bindings_and_names_a_missing_flow(stand_in, tmp_path, capsys):
    code, written = _export(tmp_path, None)
    assert code == 2 and not written
    assert "--bindings is required" in capsys.readouterr().err
    code, _ = _export(tmp_path, COMPLETE, flows=("inbund",))
    assert code == 2
    assert "has no flow `inbund`; did you mean `inbound`?" in capsys.readouterr().err


def test_a_playbook_without_flows_has_nothing_to_export(stand_in, tmp_path, capsys):
    library = tmp_path / "content.nurture"
    library.write_text('content blog_post give "A post"\n')
    code = engine_command.run_export(engine_command.ExportOptions("mautic", str(library), None), lambda *a: None)
    assert code == 2
    assert "has no flow to export" in capsys.readouterr().err


def test_import_of_a_file_that_is_not_json_is_located_not_a_traceback(stand_in, tmp_path, capsys):
    bad = tmp_path / "campaign.json"
    bad.write_text('{"campaign": {"name": "x",}\n')
    code = engine_command.run_import(engine_command.ImportOptions("mautic", str(bad)), lambda *a: None)
    assert code == 2
    assert f"{bad}:1:27: not JSON" in capsys.readouterr().err
