"""Line numbers for error messages: the line of a field path, or of its nearest ancestor."""

from __future__ import annotations

from collections.abc import Mapping


def nearest_line(lines: Mapping[str, int], path: str) -> int | None:
    """`teams[1].members[0].unit` falls back to `teams[1].members[0]`, then `teams[1]`, ..."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None
