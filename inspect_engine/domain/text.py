"""Text rules shared by every input: UTF-8, NFC, trimmed."""

from __future__ import annotations

import unicodedata


def clean(text: str) -> str:
    """NFC-normalised and stripped: `Hòa` typed with combining marks equals the precomposed one."""
    return unicodedata.normalize("NFC", text).strip()
