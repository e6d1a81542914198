"""YAML with the line of every field path (`transitions[3].dest`), for error messages that name
the line; a key given twice is refused (YAML would keep the last one silently)."""

from __future__ import annotations

from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

from inspect_engine.domain.source_lines import nearest_line
from inspect_engine.domain.workflow.model import WorkflowDefinitionError


class Doc:
    """The parsed YAML plus the line of every field path (`transitions[3].dest`)."""

    def __init__(self, data: Any, lines: dict[str, int], source: str) -> None:
        self.data = data
        self.lines = lines
        self.source = source

    def line_of(self, path: str) -> int | None:
        return nearest_line(self.lines, path)

    def fail(self, path: str, message: str) -> WorkflowDefinitionError:
        return WorkflowDefinitionError(
            message, source=self.source, line=self.line_of(path), field=path or None
        )


def child_path(path: str, key: object) -> str:
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _index_lines(
    node: yaml.Node,
    path: str,
    lines: dict[str, int],
    source: str,
    seen_nodes: set[int],
    written_on: int = 1,
) -> None:
    """Record each path's line; refuse a key written twice (YAML would keep the last silently)
    and an alias (`*name`): a definition has no use for one, and nine nested aliases of nine
    items each ("billion laughs") stand for a billion values."""
    if id(node) in seen_nodes:
        raise WorkflowDefinitionError(
            "YAML aliases (*name) are not allowed in a definition: write the value out",
            source=source,
            line=written_on,  # an alias's node is its anchor's, which says where the anchor is
            field=path or None,
        )
    seen_nodes.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            sub = child_path(path, key)
            if key in seen and key != "<<":
                line = key_node.start_mark.line + 1
                raise WorkflowDefinitionError(
                    f"key {key!r} is given twice", source=source, line=line, field=sub
                )
            seen.add(key)
            lines.setdefault(sub, key_node.start_mark.line + 1)
            _index_lines(value_node, sub, lines, source, seen_nodes, key_node.start_mark.line + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = child_path(path, i)
            lines.setdefault(child, item.start_mark.line + 1)
            _index_lines(item, child, lines, source, seen_nodes, node.start_mark.line + 1)


class _Loader(_BaseLoader):
    """Safe loading (libyaml's when present: 10x faster); a bare `=` reads as the string "="
    (PyYAML resolves it to a `value` tag it has no constructor for)."""


def _plain_scalar(loader: _Loader, node: yaml.Node) -> str:
    assert isinstance(node, yaml.ScalarNode)
    return str(loader.construct_scalar(node))


_Loader.add_constructor("tag:yaml.org,2002:value", _plain_scalar)


def read_yaml(text: str, source: str) -> Doc:
    loader = _Loader(text.removeprefix("\ufeff"))
    try:
        node = loader.get_single_node()
        lines: dict[str, int] = {}
        if node is not None:
            _index_lines(node, "", lines, source, set())
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "syntax error"
        raise WorkflowDefinitionError(
            f"not valid YAML: {problem}", source=source, line=line
        ) from None
    except yaml.YAMLError as exc:
        raise WorkflowDefinitionError(f"not valid YAML: {exc}", source=source) from None
    except RecursionError:  # PyYAML without libyaml composes nested values recursively
        raise WorkflowDefinitionError(
            "not valid YAML: nested deeper than any definition", source=source
        ) from None
    finally:
        loader.dispose()
    return Doc(data, lines, source)
