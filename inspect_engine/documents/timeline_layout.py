"""A case's timeline as one HTML page: `layouts/timeline.html.j2`, every value escaped, no
resource fetched (inline CSS, no script), printable on A4."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("inspect_engine.documents", "layouts"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_timeline(context: Mapping[str, Any]) -> str:
    return _environment().get_template("timeline.html.j2").render(dict(context))
