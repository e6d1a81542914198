"""Drive a case through its workflow with a `transitions` Machine built once per definition.

The machine holds no models (`model=None`): the engine copies a persisted case's state into a
`CaseModel`, fires one trigger on it and persists the result. The machine holds each trigger's
alternatives per source state (reflexive `=` dests resolved), their guards as conditions, in
definition order. `fire` walks that table, compiled once per definition: the first alternative
whose guards all pass fires, as the machine's own trigger decides (`fire_on_machine`, which the
tests hold `fire` to), but without the callback pipeline the engine does not use (prepare,
before, exit, enter, after, finalize): 0.5 us a fire instead of 8 (bench/transitions.py: cpu
80 -> 63 us a single transition, with the entry effects built once per definition).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from transitions import EventData, Machine

from inspect_engine.domain.workflow.data_keys import schema_for
from inspect_engine.domain.workflow.model import TransitionDef, WorkflowDefinition
from inspect_engine.domain.workflow.rules import (
    ASSESSMENTS,
    GUARD_EXPLANATIONS,
    GUARDS,
    HISTORY_REQUIREMENTS,
    READ_ONLY_ROLES,
    REQUIREMENTS,
    ROLES,
    Guard,
    GuardContext,
)
from inspect_engine.errors import DataError, InputError


class IllegalTrigger(InputError):
    """The trigger does not exist, or is not allowed in the case's current state."""


class GuardRejected(InputError):
    """The trigger is allowed here, but no alternative's guards pass."""


class RoleNotAllowed(InputError):
    """The actor's role may not fire this trigger (or is not a role at all)."""


class MissingData(DataError):
    """The data given with a trigger lacks what the transition requires, or has keys or values
    its schema does not allow."""

    def __init__(self, message: str, problems: list[str], **where: Any) -> None:
        self.problems = problems
        super().__init__(message, **where)


# A list of problems is one line: past this many, the rest are counted, not shown.
SHOWN_PROBLEMS = 10


def _listed(problems: list[str]) -> str:
    shown = "; ".join(problems[:SHOWN_PROBLEMS])
    more = len(problems) - SHOWN_PROBLEMS
    return f"{shown}; and {more} more" if more > 0 else shown


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


class _Step(NamedTuple):
    """One alternative of a trigger from one state, as the machine holds it."""

    position: int  # in the definition's transitions
    guards: tuple[_GuardCondition, ...]
    dest: str


class _Compiled:
    """A definition's machine and what firing needs from it, keyed by (trigger, source)."""

    __slots__ = ("effects", "guarded", "machine", "steps")

    def __init__(self, defn: WorkflowDefinition) -> None:
        self.machine = _new_machine(defn)
        self.steps: dict[tuple[str, str], tuple[_Step, ...]] = {}
        for trigger, event in self.machine.events.items():
            for source, alternatives in event.transitions.items():
                steps = []
                for t in alternatives:
                    (fired,) = (cb for cb in t.after if isinstance(cb, _Fired))
                    guards = tuple(c.func for c in t.conditions if c.target)
                    checked = tuple(g for g in guards if isinstance(g, _GuardCondition))
                    assert checked == guards and len(guards) == len(t.conditions)
                    assert t.dest is not None
                    steps.append(_Step(fired.index, checked, t.dest))
                self.steps[trigger, source] = tuple(steps)
        # Where a rule may read the case's earlier events: a guard, or a requirement that does.
        self.guarded = {
            key
            for key, steps in self.steps.items()
            if any(
                s.guards or HISTORY_REQUIREMENTS.intersection(defn.transitions[s.position].requires)
                for s in steps
            )
        }
        # Built once, shared by every event that queues them (events are never changed).
        self.effects: dict[str, tuple[dict[str, Any], ...]] = {
            s.name: tuple({"effect": c.effect, "args": dict(c.args)} for c in s.on_enter)
            for s in defn.states
        }


_compiled: dict[tuple[str, int, str], _Compiled] = {}
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


_last: tuple[WorkflowDefinition | None, _Compiled | None] = (None, None)


def _compile(defn: WorkflowDefinition) -> _Compiled:
    """Built once per (name, version, fingerprint)."""
    global _last
    last_defn, last = _last  # a transition asks three times, nearly always of one definition
    if last_defn is defn and last is not None:
        return last
    key = (defn.name, defn.version, defn.fingerprint())
    compiled = _compiled.get(key)
    if compiled is None:
        with _lock:
            compiled = _compiled.get(key)
            if compiled is None:
                compiled = _compiled[key] = _Compiled(defn)
    _last = (defn, compiled)
    return compiled


def build_machine(defn: WorkflowDefinition) -> Machine:
    """The machine of a definition, built once per (name, version, fingerprint)."""
    return _compile(defn).machine


def needs_history(defn: WorkflowDefinition, trigger: str, state: str) -> bool:
    """Whether a guard of `trigger` in `state` may look at the case's earlier events."""
    return (trigger, state) in _compile(defn).guarded


def entry_effects(defn: WorkflowDefinition, state: str) -> tuple[dict[str, Any], ...]:
    """The effects entering `state` queues, as events carry them: {"effect", "args"}."""
    return _compile(defn).effects[state]


def _ensure_trigger(defn: WorkflowDefinition, trigger: str) -> None:
    if not defn.has_trigger(trigger):
        raise IllegalTrigger(
            f"workflow {defn.name} v{defn.version} has no trigger {trigger!r}; "
            f"triggers: {', '.join(defn.triggers())}"
        )


def _illegal(defn: WorkflowDefinition, trigger: str, state: str) -> IllegalTrigger:
    """Why `trigger` has no alternative in `state`."""
    _ensure_trigger(defn, trigger)
    if not defn.has_state(state):
        return IllegalTrigger(
            f"state {state!r} is not a state of workflow {defn.name} v{defn.version}"
        )
    allowed = ", ".join(defn.triggers_from(state)) or "none (a terminal state)"
    return IllegalTrigger(
        f"trigger {trigger!r} is not allowed in state {state!r}; allowed here: {allowed}"
    )


def _rejected(trigger: str, state: str, failed: list[str], ctx: GuardContext) -> GuardRejected:
    names = list(dict.fromkeys(failed))
    explained = [GUARD_EXPLANATIONS[n](ctx) for n in names if n in GUARD_EXPLANATIONS]
    if explained:
        return GuardRejected(
            f"trigger {trigger!r} refused in state {state!r}: {'; '.join(explained)}"
        )
    noun = "guard" if len(names) == 1 else "guards"
    return GuardRejected(
        f"trigger {trigger!r} refused in state {state!r}: {noun} {', '.join(names)} not met"
    )


def fire(
    defn: WorkflowDefinition, model: CaseModel, trigger: str, ctx: GuardContext
) -> TransitionDef:
    """Fire `trigger` on `model` (its `state` changes) and return the transition that fired."""
    if ctx.state != model.state:
        raise ValueError(f"GuardContext.state {ctx.state!r} != model.state {model.state!r}")
    steps = _compile(defn).steps.get((trigger, model.state))
    if steps is None:
        raise _illegal(defn, trigger, model.state)
    failed: list[str] = []
    for step in steps:
        for guard in step.guards:
            if not guard.guard(ctx):
                failed.append(guard.name)
                break
        else:
            model.state = step.dest
            return defn.transitions[step.position]
    raise _rejected(trigger, model.state, failed, ctx)


def fire_on_machine(
    defn: WorkflowDefinition, model: CaseModel, trigger: str, ctx: GuardContext
) -> TransitionDef:
    """`fire` through the machine's own trigger and callbacks: the reference `fire` must agree
    with (tests/test_workflow_definition.py)."""
    if ctx.state != model.state:
        raise ValueError(f"GuardContext.state {ctx.state!r} != model.state {model.state!r}")
    if not defn.transitions_for(trigger, model.state):
        raise _illegal(defn, trigger, model.state)
    outcome = _Outcome()
    state = model.state
    if not build_machine(defn).events[trigger].trigger(model, ctx=ctx, outcome=outcome):
        raise _rejected(trigger, state, outcome.failed, ctx)
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
    defn: WorkflowDefinition, transition: TransitionDef, ctx: GuardContext
) -> dict[str, Any]:
    """Refuse data that does not fit `transition`'s schema (data_keys.py: a key it does not
    take, a value of the wrong shape or size) or lacks what it requires, listing every
    problem; return what the engine assesses of the data (recorded in the event as
    `assessed`)."""
    check_data(defn, transition, ctx.payload)
    problems = [p for name in transition.requires for p in REQUIREMENTS[name](ctx)]
    if problems:
        raise MissingData(f"{transition.trigger} needs data: {_listed(problems)}", problems)
    assessed: dict[str, Any] = {}
    for name in transition.requires:
        if name in ASSESSMENTS:
            assessed.update(ASSESSMENTS[name](ctx))
    return assessed


def check_data(
    defn: WorkflowDefinition, transition: TransitionDef, payload: Mapping[str, Any]
) -> None:
    """Refuse a key `transition` does not take, then every value that does not fit its shape."""
    schema = schema_for(defn, transition)
    unknown = schema.unknown(payload)
    if unknown:
        key = unknown[0]
        problem = f"{key!r} is not data {transition.trigger} takes{schema.hint(key)}"
        raise MissingData(
            f"{transition.trigger} does not take {key!r}{schema.hint(key)}; "
            f"it takes: {', '.join(schema.keys)}",
            [problem],
            field=f"data.{key}",
        )
    problems = schema.problems(payload)
    if problems:
        raise MissingData(f"{transition.trigger} needs data: {_listed(problems)}", problems)
