"""The appendix forms as the tables a letter's appendix pages show (filled in later)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def form_tables(folders: Sequence[Path]) -> Mapping[str, Mapping[str, Any]]:
    return {}
