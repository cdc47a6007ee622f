"""Everything handed out is safe against spreadsheet formula injection, and provider-supplied names show as plain text.

Unit tests of analytics.safe_output, then every export (rejected rows, board pack, audit trail) and every page
(through AppTest) fed names that are formulas or Markdown, and complaint categories that name someone.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from canonical_rows import insert
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from analytics.audit_trail import record
from analytics.batches import masked_rejections, rejections
from analytics.board_pack import board_pack_html, build_board_pack
from analytics.findings import Evidence, Finding
from analytics.ingest import ingest_bytes
from analytics.insights import Insights
from analytics.safe_output import plain_markdown, safe_csv, safe_frame, safe_workbook, spreadsheet_text
from analytics.scope import Scope
from analytics.settings import default_settings
from analytics.store import DB_ENV, connect
from analytics.themes import theme_table
from analytics.triangulation import triangulation_findings, triangulation_table
from analytics.workbooks import board_pack_xlsx, rejections_workbook

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-2+3", "\t=1", "\r=1"]
LINK, IMAGE = "[link](http://evil.example)", "![img](http://evil.example/x.png)"
PAYLOADS = [*FORMULAS, LINK, IMAGE]
PERSONAL = "Complaint about nurse Jane Smith 07700 900123"
APP = str(Path(__file__).resolve().parent.parent / "app.py")


# spreadsheet_text and safe_frame ------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"),
    ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("Oakwood House", "Oakwood House"),
    (" =1", " =1"),              # only the first character counts (OWASP's rule)
    ("a=b", "a=b"),
    ("'=1", "'=1"),              # already text
    ("", ""),
    (-2, -2),                    # numbers stay numbers
    (3.5, 3.5),
    (None, None),
    (date(2026, 3, 1), date(2026, 3, 1)),
])
def test_spreadsheet_text(value: object, expected: object) -> None:
    assert spreadsheet_text(value) == expected
    assert type(spreadsheet_text(value)) is type(expected)


def test_safe_frame_quotes_text_cells_and_headers_and_leaves_numbers() -> None:
    frame = pd.DataFrame({"=bad header": ["=1", "fine", None], "Count": [-1, 2, 3],
                          "Name": pd.Series(["+1", "-x", "ok"], dtype="string")})
    safe = safe_frame(frame)
    assert list(safe.columns) == ["'=bad header", "Count", "Name"]
    assert safe["'=bad header"].tolist()[:2] == ["'=1", "fine"] and pd.isna(safe["'=bad header"].iloc[2])
    assert safe["Count"].tolist() == [-1, 2, 3] and safe["Count"].dtype == frame["Count"].dtype
    assert safe["Name"].tolist() == ["'+1", "'-x", "ok"]
    assert list(frame.columns)[0] == "=bad header" and frame.iloc[0, 0] == "=1"  # the original is left alone


def test_safe_csv_quotes_text_so_a_carriage_return_cannot_start_a_row() -> None:
    frame = pd.DataFrame({"Who": ["\r=1", "ok"], "Count": [-1, 2]})
    rows = list(csv.reader(io.StringIO(safe_csv(frame).decode("utf-8-sig"), newline="")))
    assert rows == [["Who", "Count"], ["'\r=1", "-1"], ["ok", "2"]]
    assert safe_csv(frame).startswith("\ufeff".encode())


def test_safe_workbook_leaves_no_formula() -> None:
    from openpyxl import Workbook
    workbook = Workbook()
    workbook.active.append(["=1+1", "@x", 5, "plain"])
    assert workbook.active["A1"].data_type == "f"  # what openpyxl does with a str starting with "="
    safe_workbook(workbook)
    assert [c.value for c in workbook.active[1]] == ["'=1+1", "'@x", 5, "plain"]
    assert all(c.data_type != "f" for c in workbook.active[1])


# plain_markdown -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("[Click](http://evil)", r"\[Click\](http\://evil)"),
    ("![x](http://evil/img.png)", r"!\[x\](http\://evil/img.png)"),
    ("<img src=x>", r"\<img src=x\>"),
    ("**bold**", r"\*\*bold\*\*"),
    ("$x$", r"\$x\$"),
    ("_italic_ and ~~gone~~ and `code`", r"\_italic\_ and \~\~gone\~\~ and \`code\`"),
    ("a | b", r"a \| b"),
    ("Fish & chips &amp;", r"Fish \& chips \&amp;"),
    (":red[alert]", r":red\[alert\]"),
    ("# Heading", r"\# Heading"),
    ("- item", r"\- item"),
    ("+ item", r"\+ item"),
    ("1. item", r"1\. item"),
    ("=1", r"\=1"),
    ("see www.evil.example", r"see www\.evil.example"),
    ("see https://evil.example", r"see https\://evil.example"),
    ("line\n\n    code\tand tab", "line code and tab"),
    ("back\\slash", "back\\\\slash"),
    ("family_survey.csv", "family_survey.csv"),   # _ between letters is never emphasis
    ("Oakwood House · Willow Unit (75%), it's fine.", "Oakwood House · Willow Unit (75%), it's fine."),
    ("", ""),
    (None, ""),
    (42, "42"),
])
def test_plain_markdown(text: object, expected: str) -> None:
    assert plain_markdown(text) == expected


@pytest.mark.parametrize("text", [*PAYLOADS, "<script>alert(1)</script>", "[a]: http://evil.example",
                                  "[x][1]\n\n[1]: http://evil.example", "<http://evil.example>"])
def test_plain_markdown_leaves_no_live_syntax(text: str) -> None:
    assert_inert_markdown(plain_markdown(text))


def assert_inert_markdown(text: str) -> None:
    """No link, image, autolink or HTML tag can start anywhere in the Markdown."""
    assert not re.search(r"(?<!\\)\]\(", text), text
    assert not re.search(r"(?<!\\)<[A-Za-z/!]", text), text
    assert not re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]", text), text
    assert not re.search(r"(?i)(?<![\\\w])(https?://|www\.)", text), text


# exports: rejected rows ---------------------------------------------------------------------------------------

def assert_inert_workbook(data: bytes, expected: list[str] = FORMULAS) -> list[str]:
    """No cell of any sheet is a formula, every text a spreadsheet would read as one starts with a quote, and
    each payload expected is there, inert; returns every text cell."""
    workbook = load_workbook(io.BytesIO(data))
    texts = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), (sheet.title, cell.value)
                    texts.append(cell.value)
    for payload in expected:
        # XML reads a carriage return back as a line feed: either way the quote comes first.
        assert "'" + payload.replace("\r", "\n") in texts, payload
    return texts


def payload_csv() -> bytes:
    """An audit export whose services, teams, items and an extra column are formulas; the bad dates are rejected."""
    rows = [["Date of audit", "Service", "Unit", "Audit type", "Question", "Answer", "Audit ref", FORMULAS[0]]]
    for number, payload in enumerate(PAYLOADS):
        rows.append(["not a date", payload, payload, "Medication", payload, "Yes", f"R-{number}", payload])
        rows.append(["03/02/2026", payload, payload, "Medication", "MAR charts signed", "Yes", f"S-{number}", "x"])
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def payload_store(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    ingest_bytes(con, payload_csv(), "+1+1.csv", loaded_by="@SUM(1+1)*cmd|' /C calc'!A0")
    return con


def test_rejected_rows_workbook_holds_no_formula(payload_store: duckdb.DuckDBPyConnection) -> None:
    rows = rejections(payload_store)
    assert len(rows) == len(PAYLOADS)
    texts = assert_inert_workbook(rejections_workbook(rows), [*FORMULAS, "+1+1.csv"])
    assert "'" + FORMULAS[0] in texts  # the header of the extra column too
    assert LINK in texts and IMAGE in texts  # Markdown is harmless in a spreadsheet: left as written


def test_masked_rejected_rows_workbook_holds_no_formula(payload_store: duckdb.DuckDBPyConnection) -> None:
    rows = masked_rejections(rejections(payload_store))
    assert_inert_workbook(rejections_workbook(rows), ["+1+1", "-2+3", "+1+1.csv"])


def test_rejected_rows_built_by_hand_hold_no_formula() -> None:
    """Whatever the rejections hold (file, sheet, column, reason), nothing becomes a formula."""
    rows = pd.DataFrame([{"batch_id": 1, "file_name": payload, "sheet": payload, "row_number": number + 2,
                          "column_name": payload, "value": payload, "reason": payload,
                          "row_values": json.dumps({payload: payload, "Count": -3})}
                         for number, payload in enumerate(PAYLOADS)])
    texts = assert_inert_workbook(rejections_workbook(rows))
    assert_inert_workbook(rejections_workbook(masked_rejections(rows)), [])
    assert LINK in texts


def test_masked_rejections_mask_categories_and_the_reasons_that_quote_them() -> None:
    rows = pd.DataFrame([{"batch_id": 1, "file_name": "log.csv", "sheet": "", "row_number": 2,
                          "column_name": "received_date", "value": PERSONAL,
                          "reason": f"'{PERSONAL}' is not a real date",
                          "row_values": json.dumps({"Category": PERSONAL, "Date received": PERSONAL})}])
    masked = masked_rejections(rows)
    text = json.dumps(masked.to_dict("records"))
    assert "Jane Smith" not in text and "07700" not in text and "[name]" in text


# exports: the board pack --------------------------------------------------------------------------------------

NOW, BEFORE = date(2026, 10, 31), date(2026, 9, 30)


def payload_insights(as_of: date) -> Insights:
    """A register whose services and teams are the payloads, each row's sentence starting with its team's name."""
    rows, findings = [], []
    for number, payload in enumerate(PAYLOADS):
        service = payload if number % 2 == 0 else "Oak House"
        evidence = [Evidence("rota", payload, 0.4, comparison=0.9, period=payload, rows=payload, detail=payload)]
        rows.append({"service": service, "team": None, "key_question": "Safe", "status": "concern",
                     "confidence": "qualified", "sources": "rota", "summary": payload, "evidence": evidence,
                     "findings": 1})
        rows.append({"service": service, "team": payload, "key_question": "Safe", "status": "strong",
                     "confidence": "high", "sources": "rota", "summary": f"{payload} is strong", "evidence": [],
                     "findings": 1})
        findings.append(Finding(kind="embedded_improvement", service=service, team=payload, shift=payload,
                                key_question="Safe", quality_statement=payload, subject=payload, status="strong",
                                confidence="high", period_start=date(2026, 5, 1), period_end=as_of,
                                summary=payload + " held", evidence=tuple(evidence)))
    return Insights(as_of, findings, pd.DataFrame(rows))


def payload_views() -> pd.DataFrame:
    return pd.DataFrame([{"view_id": number, "service": payload if number % 2 == 0 else "Oak House", "team": None,
                          "key_question": "Safe", "subject": None, "stance": "strong", "statement": payload,
                          "recorded_by": payload, "recorded_at": datetime(2026, 10, 1, 9)}
                         for number, payload in enumerate(PAYLOADS)])


@pytest.mark.parametrize("service", [None, FORMULAS[0]])
def test_board_pack_workbook_holds_no_formula(service: str | None) -> None:
    pack = build_board_pack(payload_insights(NOW), payload_insights(BEFORE), service, payload_views(),
                            generated=datetime(2026, 11, 3, 9, 30))
    assert_inert_workbook(board_pack_xlsx(pack), [FORMULAS[0]] if service else FORMULAS)


def test_board_pack_page_escapes_html() -> None:
    pack = build_board_pack(payload_insights(NOW), payload_insights(BEFORE), None,
                            payload_views().assign(statement="<img src=x onerror=alert(1)>"),
                            generated=datetime(2026, 11, 3, 9, 30))
    page = board_pack_html(pack)
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&quot;http://evil.example&quot;" in page and 'href' not in page


# exports: the audit trail -------------------------------------------------------------------------------------

def test_audit_trail_csv_quotes_every_formula(con: duckdb.DuckDBPyConnection,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import pages.people_views as people_views

    for payload in PAYLOADS:
        record(con.cursor(), payload, "export", {payload: payload})
    monkeypatch.setattr(people_views, "get_connection", lambda: con)
    data = people_views.trail_csv(people_views.trail_table())
    cells = [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for cell in row]
    for payload in FORMULAS:
        assert "'" + payload in cells, payload                        # who
        assert f"'{payload}: {payload}" in cells, payload             # the detail, starting with it
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert LINK in cells


# complaint categories masked like free text -------------------------------------------------------------------

TRI_MONTHS = [date(2026, m, 1) for m in range(5, 11)]


def _triangulation_store(con: duckdb.DuckDBPyConnection) -> None:
    """One team: audits and rota good, complaints up from 1 to 6 in a category naming a nurse, families unhappy."""
    insert(con, "audits", [{"audit_date": month.replace(day=10), "service": "Elm Court", "team": "Ash",
                            "shift": "Early", "audit_type": "Medication", "item": f"Item {i}", "answer": "Yes",
                            "answer_class": "met", "answer_score": 1.0, "audit_ref": f"A-{month:%m}",
                            "spot_check": False} for month in TRI_MONTHS for i in range(10)])
    insert(con, "rota", [{"rota_date": month.replace(day=day), "service": "Elm Court", "team": "Ash",
                          "shift": "Early", "role": "Carer", "planned_hours": 10.0, "actual_hours": 10.0,
                          "agency_hours": 0.0, "handover_completed": True}
                         for month in TRI_MONTHS for day in range(1, 6)])
    insert(con, "complaints", [{"reference": f"C-{month:%m}-{i}", "received_date": month.replace(day=i + 2),
                                "service": "Elm Court", "team": "Ash", "category": PERSONAL,
                                "summary": "Family not kept informed", "complainant": "Daughter"}
                               for month, count in zip(TRI_MONTHS, (1, 0, 0, 2, 2, 2)) for i in range(count)])
    insert(con, "feedback", [{"feedback_date": month.replace(day=i % 27 + 1), "service": "Elm Court",
                              "team": "Ash", "respondent_type": "Daughter", "rating": str(score),
                              "rating_value": score, "rating_scale": "0-1", "rating_score": score,
                              "response_id": f"F-{month:%m}-{i}"}
                             for month in TRI_MONTHS
                             for i, score in enumerate([0.75, 1.0] * 2 if month.month < 8 else [0.0, 0.5] * 2)])


def test_triangulation_masks_a_category_naming_someone(con: duckdb.DuckDBPyConnection) -> None:
    _triangulation_store(con)
    scope, settings = Scope(as_of=date(2026, 10, 31)), default_settings()
    table = triangulation_table(con, scope, settings)
    findings = triangulation_findings(con, scope, settings)
    assert findings, "the rise in complaints beside good audits is an assurance gap"
    said = json.dumps([str(f) for f in findings]) + table.to_json()
    assert "Jane Smith" not in said and "07700" not in said
    assert "Complaint about nurse [name] [phone]" in said


def test_themes_are_not_named_after_a_category_naming_someone(con: duckdb.DuckDBPyConnection) -> None:
    summaries = ["Calls were not returned by the office", "Medication given late in the evening",
                 "Room was not cleaned for a week", "Lunch arrived cold again", "Laundry went missing twice",
                 "Nobody answered the call bell at night"]
    insert(con, "complaints", [{"reference": f"T-{i}", "received_date": date(2026, 1 + i % 9, 1 + i % 27),
                                "service": "Elm Court", "team": "Ash", "category": PERSONAL,
                                "summary": f"{summaries[i % len(summaries)]} ({i})"} for i in range(60)])
    table = theme_table(con, Scope(as_of=date(2026, 10, 31)), default_settings())
    assert not table.empty
    labels = " ".join(table["theme"]).lower()
    assert "jane" not in labels and "smith" not in labels and "07700" not in labels


def test_themes_page_table_masks_categories_unless_original_text_is_shown() -> None:
    from pages.themes_views import summary_table

    volumes = pd.DataFrame({"theme": ["late calls"], "mentions": [3], "complaints": [3], "feedback": [0],
                            "rating": [None], "trend": ["rising"], "category": [PERSONAL]})
    assert summary_table(volumes)["Most often filed as"].tolist() == ["Complaint about nurse [name] [phone]"]
    assert summary_table(volumes, original=True)["Most often filed as"].tolist() == [PERSONAL]


# every page, with names that are Markdown ---------------------------------------------------------------------

SERVICE = "[svc](http://evil.example/s)"
TEAMS = {"Willow Unit": LINK, "Beech Unit": IMAGE, "Rowan Unit": "<img src=x onerror=alert(1)>",
         "Cedar Unit": "**bold** $x$"}
PAGES = ["pages/home.py", "pages/overview.py", "pages/trends.py", "pages/teams_shifts.py",
         "pages/triangulation.py", "pages/themes.py", "pages/board_report.py", "pages/settings.py"]


@pytest.fixture(scope="module")
def markdown_store(pristine_demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store with its teams, one service, the audit items and types, a complaint category, leaders'
    statements and the trail named in Markdown (and a category naming a nurse)."""
    path = tmp_path_factory.mktemp("markdown_names") / "leadership_insight.duckdb"
    shutil.copyfile(pristine_demo_db, path)
    con = connect(path)
    try:
        cur = con.cursor()
        for table in ("audits", "complaints", "rota", "feedback"):
            for team, payload in TEAMS.items():
                cur.execute(f"UPDATE {table} SET team = ? WHERE team = ?", [payload, team])
            cur.execute(f"UPDATE {table} SET service = ? WHERE service = 'Riverside Homecare'", [SERVICE])
        cur.execute("UPDATE audits SET item = '[' || item || '](http://evil.example/i)', "
                    "audit_type = '**' || audit_type || '**'")
        cur.execute("UPDATE complaints SET category = ? WHERE category = 'Staff attitude'", [PERSONAL])
        cur.execute("UPDATE complaints SET category = '![c](http://evil.example/c.png)' WHERE category = 'Charges'")
        cur.execute("UPDATE leader_views SET statement = '[said](http://evil.example/l)'")
        record(cur, LINK, "export", {"file": IMAGE})
        # The rows were renamed behind the store's back (no new batch): let go of the results stored from the old
        # names, so the pages work them out from these.
        for table in ("insight_runs", "insight_tables", "theme_fits", "row_months"):
            cur.execute(f"DELETE FROM {table}")
        cur.execute("DELETE FROM store_meta WHERE key = 'row_months_batches'")
    finally:
        con.close()
    return path


def rendered_markdown(app: AppTest) -> list[str]:
    """Every piece of text the page renders as Markdown: text elements, alerts, labels, help and table cells."""
    parts = [str(e.value) for kind in ("title", "header", "subheader", "markdown", "caption", "success", "info",
                                       "warning", "error", "exception") for e in getattr(app, kind)]
    parts += [f"{m.label}\n{m.value}\n{m.proto.help}" for m in app.metric]
    parts += [e.label for kind in ("expander", "tabs", "button", "toggle", "checkbox", "radio") for e in
              getattr(app, kind)]
    parts += [option for radio in app.radio for option in radio.options]
    for table in app.table:
        frame = table.value
        parts += [str(v) for v in frame.to_numpy().ravel()] + [str(c) for c in frame.columns]
    return parts


@pytest.mark.parametrize(("page", "params"), [(page, {}) for page in PAGES] + [
    ("pages/trends.py", {"service": "Oakwood House", "team": LINK}),
    ("pages/teams_shifts.py", {"service": "Oakwood House", "team": IMAGE, "shift": "Night"}),
    ("pages/triangulation.py", {"service": SERVICE}),
    ("pages/themes.py", {"service": "Oakwood House", "team": LINK}),
    ("pages/board_report.py", {"service": SERVICE}),
])
def test_no_page_renders_a_name_as_a_link_image_or_html(markdown_store: Path, monkeypatch: pytest.MonkeyPatch,
                                                        page: str, params: dict[str, str]) -> None:
    monkeypatch.setenv(DB_ENV, str(markdown_store))
    app = AppTest.from_file(APP, default_timeout=180)
    app.query_params.update(params)
    app.run()
    app.switch_page(page).run()
    assert not app.exception, [e.message for e in app.exception]
    parts = rendered_markdown(app)
    for part in parts:
        assert not re.search(r"(?<!\\)\]\(http", part), (page, part)
        assert not re.search(r"(?<!\\)<img", part), (page, part)
        assert "**bold**" not in part and "$x$" not in part, (page, part)
        assert "Jane Smith" not in part and "07700" not in part, (page, part)
    text = "\n".join(parts)
    escaped = [plain_markdown(name) for name in [SERVICE, *TEAMS.values()]]
    if page not in ("pages/home.py", "pages/settings.py"):
        assert any(name in text for name in escaped), (page, "no payload name shown: the test would prove nothing")


def test_team_names_show_escaped_on_the_pages_that_name_teams(markdown_store: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DB_ENV, str(markdown_store))
    app = AppTest.from_file(APP, default_timeout=180).run()
    app.switch_page("pages/triangulation.py").run()
    text = "\n".join(rendered_markdown(app))
    assert f"#### {plain_markdown(LINK)}" in text and r"\[link\](http\://evil.example)" in text
    assert f"#### {plain_markdown(IMAGE)}" in text
    assert r"\<img src=x onerror=alert(1)\>" in text and r"\*\*bold\*\* \$x\$" in text
