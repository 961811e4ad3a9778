"""`nurturedsl lint`: best-practice rules over checked playbooks. See rule.py for what a rule is, registry.py for the list, engine.py for how they run."""
