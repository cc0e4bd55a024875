"""shenbao (申报): email intake for nomination campaigns — the application package.

Layers, bottom to top (each may import only the ones below it; tests/test_layers.py checks):
core modules here (config, errors, secrets, collector) -> store -> register -> replies ->
intake | office -> service -> cli. samples (demo material) stands alone.
The core modules may import rules, ingest and notify; nothing in those imports shenbao.
"""

__version__ = "0.1.0"
