"""`nurturedsl test`: tests written in the language, run on the simulator.

A stage after compile: `runner` compiles each test file's programme, replays
every test's contact on the simulator (the reference runner of the IR) and
judges the trace; `output` writes the results as text, JUnit XML or JSON;
`coverage` says which steps and arms no test reached. docs/testing.md.
"""
