"""The evidence sources (and providers' action plans): their canonical fields and the header variants providers use."""

from __future__ import annotations

import re
from dataclasses import dataclass

SOURCE_NAMES = ("audits", "complaints", "rota", "feedback", "actions")


@dataclass(frozen=True)
class Field:
    """One canonical column: how to parse it and which headers mean it."""

    name: str
    kind: str  # date | text | prose | team | shift | answer | rating | number | flag | audit_kind
    synonyms: tuple[str, ...]
    required: bool = False
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Source:
    """One evidence source: its fields, the fields that identify a row, and its wide-layout value kind."""

    name: str
    fields: tuple[Field, ...]
    natural_key: tuple[str, ...]
    # Fields whose presence makes this source, rather than another, the likely one.
    distinctive: tuple[str, ...]
    # In a wide layout (one column per question) the question columns hold this kind of value.
    wide_kind: str | None = None
    wide_question_field: str | None = None
    wide_value_field: str | None = None

    def field(self, name: str) -> Field:
        """The field called `name`."""
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(f"{self.name} has no field {name!r}")

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


_DATE_AUDIT = ("date", "date of audit", "audit date", "completed on", "date completed", "completion date",
               "completion time", "date of visit", "visit date", "timestamp", "audit completed", "completed")
_SERVICE = ("service", "home", "branch", "location", "care home", "service name", "site", "scheme",
            "home name", "branch name", "location name", "service type 1")
_TEAM = ("team", "unit", "wing", "floor", "house", "ward", "area", "household", "suite", "department",
         "team name", "unit name", "service type 2", "community", "patch")
_SHIFT = ("shift", "shift type", "shift pattern", "time of day", "shift name", "which shift")

AUDITS = Source(
    name="audits",
    fields=(
        Field("audit_date", "date", _DATE_AUDIT, required=True, label="Date"),
        Field("service", "text", _SERVICE),
        Field("team", "team", _TEAM, required=True),
        Field("shift", "shift", _SHIFT),
        Field("audit_type", "text", ("audit type", "audit", "audit name", "audit tool", "tool", "type of audit",
                                     "audit title", "audit area", "checklist"), required=True),
        Field("section", "text", ("section", "theme", "domain", "standard", "area of practice", "audit section",
                                  "category", "topic")),
        Field("item", "text", ("item", "question", "audit question", "criteria", "criterion", "check",
                               "audit item", "standard question", "indicator"), required=True),
        Field("answer", "answer", ("answer", "response", "result", "outcome", "compliance", "compliant",
                                   "score", "met", "finding", "met not met", "rating")),
        Field("audit_ref", "text", ("audit ref", "audit reference", "audit id", "audit no", "audit number",
                                    "reference", "ref", "id", "response id")),
        Field("auditor", "text", ("auditor", "completed by", "audited by", "assessor", "name", "email",
                                  "auditor name", "reviewer")),
        Field("audit_kind", "audit_kind", ("scheduled or spot check", "audit kind", "visit type", "spot check",
                                           "unannounced", "type of visit", "scheduled", "planned or spot check",
                                           "audit basis")),
    ),
    natural_key=("service", "audit_ref", "item"),
    distinctive=("item", "answer", "audit_type", "audit_ref", "auditor", "audit_kind"),
    wide_kind="answer",
    wide_question_field="item",
    wide_value_field="answer",
)

COMPLAINTS = Source(
    name="complaints",
    fields=(
        Field("reference", "text", ("reference", "ref", "complaint ref", "complaint reference", "complaint id",
                                    "case number", "case ref", "log number", "complaint no", "complaint number",
                                    "id", "no", "number"), required=True),
        Field("received_date", "date", ("date received", "received", "received on", "date of complaint",
                                        "date logged", "date raised", "complaint date", "date"),
              required=True, label="Date received"),
        Field("service", "text", _SERVICE),
        Field("team", "team", _TEAM),
        Field("shift", "shift", _SHIFT),
        Field("category", "text", ("category", "complaint category", "type", "subject", "theme",
                                   "complaint type", "nature of complaint", "area of concern")),
        Field("summary", "prose", ("summary", "details", "description", "complaint summary", "complaint details",
                                  "issue", "complaint", "concern", "detail of complaint"), required=True),
        Field("severity", "text", ("severity", "risk", "risk rating", "grade", "priority", "level",
                                   "seriousness")),
        Field("complainant", "text", ("complainant", "who complained", "raised by", "complainant type",
                                      "relationship", "relationship to person", "made by", "from")),
        Field("acknowledged_date", "date", ("acknowledged", "date acknowledged", "acknowledgement date",
                                            "ack date", "acknowledged on"), label="Date acknowledged"),
        Field("responded_date", "date", ("responded", "date responded", "response date", "response sent",
                                         "final response", "date of response", "responded on"),
              label="Date responded"),
        Field("closed_date", "date", ("closed", "date closed", "closure date", "closed on", "date resolved"),
              label="Date closed"),
        Field("outcome", "text", ("outcome", "upheld", "finding", "result", "upheld not upheld", "decision")),
        Field("status", "text", ("status", "state", "open closed", "current status", "complaint status")),
    ),
    natural_key=("service", "reference"),
    distinctive=("reference", "summary", "complainant", "acknowledged_date", "responded_date", "closed_date",
                 "outcome", "severity"),
)

ROTA = Source(
    name="rota",
    fields=(
        Field("rota_date", "date", ("date", "shift date", "week", "week commencing", "w c", "wc",
                                    "week beginning", "week starting", "rota date", "period", "day"),
              required=True, label="Date"),
        Field("service", "text", _SERVICE),
        Field("team", "team", _TEAM, required=True),
        Field("shift", "shift", _SHIFT, required=True),
        Field("role", "text", ("role", "staff role", "job role", "grade", "position", "staff type",
                               "job title", "staff group")),
        Field("planned_hours", "number", ("planned hours", "rostered hours", "required hours", "hours planned",
                                          "budgeted hours", "establishment hours", "hours required",
                                          "planned hrs", "rota hours", "contracted hours")),
        Field("actual_hours", "number", ("actual hours", "worked hours", "hours worked", "filled hours",
                                         "hours filled", "actual hrs", "hours covered", "covered hours")),
        Field("planned_staff", "number", ("planned staff", "required staff", "staff required", "planned",
                                          "staffing required", "planned headcount", "staff planned",
                                          "establishment", "required")),
        Field("actual_staff", "number", ("actual staff", "staff on shift", "actual", "staff worked",
                                         "actual headcount", "staff actual", "on shift", "staff on duty")),
        Field("agency_hours", "number", ("agency hours", "agency", "agency hrs", "agency used")),
        Field("bank_hours", "number", ("bank hours", "bank", "bank hrs", "relief hours")),
        Field("sickness_hours", "number", ("sickness hours", "sickness", "sick hours", "absence hours",
                                           "sickness hrs", "absence")),
        Field("unfilled_shifts", "number", ("unfilled shifts", "unfilled", "vacant shifts", "uncovered shifts",
                                            "gaps", "shifts unfilled", "unfilled shift")),
        Field("handover_completed", "flag", ("handover completed", "handover", "handover done",
                                             "handover given", "handover complete", "handover completed?")),
    ),
    natural_key=("rota_date", "service", "team", "shift", "role"),
    distinctive=("planned_hours", "actual_hours", "planned_staff", "actual_staff", "agency_hours",
                 "bank_hours", "sickness_hours", "unfilled_shifts", "handover_completed", "role"),
)

FEEDBACK = Source(
    name="feedback",
    fields=(
        Field("feedback_date", "date", ("date", "response date", "completion time", "submitted", "timestamp",
                                        "date of response", "date received", "survey date", "date submitted"),
              required=True, label="Date"),
        Field("service", "text", _SERVICE),
        Field("team", "team", _TEAM),
        Field("shift", "shift", _SHIFT),
        Field("respondent_type", "text", ("respondent", "respondent type", "who are you", "you are",
                                          "relationship", "i am", "completed by", "are you", "respondent group",
                                          "relationship to service")),
        Field("question", "text", ("question", "fft question", "survey question")),
        Field("rating", "rating", ("rating", "score", "overall rating", "fft", "fft score", "fft rating",
                                   "fft categorical answer", "fft answer code", "satisfaction",
                                   "overall how was your experience of our service",
                                   "how was your experience", "overall experience",
                                   "how likely are you to recommend", "recommend", "likelihood to recommend")),
        Field("comment", "prose", ("comment", "comments", "feedback", "free text", "fft answer", "fft why",
                                  "what could we do better", "please tell us why", "why", "what was good",
                                  "tell us more", "any other comments", "your comments", "comment text")),
        Field("channel", "text", ("channel", "collected via", "feedback method", "how received",
                                  "method of feedback", "feedback channel", "survey method")),
        Field("response_id", "text", ("response id", "id", "respondent id", "comment id", "survey id",
                                      "reference")),
    ),
    natural_key=("service", "response_id", "question"),
    distinctive=("rating", "comment", "respondent_type", "channel", "question"),
    wide_kind="rating",
    wide_question_field="question",
    wide_value_field="rating",
)

# Providers' own action plans: what they found, what they will do, who, by when, and how it went.
ACTIONS = Source(
    name="actions",
    fields=(
        Field("reference", "text", ("action ref", "action reference", "action id", "action no", "action number",
                                    "ref", "reference", "id", "no")),
        Field("service", "text", _SERVICE),
        Field("team", "team", _TEAM),
        Field("issue", "text", ("issue", "issue or finding", "finding", "issue identified", "identified issue",
                                "area for improvement", "areas for improvement", "audit finding", "concern",
                                "what was found", "shortfall", "problem", "risk identified", "key issue")),
        Field("action", "text", ("action", "actions", "action required", "action to be taken",
                                 "actions to be taken", "actions required", "what will be done", "planned action",
                                 "improvement action", "agreed action", "action agreed", "what we will do",
                                 "action planned"), required=True),
        Field("owner", "text", ("owner", "action owner", "responsible", "responsible person", "lead", "by whom",
                                "assigned to", "person responsible", "who", "lead person")),
        Field("raised_date", "date", ("date raised", "date identified", "identified on", "date opened", "raised",
                                      "date added", "opened", "date logged"), label="Date raised"),
        Field("due_date", "date", ("due", "due date", "target date", "deadline", "by when", "date due",
                                   "target completion date", "completion target", "timescale"), label="Due date"),
        Field("review_date", "date", ("review date", "review", "date of review", "next review",
                                      "review on"), label="Review date"),
        Field("status", "text", ("status", "rag", "rag status", "progress", "action status", "current status")),
        Field("completed_date", "date", ("completed", "date completed", "completion date", "completed on",
                                         "date closed", "closed", "closed on", "actual completion date",
                                         "date achieved"), label="Date completed"),
        Field("evidence", "prose", ("evidence", "evidence of completion", "evidence of impact", "how we know",
                                    "impact", "update", "progress notes", "progress update", "comments",
                                    "notes")),
        Field("measure", "text", ("measure", "expected measure", "success measure", "measure of success",
                                  "how will we measure", "kpi", "expected outcome", "success criteria")),
    ),
    natural_key=("service", "team", "issue", "action"),
    distinctive=("action", "owner", "due_date", "review_date", "issue", "measure", "evidence"),
)

SOURCES: dict[str, Source] = {s.name: s for s in (AUDITS, COMPLAINTS, ROTA, FEEDBACK, ACTIONS)}

_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise_header(header: object) -> str:
    """Lower-case a header and reduce punctuation and spacing to single spaces."""
    text = "" if header is None else str(header)
    return _NON_WORD.sub(" ", text.replace("\u00a0", " ").lower()).strip()


def source_named(name: str) -> Source:
    """The source called `name`, with a message listing the valid names otherwise."""
    try:
        return SOURCES[name]
    except KeyError:
        raise ValueError(f"unknown source {name!r}: expected one of {', '.join(SOURCE_NAMES)}") from None
