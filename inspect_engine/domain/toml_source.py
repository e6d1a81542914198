"""Read TOML with line numbers for error messages (tomllib itself keeps none)."""

from __future__ import annotations

import re
import tomllib
from typing import Any

from inspect_engine.domain.source_lines import nearest_line
from inspect_engine.errors import InputError

_TABLE_RE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-]+)\s*\]\s*(#.*)?$")
_ARRAY_TABLE_RE = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.\-]+)\s*\]\]\s*(#.*)?$")
_POSITION_RE = re.compile(r"\s*\(at line (\d+), column \d+\)")
_KEY_RE = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]+\")\s*=")


class TomlSource:
    """A parsed TOML document that can say on which line a field path such as
    `teams[1].visits_per_day` was written."""

    def __init__(self, text: str, source: str) -> None:
        text = text.removeprefix("\ufeff")  # a byte order mark, as Notepad writes
        self.text = text
        self.source = source
        try:
            self.data: dict[str, Any] = tomllib.loads(text)
        except RecursionError:  # tomllib reads nested arrays and tables recursively
            raise InputError(
                "not valid TOML: nested deeper than any campaign or form file", source=source
            ) from None
        except tomllib.TOMLDecodeError as exc:
            # Python < 3.14 only puts the position in the message: "... (at line 2, column 8)".
            where = _POSITION_RE.search(str(exc))
            line = int(where.group(1)) if where else None
            message = _POSITION_RE.sub("", str(exc)).strip()
            raise InputError(f"not valid TOML: {message}", source=source, line=line) from None
        self._lines = self._index(text)

    @staticmethod
    def _index(text: str) -> dict[str, int]:
        lines: dict[str, int] = {}
        counts: dict[str, int] = {}
        prefix = ""
        for number, raw in enumerate(text.splitlines(), start=1):
            if m := _ARRAY_TABLE_RE.match(raw):
                name = _array_path(m.group(1), counts)
                counts[name] = counts.get(name, -1) + 1
                prefix = f"{name}[{counts[name]}]"
                lines.setdefault(prefix, number)
            elif m := _TABLE_RE.match(raw):
                prefix = _array_path(m.group(1), counts)
                lines.setdefault(prefix, number)
            elif m := _KEY_RE.match(raw):
                key = m.group(1).strip('"')
                lines.setdefault(f"{prefix}.{key}" if prefix else key, number)
        return lines

    def line_of(self, path: str) -> int | None:
        return nearest_line(self._lines, path)

    def error(self, path: str, message: str) -> InputError:
        return InputError(message, source=self.source, line=self.line_of(path), field=path)


def _array_path(dotted: str, counts: dict[str, int]) -> str:
    """`teams.members` inside the 2nd `[[teams]]` becomes `teams[1].members`."""
    parts = dotted.split(".")
    path = parts[0]
    for part in parts[1:]:
        if path in counts:
            path = f"{path}[{counts[path]}]"
        path = f"{path}.{part}"
    return path
