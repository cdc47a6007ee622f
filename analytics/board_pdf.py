"""The board pack as a PDF made on the server (fpdf2): what the board must know, the key question grid with shapes
as well as colours, the direction of travel between two quarters, small SPC charts of the measures that matter with
their Making Data Count icons in words, then each section's judgements with the evidence said in words.

The core Helvetica font is always there, so the PDF needs no font file; it holds Latin-1 text, so the few other
characters the analytics write are spelled as Latin-1 (`pdf_text`), and each status is drawn as a shape.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace

from .board_pack import BoardPack, place_name
from .board_summary import GRID_SYMBOLS, Point, measure_words
from .evidence_rows import evidence_words
from .findings import Evidence, comparison_text, figure_text

# Okabe-Ito colours, each with its own shape, so no status rests on colour alone (concern and fragile differ in
# hue, lightness and shape).
STATUS_COLOURS = {"strong": (0, 114, 178), "improving": (204, 121, 167), "fragile": (230, 159, 0),
                  "concern": (178, 34, 34), "not_enough_evidence": (140, 140, 140)}
SHAPES = {"strong": "filled circle", "improving": "arrow up", "fragile": "half-filled circle",
          "concern": "triangle", "not_enough_evidence": "hollow circle"}
DIRECTION_WORDS = {"▲": "Better", "▼": "Worse", "●": "Same", "○": "Cannot compare"}
_SPELLED = {"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "•": "-", "→": "->",
            "✓": "", "↗": "", "◐": "", "⚠": "", "○": "", "▲": "", "▼": "", "●": "", "△": "", "▽": "", "✔": "",
            "✖": "", "≈": "~", "≥": ">=", "≤": "<=", "×": "x", "·": "-"}
_INK, _MUTED, _HEAD = (27, 27, 27), (85, 85, 85), (0, 61, 120)
_HEADINGS = FontFace(emphasis="BOLD", fill_color=(220, 230, 242))


def pdf_text(text: object) -> str:
    """Text as the core font can write it: known symbols spelled in Latin-1, anything else outside it as '?'."""
    value = "" if text is None or (not isinstance(text, str) and pd.isna(text)) else str(text)
    for symbol, spelled in _SPELLED.items():
        value = value.replace(symbol, spelled)
    return " ".join(value.encode("latin-1", "replace").decode("latin-1").split())


class _Pack(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report_title = pdf_text(title)
        self.set_margins(14, 14, 14)
        self.set_auto_page_break(True, margin=16)
        self.set_title(self.report_title)
        self.set_creator("Leadership Insight")

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("Helvetica", size=8)
        self.set_text_color(*_MUTED)
        self.cell(0, 5, f"{self.report_title} - page {self.page_no()}", align="C")


def board_pack_pdf(pack: BoardPack) -> bytes:
    """The board pack as a PDF, A4 portrait."""
    pdf = _Pack(pack.title)
    pdf.add_page()
    _heading(pdf, pack.title, 18)
    _para(pdf, f"Data to {_uk(pack.as_of)}. {pack.moves()} Generated {pack.generated:%d/%m/%Y %H:%M} by "
               "Leadership Insight.", size=9, colour=_MUTED)
    _section(pdf, "What the board must know")
    _must_know(pdf, pack.must_know)
    if pdf.get_y() > 200:
        pdf.add_page()
    _section(pdf, "Where each key question stands")
    _para(pdf, "Each service, then its teams. The shape says the status; the colour repeats it.", size=8,
          colour=_MUTED)
    _grid(pdf, pack.grid)
    _legend(pdf)
    if pdf.get_y() > 150:
        pdf.add_page()
    _section(pdf, f"Direction of travel: {pack.travel or 'since ' + _uk(pack.before_as_of)}")
    _para(pdf, "Each key question judged on the last complete quarter alone against the quarter before: two "
               "periods that do not overlap.", size=8, colour=_MUTED)
    _table(pdf, pack.direction.assign(**{"Since last quarter": pack.direction["Since last quarter"].map(
        lambda d: DIRECTION_WORDS.get(str(d)[:1], d))}), (30, 26, 44, 44, 30))
    _section(pdf, "The measures that matter")
    _measures(pdf, pack.measures)
    for title, frame, empty in (
            ("What is a concern", pack.concerns, "Nothing is a concern on the evidence for this period."),
            ("What is still fragile", pack.fragile, "Nothing is fragile on the evidence for this period."),
            ("What is strong, and why", pack.strong, "Nothing is yet strong on the evidence for this period."),
            ("What is qualified, and why", pack.qualified, "No judgement rests on sources that disagree."),
            ("How leaders responded", pack.response, "No concern has been tracked yet."),
            ("Actions overdue", pack.overdue, "No action is overdue."),
            ("Each concern's response, dated", pack.timelines, "No concern has a response recorded yet."),
            ("Limited evidence: places to look, not judgements", pack.limited,
             "Every pattern found rests on enough evidence to judge."),
            ("What leaders said versus what the evidence shows", pack.leaders.drop(columns="Why", errors="ignore"),
             "No leader's judgement recorded yet.")):
        pdf.add_page() if pdf.get_y() > 200 else pdf.ln(4)
        _section(pdf, title)
        if frame.empty:
            _para(pdf, empty, size=9, colour=_MUTED)
        else:
            _table(pdf, frame.drop(columns=["Level"], errors="ignore"), None)
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str, size: int) -> None:
    pdf.set_font("Helvetica", "B", size)
    pdf.set_text_color(*_HEAD)
    pdf.multi_cell(0, size * 0.45, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _section(pdf: FPDF, text: str) -> None:
    if pdf.get_y() > 250:
        pdf.add_page()
    pdf.ln(2)
    _heading(pdf, text, 13)
    pdf.set_draw_color(0, 94, 184)
    pdf.set_line_width(0.5)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(2)


def _para(pdf: FPDF, text: str, size: float = 10, colour: tuple[int, int, int] = _INK, style: str = "") -> None:
    pdf.set_font("Helvetica", style, size)
    pdf.set_text_color(*colour)
    pdf.multi_cell(0, size * 0.45, pdf_text(text), new_x="LMARGIN", new_y="NEXT")


def shape(pdf: FPDF, status: str, x: float, y: float, size: float = 3.2) -> None:
    """The status's shape centred on (x, y): filled circle, arrow, half-filled circle, triangle or hollow circle."""
    colour = STATUS_COLOURS.get(status, STATUS_COLOURS["not_enough_evidence"])
    pdf.set_draw_color(*colour)
    pdf.set_fill_color(*colour)
    pdf.set_line_width(0.35)
    r = size / 2
    if status == "strong":
        pdf.circle(x, y, r, style="DF")
    elif status == "concern":
        pdf.polygon([(x - r, y + r * 0.9), (x + r, y + r * 0.9), (x, y - r)], style="DF")
        pdf.set_draw_color(255, 255, 255)
        pdf.line(x, y - r * 0.25, x, y + r * 0.3)
    elif status == "fragile":
        pdf.circle(x, y, r, style="D")
        pdf.polygon([(x, y - r)] + [(x + r * math.sin(a / 10 * math.pi), y - r * math.cos(a / 10 * math.pi))
                                     for a in range(11)], style="DF")
    elif status == "improving":
        pdf.polygon([(x - r, y + r), (x + r * 0.4, y - r * 0.4), (x - r * 0.1, y - r * 0.6), (x + r, y - r),
                     (x + r * 0.6, y + r * 0.1), (x + r * 0.4, y - r * 0.4)], style="DF")
    else:
        pdf.circle(x, y, r, style="D")


def _must_know(pdf: FPDF, points: list[Point]) -> None:
    if not points:
        _para(pdf, "Nothing stands out: no concern, fragile area or strength on the evidence for this period.")
        return
    for number, point in enumerate(points, start=1):
        y = pdf.get_y()
        shape(pdf, point.status, pdf.l_margin + 2, y + 2.2)
        pdf.set_x(pdf.l_margin + 6)
        pdf.set_font("Helvetica", "B", 10)
        pdf.set_text_color(*_INK)
        where = place_name(point.service, point.team, point.shift)
        label = GRID_SYMBOLS.get(point.status, point.status).split(" ", 1)[1]
        pdf.multi_cell(0, 4.6, pdf_text(f"{number}. {label} - {where}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(pdf.l_margin + 6)
        pdf.set_font("Helvetica", "", 9.5)
        pdf.multi_cell(0, 4.4, pdf_text(point.sentence), new_x="LMARGIN", new_y="NEXT")
        for evidence in point.evidence[:1]:
            pdf.set_x(pdf.l_margin + 6)
            pdf.set_font("Helvetica", "", 8)
            pdf.set_text_color(*_MUTED)
            pdf.multi_cell(0, 3.8, pdf_text(f"Evidence: {evidence_line(evidence)}"), new_x="LMARGIN",
                           new_y="NEXT")
        pdf.ln(1.5)


def evidence_line(evidence: Evidence) -> str:
    """One evidence item in words: the figure, what it is set against, when, and which rows."""
    figure = figure_text(evidence.measure, evidence.value)
    against = comparison_text(evidence.measure, evidence.comparison)
    period = f", {evidence.period}" if evidence.period else ""
    rows = evidence_words(evidence)
    return f"{evidence.measure} {figure}{against}{period}" + (f"; rows: {rows}" if rows else "")


def _grid(pdf: FPDF, grid: pd.DataFrame) -> None:
    if grid.empty:
        _para(pdf, "No key question has evidence yet.", size=9, colour=_MUTED)
        return
    questions = [c for c in grid.columns if c not in ("service", "team")]
    first = 48
    width = (pdf.w - pdf.l_margin - pdf.r_margin - first) / max(len(questions), 1)
    pdf.set_font("Helvetica", "B", 8.5)
    pdf.set_text_color(*_INK)
    pdf.set_fill_color(220, 230, 242)
    pdf.cell(first, 6, "Place", border=1, fill=True)
    for question in questions:
        pdf.cell(width, 6, pdf_text(question), border=1, fill=True, align="C")
    pdf.ln()
    for row in grid.to_dict("records"):
        if pdf.get_y() > 270:
            pdf.add_page()
        team = row["team"] if isinstance(row["team"], str) else None
        pdf.set_draw_color(184, 194, 204)
        pdf.set_line_width(0.2)
        pdf.set_font("Helvetica", "" if team else "B", 8.5)
        pdf.set_text_color(*_INK)
        pdf.cell(first, 6, pdf_text(f"   {team}" if team else row["service"]), border=1)
        for question in questions:
            status = row[question] if isinstance(row[question], str) else "not_enough_evidence"
            x, y = pdf.get_x(), pdf.get_y()
            pdf.set_draw_color(184, 194, 204)
            pdf.set_line_width(0.2)
            pdf.cell(width, 6, "", border=1)
            shape(pdf, status, x + 3.5, y + 3)
            pdf.set_xy(x + 6.5, y)
            pdf.set_font("Helvetica", "", 7)
            pdf.set_text_color(*_INK)
            pdf.cell(width - 7, 6, pdf_text(GRID_SYMBOLS.get(status, status)))
            pdf.set_xy(x + width, y)
        pdf.ln()


def _legend(pdf: FPDF) -> None:
    pdf.ln(2)
    x = pdf.l_margin
    y = pdf.get_y() + 2
    pdf.set_font("Helvetica", "", 7.5)
    pdf.set_text_color(*_MUTED)
    for status, words in GRID_SYMBOLS.items():
        shape(pdf, status, x + 1.6, y)
        text = f"{pdf_text(words)} ({SHAPES[status]})"
        pdf.set_xy(x + 4, y - 2)
        pdf.cell(pdf.get_string_width(text) + 2, 4, text)
        x += pdf.get_string_width(text) + 9
        if x > pdf.w - 50:
            x, y = pdf.l_margin, y + 5
    pdf.set_xy(pdf.l_margin, y + 4)


def _table(pdf: FPDF, frame: pd.DataFrame, widths: Iterable[float] | None) -> None:
    pdf.set_font("Helvetica", "", 8)
    pdf.set_text_color(*_INK)
    pdf.set_fill_color(255, 255, 255)  # a shape drawn before must not colour the table
    pdf.set_draw_color(184, 194, 204)
    pdf.set_line_width(0.2)
    columns = list(frame.columns)
    if widths is None:
        weights = [3 if c in ("Why", "Leaders said", "Evidence") else 1.3 if c in ("Where", "Key question") else 1
                   for c in columns]
        total = pdf.w - pdf.l_margin - pdf.r_margin
        widths = [total * w / sum(weights) for w in weights]
    with pdf.table(col_widths=tuple(widths), headings_style=_HEADINGS, line_height=3.8, text_align="LEFT",
                   first_row_as_headings=True, repeat_headings=1) as table:
        table.row([pdf_text(c) for c in columns])
        for values in frame.itertuples(index=False):
            table.row([pdf_text(v) for v in values])


def _measures(pdf: FPDF, frame: pd.DataFrame) -> None:
    if frame.empty:
        _para(pdf, "No monthly measures to chart for this period.", size=9, colour=_MUTED)
        return
    _para(pdf, "Monthly values with their mean and process limits (XmR, or c- and u-charts for complaints). "
               "Beside each: the last complete quarter against the quarter before, and the Making Data Count "
               "variation and assurance in words.", size=8, colour=_MUTED)
    pdf.ln(1)
    for service, rows in frame.groupby("service", sort=False):
        if pdf.get_y() > 240:
            pdf.add_page()
        _para(pdf, str(service), size=10, style="B")
        for row in rows.to_dict("records"):
            if pdf.get_y() > 262:
                pdf.add_page()
            y = pdf.get_y()
            small_chart(pdf, row["points"], pdf.l_margin, y, 52, 17)
            pdf.set_xy(pdf.l_margin + 56, y)
            pdf.set_font("Helvetica", "", 8.5)
            pdf.set_text_color(*_INK)
            words = measure_words(row) + f"; {row['assurance']}."
            pdf.multi_cell(0, 3.9, pdf_text(words), new_x="LMARGIN", new_y="NEXT")
            pdf.set_y(max(pdf.get_y(), y + 19))


def small_chart(pdf: FPDF, points: pd.DataFrame | None, x: float, y: float, w: float, h: float) -> None:
    """A small SPC chart: the monthly values, the mean, the process limits dashed; special-cause points marked by
    shape (a concern a triangle, an improvement a filled circle), so the chart reads without colour."""
    pdf.set_draw_color(184, 194, 204)
    pdf.set_line_width(0.2)
    pdf.rect(x, y, w, h)
    if points is None or points["value"].dropna().empty:
        pdf.set_font("Helvetica", "", 7)
        pdf.set_text_color(*_MUTED)
        pdf.set_xy(x, y + h / 2 - 2)
        pdf.cell(w, 4, "Too few months to chart", align="C")
        return
    values = points[["value", "mean", "lower_limit", "upper_limit"]].astype(float)
    low, high = float(values.min().min()), float(values.max().max())
    span = (high - low) or 1.0
    count = len(points)

    def at(index: int, value: float) -> tuple[float, float]:
        return (x + 2 + (w - 4) * index / max(count - 1, 1), y + h - 2 - (h - 4) * (value - low) / span)

    for column, colour, dashed in (("upper_limit", (120, 120, 120), True), ("lower_limit", (120, 120, 120), True),
                                   ("mean", (60, 60, 60), False)):
        line = [at(i, v) for i, v in enumerate(points[column]) if pd.notna(v)]
        pdf.set_draw_color(*colour)
        pdf.set_line_width(0.15)
        if dashed:
            pdf.set_dash_pattern(dash=0.8, gap=0.6)
        if len(line) > 1:
            pdf.polyline(line)
        pdf.set_dash_pattern()
    line = [at(i, v) for i, v in enumerate(points["value"]) if pd.notna(v)]
    pdf.set_draw_color(0, 114, 178)
    pdf.set_line_width(0.35)
    if len(line) > 1:
        pdf.polyline(line)
    for i, (value, kind) in enumerate(zip(points["value"], points["point_type"])):
        if pd.isna(value):
            continue
        px, py = at(i, value)
        status = {"special_cause_concern": "concern", "special_cause_improvement": "strong"}.get(kind)
        if status:
            shape(pdf, status, px, py, 1.8)


def _uk(day) -> str:
    return "" if day is None or pd.isna(day) else day.strftime("%d/%m/%Y")
