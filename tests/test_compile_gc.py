"""The big passes of compile run with Python's cyclic collector paused
(nurturedsl/gcpause.py): the trees and IR hold no cycles, and with the
collector on, compile time grew faster than the playbook (bench/compile.py)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

from nurturedsl import ir, model
from nurturedsl.irmodel import ProgrammeIR

PLAYBOOK = Path(__file__).resolve().parent.parent / "playbooks" / "programme.nurture"


def test_the_ir_is_dumped_with_the_collector_paused_and_it_is_on_again_after(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    dump = ProgrammeIR.model_dump

    def watched(self: ProgrammeIR, **options: Any) -> dict[str, Any]:
        seen.append(gc.isenabled())
        return dump(self, **options)

    monkeypatch.setattr(ProgrammeIR, "model_dump", watched)
    assert gc.isenabled()
    document = ir.compile_programme(model.load(str(PLAYBOOK)))
    assert seen == [False]
    assert gc.isenabled()
    assert document["format"] == "nurturedsl-ir"
