"""The board as one HTML page: `layouts/board.html.j2`, every value escaped, the cases' data
for the drawer as JSON inside the page (with `<` escaped, so no value can end the script)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup


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


def render_board(context: Mapping[str, Any]) -> str:
    values = dict(context)
    script_safe = str(values["cases_json"]).replace("<", "\\u003c").replace(">", "\\u003e")
    values["cases_json"] = Markup(script_safe.replace("&", "\\u0026"))
    return _environment().get_template("board.html.j2").render(values)
