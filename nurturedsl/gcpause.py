"""Pausing Python's cyclic garbage collector around the big passes.

Syntax trees and IR hold no reference cycles, so the collector only costs
time: on a 100,000-line playbook it took 60% of the compile and made it grow
faster than the input (bench/compile.py). Reference counting still frees
everything.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
