"""shenbao (申报): email intake for nomination campaigns."""

__version__ = "0.1.0"
