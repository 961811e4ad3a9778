"""Regenerate the diagrams in this folder from the bundled playbooks:

    python3 docs/diagrams/regenerate.py

For `playbooks/programme.nurture`, the overview (`overview.dot`/`.svg`) and
every flow (`<flow>.dot`/`.svg`), exactly as `nurturedsl render` draws them.
The DOT files are the reference: tests/test_render.py fails when one differs
from what the playbooks give now. SVG needs Graphviz's `dot`; its bytes vary
a little between Graphviz versions and fonts, so the test checks that each
SVG holds the boxes and arrows of its DOT rather than comparing bytes.
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# This checkout's nurturedsl, not an installed copy that may be older.
sys.path.insert(0, REPO)
PLAYBOOK = "playbooks/programme.nurture"


def targets(programme) -> list[tuple[str, str | None]]:
    """(file stem, flow or None for the overview)."""
    return [("overview", None)] + [(name, name) for name in programme.flows]


def dot_sources() -> dict[str, str]:
    """File stem -> the DOT the playbooks give now."""
    from nurturedsl.model import load
    from nurturedsl.render.command import diagram_for
    from nurturedsl.render.dot import to_dot

    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        programme = load(PLAYBOOK)
        return {stem: to_dot(diagram_for(programme, flow)) for stem, flow in targets(programme)}
    finally:
        os.chdir(cwd)


def main() -> int:
    from nurturedsl.files import write_atomic
    from nurturedsl.render.dot import DotMissing, render

    for stem, source in dot_sources().items():
        write_atomic(os.path.join(HERE, f"{stem}.dot"), source.encode("utf-8"))
        try:
            write_atomic(os.path.join(HERE, f"{stem}.svg"), render(source, "svg"))
        except DotMissing:
            print("Graphviz's `dot` is not installed: `sudo apt-get install graphviz`", file=sys.stderr)
            return 2
        print(f"docs/diagrams/{stem}.dot, .svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
