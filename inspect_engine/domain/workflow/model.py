"""A workflow definition as a value: a case's state machine as data.

`yaml_loader` reads and checks one from YAML; `storage.workflow_files` finds the files;
`machine` drives cases through it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from inspect_engine.domain.events import OPEN_TRIGGER, canonical
from inspect_engine.errors import InputError, NotFound

ANY_SOURCE = "*"  # source: every non-terminal state
SAME_STATE = "="  # dest: stay in the source state (a reflexive transition)
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,79}$")  # a workflow name is also a folder name
IDENT_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")  # state and trigger names
# Triggers the engine writes itself (`open` starts a case, `migrate` moves it to another
# version); `state` is the model attribute the machine drives.
# `deadline` records a deadline that passed (the worker), `issue_document` a document issued,
# `axis_status` what the recipient's e-office system reported doing with one (edXML).
DEADLINE_TRIGGER = "deadline"
AXIS_STATUS_TRIGGER = "axis_status"
RESERVED_TRIGGERS = frozenset(
    {OPEN_TRIGGER, "migrate", "state", DEADLINE_TRIGGER, "issue_document", AXIS_STATUS_TRIGGER}
)
# How the visit planner treats a case in a state (`planning:` of the state; none = not planned):
# it places and moves a `movable` visit, moves a `locked` one only when forced (its notice has
# gone out), and keeps a `fixed` one where it is (the unit is preparing for that date).
PLANNING_MODES = ("movable", "locked", "fixed")
# The trigger the planner records a new or moved visit with, in every state it may move one.
RESCHEDULE_TRIGGER = "reschedule"


class WorkflowDefinitionError(InputError):
    """A workflow definition file is wrong: the message names the file, line and field."""


class FrozenArgs(Mapping[str, str]):
    """A read-only, hashable mapping, so that definitions are truly frozen values."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._items: dict[str, str] = dict(sorted(pairs))

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __repr__(self) -> str:
        return f"FrozenArgs({self._items!r})"


@dataclass(frozen=True)
class EffectCall:
    """One effect to queue when a state is entered, e.g. issue_notice(notice=...)."""

    effect: str
    args: Mapping[str, str]


@dataclass(frozen=True)
class StateDef:
    name: str
    on_enter: tuple[EffectCall, ...] = ()
    label: str = ""
    planning: str | None = None  # one of PLANNING_MODES, or None: the planner leaves it alone


@dataclass(frozen=True)
class TransitionDef:
    """One transition; `sources` has `*` expanded, `dest` may be `=` (stay in the source)."""

    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: frozenset[str]
    guards: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    label: str = ""
    effects: tuple[EffectCall, ...] = ()  # queued when it fires, before the dest's on_enter
    accepts: tuple[str, ...] = ()  # optional data keys beyond its requirements' (data_keys.py)

    def dest_from(self, source: str) -> str:
        """The state a case is in after this transition fires from `source`."""
        return source if self.dest == SAME_STATE else self.dest


@dataclass(frozen=True)
class DeadlineDef:
    """What happens when a deadline passes with nothing done (`deadlines:` of a definition):
    the actions the worker takes, in order, as role `system` (domain/workflow/firing.py)."""

    name: str
    on_due: tuple[EffectCall, ...]
    label: str = ""


@dataclass(frozen=True)
class WorkflowDefinition:
    name: str
    version: int
    title: str
    initial: str
    terminal: frozenset[str]
    states: tuple[StateDef, ...]
    transitions: tuple[TransitionDef, ...]
    source_path: str | None = None
    deadlines: tuple[DeadlineDef, ...] = ()

    @cached_property
    def _states_by_name(self) -> dict[str, StateDef]:
        return {s.name: s for s in self.states}

    @cached_property
    def _by_trigger(self) -> dict[str, dict[str, list[TransitionDef]]]:
        """trigger -> source -> alternatives in definition order (the order guards are tried)."""
        index: dict[str, dict[str, list[TransitionDef]]] = {}
        for t in self.transitions:
            by_source = index.setdefault(t.trigger, {})
            for source in t.sources:
                by_source.setdefault(source, []).append(t)
        return index

    @cached_property
    def _roles_by_trigger(self) -> dict[str, frozenset[str]]:
        roles: dict[str, frozenset[str]] = {}
        for t in self.transitions:
            roles[t.trigger] = roles.get(t.trigger, frozenset()) | t.roles
        return roles

    @cached_property
    def _fingerprint(self) -> str:
        return hashlib.sha256(canonical(self.to_json())).hexdigest()

    def state(self, name: str) -> StateDef:
        try:
            return self._states_by_name[name]
        except KeyError:
            raise NotFound(f"workflow {self.name} v{self.version} has no state {name!r}") from None

    def has_state(self, name: str) -> bool:
        return name in self._states_by_name

    def has_trigger(self, trigger: str) -> bool:
        return trigger in self._by_trigger

    def triggers(self) -> list[str]:
        """Every trigger, in the order the definition first uses it."""
        return list(self._by_trigger)

    def transitions_for(self, trigger: str, source: str) -> list[TransitionDef]:
        """The alternatives of `trigger` from `source`, in the order their guards are tried."""
        return list(self._by_trigger.get(trigger, {}).get(source, ()))

    def triggers_from(self, source: str) -> list[str]:
        """The triggers allowed in state `source`, in definition order."""
        return [trigger for trigger, by in self._by_trigger.items() if source in by]

    def allowed_roles(self, trigger: str) -> frozenset[str]:
        """Who may fire `trigger` (the loader makes every transition of a trigger agree)."""
        return self._roles_by_trigger.get(trigger, frozenset())

    @cached_property
    def _counting_states(self) -> frozenset[str]:
        return frozenset(
            s.name
            for s in self.states
            if any(c.effect == "start_deadline" and "from" in c.args for c in s.on_enter)
        )

    def counts_deadlines(self, state: str) -> bool:
        """Whether entering `state` starts a deadline whose due date the engine computes."""
        return state in self._counting_states

    def deadline(self, name: str) -> DeadlineDef | None:
        """What passing deadline `name` does; None when the definition does not say (v1, v2:
        the passing is recorded, nothing else happens)."""
        return next((d for d in self.deadlines if d.name == name), None)

    def planning_modes(self) -> dict[str, str]:
        """State -> planning mode, for the states the visit planner handles."""
        return {s.name: s.planning for s in self.states if s.planning is not None}

    def is_terminal(self, state: str) -> bool:
        return state in self.terminal

    def fingerprint(self) -> str:
        """sha256 of the canonical definition: comments and layout do not count, content does."""
        return self._fingerprint

    def to_json(self) -> dict[str, Any]:
        """The definition as plain data (the canonical form behind the fingerprint)."""
        return {
            "name": self.name,
            "version": self.version,
            "title": self.title,
            "initial": self.initial,
            "terminal": sorted(self.terminal),
            "states": [
                {
                    "name": s.name,
                    "label": s.label,
                    "on_enter": [{"effect": c.effect, "args": dict(c.args)} for c in s.on_enter],
                }
                # Keys added in later releases appear only when used, so a definition that does
                # not use them keeps the fingerprint it was stored with.
                | ({"planning": s.planning} if s.planning else {})
                for s in self.states
            ],
            "transitions": [
                {
                    "trigger": t.trigger,
                    "sources": list(t.sources),
                    "dest": t.dest,
                    "roles": sorted(t.roles),
                    "guards": list(t.guards),
                    "requires": list(t.requires),
                    "label": t.label,
                }
                | (
                    {"effects": [{"effect": c.effect, "args": dict(c.args)} for c in t.effects]}
                    if t.effects
                    else {}
                )
                | ({"accepts": list(t.accepts)} if t.accepts else {})
                for t in self.transitions
            ],
        } | (
            {
                "deadlines": [
                    {
                        "name": d.name,
                        "label": d.label,
                        "on_due": [{"action": c.effect, "args": dict(c.args)} for c in d.on_due],
                    }
                    for d in self.deadlines
                ]
            }
            if self.deadlines
            else {}
        )

    def to_mermaid(self) -> str:
        """A Mermaid `stateDiagram-v2`: one edge per (source, dest, trigger), guards in []."""
        lines = ["stateDiagram-v2", f"    %% {self.name} v{self.version} {self.title}".rstrip()]
        lines += [f"    {s.name} : {s.label}" for s in self.states if s.label]
        lines.append(f"    [*] --> {self.initial}")
        for t in self.transitions:
            guard = f" [{', '.join(t.guards)}]" if t.guards else ""
            lines += [
                f"    {source} --> {t.dest_from(source)} : {t.trigger}{guard}"
                for source in t.sources
            ]
        lines += [f"    {s.name} --> [*]" for s in self.states if s.name in self.terminal]
        return "\n".join(lines) + "\n"
