"""Workflow definitions: a case's state machine as data, read from `workflows/<name>/v<N>.yaml`.

The loader checks everything a definition can get wrong before any case runs on it (names of
states, guards, effects, requirements and roles; reachability; dead ends; ambiguous triggers) and
stops at the first mistake with the file, line and field path. The format is documented in
workflows/README.md.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

from inspect_engine.domain.events import OPEN_TRIGGER, canonical
from inspect_engine.domain.source_lines import nearest_line
from inspect_engine.domain.workflow_rules import (
    EFFECTS,
    GUARDS,
    READ_ONLY_ROLES,
    REQUIREMENTS,
    ROLES,
)
from inspect_engine.errors import InputError, NotFound
from inspect_engine.settings import data_dir

ANY_SOURCE = "*"  # source: every non-terminal state
SAME_STATE = "="  # dest: stay in the source state (a reflexive transition)
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,79}$")  # a workflow name is also a folder name
IDENT_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")  # state and trigger names
# Triggers the engine writes itself (`open` starts a case, `migrate` moves it to another
# version); `state` is the model attribute the machine drives.
RESERVED_TRIGGERS = frozenset({OPEN_TRIGGER, "migrate", "state"})
_FILE_RE = re.compile(r"^v([1-9][0-9]*)\.yaml$")

_TOP_KEYS = (("name", "version", "initial", "terminal", "states", "transitions"), ("title",))
_STATE_KEYS = (("name",), ("on_enter", "label"))
_TRANSITION_KEYS = (
    ("trigger", "source", "dest", "roles"),
    ("guards", "requires", "label"),
)
_FIRING_ROLES = tuple(role for role in ROLES if role not in READ_ONLY_ROLES)


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

    def dest_from(self, source: str) -> str:
        """The state a case is in after this transition fires from `source`."""
        return source if self.dest == SAME_STATE else self.dest


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
                for t in self.transitions
            ],
        }

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


# --- reading YAML with line numbers -----------------------------------------------------------


class _Doc:
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


def _child(path: str, key: object) -> str:
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _index_lines(node: yaml.Node, path: str, lines: dict[str, int], source: str) -> None:
    """Record each path's line; refuse a key written twice (YAML would keep the last silently)."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = _child(path, key)
            if key in seen and key != "<<":
                line = key_node.start_mark.line + 1
                raise WorkflowDefinitionError(
                    f"key {key!r} is given twice", source=source, line=line, field=child
                )
            seen.add(key)
            lines.setdefault(child, key_node.start_mark.line + 1)
            _index_lines(value_node, child, lines, source)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = _child(path, i)
            lines.setdefault(child, item.start_mark.line + 1)
            _index_lines(item, child, lines, source)


class _Loader(_BaseLoader):
    """Safe loading (libyaml's when present: 10x faster); a bare `=` reads as the string "="
    (PyYAML resolves it to a `value` tag it has no constructor for)."""


def _plain_scalar(loader: _Loader, node: yaml.Node) -> str:
    assert isinstance(node, yaml.ScalarNode)
    return str(loader.construct_scalar(node))


_Loader.add_constructor("tag:yaml.org,2002:value", _plain_scalar)


def _read_yaml(text: str, source: str) -> _Doc:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: dict[str, int] = {}
        if node is not None:
            _index_lines(node, "", lines, source)
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
    finally:
        loader.dispose()
    return _Doc(data, lines, source)


# --- field checks -----------------------------------------------------------------------------


def _hint(value: object, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(value), list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _mapping(doc: _Doc, value: Any, path: str, keys: tuple[tuple[str, ...], ...]) -> dict[Any, Any]:
    """A mapping with exactly the allowed keys: a typo in a key must not pass silently."""
    required, optional = keys
    what = path or "the definition"
    if not isinstance(value, dict):
        raise doc.fail(path, f"{what} must be a mapping with keys {', '.join(required)}")
    allowed = (*required, *optional)
    for key in value:
        if key not in allowed:
            raise doc.fail(
                _child(path, key),
                f"unknown key {key!r} in {what}{_hint(key, allowed)}; "
                f"allowed: {', '.join(allowed)}",
            )
    for key in required:
        if key not in value:
            raise doc.fail(path, f"{what} is missing {key!r}")
    return value


def _list(doc: _Doc, value: Any, path: str, *, non_empty: bool = False) -> list[Any]:
    if not isinstance(value, list):
        raise doc.fail(path, f"{path} must be a list")
    if non_empty and not value:
        raise doc.fail(path, f"{path} must not be empty")
    return value


def _ident(doc: _Doc, value: Any, path: str, what: str) -> str:
    if not isinstance(value, str) or not IDENT_RE.match(value):
        raise doc.fail(
            path, f"{what} {value!r} must be lower-case letters, digits and '_' (a-z first)"
        )
    return value


def _text(doc: _Doc, value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise doc.fail(path, f"{path} must be a non-empty string")
    return value.strip()


def _known(doc: _Doc, value: Any, path: str, what: str, known: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in known:
        raise doc.fail(
            path, f"unknown {what} {value!r}{_hint(value, known)}; known: {', '.join(known)}"
        )
    return value


# --- the definition ---------------------------------------------------------------------------


def _parse_header(doc: _Doc, top: dict[Any, Any]) -> tuple[str, int, str]:
    name = top["name"]
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise doc.fail("name", f"name {name!r} must be lower-case letters, digits, '-' or '_'")
    version = top["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise doc.fail("version", f"version {version!r} must be a positive whole number")
    title = _text(doc, top["title"], "title") if "title" in top else ""
    return name, version, title


def _arg_value(doc: _Doc, value: Any, path: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise doc.fail(path, f"{path} must be a non-empty string or a whole number")


def _parse_effect(doc: _Doc, value: Any, path: str) -> EffectCall:
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
                _child(path, key),
                f"unknown argument {key!r} of effect {name!r}{_hint(key, allowed)}; {takes}",
            )
        args[key] = _arg_value(doc, arg, _child(path, key))
    missing = sorted(spec.required_args - set(args))
    if missing:
        raise doc.fail(path, f"effect {name!r} needs the argument {missing[0]!r}")
    return EffectCall(name, FrozenArgs(args))


def _parse_states(doc: _Doc, value: Any) -> tuple[StateDef, ...]:
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
        states.append(StateDef(name, on_enter, label))
    return tuple(states)


def _parse_terminal(doc: _Doc, value: Any, names: Sequence[str]) -> frozenset[str]:
    terminal: list[str] = []
    for j, item in enumerate(_list(doc, value, "terminal", non_empty=True)):
        state = _known(doc, item, f"terminal[{j}]", "state", names)
        if state in terminal:
            raise doc.fail(f"terminal[{j}]", f"state {state!r} is listed twice")
        terminal.append(state)
    return frozenset(terminal)


def _parse_sources(
    doc: _Doc, value: Any, path: str, names: Sequence[str], terminal: frozenset[str]
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


def _parse_roles(doc: _Doc, value: Any, path: str) -> frozenset[str]:
    roles = set()
    for j, role in enumerate(_list(doc, value, path, non_empty=True)):
        if role in READ_ONLY_ROLES:
            raise doc.fail(f"{path}[{j}]", f"role {role!r} may not fire triggers: it only reads")
        roles.add(_known(doc, role, f"{path}[{j}]", "role", _FIRING_ROLES))
    return frozenset(roles)


def _parse_names(
    doc: _Doc, item: dict[Any, Any], key: str, path: str, what: str, known: Sequence[str]
) -> tuple[str, ...]:
    values = _list(doc, item.get(key, []), f"{path}.{key}")
    return tuple(_known(doc, v, f"{path}.{key}[{j}]", what, known) for j, v in enumerate(values))


def _parse_transition(
    doc: _Doc, item: Any, path: str, names: Sequence[str], terminal: frozenset[str]
) -> TransitionDef:
    item = _mapping(doc, item, path, _TRANSITION_KEYS)
    trigger = _ident(doc, item["trigger"], f"{path}.trigger", "trigger")
    if trigger in RESERVED_TRIGGERS:
        raise doc.fail(f"{path}.trigger", f"trigger {trigger!r} is reserved for the engine")
    sources = _parse_sources(doc, item["source"], f"{path}.source", names, terminal)
    dest = item["dest"]
    if dest != SAME_STATE:
        dest = _known(doc, dest, f"{path}.dest", "state", names)
    return TransitionDef(
        trigger=trigger,
        sources=sources,
        dest=dest,
        roles=_parse_roles(doc, item["roles"], f"{path}.roles"),
        guards=_parse_names(doc, item, "guards", path, "guard", list(GUARDS)),
        requires=_parse_names(doc, item, "requires", path, "requirement", list(REQUIREMENTS)),
        label=_text(doc, item["label"], f"{path}.label") if "label" in item else "",
    )


def _parse_transitions(
    doc: _Doc, value: Any, names: Sequence[str], terminal: frozenset[str]
) -> tuple[TransitionDef, ...]:
    items = _list(doc, value, "transitions", non_empty=True)
    return tuple(
        _parse_transition(doc, item, f"transitions[{i}]", names, terminal)
        for i, item in enumerate(items)
    )


# --- whole-graph checks -----------------------------------------------------------------------


def _check_roles_agree(doc: _Doc, transitions: Sequence[TransitionDef]) -> None:
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


def _check_alternatives(doc: _Doc, transitions: Sequence[TransitionDef]) -> None:
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
    doc: _Doc,
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


# --- public API -------------------------------------------------------------------------------


def parse_definition(text: str, source: str) -> WorkflowDefinition:
    """Parse and check a definition; `source` names it in error messages."""
    doc = _read_yaml(text, source)
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
    return WorkflowDefinition(name, version, title, initial, terminal, states, transitions)


def load_definition(path: Path) -> WorkflowDefinition:
    """Read and check a definition file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise WorkflowDefinitionError("not UTF-8 text", source=str(path)) from None
    except OSError as exc:
        raise WorkflowDefinitionError(
            f"cannot read the file: {exc.strerror}", source=str(path)
        ) from None
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
