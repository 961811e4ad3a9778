import os
from pathlib import Path

# Every syntax node the parser builds is validated by pydantic under test
# (nodes.make); outside tests it is constructed without validation.
os.environ["NURTUREDSL_VALIDATE_NODES"] = "1"

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOKS = ROOT / "playbooks"
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _no_colour(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
