"""What a busy leader reads first: the status grid, what the board must know, what needs attention this month,
the quarters the direction of travel compares, and the measures that matter with their SPC icons.

Every choice of what to show first is made here, from the findings and the register, so the Home, Overview and
Board report pages and the PDF only draw it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd

from . import measures
from .findings import Evidence, Finding
from .insights import Insights
from .key_questions import KEY_QUESTIONS
from .register import STATUS_RANK
from .scope import Scope
from .signals import chart_of, chart_start, metric, metric_series
from .spc_icons import assurance_icon, variation_icon

# The attention order: concerns, then what is fragile; within each, high confidence before qualified.
_ATTENTION = {"concern": 0, "fragile": 1}
_CONFIDENCE = {"high": 0, "qualified": 1, "limited": 2}
GRID_SYMBOLS = {"strong": "✓ Strong", "improving": "↗ Improving", "fragile": "◐ Fragile", "concern": "⚠ Concern",
                "not_enough_evidence": "○ Too little evidence"}
BOARD_MEASURES = ("audit_compliance", "rota_fill_rate", "agency_share", "complaints_per_1000_hours", "feedback_score")


@dataclass(frozen=True)
class Point:
    """One thing to read: a sentence, where it applies, how serious, and the evidence it rests on."""

    status: str
    confidence: str
    service: str
    team: str | None
    shift: str | None
    key_question: str | None
    kind: str
    subject: str
    sentence: str
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    change: str = ""          # since last month, in words (start_here only)


def _point(finding: Finding, change: str = "") -> Point:
    return Point(finding.status, finding.confidence, finding.service, finding.team, finding.shift,
                 finding.key_question, finding.kind, finding.subject, finding.summary, finding.evidence, change)


def _mine(findings: list[Finding], service: str | None) -> list[Finding]:
    return [f for f in findings if service is None or f.service == service]


def _attention_order(finding: Finding) -> tuple:
    return (_ATTENTION[finding.status], _CONFIDENCE.get(finding.confidence, 3), finding.team is not None,
            finding.shift is not None, -finding.period_end.toordinal())


def _needing_attention(findings: list[Finding]) -> list[Finding]:
    """Concerns and fragile findings, worst first, one per sentence (a pattern told twice is told once)."""
    chosen, said = [], set()
    for finding in sorted((f for f in findings if f.status in _ATTENTION), key=_attention_order):
        if finding.summary not in said:
            chosen.append(finding)
            said.add(finding.summary)
    return chosen


# What the board must know ---------------------------------------------------------------------------------------

def must_know(insights: Insights, service: str | None = None, most: int = 5) -> list[Point]:
    """At most `most` sentences for the board, each with its evidence: concerns first (one per service and key
    question, so one weak place does not fill the list), then what is fragile, and the best-evidenced strength
    last where there is room, so the board hears what holds up too."""
    findings = _mine(insights.findings, service)
    points, topics = [], set()
    for finding in _needing_attention(findings):
        topic = (finding.service, finding.key_question, finding.status)
        if topic not in topics:
            points.append(_point(finding))
            topics.add(topic)
    strengths = sorted((f for f in findings if f.status in ("strong", "improving")),
                       key=lambda f: (STATUS_RANK[f.status] * -1, _CONFIDENCE.get(f.confidence, 3)))
    if strengths:
        return points[:most - 1] + [_point(strengths[0])]
    return points[:most]


# Start here: this month against last month ---------------------------------------------------------------------

def _identity(finding: Finding) -> tuple:
    return finding.kind, finding.service, finding.team, finding.shift, finding.subject


def change_words(now: str, before: str | None, where: str | None = None) -> str:
    """What changed since last month for one finding, e.g. 'New since last month', 'Was fragile, now a concern';
    `where` names the place the pattern was last month when it has moved (a team's shift to the team, say)."""
    if before is None:
        return "New since last month"
    at = f" at {where}" if where else ""
    if before == now:
        return f"Still {_word(now)}, as last month{at}"
    return f"Was {_word(before)}{at}, now {_word(now)}"


def _word(status: str) -> str:
    return {"concern": "a concern", "fragile": "fragile", "improving": "improving", "strong": "strong",
            "not_enough_evidence": "too little evidence"}[status]


def last_month(finding: Finding, before: list[Finding]) -> tuple[str | None, str | None]:
    """Last month's status of the finding's pattern and, where it has moved, the place it was: the same pattern at
    the same place; else the same kind and subject at an overlapping place in the service (a team's evening shift
    then, every team's evening shift now), which is the pattern spreading or narrowing, not a new one."""
    moved = None
    for then in before:
        if _identity(then) == _identity(finding):
            return then.status, None
        if moved is None and (then.kind, then.service, then.subject) == (finding.kind, finding.service,
                                                                         finding.subject) \
                and all(a is None or b is None or a == b for a, b in ((then.team, finding.team),
                                                                      (then.shift, finding.shift))):
            moved = then
    if moved is None:
        return None, None
    return moved.status, ", ".join(p for p in (moved.team, moved.shift) if p) or "the whole service"


def start_here(now: Insights, before: Insights, services: tuple[str, ...] | None = None,
               most: int = 5) -> tuple[list[Point], list[Point]]:
    """The things needing attention this month in the services (concerns first, what is new before what is not),
    each with what changed since last month; and last month's concerns no longer found (anywhere they overlap)."""
    def mine(findings: list[Finding]) -> list[Finding]:
        return [f for f in findings if services is None or f.service in services]

    earlier, found_now = mine(before.findings), mine(now.findings)
    current = _needing_attention(found_now)
    then = {id(f): last_month(f, earlier) for f in current}
    current.sort(key=lambda f: (_ATTENTION[f.status], then[id(f)][0] is not None, _CONFIDENCE.get(f.confidence, 3)))
    points = [_point(f, change_words(f.status, *then[id(f)])) for f in current[:most]]
    gone = [_point(f, "A concern last month, no longer found") for f in _needing_attention(earlier)
            if f.status == "concern" and last_month(f, found_now)[0] is None]
    return points, gone


def month_end_before(day: date) -> date:
    """The last day of the month before the one `day` falls in."""
    return day.replace(day=1) - timedelta(days=1)


# The status grid --------------------------------------------------------------------------------------------------

def status_grid(insights: Insights, service: str | None = None, teams: bool = True) -> pd.DataFrame:
    """Key question by service (and team): one row per place with its service and team, a column per key question
    holding the status, worst places first within each service."""
    register = insights.register
    if register.empty:
        return pd.DataFrame(columns=["service", "team", *KEY_QUESTIONS])
    register = register.astype({"team": object}).where(register.notna(), None)
    if service is not None:
        register = register[register["service"] == service]
    if not teams:
        register = register[register["team"].isna()]
    wide = register.assign(team=register["team"].fillna("")).pivot_table(
        index=["service", "team"], columns="key_question", values="status", aggfunc="first")
    questions = [q for q in KEY_QUESTIONS if q in wide.columns] + [q for q in wide.columns if q not in KEY_QUESTIONS]
    wide = wide.reindex(columns=questions).reset_index()
    wide["team"] = wide["team"].astype(object).where(wide["team"] != "", None)
    worst = wide[questions].apply(lambda row: min(STATUS_RANK.get(s, 4) for s in row), axis=1)
    wide = wide.assign(_service_row=wide["team"].notna(), _worst=worst).sort_values(
        ["service", "_service_row", "_worst", "team"], kind="stable")
    wide = wide.drop(columns=["_service_row", "_worst"]).reset_index(drop=True)
    wide.columns.name = None
    return wide.astype(object).where(wide.notna(), None)


def cell_evidence(insights: Insights, service: str, team: str | None, key_question: str) -> tuple[str, list[Evidence]]:
    """One grid cell's sentence and the evidence behind it (the register row's figures and its findings')."""
    register = insights.register.astype({"team": object}).where(insights.register.notna(), None)
    rows = register[(register["service"] == service) & (register["key_question"] == key_question)
                    & (register["team"].isna() if team is None else register["team"] == team)]
    if rows.empty:
        return "No evidence for this key question here.", []
    row = rows.iloc[0]
    behind = [e for f in insights.findings if f.summary == row["summary"] for e in f.evidence]
    return row["summary"], list(row["evidence"]) + behind


# The quarters the direction of travel compares ----------------------------------------------------------------

def last_complete_quarter(as_of: date) -> tuple[date, date]:
    """The latest calendar quarter that has ended by `as_of` (the quarter itself when `as_of` is its last day)."""
    next_day = as_of + timedelta(days=1)
    start = date(next_day.year, 3 * ((next_day.month - 1) // 3) + 1, 1)
    end = start - timedelta(days=1)
    return date(end.year, end.month - 2, 1), end


def quarter_before(quarter: tuple[date, date]) -> tuple[date, date]:
    """The quarter before one."""
    end = quarter[0] - timedelta(days=1)
    return date(end.year, end.month - 2, 1), end


def quarter_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings judging one quarter alone: the recent window three months, so two quarters never overlap."""
    return {**settings, "thresholds": {**settings["thresholds"], "recent_cycles": 3}}


def opened_runs(as_of: date, settings: dict[str, Any]) -> list[tuple[date, dict[str, Any]]]:
    """The results the pages open on, for data to `as_of`: that month and the month before it (Home's "since last
    month"), and the board's last complete quarter and the quarter before, each judged on its own three months."""
    quarter, judged = last_complete_quarter(as_of), quarter_settings(settings)
    runs = [(as_of, settings), (month_end_before(as_of), settings), (quarter[1], judged),
            (quarter_before(quarter)[1], judged)]
    return [run for number, run in enumerate(runs) if run not in runs[:number]]


def quarter_name(quarter: tuple[date, date]) -> str:
    """'July to September 2026'."""
    return f"{quarter[0]:%B} to {quarter[1]:%B %Y}"


# The measures that matter, with their SPC icons ------------------------------------------------------------------

POINT_COLUMNS = ["date", "value", "mean", "lower_limit", "upper_limit", "point_type"]


def measure_summary(con: duckdb.DuckDBPyConnection, services: list[str], as_of: date,
                    settings: dict[str, Any]) -> pd.DataFrame:
    """Per service and measure that matters: the last complete quarter's figure against the quarter before, and the
    Making Data Count icons of its monthly SPC chart to the end of that quarter (with the chart's points, a frame).

    Read from the run stored with the findings (`measure_points`, kept by analytics.stored_insights)."""
    from .stored_insights import stored_table  # stores this module's tables

    flat = stored_table(con, "board_measures", Scope(tuple(services), as_of), settings)
    if flat.empty:
        return pd.DataFrame()
    firsts = flat.drop_duplicates(["service", "metric"]).drop(columns=POINT_COLUMNS)
    rows = firsts.astype(object).where(firsts.notna(), None).to_dict("records")  # missing as None, as computed
    points = flat.dropna(subset=["date"]).astype({"date": "datetime64[ns]"})
    charts = {key: part[POINT_COLUMNS].reset_index(drop=True)
              for key, part in points.groupby(["service", "metric"], sort=False)}
    for row in rows:
        row["points"] = charts.get((row["service"], row["metric"]))
    return pd.DataFrame(rows)


def measure_points(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """`measure_summary` as of the scope's date as one flat table to store: a row per point of each chart, the
    measure's figures repeated on each (one row with no point where there is no chart)."""
    from .stored_insights import services_in

    as_of = scope.end(con)
    services = services_in(con, scope)  # every service for a scope of all, none for an empty one
    if as_of is None or not services:
        return pd.DataFrame(columns=["service", "metric", *POINT_COLUMNS])
    rows = []
    for row in _measure_rows(con, services, as_of, settings):
        points = row.pop("points")
        if points is None:
            rows.append({**row, **{column: None for column in POINT_COLUMNS}})
        else:
            rows += [{**row, **point} for point in points.to_dict("records")]
    return pd.DataFrame(rows)


def _measure_rows(con: duckdb.DuckDBPyConnection, services: list[str], as_of: date,
                  settings: dict[str, Any]) -> list[dict[str, Any]]:
    quarter = last_complete_quarter(as_of)
    earlier = quarter_before(quarter)
    rows = []
    for service in services:
        scope = Scope((service,), quarter[1])
        for metric_id in BOARD_MEASURES:
            entry = measures.measure(_measure_id(metric_id))
            series = metric_series(con, scope, metric_id, service, settings=settings)
            # The chart's months hold both quarters' unless its window is set shorter than six months.
            frame = series if chart_start(quarter[1], settings) <= earlier[0] else measures.monthly(
                con, Scope((service,)), entry.id, ("service",), earlier[0], quarter[1], settings)
            figures = {}
            for name, (start, end) in (("now", quarter), ("before", earlier)):
                part = frame[(frame["month"] >= start) & (frame["month"] <= end)]
                window = measures.over_window(part, [], entry.id) if not part.empty else part
                figures[name] = (None if window.empty else float(window["value"].iloc[0]),
                                 0 if window.empty else float(window["n"].iloc[0]))
            chart = chart_of(metric_id, series) if not series.empty else None
            variation, assurance = variation_icon(chart), assurance_icon(chart)
            rows.append({"service": service, "metric": metric_id, "measure": entry.label,
                         "now": figures["now"][0], "now_n": figures["now"][1],
                         "before": figures["before"][0], "before_n": figures["before"][1],
                         "enough": measures.enough(entry.id, figures["now"][1], settings),
                         "variation": variation.label, "variation_symbol": variation.symbol,
                         "variation_code": variation.code, "assurance": assurance.label,
                         "assurance_symbol": assurance.symbol,
                         "points": None if chart is None else chart.points[POINT_COLUMNS]})
    return rows


def _measure_id(metric_id: str) -> str:
    return metric(metric_id).measure


def measure_words(row: dict[str, Any]) -> str:
    """A measure's line for the board, e.g. 'Audit compliance 91% in July to September 2026 (412 answers), 88% the
    quarter before; ● Common cause — no significant change'."""
    entry = measures.measure(_measure_id(row["metric"]))
    now = measures.show(entry.id, row["now"]) if row["now"] is not None else "no data"
    before = measures.show(entry.id, row["before"]) if row["before"] is not None else "no data"
    return (f"{row['measure']} {now} ({row['now_n']:,.0f} {entry.n_label}), {before} the quarter before; "
            f"{row['variation']}")
