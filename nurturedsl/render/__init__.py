"""`nurturedsl render`: flows and the whole programme as diagrams, drawn from
the state graphs (`graph.py`) so that a picture can never drift from the
playbook.

    diagram.py   a flow's graph -> a neutral diagram (boxes, arrows, words)
    overview.py  the programme -> one diagram of flows, triggers and exits
    overlay.py   lint findings onto a diagram
    simoverlay.py  a simulation report (`--sim`) onto a diagram
    dot.py       diagram -> DOT (graphviz package); DOT -> SVG/PNG (`dot`)
    mermaid.py   diagram -> Mermaid `flowchart LR`
    html.py      every diagram as inline SVG on one self-contained page
    command.py   the command behind click
"""
