"""Errors the CLI turns into exit codes: one clear line, no traceback.

`InputError` (exit 2) is bad input from a user: a file, a field, an argument. Its message names
where the problem is (file, line, field) and what is wrong. `CheckFailed` (exit 1) is a check that
ran and found a problem (an infeasible plan, a broken hash chain).
"""

from __future__ import annotations


class InspectError(Exception):
    """Base class of every error the engine reports to a user."""

    exit_code = 2


class InputError(InspectError):
    """Bad input: the message says where (file, line, field) and what is wrong."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.source = source
        self.line = line
        self.field = field
        self.detail = message
        super().__init__(self.format())

    def format(self) -> str:
        where = []
        if self.source:
            where.append(self.source if self.line is None else f"{self.source}:{self.line}")
        elif self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.detail}" if where else self.detail

    def located(self, source: str) -> InputError:
        """This error said of the file `source`: a service checked data a command read from it."""
        moved = type(self).__new__(type(self))
        moved.__dict__.update(self.__dict__)  # subclasses' own fields too (MissingData.problems)
        moved.source = source
        moved.args = (moved.format(),)
        return moved


class DataError(InputError):
    """The data given with a trigger is wrong: a key it does not take, a value of the wrong
    shape or size, something its requirements need."""


class NotFound(InputError):
    """A key, code or id the user gave does not exist."""


class ConflictError(InspectError):
    """Someone else changed the record between our read and our write."""

    exit_code = 2


class CheckFailed(InspectError):
    """A check ran and found a problem (exit 1)."""

    exit_code = 1
