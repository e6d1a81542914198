"""The shapes a trigger's data may take, declared as values: which keys, of what type, how big.

A shape checks a value and lists every problem with its path (`minutes.team_participants[2]
.name must be a non-empty string`), worded as the requirements word theirs. The shapes say
what the data is; the requirements in `rules.py` and `inspection_rules.py` then say whether it
fits the case (a date not in the future, an area of the campaign). `data_keys.py` declares
which shapes each requirement and each optional key has.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

# Dates in a trigger's data: an inspection record is of this century (a year 99999 or 0001
# is a typo, and would overflow the working-day arithmetic of the deadlines).
MIN_YEAR = 2000
MAX_YEAR = 2100


class Shape(Protocol):
    def problems(self, value: Any, path: str) -> list[str]:
        """Every problem of `value`, each naming `path` (or a path under it)."""
        ...


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Text:
    """A non-empty string of at most `max_chars`; `one_line` refuses line breaks (a name)."""

    max_chars: int
    one_line: bool = True
    says: str = "must be a non-empty string"

    def problems(self, value: Any, path: str) -> list[str]:
        if not isinstance(value, str) or not value or value.isspace():
            return [f"{path} {self.says}"]
        if len(value) > self.max_chars:
            return [f"{path} is {len(value):,} characters, more than {self.max_chars:,}"]
        if self.one_line and ("\n" in value or "\r" in value):
            return [f"{path} must be one line (no line breaks)"]
        return []


@dataclass(frozen=True)
class IsoDate:
    """A real day written YYYY-MM-DD, in the years MIN_YEAR..MAX_YEAR."""

    def problems(self, value: Any, path: str) -> list[str]:
        if not isinstance(value, str) or len(value) != 10 or value[4] != "-" or value[7] != "-":
            return [f"{path} must be an ISO date (YYYY-MM-DD)"]
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return [f"{path} must be an ISO date (YYYY-MM-DD)"]
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            return [f"{path} {value} is not in the years {MIN_YEAR}-{MAX_YEAR}"]
        return []


@dataclass(frozen=True)
class Whole:
    """A whole number in [low, high] (true and false are not numbers)."""

    low: int
    high: int
    says: str = ""

    def problems(self, value: Any, path: str) -> list[str]:
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and self.low <= value <= self.high
        ):
            return []
        return [f"{path} {self.says or f'must be a whole number from {self.low} to {self.high}'}"]


@dataclass(frozen=True)
class Flag:
    def problems(self, value: Any, path: str) -> list[str]:
        return [] if isinstance(value, bool) else [f"{path} must be true or false"]


@dataclass(frozen=True)
class Choice:
    options: tuple[str, ...]

    def problems(self, value: Any, path: str) -> list[str]:
        return [] if value in self.options else [f"{path} must be one of {', '.join(self.options)}"]


@dataclass(frozen=True)
class Cell:
    """A value a form's cell holds: text of at most `max_chars`, or a finite number."""

    max_chars: int

    def problems(self, value: Any, path: str) -> list[str]:
        if isinstance(value, str):
            if len(value) > self.max_chars:
                return [f"{path} is {len(value):,} characters, more than {self.max_chars:,}"]
            return []
        if _number(value) and math.isfinite(value):
            return []
        return [f"{path} must be text or a number"]


@dataclass(frozen=True)
class Nullable:
    """`shape`, or null (a value the engine records as unknown)."""

    shape: Shape

    def problems(self, value: Any, path: str) -> list[str]:
        return [] if value is None else self.shape.problems(value, path)


def _too_many(count: int, most: int, path: str, what: str) -> list[str]:
    return [f"{path} has {count:,} {what}, more than {most:,}"] if count > most else []


@dataclass(frozen=True)
class ListOf:
    """A list of at most `max_items` items, each of shape `item`."""

    item: Shape
    max_items: int
    non_empty: bool = False
    says: str = "must be a list"

    def problems(self, value: Any, path: str) -> list[str]:
        if not isinstance(value, list) or (self.non_empty and not value):
            return [f"{path} {self.says}"]
        if too_many := _too_many(len(value), self.max_items, path, "items"):
            return too_many
        return [p for i, v in enumerate(value) for p in self.item.problems(v, f"{path}[{i}]")]


@dataclass(frozen=True)
class MapOf:
    """An object of at most `max_items` entries, keys non-empty names of at most `key_chars`,
    values of shape `value` (rows by appendix code, cells by column key)."""

    value: Shape
    max_items: int
    key_chars: int
    says: str = "must be an object"
    dotted: bool = False  # `row.stt` rather than `figures['Phụ lục 1']`

    def problems(self, value: Any, path: str) -> list[str]:
        if not isinstance(value, Mapping):
            return [f"{path} {self.says}"]
        if too_many := _too_many(len(value), self.max_items, path, "entries"):
            return too_many
        problems = []
        for k, v in value.items():
            if not _is_text(k) or len(k) > self.key_chars:
                shown = repr(str(k)[:40])
                problems.append(
                    f"{path}: key {shown} must be a name of 1 to {self.key_chars} characters"
                )
                continue
            where = f"{path}.{k}" if self.dotted else f"{path}[{k!r}]"
            problems += self.value.problems(v, where)
        return problems


@dataclass(frozen=True)
class Record:
    """An object with declared fields: `required` ones must be there, any other key is refused
    (a typo must not pass silently). `what` names it in "x is not a {what} field"."""

    what: str
    fields: Mapping[str, Shape]
    required: frozenset[str] = frozenset()
    says: str = ""

    def problems(self, value: Any, path: str) -> list[str]:
        if not isinstance(value, Mapping):
            return [f"{path} {self.says or self._default_says()}"]
        extra = value.keys() - self.fields.keys()  # the common case, none, costs one set
        problems = [f"{path}.{key} is not a {self.what} field" for key in sorted(map(str, extra))]
        for name, shape in self.fields.items():
            if name in value:
                problems += shape.problems(value[name], f"{path}.{name}")
            elif name in self.required:
                problems += shape.problems(None, f"{path}.{name}")
        return problems

    def _default_says(self) -> str:
        names = [n for n in self.fields if n in self.required] or list(self.fields)
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        return f"must be an object with {listed}"


@dataclass(frozen=True)
class DataSchema:
    """The top level of a trigger's data: each key with its shape, the ones it must carry.

    Several declarations merge (a transition's requirements, the keys it accepts): a key both
    declare must pass both shapes, and is required if either requires it."""

    keys: Mapping[str, tuple[Shape, ...]] = field(default_factory=dict)
    required: frozenset[str] = frozenset()

    @staticmethod
    def of(fields: Mapping[str, Shape], required: Sequence[str] = ()) -> DataSchema:
        return DataSchema({k: (s,) for k, s in fields.items()}, frozenset(required))

    def merged(self, other: DataSchema) -> DataSchema:
        keys = dict(self.keys)
        for key, shapes in other.keys.items():
            keys[key] = (*keys.get(key, ()), *(s for s in shapes if s not in keys.get(key, ())))
        return DataSchema(keys, self.required | other.required)

    def unknown(self, payload: Mapping[str, Any]) -> list[str]:
        """The keys of `payload` the schema does not declare, in the payload's order."""
        return [str(key) for key in payload if key not in self.keys]

    def hint(self, key: str) -> str:
        close = difflib.get_close_matches(key, list(self.keys), n=1)
        return f" (did you mean {close[0]!r}?)" if close else ""

    def problems(self, payload: Mapping[str, Any]) -> list[str]:
        """Every problem of the declared keys' values (unknown keys are `unknown`'s)."""
        problems: list[str] = []
        for key, shapes in self.keys.items():
            if key not in payload and key not in self.required:
                continue
            value = payload.get(key)
            for shape in shapes:
                found = shape.problems(value, key)
                problems += [p for p in found if p not in problems]
        return problems
