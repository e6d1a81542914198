"""inspect-engine: runs government inspection campaigns from plan to closed case."""

__version__ = "0.1.0"
