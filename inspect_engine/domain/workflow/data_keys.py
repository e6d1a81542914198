"""What data each trigger may carry: the declared schema of every requirement's keys, of the
optional keys a definition may accept, and of the keys the engine adds itself.

A transition takes exactly the keys its `requires:` declare here, the keys its `accepts:` name
(`OPTIONAL_DATA`), `note` (a remark any step may carry) and, on a trigger a `deadlines:` action
fires, the `deadline` the worker records. Any other key is refused, and each value is checked
against its shape (`data_schema.py`) before the requirements look at what it means. The schemas
live in code, not in the definition files, so the stored definitions keep their text and
fingerprints; a new version that needs another key adds its shape to `OPTIONAL_DATA` and lists
it in `accepts:` (workflows/README.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from inspect_engine.domain.workflow.data_schema import (
    Cell,
    Choice,
    DataSchema,
    Flag,
    IsoDate,
    ListOf,
    MapOf,
    Nullable,
    Record,
    Shape,
    Text,
    Whole,
)
from inspect_engine.domain.workflow.inspection_rules import SEVERITIES
from inspect_engine.domain.workflow.model import TransitionDef, WorkflowDefinition

# Bounds far past a real inspection (a unit's minutes name a dozen people; a round has six
# content areas with a few findings each; a form has a few hundred rows), so only a mistake
# or an attack reaches them. The whole data is also at most 256 KiB (domain/input_limits.py).
LINE_CHARS = 500  # a name, a position, a number, a title: one line
PARAGRAPH_CHARS = 16_000  # a finding, a reason, a summary: about four pages
MAX_FINDINGS = 100
MAX_PARTICIPANTS = 50  # on each side of the minutes
MAX_NOTED = 200  # paragraphs the minutes note
MAX_APPENDICES = 50
MAX_DOCUMENTS = 100
MAX_FORM_ROWS = 2_000  # rows of one appendix's figures
MAX_FORM_COLUMNS = 60
COLUMN_KEY_CHARS = 64
MAX_REMEDY_WORKING_DAYS = 250  # as the campaign's remediation_working_days
REFORM_AREA_COUNT = 6

_LINE = Text(LINE_CHARS)
_PARAGRAPH = Text(PARAGRAPH_CHARS, one_line=False)
_NAMES = ListOf(_LINE, MAX_DOCUMENTS, says="must be a list of strings")
_PARTICIPANT = Record(
    "participant",
    {"name": _LINE, "position": _LINE},
    frozenset({"name", "position"}),
    says="must be an object with name and position",
)


def _participants() -> ListOf:
    return ListOf(
        _PARTICIPANT,
        MAX_PARTICIPANTS,
        non_empty=True,
        says="must be a non-empty list of {name, position}",
    )


def _findings(finding: Record) -> DataSchema:
    items = ListOf(finding, MAX_FINDINGS, non_empty=True, says="must be a non-empty list")
    return DataSchema.of({"findings": items}, ["findings"])


_FINDING_REQUIRED = frozenset({"area", "severity", "text"})
_FINDING_SAYS = "must be an object with area, severity and text"

# v1's findings: areas are the six reform areas by number.
_REFORM_FINDING = Record(
    "finding",
    {
        "area": Whole(
            1, REFORM_AREA_COUNT, says=f"must be a reform area number 1-{REFORM_AREA_COUNT}"
        ),
        "severity": Choice(SEVERITIES),
        "text": _PARAGRAPH,
        "reinspection": Flag(),
    },
    _FINDING_REQUIRED,
    says=_FINDING_SAYS,
)
# v2's draft findings: areas are the campaign's content areas by name (checked by the rule).
_DRAFT_FINDING = Record(
    "finding",
    {
        "area": _LINE,
        "severity": Choice(SEVERITIES),
        "text": _PARAGRAPH,
        "reinspection": Flag(),
        "remedy": _PARAGRAPH,
        "model": Flag(),
    },
    _FINDING_REQUIRED,
    says=_FINDING_SAYS,
)

_FIGURE_ROW = MapOf(
    Cell(PARAGRAPH_CHARS),
    MAX_FORM_COLUMNS,
    COLUMN_KEY_CHARS,
    says="must be an object of values by column key",
    dotted=True,
)
MAX_FILES = 100  # files of one delivery (the portal takes 10 an upload, a package a few)
_SHA256 = Text(64, says="must be 64 lowercase hex digits")
_FILE = Record(
    "file",
    {"name": _LINE, "sha256": _SHA256, "size": Whole(0, 2**53), "type": _LINE},
    frozenset({"name", "sha256", "size", "type"}),
    says="must be an object with name, sha256, size and type",
)
_SUBMISSION = Record(
    "submission",
    {
        "received_on": IsoDate(),
        "appendices": ListOf(_LINE, MAX_APPENDICES, says="must be a list of strings"),
        "documents": _NAMES,
        "note": _PARAGRAPH,
        "files": ListOf(_FILE, MAX_FILES, says="must be a list of {name, sha256, size, type}"),
        "figures_as_of": IsoDate(),
        "figures": MapOf(
            ListOf(_FIGURE_ROW, MAX_FORM_ROWS, says="must be a list of rows"),
            MAX_APPENDICES,
            LINE_CHARS,
            says="must be an object of rows by appendix code",
        ),
    },
    frozenset({"received_on"}),
    says="must be an object with received_on and appendices",
)
_MINUTES = Record(
    "minutes",
    {
        "number": Text(LINE_CHARS, says="(số biên bản) must be a non-empty string"),
        "visit_date": IsoDate(),
        "team_participants": _participants(),
        "unit_participants": _participants(),
        "noted": ListOf(_PARAGRAPH, MAX_NOTED, says="must be a list of strings"),
    },
    frozenset({"number", "visit_date", "team_participants", "unit_participants"}),
    says="must be an object with number, visit_date and the participants",
)
_REMEDY = Record(
    "remedy",
    {
        "finding": Whole(0, MAX_FINDINGS - 1, says="must be the index of a draft finding"),
        "remedy": _PARAGRAPH,
        "due_working_days": Whole(
            1,
            MAX_REMEDY_WORKING_DAYS,
            says=f"must be a whole number from 1 to {MAX_REMEDY_WORKING_DAYS}",
        ),
    },
    frozenset({"finding", "remedy"}),
    says="must be an object with finding and remedy",
)
_CONCLUSION = Record(
    "conclusion",
    {
        "date": IsoDate(),
        "remedies": ListOf(_REMEDY, MAX_FINDINGS, says="must be a list"),
        "summary": _PARAGRAPH,
    },
    frozenset({"date"}),
    says="must be an object with date and remedies",
)

# Where a delivery that came as an edXML reply package came from (evidence import-package).
_PACKAGE_FILE = Record(
    "attachment",
    {"name": _LINE, "content_type": _LINE, "size": Whole(0, 2**53), "sha256": _SHA256},
    frozenset({"name", "size", "sha256"}),
)
_PACKAGE = Record(
    "package",
    {
        "file": _LINE,
        "sha256": _SHA256,
        "from": _LINE,
        "document_id": _LINE,
        "number": Nullable(_LINE),
        "date": Nullable(IsoDate()),
        "subject": Nullable(_PARAGRAPH),
        "answers": Nullable(
            Record("answered document", {"id": Whole(1, 2**63 - 1), "number": Nullable(_LINE)})
        ),
        "attachments": ListOf(_PACKAGE_FILE, MAX_FILES),
    },
    frozenset({"file", "sha256"}),
)
# v4's review of a delivery: the team lead accepts it, or returns appendices with a reason.
_EVENT_NUMBER = Whole(1, 2**31 - 1, says="must be the event number of a delivery")
_ACCEPTED = Record(
    "accepted",
    {"submission": _EVENT_NUMBER, "note": _PARAGRAPH},
    frozenset({"submission"}),
    says="must be an object with submission (the delivery's event number)",
)
_RETURNED = Record(
    "returned",
    {
        "submission": _EVENT_NUMBER,
        "appendices": ListOf(_LINE, MAX_APPENDICES, says="must be a list of appendix codes"),
        "reason": Text(PARAGRAPH_CHARS, one_line=False, says="must say why (the unit reads it)"),
        "resubmit_by": IsoDate(),
    },
    frozenset({"submission"}),
    says="must be an object with submission, appendices and reason",
)

# The keys each requirement (rules.REQUIREMENTS) declares: required, and optional beside them.
REQUIREMENT_DATA: Mapping[str, DataSchema] = {
    "findings": _findings(_REFORM_FINDING),
    "reason": DataSchema.of({"reason": _PARAGRAPH}, ["reason"]),
    # A visit set or moved: the planner and the team lead record the team, why, and where it was.
    "visit_date": DataSchema.of(
        {
            "visit_date": IsoDate(),
            "team": _LINE,
            "reason": _PARAGRAPH,
            "previous_date": Nullable(IsoDate()),
            "previous_team": Nullable(_LINE),
        },
        ["visit_date"],
    ),
    "remediation_report": DataSchema.of({"summary": _PARAGRAPH, "documents": _NAMES}, ["summary"]),
    "submission": DataSchema.of({"submission": _SUBMISSION, "package": _PACKAGE}, ["submission"]),
    "minutes": DataSchema.of({"minutes": _MINUTES}, ["minutes"]),
    "draft_findings": _findings(_DRAFT_FINDING),
    "conclusion": DataSchema.of({"conclusion": _CONCLUSION}, ["conclusion"]),
    "accepted_submission": DataSchema.of({"accepted": _ACCEPTED}, ["accepted"]),
    "returned_submission": DataSchema.of({"returned": _RETURNED}, ["returned"]),
}

# Keys a definition may let a transition carry without requiring them (`accepts:`).
OPTIONAL_DATA: Mapping[str, Shape] = {
    "reason": _PARAGRAPH,
    "team": _LINE,
    "documents": _NAMES,
    "visit_date": IsoDate(),
}

# Every trigger may carry a remark of the person acting.
EVERY_TRIGGER = DataSchema.of({"note": _PARAGRAPH})

# What the worker passes to the trigger a passing deadline fires (firing.deadline_payload).
DEADLINE_DATA = DataSchema.of(
    {
        "deadline": Record(
            "deadline",
            {
                "id": Whole(1, 2**63 - 1),
                "kind": _LINE,
                "due": IsoDate(),
                "started_by": Whole(0, 2**63 - 1),
            },
            frozenset({"id", "kind", "due", "started_by"}),
        )
    },
    ["deadline"],
)


def deadline_triggers(defn: WorkflowDefinition) -> frozenset[str]:
    """The triggers a `deadlines:` action of `defn` fires."""
    return frozenset(
        c.args["trigger"] for d in defn.deadlines for c in d.on_due if c.effect == "trigger"
    )


def schema_for(defn: WorkflowDefinition, transition: TransitionDef) -> DataSchema:
    """Everything `transition` of `defn` may carry, each key with its shape."""
    return _schema(transition, transition.trigger in deadline_triggers(defn))


@lru_cache(maxsize=1024)
def _schema(transition: TransitionDef, fired_by_deadline: bool) -> DataSchema:
    schema = EVERY_TRIGGER
    for name in transition.requires:
        schema = schema.merged(REQUIREMENT_DATA[name])
    for key in transition.accepts:
        schema = schema.merged(DataSchema.of({key: OPTIONAL_DATA[key]}))
    if fired_by_deadline:
        # The worker's data only; a person firing the trigger by hand need not invent it.
        schema = schema.merged(DataSchema(DEADLINE_DATA.keys))
    return schema
