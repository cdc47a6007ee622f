"""The quarterly board pack: the balanced register by CQC key question, its direction of travel since the
previous quarter, what is strong, qualified and fragile, and what leaders said against what the evidence shows.

Plain Python: `build_board_pack` turns the insights now and at the end of the previous quarter into display-ready
tables; `board_pack_html` writes them as a print-ready A4 document (and analytics.board_workbook as a workbook).
The Overview and Board report pages show the same tables, so the page and the pack never disagree.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

import pandas as pd

from .board_summary import GRID_SYMBOLS, Point, must_know, quarter_name, status_grid
from .evidence_rows import evidence_words
from .findings import Evidence, Finding, figure_text
from .insights import Insights
from .key_questions import KEY_QUESTIONS
from .narrative import latest_views_against
from .privacy import mask_text
from .register import STATUS_RANK

STATUS_LABELS = {"strong": "✓ Strong", "improving": "↗ Improving, not yet embedded", "fragile": "◐ Fragile",
                 "concern": "⚠ Concern", "not_enough_evidence": "○ Not enough evidence"}
CONFIDENCE_LABELS = {"high": "High: sources agree", "qualified": "Qualified: sources disagree",
                     "limited": "Limited: one source"}
BETTER, WORSE, SAME, NOT_COMPARABLE = "▲ better", "▼ worse", "● same", "○ cannot compare"
GROUPS = ("strong", "improving", "fragile", "concern")
# Findings that are good news a worse register row would otherwise hide (an embedded improvement in a Safe
# row held at concern by a staffing weakness, say): the balanced picture lists them in their own right.
# A real change for the better (SPC) is left out where the embedding analysis has judged the same improvement.
_GOOD_NEWS_KINDS = {"embedded_improvement", "strength", "not_embedded", "special_cause"}
_EMBEDDING_KINDS = {"embedded_improvement", "not_embedded"}
_CONFIDENCE_ORDER = {"high": 0, "qualified": 1, "limited": 2}
_REGISTER_COLUMNS = ["service", "team", "key_question", "status", "confidence", "sources", "summary", "evidence",
                     "findings"]
PICTURE_COLUMNS = ["group", "service", "team", "shift", "where", "key_question", "about", "status", "confidence",
                   "summary", "evidence"]
LEGEND = ("Status: ✓ strong, ↗ improving but not yet embedded, ◐ fragile, ⚠ concern, ○ not enough evidence.",
          "Confidence: high where independent sources agree, qualified where they disagree, limited with one source.",
          "Direction: ▲ better, ▼ worse, ● the same as at the end of the previous quarter.")
EVIDENCE_COLUMNS = ["Source", "Measure", "Figure", "Compared with", "Period", "Rows", "Detail"]


def evidence_frame(evidence: Iterable[Evidence]) -> pd.DataFrame:
    """Evidence rows as a readable table: source, measure, figure, what it is compared with, period, rows."""
    return pd.DataFrame([[e.source.capitalize(), e.measure, figure_text(e.measure, e.value),
                          figure_text(e.measure, e.comparison), e.period, evidence_words(e), e.detail] for e in evidence],
                        columns=EVIDENCE_COLUMNS)


def place_name(service: str, team: str | None = None, shift: str | None = None) -> str:
    """Where a judgement applies, e.g. 'Oakwood House · Willow Unit · Night shift'."""
    return " · ".join([service] + [team] * bool(team) + [f"{shift} shift"] * bool(shift))


def register_of(insights: Insights, service: str | None = None) -> pd.DataFrame:
    """The register, limited to one service when given (always with the register's columns)."""
    register = insights.register if not insights.register.empty else pd.DataFrame(columns=_REGISTER_COLUMNS)
    register = register.astype({"team": object}).where(register.notna(), None)
    return register if service is None else register[register["service"] == service].reset_index(drop=True)


def findings_of(insights: Insights, service: str | None = None, kind: str | None = None) -> list[Finding]:
    """The findings, limited to one service and one kind when given."""
    return [f for f in insights.findings
            if (service is None or f.service == service) and (kind is None or f.kind == kind)]


def balanced_picture(insights: Insights, service: str | None = None) -> pd.DataFrame:
    """What is strong, improving but not yet embedded, fragile and a concern: one row per judgement, best first.

    Each register row (a place and key question) is one judgement, with its baseline figures and the evidence of
    the finding its sentence comes from. Good news a worse row hides (an embedded improvement, an improvement not
    yet embedded, a real change for the better) is added from the findings, so strengths are not lost under a
    concern elsewhere in the same key question. A team row saying what its service's row says is left out.
    """
    findings = findings_of(insights, service)
    rows = []
    register = register_of(insights, service)
    services_say = {(r["service"], r["key_question"], r["summary"]) for r in _service_rows(register).to_dict("records")}
    for row in register[register["status"].isin(GROUPS)].to_dict("records"):
        behind = [e for f in findings if f.summary == row["summary"] for e in f.evidence]
        if row["team"] is not None and behind and (row["service"], row["key_question"], row["summary"]) in services_say:
            continue
        rows.append(_picture_row(row["status"], row["service"], row["team"], None, row["key_question"], None,
                                 row["confidence"], row["summary"], list(row["evidence"]) + behind))
    shown = set(register["summary"])
    judged = {_topic(f) for f in findings if f.kind in _EMBEDDING_KINDS}
    for finding in findings:
        hidden_good_news = finding.kind in _GOOD_NEWS_KINDS and finding.status in ("strong", "improving") \
            and finding.summary not in shown
        if hidden_good_news and (finding.kind in _EMBEDDING_KINDS or _topic(finding) not in judged):
            rows.append(_picture_row(finding.status, finding.service, finding.team, finding.shift,
                                     finding.key_question, finding.quality_statement, finding.confidence,
                                     finding.summary, list(finding.evidence)))
    picture = pd.DataFrame(rows, columns=PICTURE_COLUMNS)
    order = pd.DataFrame({
        "group": picture["group"].map(GROUPS.index), "team": picture["team"].notna(),
        "confidence": picture["confidence"].map(_CONFIDENCE_ORDER),
        "key_question": picture["key_question"].map(lambda k: KEY_QUESTIONS.index(k) if k in KEY_QUESTIONS else 9)})
    return picture.loc[order.sort_values(list(order.columns), kind="stable").index].reset_index(drop=True)


def _topic(finding: Finding) -> tuple[Any, ...]:
    return finding.service, finding.team, finding.shift, finding.key_question, finding.quality_statement


def _picture_row(status: str, service: str, team: str | None, shift: str | None, key_question: str | None,
                 statement: str | None, confidence: str, summary: str, evidence: list[Evidence]) -> dict[str, Any]:
    key_question = key_question or "Not mapped"
    return {"group": status, "service": service, "team": team, "shift": shift,
            "where": place_name(service, team, shift), "key_question": key_question,
            "about": f"{key_question}: {statement}" if statement else key_question,
            "status": status, "confidence": confidence, "summary": summary, "evidence": evidence}


def direction(before: str | None, now: str | None) -> str:
    """▲ better, ▼ worse or ● same between two statuses; ○ where either has no judgement."""
    if before == now:
        return SAME
    if before not in STATUS_RANK or now not in STATUS_RANK:
        return NOT_COMPARABLE
    return BETTER if STATUS_RANK[now] > STATUS_RANK[before] else WORSE


def direction_of_travel(now: Insights, before: Insights, service: str | None = None) -> pd.DataFrame:
    """Per service and key question, the status at the end of the previous quarter and now, and which way it moved."""
    current = _service_rows(register_of(now, service))
    earlier = _service_rows(register_of(before, service))[["service", "key_question", "status"]]
    table = current.merge(earlier, on=["service", "key_question"], how="left", suffixes=("", "_before"))
    table = table.astype({"status_before": object}).where(table.notna(), None)
    table["direction"] = [direction(b, n) for b, n in zip(table["status_before"], table["status"])]
    return table


def _service_rows(register: pd.DataFrame) -> pd.DataFrame:
    return register[register["team"].isna()].reset_index(drop=True)


def leaders_versus_evidence(views: pd.DataFrame, insights: Insights) -> pd.DataFrame:
    """Each leader's latest judgement per place and key question (personal data in it masked) beside the register's
    status for it."""
    columns = ["recorded", "recorded_by", "service", "team", "key_question", "stance", "statement", "evidence",
               "confidence", "reading", "why"]
    rows = []
    for view, team, match in latest_views_against(views, register_of(insights)):
        status = match["status"] if match is not None else None
        if status not in STATUS_RANK:
            reading = "No evidence to compare with"
        elif STATUS_RANK[view["stance"]] == STATUS_RANK[status]:
            reading = "● Agrees with the evidence"
        elif STATUS_RANK[view["stance"]] > STATUS_RANK[status]:
            reading = "▼ Leaders more optimistic than the evidence"
        else:
            reading = "▲ Leaders more pessimistic than the evidence"
        rows.append({"recorded": view["recorded_at"], "recorded_by": view["recorded_by"], "service": view["service"],
                     "team": team, "key_question": view["key_question"], "stance": view["stance"],
                     "statement": mask_text(view["statement"]), "evidence": status,
                     "confidence": match["confidence"] if match is not None else None, "reading": reading,
                     "why": match["summary"] if match is not None else ""})
    return pd.DataFrame(rows, columns=columns)


@dataclass
class BoardPack:
    """The board report's tables, display-ready, for one service or all."""

    scope: str
    as_of: date | None
    before_as_of: date | None
    register: pd.DataFrame
    direction: pd.DataFrame
    strong: pd.DataFrame
    qualified: pd.DataFrame
    fragile: pd.DataFrame
    leaders: pd.DataFrame
    limited: pd.DataFrame
    judged: pd.DataFrame   # the judgements of the sections above, with their evidence (for `evidence`)
    generated: datetime
    concerns: pd.DataFrame = field(default_factory=pd.DataFrame)
    must_know: list[Point] = field(default_factory=list)   # at most five sentences, concerns first
    grid: pd.DataFrame = field(default_factory=pd.DataFrame)  # key question by service and team
    measures: pd.DataFrame = field(default_factory=pd.DataFrame)  # board_summary.measure_summary
    travel: str = ""   # the two periods the direction of travel compares, in words
    response: pd.DataFrame = field(default_factory=pd.DataFrame)   # leadership response this quarter, in words
    overdue: pd.DataFrame = field(default_factory=pd.DataFrame)    # actions past their due date
    timelines: pd.DataFrame = field(default_factory=pd.DataFrame)  # each concern's response, dated

    @cached_property
    def evidence(self) -> pd.DataFrame:
        """Every judgement's evidence, one row each: for the downloads, so worked out only when one is made."""
        return _evidence_sheet(self.judged)

    @property
    def grid_table(self) -> pd.DataFrame:
        """The key question grid as a table: place, then each key question's status in words with its symbol."""
        if self.grid.empty:
            return pd.DataFrame(columns=["Service", "Team"])
        grid = self.grid.rename(columns={"service": "Service", "team": "Team"})
        questions = [c for c in grid.columns if c not in ("Service", "Team")]
        return grid.assign(**{q: grid[q].map(lambda s: GRID_SYMBOLS.get(s, "")) for q in questions})

    @property
    def title(self) -> str:
        return f"Board report: {self.scope}"

    def moves(self) -> str:
        """The direction of travel in one sentence."""
        if self.direction.empty:
            return "No key question has a judgement to compare."
        counts = self.direction["Since last quarter"].value_counts()
        parts = [f"{counts.get(BETTER, 0)} better", f"{counts.get(WORSE, 0)} worse", f"{counts.get(SAME, 0)} the same"]
        unknown = counts.get(NOT_COMPARABLE, 0)
        return (f"{self.travel or 'Since ' + uk_day(self.before_as_of)}: " + ", ".join(parts)
                + (f", {unknown} without evidence at one of the two dates" if unknown else "") + ".")


def build_board_pack(now: Insights, before: Insights, service: str | None = None,
                     views: pd.DataFrame | None = None, generated: datetime | None = None,
                     quarters: tuple[Insights, Insights] | None = None,
                     measures: pd.DataFrame | None = None,
                     response: dict[str, pd.DataFrame] | None = None) -> BoardPack:
    """The board report's tables from the insights now and at the end of the previous quarter.

    `quarters`, where given, are the last complete quarter and the quarter before, each judged on its own three
    months (board_summary.quarter_settings): the direction of travel compares those, windows that never overlap,
    and `before` is then only the date the front page names."""
    travel = direction_of_travel(*(quarters or (now, before)), service)
    if quarters is not None:
        before = quarters[1]
    picture = balanced_picture(now, service)
    leaders = leaders_versus_evidence(views if views is not None else pd.DataFrame(), now)
    if service is not None:
        leaders = leaders[leaders["service"] == service]
    strong = picture[picture["group"] == "strong"]
    qualified = picture[picture["confidence"] == "qualified"]
    concerns, fragile = picture[picture["group"] == "concern"], picture[picture["group"] == "fragile"]
    return BoardPack(
        scope=service or "All services", as_of=now.as_of, before_as_of=before.as_of,
        register=pd.DataFrame({
            "Service": travel["service"], "Key question": travel["key_question"],
            "Status": travel["status"].map(STATUS_LABELS), "Confidence": travel["confidence"].map(CONFIDENCE_LABELS),
            "Since last quarter": travel["direction"], "Why": travel["summary"]}),
        direction=pd.DataFrame({
            "Service": travel["service"], "Key question": travel["key_question"],
            "Then": travel["status_before"].map(lambda s: STATUS_LABELS.get(s, "○ No judgement")),
            "Now": travel["status"].map(STATUS_LABELS), "Since last quarter": travel["direction"]}),
        strong=_judgements(strong), qualified=_judgements(qualified), fragile=_judgements(fragile),
        concerns=_judgements(concerns),
        leaders=pd.DataFrame({
            "Recorded": [uk_day(r) for r in leaders["recorded"]], "By": leaders["recorded_by"],
            "Where": [place_name(s, t) for s, t in zip(leaders["service"], leaders["team"])],
            "Key question": leaders["key_question"],
            "Leaders said": [f"{STATUS_LABELS[s]}: {t}" for s, t in zip(leaders["stance"], leaders["statement"])],
            "Evidence shows": [STATUS_LABELS.get(s, "○ No judgement") for s in leaders["evidence"]],
            "Reading": leaders["reading"], "Why": leaders["why"]}),
        judged=pd.concat([concerns, fragile, strong, qualified]).drop_duplicates("summary"),
        limited=limited_evidence(now, service), generated=generated or datetime.now(),
        **response_sections(response or {}),
        must_know=must_know(now, service), grid=status_grid(now, service),
        measures=measures if measures is not None else pd.DataFrame(),
        travel=_travel_words(quarters))


def _travel_words(quarters: tuple[Insights, Insights] | None) -> str:
    if quarters is None or quarters[0].as_of is None or quarters[1].as_of is None:
        return ""
    name = [quarter_name((date(q.as_of.year, q.as_of.month - 2, 1), q.as_of)) for q in quarters]
    return f"{name[0]} against {name[1]}"


_RESPONSE_MEASURES = (
    ("concerns", "Concerns tracked", "{:.0f}"),
    ("median_days_to_recognise", "Median days from first signal to recognition", "{:.0f}"),
    ("median_days_to_first_action", "Median days from first signal to first action", "{:.0f}"),
    ("overdue_actions", "Actions overdue", "{:.0f}"),
    ("closed_verified_share", "Closed actions the data shows worked", "{:.0%}"),
    ("recurring", "Concerns that came back after closure", "{:.0f}"),
)


def response_sections(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """analytics.response.board_tables as the board reads them: this quarter's counts and the response measures in
    one table, the overdue actions, and the dated timeline of each concern."""
    if not tables:
        return {}
    counts = tables.get("counts", pd.DataFrame(columns=["what", "count"]))
    rows = [{"Leadership response": f"Concerns {what} this quarter", "Figure": f"{count:.0f}"}
            for what, count in zip(counts["what"], counts["count"])]
    measures = tables.get("measures", pd.DataFrame())
    figures = measures.iloc[0].to_dict() if not measures.empty else {}
    rows += [{"Leadership response": label, "Figure": "n/a" if figures.get(key) is None or pd.isna(figures.get(key))
              else shape.format(figures[key])} for key, label, shape in _RESPONSE_MEASURES]
    overdue = tables.get("overdue", pd.DataFrame())
    timelines = tables.get("timelines", pd.DataFrame())
    return {
        "response": pd.DataFrame(rows, columns=["Leadership response", "Figure"]),
        "overdue": pd.DataFrame({"Service": overdue.get("service", []), "Where": overdue.get("place", []),
                                 "Concern": overdue.get("concern", []), "Action": overdue.get("action", []),
                                 "Owner": overdue.get("owner", []),
                                 "Due": [uk_day(d) for d in overdue.get("due", [])]}),
        "timelines": pd.DataFrame({"Where": timelines.get("place", []), "Concern": timelines.get("concern", []),
                                   "Now": timelines.get("state", []),
                                   "On": [uk_day(d) for d in timelines.get("on", [])],
                                   "What happened": timelines.get("what", [])}),
    }


def limited_evidence(insights: Insights, service: str | None = None) -> pd.DataFrame:
    """Findings on too small a sample to judge: listed apart, as places to look, never counted as concerns."""
    rows = [{"Where": place_name(f.service, f.team, f.shift), "About": f.subject, "Why": f.summary,
             "Evidence": "; ".join(f"{e.measure}: {figure_text(e.measure, e.value)} ({e.period}; {e.detail})"
                                   for e in f.evidence)}
            for f in findings_of(insights, service) if f.status == "not_enough_evidence"]
    return pd.DataFrame(rows, columns=["Where", "About", "Why", "Evidence"])


def _judgements(picture: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"Level": picture["team"].notna().map({True: "Team", False: "Service"}),
                         "Where": picture["where"], "Key question": picture["about"],
                         "Status": picture["status"].map(STATUS_LABELS),
                         "Confidence": picture["confidence"].map(CONFIDENCE_LABELS), "Why": picture["summary"]})


def _evidence_sheet(picture: pd.DataFrame) -> pd.DataFrame:
    frames = [evidence_frame(row["evidence"]).assign(Where=row["where"], **{"Key question": row["about"]})
              for row in picture.to_dict("records")]
    frames = [f for f in frames if not f.empty]
    columns = ["Where", "Key question"] + EVIDENCE_COLUMNS
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def uk_day(day: date | datetime | None) -> str:
    return "" if day is None or pd.isna(day) else day.strftime("%d/%m/%Y")


# The print-ready document -------------------------------------------------------------------------------------

_CSS = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 10pt; color: #1b1b1b; line-height: 1.35; }
h1 { font-size: 18pt; margin: 0 0 4pt; color: #003d78; }
h2 { font-size: 13pt; margin: 0 0 6pt; color: #003d78; border-bottom: 2px solid #005EB8; padding-bottom: 2pt; }
p.lead { margin: 0 0 8pt; }
section { margin-bottom: 12pt; }
section + section { break-before: page; page-break-before: always; }
table { width: 100%; border-collapse: collapse; margin: 6pt 0 10pt; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 1px solid #b8c2cc; padding: 3pt 5pt; text-align: left; vertical-align: top; }
th { background: #dce6f2; }
td.symbol { white-space: nowrap; }
.strong { color: #005EB8; font-weight: bold; }
.concern { color: #B35900; font-weight: bold; }
.fragile { color: #8a5a00; }
.empty { font-style: italic; color: #555; }
.key { font-size: 9pt; color: #444; }
.hint { background: #eef4fb; border: 1px solid #b8cde6; padding: 6pt 8pt; margin-bottom: 10pt; }
@media screen { body { max-width: 200mm; margin: 10mm auto; } }
@media print { .hint { display: none; } }
"""
_SYMBOL_CLASSES = {"✓": "strong", "▲": "strong", "⚠": "concern", "▼": "concern", "◐": "fragile"}


def board_pack_html(pack: BoardPack) -> str:
    """The board pack as one self-contained HTML page laid out for A4, each section starting a new page."""
    sections = [
        ("What the evidence shows, by key question",
         f"Data as of {uk_day(pack.as_of)}. {pack.moves()}", pack.register),
        (f"Direction of travel since {uk_day(pack.before_as_of)}",
         "The status of each key question at the end of the previous quarter and now.", pack.direction),
        ("What is strong, and why", "Judged by the same figures and thresholds as the concerns.", pack.strong),
        ("What is qualified, and why", "Where independent sources disagree: the judgement holds with a caveat.",
         pack.qualified),
        ("What is a concern", "Persistent weaknesses, weaknesses a headline hides, and real changes for the worse.",
         pack.concerns),
        ("What is still fragile", "Weak in places or recurring now and then, and not yet put right.", pack.fragile),
        ("What leaders said versus what the evidence shows",
         "Each leader's latest recorded judgement beside the register's status for the same key question.",
         pack.leaders),
        ("How leaders responded", "Concerns opened, recognised, acted on, verified by the data and recurring this "
         "quarter, with how long recognition and action took.", pack.response),
        ("Actions overdue", "Actions past their due date and not done.", pack.overdue),
        ("Each concern's response, dated", "First signal, recognition, each action, verification, recurrence.",
         pack.timelines),
        ("Limited evidence: places to look, not judgements",
         "Patterns seen on too few responses, shifts, answers or complaints to judge; none counts as a concern.",
         pack.limited),
    ]
    body = "".join(_html_section(title, lead, frame, pack if index == 0 else None)
                   for index, (title, lead, frame) in enumerate(sections))
    hint = ('<div class="hint">To save this report as a PDF, print it (Ctrl+P or ⌘P) and choose '
            '<b>Save as PDF</b>. Each section starts on a new A4 page.</div>')
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(pack.title)}</title>'
            f"<style>{_CSS}</style></head><body>{hint}{body}</body></html>")


def _html_section(title: str, lead: str, frame: pd.DataFrame, front: BoardPack | None) -> str:
    heading = ""
    if front is not None:
        heading = (f"<h1>{html.escape(front.title)}</h1><p>Generated {front.generated:%d/%m/%Y %H:%M} by Leadership "
                   f'Insight.</p><p class="key">{html.escape(" ".join(LEGEND))}</p>')
    return (f"<section>{heading}<h2>{html.escape(title)}</h2><p class=\"lead\">{html.escape(lead)}</p>"
            f"{_html_table(frame)}</section>")


def _html_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return '<p class="empty">Nothing to report in this section.</p>'
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(_html_cell(v) for v in values) + "</tr>"
                   for values in frame.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _html_cell(value: object) -> str:
    text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
    css = _SYMBOL_CLASSES.get(text[:1])
    if css is None:
        return f"<td>{html.escape(text)}</td>"
    return f'<td class="{"symbol " * (len(text) < 40)}{css}">{html.escape(text)}</td>'
