"""Engine targets: exporting a compiled programme to the engines that send,
and importing their campaigns and flows back into `.nurture` files.

Each target is a package of its own (`mautic`, `hubspot`) exposing
`TARGET`, imported only when a command names it, so `lint` and `check`
never load an engine's code.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .core import Target

TARGETS: dict[str, str] = {
    "mautic": "nurturedsl.engines.mautic",
    "hubspot": "nurturedsl.engines.hubspot",
}


def target_named(name: str) -> Target:
    """The target `name` (one of TARGETS; the CLI's choice makes sure)."""
    module = import_module(TARGETS[name])
    target: Target = module.TARGET
    return target
