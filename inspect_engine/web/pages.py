"""The portal's pages: jinja2 templates in `web/templates`, every value escaped, dates as
dd/mm/yyyy and times in Vietnam's."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.responses import HTMLResponse

from inspect_engine.domain.events import as_utc
from inspect_engine.settings import DISPLAY_TZ


def _day(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = as_utc(value).astimezone(DISPLAY_TZ)
    return f"{value:%d/%m/%Y}"


def _moment(value: datetime | None) -> str:
    if value is None:
        return ""
    return f"{as_utc(value).astimezone(DISPLAY_TZ):%d/%m/%Y %H:%M}"


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB".replace(".", ",")
    return f"{n / (1024 * 1024):.1f} MB".replace(".", ",")


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("inspect_engine.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = _day
    env.filters["moment"] = _moment
    env.filters["size"] = _size
    return env


def render(name: str, values: Mapping[str, Any]) -> str:
    return _environment().get_template(name).render(values)


def page(name: str, values: Mapping[str, Any], status: int = 200) -> HTMLResponse:
    return HTMLResponse(render(name, values), status_code=status)
