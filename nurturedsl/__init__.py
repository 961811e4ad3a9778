"""nurturedsl: a declarative language and rules compiler for B2B lead-nurture
playbooks."""

__version__ = "0.1.0"
