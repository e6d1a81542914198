"""Read a workflow definition from YAML, with the line of every field, and check it.

The loader checks everything a definition can get wrong before any case runs on it (names of
states, guards, effects, requirements and roles; reachability; dead ends; ambiguous triggers) and
stops at the first mistake with the file, line and field path. The format is documented in
workflows/README.md.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from inspect_engine.domain.text import clean, control_character
from inspect_engine.domain.workflow.data_keys import OPTIONAL_DATA, REQUIREMENT_DATA
from inspect_engine.domain.workflow.firing import parse_deadlines
from inspect_engine.domain.workflow.model import (
    ANY_SOURCE,
    IDENT_RE,
    NAME_RE,
    PLANNING_MODES,
    RESCHEDULE_TRIGGER,
    RESERVED_TRIGGERS,
    SAME_STATE,
    DeadlineDef,
    EffectCall,
    FrozenArgs,
    StateDef,
    TransitionDef,
    WorkflowDefinition,
)
from inspect_engine.domain.workflow.rules import (
    DEADLINE_ANCHORS,
    DEADLINE_SETTINGS,
    EFFECTS,
    GUARDS,
    READ_ONLY_ROLES,
    REQUIREMENTS,
    ROLES,
)
from inspect_engine.domain.workflow.yaml_lines import Doc, child_path, read_yaml

_TOP_KEYS = (
    ("name", "version", "initial", "terminal", "states", "transitions"),
    ("title", "deadlines"),
)
_STATE_KEYS = (("name",), ("on_enter", "label", "planning"))
_TRANSITION_KEYS = (
    ("trigger", "source", "dest", "roles"),
    ("guards", "requires", "label", "effects", "accepts"),
)
MAX_VERSION = 999  # a workflow gets a version a year at most
MAX_LABEL = 500  # characters of a title or a label (the longest shipped is ~80)
_FIRING_ROLES = tuple(role for role in ROLES if role not in READ_ONLY_ROLES)


# --- field checks -----------------------------------------------------------------------------


def _hint(value: object, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(value), list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _mapping(doc: Doc, value: Any, path: str, keys: tuple[tuple[str, ...], ...]) -> dict[Any, Any]:
    """A mapping with exactly the allowed keys: a typo in a key must not pass silently."""
    required, optional = keys
    what = path or "the definition"
    if not isinstance(value, dict):
        raise doc.fail(path, f"{what} must be a mapping with keys {', '.join(required)}")
    allowed = (*required, *optional)
    for key in value:
        if key not in allowed:
            raise doc.fail(
                child_path(path, key),
                f"unknown key {key!r} in {what}{_hint(key, allowed)}; "
                f"allowed: {', '.join(allowed)}",
            )
    for key in required:
        if key not in value:
            raise doc.fail(path, f"{what} is missing {key!r}")
    return value


def _list(doc: Doc, value: Any, path: str, *, non_empty: bool = False) -> list[Any]:
    if not isinstance(value, list):
        raise doc.fail(path, f"{path} must be a list")
    if non_empty and not value:
        raise doc.fail(path, f"{path} must not be empty")
    return value


def _ident(doc: Doc, value: Any, path: str, what: str) -> str:
    if not isinstance(value, str) or not IDENT_RE.match(value):
        raise doc.fail(
            path, f"{what} {value!r} must be lower-case letters, digits and '_' (a-z first)"
        )
    return value


def _text(doc: Doc, value: Any, path: str) -> str:
    """A title or label: one line of plain text, NFC-normalised (they are shown and printed)."""
    if not isinstance(value, str) or not value.strip():
        raise doc.fail(path, f"{path} must be a non-empty string")
    if found := control_character(value.strip()):
        raise doc.fail(path, f"{path} has a control character {found}: type the text plainly")
    if len(value) > MAX_LABEL:
        raise doc.fail(path, f"{path} is {len(value):,} characters, more than {MAX_LABEL}")
    return clean(value)


def _known(doc: Doc, value: Any, path: str, what: str, known: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in known:
        raise doc.fail(
            path, f"unknown {what} {value!r}{_hint(value, known)}; known: {', '.join(known)}"
        )
    return value


# --- the definition ---------------------------------------------------------------------------


def _parse_header(doc: Doc, top: dict[Any, Any]) -> tuple[str, int, str]:
    name = top["name"]
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise doc.fail("name", f"name {name!r} must be lower-case letters, digits, '-' or '_'")
    version = top["version"]
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
        raise doc.fail(
            "version", f"version {version!r} must be a positive whole number, at most {MAX_VERSION}"
        )
    title = _text(doc, top["title"], "title") if "title" in top else ""
    return name, version, title


def _arg_value(doc: Doc, value: Any, path: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise doc.fail(path, f"{path} must be a non-empty string or a whole number")


def _parse_effect(doc: Doc, value: Any, path: str) -> EffectCall:
    if not isinstance(value, dict) or "effect" not in value:
        raise doc.fail(path, f"{path} must be a mapping like {{effect: NAME, ARG: VALUE}}")
    name = _known(doc, value["effect"], f"{path}.effect", "effect", list(EFFECTS))
    spec = EFFECTS[name]
    allowed = sorted(spec.all_args)
    args: dict[str, str] = {}
    for key, arg in value.items():
        if key == "effect":
            continue
        if key not in spec.all_args:
            takes = f"arguments: {', '.join(allowed)}" if allowed else "it takes none"
            raise doc.fail(
                child_path(path, key),
                f"unknown argument {key!r} of effect {name!r}{_hint(key, allowed)}; {takes}",
            )
        args[key] = _arg_value(doc, arg, child_path(path, key))
    missing = sorted(spec.required_args - set(args))
    if missing:
        raise doc.fail(path, f"effect {name!r} needs the argument {missing[0]!r}")
    if name == "start_deadline":
        _check_deadline(doc, args, path)
    return EffectCall(name, FrozenArgs(args))


def _check_deadline(doc: Doc, args: Mapping[str, str], path: str) -> None:
    """A deadline says how its due date is computed, so whoever fires it needs no knowledge of
    the workflow: `from` an anchor, plus `working_days` or a campaign `setting` (`-` before)."""
    if "working_days" in args and "setting" in args:
        raise doc.fail(f"{path}.setting", "give `working_days` or `setting`, not both")
    if "setting" in args and "from" not in args:
        raise doc.fail(path, "a deadline with a `setting` needs `from`: where the count starts")
    anchor = args.get("from")
    if anchor is not None and not (
        anchor in DEADLINE_ANCHORS or (anchor.startswith("data.") and len(anchor) > 5)
    ):
        known = ", ".join((*DEADLINE_ANCHORS, "data.FIELD"))
        raise doc.fail(
            f"{path}.from", f"unknown anchor {anchor!r}{_hint(anchor, DEADLINE_ANCHORS)}; {known}"
        )
    setting = args.get("setting")
    if setting is not None and setting.removeprefix("-") not in DEADLINE_SETTINGS:
        raise doc.fail(
            f"{path}.setting",
            f"unknown campaign setting {setting!r}{_hint(setting, DEADLINE_SETTINGS)}; "
            f"settings: {', '.join(DEADLINE_SETTINGS)} (prefix `-` to count back)",
        )
    days = args.get("working_days")
    if days is not None and not days.lstrip("-").isdigit():
        raise doc.fail(f"{path}.working_days", f"working_days must be a whole number, got {days!r}")


def _parse_states(doc: Doc, value: Any) -> tuple[StateDef, ...]:
    states: list[StateDef] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(_list(doc, value, "states", non_empty=True)):
        path = f"states[{i}]"
        item = _mapping(doc, item, path, _STATE_KEYS)
        name = _ident(doc, item["name"], f"{path}.name", "state name")
        if name in seen:
            raise doc.fail(
                f"{path}.name", f"duplicate state {name!r} (already states[{seen[name]}])"
            )
        seen[name] = i
        effects = _list(doc, item.get("on_enter", []), f"{path}.on_enter")
        on_enter = tuple(
            _parse_effect(doc, e, f"{path}.on_enter[{j}]") for j, e in enumerate(effects)
        )
        label = _text(doc, item["label"], f"{path}.label") if "label" in item else ""
        planning = None
        if "planning" in item:
            planning = _known(
                doc, item["planning"], f"{path}.planning", "planning mode", PLANNING_MODES
            )
        states.append(StateDef(name, on_enter, label, planning))
    return tuple(states)


def _parse_terminal(doc: Doc, value: Any, names: Sequence[str]) -> frozenset[str]:
    terminal: list[str] = []
    for j, item in enumerate(_list(doc, value, "terminal", non_empty=True)):
        state = _known(doc, item, f"terminal[{j}]", "state", names)
        if state in terminal:
            raise doc.fail(f"terminal[{j}]", f"state {state!r} is listed twice")
        terminal.append(state)
    return frozenset(terminal)


def _parse_sources(
    doc: Doc, value: Any, path: str, names: Sequence[str], terminal: frozenset[str]
) -> tuple[str, ...]:
    if value == ANY_SOURCE:
        return tuple(n for n in names if n not in terminal)
    if not isinstance(value, list) or not value:
        raise doc.fail(path, f"{path} must be a non-empty list of states or '{ANY_SOURCE}'")
    sources: list[str] = []
    for j, item in enumerate(value):
        state = _known(doc, item, f"{path}[{j}]", "state", names)
        if state in terminal:
            raise doc.fail(
                f"{path}[{j}]", f"terminal state {state!r} cannot have outgoing transitions"
            )
        if state in sources:
            raise doc.fail(f"{path}[{j}]", f"state {state!r} is listed twice")
        sources.append(state)
    return tuple(sources)


def _parse_roles(doc: Doc, value: Any, path: str) -> frozenset[str]:
    roles = set()
    for j, role in enumerate(_list(doc, value, path, non_empty=True)):
        if role in READ_ONLY_ROLES:
            raise doc.fail(f"{path}[{j}]", f"role {role!r} may not fire triggers: it only reads")
        roles.add(_known(doc, role, f"{path}[{j}]", "role", _FIRING_ROLES))
    return frozenset(roles)


def _parse_names(
    doc: Doc, item: dict[Any, Any], key: str, path: str, what: str, known: Sequence[str]
) -> tuple[str, ...]:
    values = _list(doc, item.get(key, []), f"{path}.{key}")
    return tuple(_known(doc, v, f"{path}.{key}[{j}]", what, known) for j, v in enumerate(values))


def _parse_transition(
    doc: Doc, item: Any, path: str, names: Sequence[str], terminal: frozenset[str]
) -> TransitionDef:
    item = _mapping(doc, item, path, _TRANSITION_KEYS)
    trigger = _ident(doc, item["trigger"], f"{path}.trigger", "trigger")
    if trigger in RESERVED_TRIGGERS:
        raise doc.fail(f"{path}.trigger", f"trigger {trigger!r} is reserved for the engine")
    sources = _parse_sources(doc, item["source"], f"{path}.source", names, terminal)
    dest = item["dest"]
    if dest != SAME_STATE:
        dest = _known(doc, dest, f"{path}.dest", "state", names)
    effects = _list(doc, item.get("effects", []), f"{path}.effects")
    requires = _parse_names(doc, item, "requires", path, "requirement", list(REQUIREMENTS))
    return TransitionDef(
        trigger=trigger,
        sources=sources,
        dest=dest,
        roles=_parse_roles(doc, item["roles"], f"{path}.roles"),
        guards=_parse_names(doc, item, "guards", path, "guard", list(GUARDS)),
        requires=requires,
        label=_text(doc, item["label"], f"{path}.label") if "label" in item else "",
        effects=tuple(_parse_effect(doc, e, f"{path}.effects[{j}]") for j, e in enumerate(effects)),
        accepts=_parse_accepts(doc, item, path, requires),
    )


def _parse_accepts(
    doc: Doc, item: dict[Any, Any], path: str, requires: Sequence[str]
) -> tuple[str, ...]:
    """The optional data keys a transition takes beyond its requirements' (each shape declared
    in data_keys.OPTIONAL_DATA); a key a requirement already takes is not listed again."""
    keys = _parse_names(doc, item, "accepts", path, "data key", list(OPTIONAL_DATA))
    seen: dict[str, int] = {}
    for j, key in enumerate(keys):
        where = f"{path}.accepts[{j}]"
        if key in seen:
            raise doc.fail(where, f"data key {key!r} is listed twice")
        seen[key] = j
        owner = next((r for r in requires if key in REQUIREMENT_DATA[r].keys), None)
        if owner is not None:
            raise doc.fail(where, f"data key {key!r} is already taken by requirement {owner!r}")
    return keys


def _parse_transitions(
    doc: Doc, value: Any, names: Sequence[str], terminal: frozenset[str]
) -> tuple[TransitionDef, ...]:
    items = _list(doc, value, "transitions", non_empty=True)
    return tuple(
        _parse_transition(doc, item, f"transitions[{i}]", names, terminal)
        for i, item in enumerate(items)
    )


# --- whole-graph checks -----------------------------------------------------------------------


def _check_roles_agree(doc: Doc, transitions: Sequence[TransitionDef]) -> None:
    """Roles are checked before the machine picks an alternative, so a trigger has one set."""
    first: dict[str, int] = {}
    for i, t in enumerate(transitions):
        k = first.setdefault(t.trigger, i)
        if transitions[k].roles != t.roles:
            raise doc.fail(
                f"transitions[{i}].roles",
                f"trigger {t.trigger!r} allows roles {', '.join(sorted(t.roles))} here but "
                f"{', '.join(sorted(transitions[k].roles))} in transitions[{k}]; "
                "every transition of a trigger must allow the same roles",
            )


def _check_alternatives(doc: Doc, transitions: Sequence[TransitionDef]) -> None:
    """Alternatives are tried in order: a later one whose guards include all of an earlier
    one's can never fire (equal guard sets are the plain duplicate)."""
    earlier: dict[tuple[str, str], list[int]] = {}
    for i, t in enumerate(transitions):
        for source in t.sources:
            for k in earlier.get((t.trigger, source), []):
                if set(transitions[k].guards) == set(t.guards):
                    raise doc.fail(
                        f"transitions[{i}].trigger",
                        f"duplicate trigger {t.trigger!r} from state {source!r}: "
                        f"transitions[{k}] has the same guards "
                        f"[{', '.join(t.guards)}]; give each alternative its own guard",
                    )
                if set(transitions[k].guards) < set(t.guards):
                    raise doc.fail(
                        f"transitions[{i}].guards",
                        f"trigger {t.trigger!r} from state {source!r} can never take this "
                        f"transition: transitions[{k}] is tried first and needs only "
                        f"[{', '.join(transitions[k].guards)}]",
                    )
            earlier.setdefault((t.trigger, source), []).append(i)


def _successors(transitions: Sequence[TransitionDef]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for t in transitions:
        for source in t.sources:
            graph.setdefault(source, set()).add(t.dest_from(source))
    return graph


def _closure(start: Iterable[str], graph: Mapping[str, set[str]]) -> set[str]:
    seen = set(start)
    todo = list(seen)
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _check_graph(
    doc: Doc,
    states: Sequence[StateDef],
    initial: str,
    terminal: frozenset[str],
    transitions: Sequence[TransitionDef],
) -> None:
    graph = _successors(transitions)
    reachable = _closure([initial], graph)
    for i, s in enumerate(states):
        if s.name not in reachable:
            raise doc.fail(
                f"states[{i}].name",
                f"state {s.name!r} is unreachable: no transitions lead to it from the initial "
                f"state {initial!r}",
            )
    reverse: dict[str, set[str]] = {}
    for source, dests in graph.items():
        for dest in dests:
            reverse.setdefault(dest, set()).add(source)
    can_finish = _closure(terminal, reverse)
    for i, s in enumerate(states):
        if s.name in can_finish:
            continue
        if not graph.get(s.name, set()) - {s.name}:
            problem = "no transition leaves it"
        else:
            problem = f"no path leads from it to a terminal state ({', '.join(sorted(terminal))})"
        raise doc.fail(
            f"states[{i}].name", f"state {s.name!r} is a dead end: it is not terminal and {problem}"
        )


def _check_planning(
    doc: Doc,
    states: Sequence[StateDef],
    terminal: frozenset[str],
    transitions: Sequence[TransitionDef],
) -> None:
    """The planner records every visit it places or moves with `reschedule`, so each state it
    may move a visit in must allow that trigger; a terminal state is never planned."""
    rescheduled = {s for t in transitions if t.trigger == RESCHEDULE_TRIGGER for s in t.sources}
    for i, s in enumerate(states):
        if s.planning is None:
            continue
        if s.name in terminal:
            raise doc.fail(f"states[{i}].planning", f"terminal state {s.name!r} cannot be planned")
        if s.planning != "fixed" and s.name not in rescheduled:
            raise doc.fail(
                f"states[{i}].planning",
                f"the planner moves {s.planning} visits of state {s.name!r} with the "
                f"{RESCHEDULE_TRIGGER!r} trigger, which this state does not allow: add it to "
                f"that transition's sources or make the state `planning: fixed`",
            )


# --- public API -------------------------------------------------------------------------------


def parse_definition(text: str, source: str) -> WorkflowDefinition:
    """Parse and check a definition; `source` names it in error messages."""
    doc = read_yaml(text, source)
    top = _mapping(doc, doc.data, "", _TOP_KEYS)
    name, version, title = _parse_header(doc, top)
    states = _parse_states(doc, top["states"])
    names = [s.name for s in states]
    initial = _known(doc, top["initial"], "initial", "state", names)
    terminal = _parse_terminal(doc, top["terminal"], names)
    if initial in terminal:
        raise doc.fail("initial", f"the initial state {initial!r} cannot be terminal")
    transitions = _parse_transitions(doc, top["transitions"], names, terminal)
    _check_roles_agree(doc, transitions)
    _check_alternatives(doc, transitions)
    _check_graph(doc, states, initial, terminal, transitions)
    _check_planning(doc, states, terminal, transitions)
    deadlines: tuple[DeadlineDef, ...] = ()
    if "deadlines" in top:
        deadlines = parse_deadlines(
            doc, top["deadlines"], _started(states, transitions), transitions
        )
    return WorkflowDefinition(
        name, version, title, initial, terminal, states, transitions, deadlines=deadlines
    )


def _started(states: Sequence[StateDef], transitions: Sequence[TransitionDef]) -> list[str]:
    """The deadlines the definition starts, in the order it first does."""
    calls = [c for s in states for c in s.on_enter] + [c for t in transitions for c in t.effects]
    names = [c.args["deadline"] for c in calls if c.effect == "start_deadline"]
    return list(dict.fromkeys(names))
