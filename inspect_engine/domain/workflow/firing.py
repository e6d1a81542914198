"""What a deadline does when it passes: the `deadlines:` section of a definition.

```yaml
deadlines:
  - deadline: submission_due
    label: Hạn nộp báo cáo, phụ lục
    on_due:
      - {action: trigger, trigger: mark_submission_late}
      - {action: escalate}
```

A deadline passes when its due day ends with nothing done (the step that would have cancelled
it did not come). The worker then records a `deadline` event on the case, whose effects are the
declared actions: `issue_notice` (a document the outbox issues, as for any event), `escalate`
(the case is put before the lead of its team) and `trigger` (the named trigger is fired next,
as role `system`, in the same transaction). A definition without the section still records the
passing; nothing else happens.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from inspect_engine.domain.text import clean, control_character
from inspect_engine.domain.workflow.model import (
    DeadlineDef,
    EffectCall,
    FrozenArgs,
    TransitionDef,
)
from inspect_engine.domain.workflow.yaml_lines import Doc

SYSTEM_ROLE = "system"
# action -> (required arguments, optional arguments)
ACTIONS: Mapping[str, tuple[frozenset[str], frozenset[str]]] = {
    "issue_notice": (frozenset({"notice"}), frozenset()),
    "trigger": (frozenset({"trigger"}), frozenset()),
    "escalate": (frozenset(), frozenset({"to"})),
}
ESCALATE_TO = ("team_lead",)
_ENTRY_KEYS = frozenset({"deadline", "label", "on_due"})


def parse_deadlines(
    doc: Doc, value: Any, started: Sequence[str], transitions: Sequence[TransitionDef]
) -> tuple[DeadlineDef, ...]:
    """Check the section against the definition: each deadline is one the definition starts,
    listed once; a `trigger` names a trigger that role `system` may fire."""
    if not isinstance(value, list):
        raise doc.fail("deadlines", "deadlines must be a list of {deadline, on_due}")
    out: list[DeadlineDef] = []
    for i, item in enumerate(value):
        path = f"deadlines[{i}]"
        if not isinstance(item, dict) or "deadline" not in item or "on_due" not in item:
            raise doc.fail(path, f"{path} must be a mapping with keys deadline, on_due")
        for key in item:
            if key not in _ENTRY_KEYS:
                raise doc.fail(
                    f"{path}.{key}",
                    f"unknown key {key!r} in {path}; allowed: deadline, label, on_due",
                )
        name = item["deadline"]
        if name not in started:
            known = ", ".join(started) or "none"
            raise doc.fail(
                f"{path}.deadline",
                f"deadline {name!r} is never started by this definition (start_deadline: {known})",
            )
        if any(d.name == name for d in out):
            raise doc.fail(f"{path}.deadline", f"deadline {name!r} is listed twice")
        label = item.get("label", "")
        if not isinstance(label, str):
            raise doc.fail(f"{path}.label", f"{path}.label must be a string")
        if found := control_character(label.strip()):
            raise doc.fail(f"{path}.label", f"{path}.label has a control character {found}")
        actions = item["on_due"]
        if not isinstance(actions, list) or not actions:
            raise doc.fail(f"{path}.on_due", f"{path}.on_due must be a non-empty list of actions")
        calls = tuple(
            _action(doc, a, f"{path}.on_due[{j}]", transitions) for j, a in enumerate(actions)
        )
        if sum(c.effect == "trigger" for c in calls) > 1:
            raise doc.fail(f"{path}.on_due", "a deadline may fire one trigger, not several")
        out.append(DeadlineDef(name, calls, clean(label)))
    return tuple(out)


def _action(doc: Doc, value: Any, path: str, transitions: Sequence[TransitionDef]) -> EffectCall:
    if not isinstance(value, dict) or "action" not in value:
        raise doc.fail(path, f"{path} must be a mapping like {{action: NAME, ARG: VALUE}}")
    name = value["action"]
    if name not in ACTIONS:
        raise doc.fail(f"{path}.action", f"unknown action {name!r}; known: {', '.join(ACTIONS)}")
    required, optional = ACTIONS[name]
    args: dict[str, str] = {}
    for key, arg in value.items():
        if key == "action":
            continue
        if key not in required | optional:
            takes = ", ".join(sorted(required | optional)) or "none"
            raise doc.fail(
                f"{path}.{key}", f"unknown argument {key!r} of {name!r}; arguments: {takes}"
            )
        if not isinstance(arg, str) or not arg.strip():
            raise doc.fail(f"{path}.{key}", f"{path}.{key} must be a non-empty string")
        args[key] = arg.strip()
    missing = sorted(required - set(args))
    if missing:
        raise doc.fail(path, f"action {name!r} needs the argument {missing[0]!r}")
    if name == "trigger":
        trigger = args["trigger"]
        roles = {r for t in transitions if t.trigger == trigger for r in t.roles}
        if not roles:
            raise doc.fail(f"{path}.trigger", f"no transition has the trigger {trigger!r}")
        if SYSTEM_ROLE not in roles:
            raise doc.fail(
                f"{path}.trigger",
                f"trigger {trigger!r} does not allow role {SYSTEM_ROLE!r}, "
                "which the worker fires it as",
            )
    if name == "escalate" and args.setdefault("to", ESCALATE_TO[0]) not in ESCALATE_TO:
        raise doc.fail(f"{path}.to", f"escalate to one of: {', '.join(ESCALATE_TO)}")
    return EffectCall(name, FrozenArgs(args))


def deadline_payload(deadline_id: int, kind: str, due: date, started_by: int) -> dict[str, Any]:
    """The data of a `deadline` event: which deadline passed, and the event that started it."""
    return {
        "deadline": {
            "id": deadline_id,
            "kind": kind,
            "due": due.isoformat(),
            "started_by": started_by,
        }
    }


def recorded_actions(
    spec: DeadlineDef | None, *, team: str | None, lead: str | None, refused: str | None
) -> list[dict[str, Any]]:
    """The effects the `deadline` event records: the declared actions with what the engine
    resolved (the team lead escalated to; a trigger the case could not take, and why)."""
    if spec is None:
        return []
    out: list[dict[str, Any]] = []
    for call in spec.on_due:
        args: dict[str, Any] = dict(call.args)
        if call.effect == "escalate":
            args |= {"team": team, "lead": lead}
        if call.effect == "trigger" and refused is not None:
            args["refused"] = refused
        out.append({"effect": call.effect, "args": args})
    return out
