"""The lint rules, one module per family; `registry.py` lists them."""
