"""Workflow definition files: `<folder>/<name>/v<N>.yaml`, found in the configured folders.

Reading folders is I/O, so it lives here rather than in the domain; the parsing and checking
is `domain.workflow.yaml_loader`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from inspect_engine.domain.input_limits import MAX_WORKFLOW_FILE_BYTES
from inspect_engine.domain.text import decode_utf8
from inspect_engine.domain.workflow.model import WorkflowDefinition, WorkflowDefinitionError
from inspect_engine.domain.workflow.yaml_loader import parse_definition
from inspect_engine.errors import InputError, NotFound
from inspect_engine.settings import data_dir

_FILE_RE = re.compile(r"^v([1-9][0-9]*)\.yaml$")


def load_definition(path: Path) -> WorkflowDefinition:
    """Read and check a definition file."""
    try:
        size = Path(path).stat().st_size
        if size > MAX_WORKFLOW_FILE_BYTES:
            raise WorkflowDefinitionError(
                f"the file is {size:,} bytes, more than a definition's {MAX_WORKFLOW_FILE_BYTES:,}",
                source=str(path),
            )
        data = Path(path).read_bytes()
    except OSError as exc:
        raise WorkflowDefinitionError(
            f"cannot read the file: {exc.strerror}", source=str(path)
        ) from None
    try:
        text = decode_utf8(data, str(path))
    except InputError as exc:  # said as a definition's mistake, as every other one
        raise WorkflowDefinitionError(exc.detail, source=exc.source, line=exc.line) from None
    return replace(parse_definition(text, str(path)), source_path=str(path))


def default_workflows_dir() -> Path:
    """The shipped definitions: inside an installed wheel, else the repository's `workflows/`."""
    return data_dir("workflows")


def _files(search_dirs: Sequence[Path] | None) -> dict[tuple[str, int], Path]:
    """(name, version) -> file; an earlier folder overrides a later one."""
    found: dict[tuple[str, int], Path] = {}
    dirs = [default_workflows_dir()] if search_dirs is None else list(search_dirs)
    for folder in dirs:
        if not folder.is_dir():
            continue
        for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
            for file in sorted(sub.iterdir()):
                if m := _FILE_RE.match(file.name):
                    found.setdefault((sub.name, int(m.group(1))), file)
    return found


def _load_named(name: str, version: int, path: Path) -> WorkflowDefinition:
    """Load `<name>/v<version>.yaml` and make sure the file says the same name and version."""
    defn = load_definition(path)
    if defn.name != name:
        raise WorkflowDefinitionError(
            f"the file is in folder {name!r} but says name {defn.name!r}",
            source=str(path),
            field="name",
        )
    if defn.version != version:
        raise WorkflowDefinitionError(
            f"the file is named v{version}.yaml but says version {defn.version}",
            source=str(path),
            field="version",
        )
    return defn


def find_definition(
    name: str, version: int | None = None, search_dirs: Sequence[Path] | None = None
) -> WorkflowDefinition:
    """The definition `<dir>/<name>/v<version>.yaml` (version None: the highest found)."""
    files = _files(search_dirs)
    versions = sorted(v for (n, v) in files if n == name)
    wanted = versions[-1] if version is None and versions else version
    if wanted is None or (name, wanted) not in files:
        what = f"{name} v{version}" if version is not None else name
        found = ", ".join(f"{n} v{v}" for n, v in sorted(files)) or "none"
        dirs = [default_workflows_dir()] if search_dirs is None else list(search_dirs)
        raise NotFound(
            f"no workflow definition {what} in {', '.join(str(d) for d in dirs)}; found: {found}",
            field="workflow",
        )
    return _load_named(name, wanted, files[(name, wanted)])


def list_definitions(search_dirs: Sequence[Path] | None = None) -> list[WorkflowDefinition]:
    """Every definition found, checked, ordered by name and version."""
    files = _files(search_dirs)
    return [_load_named(n, v, files[(n, v)]) for n, v in sorted(files)]
