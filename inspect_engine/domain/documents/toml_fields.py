"""Small checked readers of TOML fields, each error naming the field's line (`TomlSource`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from inspect_engine.domain.text import clean
from inspect_engine.domain.toml_source import TomlSource


def known_fields(
    toml: TomlSource, data: Mapping[str, Any], path: str, known: Sequence[str]
) -> None:
    """Unknown fields are errors: a typo never passes silently."""
    for key in data:
        if key not in known:
            where = f"{path}.{key}" if path else key
            raise toml.error(where, f"unknown field {key!r}; expected one of: {', '.join(known)}")


def text_field(toml: TomlSource, data: Mapping[str, Any], path: str, key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not clean(value):
        raise toml.error(f"{path}.{key}", f"{key!r} must be non-empty text")
    return clean(value)


def flag_field(toml: TomlSource, data: Mapping[str, Any], path: str, key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise toml.error(f"{path}.{key}", f"{key!r} must be true or false, got {value!r}")
    return value


def choice_field(
    toml: TomlSource, data: Mapping[str, Any], path: str, key: str, known: Sequence[str]
) -> str:
    value = data.get(key)
    if not isinstance(value, str) or value not in known:
        expected = ", ".join(known)
        raise toml.error(f"{path}.{key}", f"{key!r} must be one of {expected}, got {value!r}")
    return value
