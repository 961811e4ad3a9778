"""The simulator: the reference runner of the compiled IR.

It executes the JSON IR (never the syntax tree) against contacts on a
simulated clock, so it also proves the IR carries everything another engine
needs. Stages: `contact` (the shapes every part shares), `inputs` (contacts
and events files), `cohort` (synthetic contacts and their responses),
`logic` (JsonLogic compiled to Python), `engine` (one contact's run),
`report` (figures over many contacts), `command` (the CLI's work).
"""
