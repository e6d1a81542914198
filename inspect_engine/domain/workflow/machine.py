"""Drive a case through its workflow with a `transitions` Machine built once per definition.

The machine holds no models (`model=None`): the engine copies a persisted case's state into a
`CaseModel`, fires one trigger on it and persists the result. The machine's own guard evaluation
decides which alternative fires; the guard callables record what they saw, so `fire` reports
exactly what the machine did.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from transitions import EventData, Machine

from inspect_engine.domain.workflow.model import TransitionDef, WorkflowDefinition
from inspect_engine.domain.workflow.rules import (
    GUARDS,
    READ_ONLY_ROLES,
    REQUIREMENTS,
    ROLES,
    Guard,
    GuardContext,
)
from inspect_engine.errors import InputError


class IllegalTrigger(InputError):
    """The trigger does not exist, or is not allowed in the case's current state."""


class GuardRejected(InputError):
    """The trigger is allowed here, but no alternative's guards pass."""


class RoleNotAllowed(InputError):
    """The actor's role may not fire this trigger (or is not a role at all)."""


class MissingData(InputError):
    """The data given with a trigger lacks what the transition requires."""

    def __init__(self, message: str, problems: list[str], **where: Any) -> None:
        self.problems = problems
        super().__init__(message, **where)


@dataclass
class CaseModel:
    """What the machine drives; the engine copies the persisted row's state into it."""

    state: str


@dataclass
class _Outcome:
    """Filled in by the machine's callbacks during one `fire`."""

    fired: int | None = None  # index into the definition's transitions
    failed: list[str] = field(default_factory=list)


class _GuardCondition:
    """A named guard as a `transitions` condition; notes a failure for the error message."""

    __slots__ = ("guard", "name")

    def __init__(self, name: str, guard: Guard) -> None:
        self.name = name
        self.guard = guard

    def __call__(self, event: EventData) -> bool:
        ok = self.guard(event.kwargs["ctx"])
        outcome = event.kwargs.get("outcome")
        if not ok and outcome is not None:
            outcome.failed.append(self.name)
        return ok


class _Fired:
    """An `after` callback: tells `fire` which definition transition the machine took (by
    index, so the caller gets its own definition's object even when the machine is shared)."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __call__(self, event: EventData) -> None:
        outcome = event.kwargs.get("outcome")
        if outcome is not None:
            outcome.fired = self.index


_machines: dict[tuple[str, int, str], Machine] = {}
_lock = threading.Lock()


def _new_machine(defn: WorkflowDefinition) -> Machine:
    states = [{"name": s.name, "final": defn.is_terminal(s.name)} for s in defn.states]
    transitions = [
        {
            "trigger": t.trigger,
            "source": list(t.sources),
            "dest": t.dest,  # "=" is transitions' reflexive dest: same state, counts as fired
            "conditions": [_GuardCondition(g, GUARDS[g]) for g in t.guards],
            "after": [_Fired(i)],
        }
        for i, t in enumerate(defn.transitions)
    ]
    return Machine(
        model=None,
        states=states,
        transitions=transitions,
        initial=defn.initial,
        auto_transitions=False,
        send_event=True,
    )


def build_machine(defn: WorkflowDefinition) -> Machine:
    """The machine of a definition, built once per (name, version, fingerprint)."""
    key = (defn.name, defn.version, defn.fingerprint())
    machine = _machines.get(key)
    if machine is None:
        with _lock:
            machine = _machines.get(key)
            if machine is None:
                machine = _machines[key] = _new_machine(defn)
    return machine


def _ensure_trigger(defn: WorkflowDefinition, trigger: str) -> None:
    if not defn.has_trigger(trigger):
        raise IllegalTrigger(
            f"workflow {defn.name} v{defn.version} has no trigger {trigger!r}; "
            f"triggers: {', '.join(defn.triggers())}"
        )


def _rejected(trigger: str, state: str, failed: list[str]) -> GuardRejected:
    names = ", ".join(dict.fromkeys(failed))
    noun = "guard" if len(set(failed)) == 1 else "guards"
    return GuardRejected(f"trigger {trigger!r} refused in state {state!r}: {noun} {names} not met")


def fire(
    defn: WorkflowDefinition, model: CaseModel, trigger: str, ctx: GuardContext
) -> TransitionDef:
    """Fire `trigger` on `model` (its `state` changes) and return the transition that fired."""
    if ctx.state != model.state:
        raise ValueError(f"GuardContext.state {ctx.state!r} != model.state {model.state!r}")
    _ensure_trigger(defn, trigger)
    if not defn.has_state(model.state):
        raise IllegalTrigger(
            f"state {model.state!r} is not a state of workflow {defn.name} v{defn.version}"
        )
    if not defn.transitions_for(trigger, model.state):
        allowed = ", ".join(defn.triggers_from(model.state)) or "none (a terminal state)"
        raise IllegalTrigger(
            f"trigger {trigger!r} is not allowed in state {model.state!r}; allowed here: {allowed}"
        )
    outcome = _Outcome()
    state = model.state
    if not build_machine(defn).events[trigger].trigger(model, ctx=ctx, outcome=outcome):
        raise _rejected(trigger, state, outcome.failed)
    assert outcome.fired is not None, "the machine fired without its after callback"
    return defn.transitions[outcome.fired]


def check_role(defn: WorkflowDefinition, trigger: str, role: str) -> None:
    """Refuse a role that may not fire `trigger` (auditors never may: they only read)."""
    if role not in ROLES:
        raise RoleNotAllowed(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    _ensure_trigger(defn, trigger)
    allowed = defn.allowed_roles(trigger)
    if role not in allowed:
        why = " (auditors only read)" if role in READ_ONLY_ROLES else ""
        names = ", ".join(r for r in ROLES if r in allowed)
        raise RoleNotAllowed(f"role {role!r} may not fire {trigger!r}{why}; allowed: {names}")


def check_requirements(
    defn: WorkflowDefinition, transition: TransitionDef, payload: Mapping[str, Any]
) -> None:
    """Refuse data that lacks what `transition` requires, listing every problem."""
    problems = [p for name in transition.requires for p in REQUIREMENTS[name](payload)]
    if problems:
        raise MissingData(f"{transition.trigger} needs data: {'; '.join(problems)}", problems)
