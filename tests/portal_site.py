"""Fixtures of the portal's tests: a world made once per module and copied for each test, the
application on it, and a signed-in client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from inspect_engine.web.app import Portal, create_app
from tests.portal_world import PASSWORD, World, copy_world, make_world


@pytest.fixture(scope="module")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("portal"))


@pytest.fixture
def world(world_template: World, tmp_path: Path) -> World:
    return copy_world(world_template, tmp_path)


class Site:
    """The application on a world, and what the tests ask of it."""

    def __init__(self, world: World, portal: Portal) -> None:
        self.world = world
        self.portal = portal
        self.app = create_app(portal)

    def client(self, host: str = "testclient") -> TestClient:
        return TestClient(self.app, client=(host, 50000), follow_redirects=False)

    def unit(self, code: str) -> str:
        return f"/u/{self.world.tokens[code]}"


@pytest.fixture
def site(world: World) -> Iterator[Site]:
    with world.runtime().database() as units_of_work:
        yield Site(world, world.portal(units_of_work))


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign in; the session's CSRF token (from the page after)."""
    form = client.get("/dang-nhap")
    done = client.post(
        "/dang-nhap",
        data={"csrf": csrf_of(form.text), "name": name, "password": password, "after": "/"},
    )
    assert done.status_code == 303, done.text
    return csrf_of(client.get("/").text)


def upload(client: TestClient, base: str, files: list[tuple[str, bytes]], **fields: Any) -> Any:
    csrf = fields.pop("csrf", None) or csrf_of(client.get(base).text)
    data = {"csrf": csrf, "figures_as_of": "31/7/2026", "note": "", **fields}
    parts = [("files", (name, content, "application/octet-stream")) for name, content in files]
    return client.post(f"{base}/gui", data=data, files=parts)
