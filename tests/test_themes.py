"""Tests for analytics.themes: the theme model, the theme table and mentions, and emerging-theme findings."""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.demo_files import OAKWOOD, RIVERSIDE
from analytics.findings import Evidence, Finding
from analytics.scope import Scope, months_back
from analytics.settings import default_settings, load_settings
from analytics.sources import SOURCES
from analytics.store import table_columns
from analytics.theme_model import theme_model
from analytics.theme_text import is_informative
from analytics.themes import (
    _named_after,
    _status,
    _with_theme,
    theme_findings,
    theme_mentions,
    theme_months,
    theme_places,
    theme_table,
)

REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "real-data" / "nhs-fft-comments-trust-a.csv"
AS_OF = date(2026, 6, 30)
SERVICE = "Elm Court"
MEALS = ("lunch", "breakfast", "supper", "Sunday roast", "tea")
CALLS = ("morning", "lunchtime", "tea-time", "bedtime")
ACTIVITIES = ("singer", "quiz", "garden party", "pet therapy visit", "baking club")
ITEMS = ("cardigan", "dressing gown", "blouse", "jumper", "nightdress")
NAMES = ("Ade", "Bronwen", "Carys", "Dev", "Ellie")

# Each subject has a few ways of saying it, with a slot, as people write about the same things in different words.
FOOD = ("The food at {meal} was cold and bland.", "Good food at {meal}, hot and tasty.",
        "The {meal} was cold again, the food should be hot.")
LAUNDRY = ("Her {item} went missing in the laundry.", "The laundry sent her {item} to the wrong room.",
           "His {item} came back from the laundry shrunk.")
KINDNESS = ("{name} is kind, gentle and patient with her.", "{name} is so kind and treats him with dignity.",
            "Kind staff like {name} treat everyone gently and with respect.")
ACTIVITY = ("She loved the {activity}, great activities.", "Lots of activities, the {activity} was fun.",
            "The activities are fun, especially the {activity}.")
LATE_CALLS = ("The {call} call was an hour late again.", "Carers arrived late for the {call} call.",
              "The {call} call was missed and nobody rang.", "The {call} visit was late and cut short.")
FIRE = "The fire alarm sounded at night and the fire door was wedged open."


def _written(templates: tuple[str, ...]) -> set[str]:
    """Every text the templates can give."""
    return {t.format(meal=m, call=c, activity=a, item=i, name=n) for t in templates for m in MEALS for c in CALLS
            for a in ACTIVITIES for i in ITEMS for n in NAMES}


def _months(end: date, count: int) -> list[date]:
    return [months_back(end, back) for back in range(count - 1, -1, -1)]


class Log:
    """Hand-made complaints and feedback, written row by row and stored in one go."""

    def __init__(self, seed: int = 3) -> None:
        self.rng = np.random.default_rng(seed)
        self.rows: dict[str, list[dict[str, object]]] = {"complaints": [], "feedback": []}

    def _shift(self, shift: str | None) -> str:
        return shift or self._pick(("Early", "Late", "Night"))

    def _pick(self, options: tuple[str, ...]) -> str:
        return options[int(self.rng.integers(len(options)))]

    def _text(self, templates: tuple[str, ...]) -> str:
        return self._pick(templates).format(meal=self._pick(MEALS), call=self._pick(CALLS), item=self._pick(ITEMS),
                                            activity=self._pick(ACTIVITIES), name=self._pick(NAMES))

    def comment(self, month: date, team: str, templates: tuple[str, ...], score: float,
                shift: str | None = None) -> None:
        day = month.replace(day=int(self.rng.integers(1, 28)))
        self.rows["feedback"].append({"feedback_date": day, "service": SERVICE, "team": team,
                                      "shift": self._shift(shift), "comment": self._text(templates),
                                      "rating_score": score, "response_id": f"R{len(self.rows['feedback'])}"})

    def complaint(self, month: date, team: str, category: str, templates: tuple[str, ...],
                  shift: str | None = None) -> None:
        day = month.replace(day=int(self.rng.integers(1, 28)))
        self.rows["complaints"].append({"received_date": day, "service": SERVICE, "team": team,
                                        "shift": self._shift(shift), "category": category,
                                        "summary": self._text(templates),
                                        "reference": f"C{len(self.rows['complaints'])}"})

    def store(self, con: duckdb.DuckDBPyConnection, first: int = 0) -> None:
        """Insert the rows with bound values, bookkeeping columns filled in (row keys from `first`)."""
        for table, rows in self.rows.items():
            columns = [name for name, _ in table_columns(SOURCES[table])]
            marks = ", ".join("?" for _ in columns)
            values = [[{"row_key": n, "row_hash": n, "batch_id": 1, "source_row": n, **row}.get(c) for c in columns]
                      for n, row in enumerate(rows, start=first)]
            if values:
                con.cursor().executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values)


def background(log: Log, months: list[date], teams: tuple[str, ...], complaints: bool = True) -> None:
    """Two years of steady comments (and complaints): food (large and stable), laundry, kindness, some activities."""
    for number, month in enumerate(months):
        for team in teams:
            for _ in range(3):
                log.comment(month, team, FOOD, 0.75)
            log.comment(month, team, KINDNESS, 1.0)
            log.comment(month, team, LAUNDRY, 0.25)
            if number % 3 == 0:
                log.comment(month, team, ACTIVITY, 1.0)
            if complaints and number % 2 == 0:
                log.complaint(month, team, "Laundry", LAUNDRY)
            if complaints and number % 3 == 1:
                log.complaint(month, team, "Food and drink", FOOD)


@pytest.fixture
def settings() -> dict:
    """The default settings with fewer themes, as the hand-made texts are about six subjects."""
    values = copy.deepcopy(default_settings())
    values["thresholds"]["theme_count"] = 6
    return values


@pytest.fixture
def planted(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Ash Unit: late calls rise in the last 4 months in complaints and feedback, with poor ratings.
    Birch Unit: activities rise in feedback only, with good ratings. Birch also has three fire complaints in two
    years. Oak Unit is small: two late-call complaints in the last 4 months and little else."""
    months = _months(AS_OF, 24)
    log = Log()
    background(log, months, ("Ash Unit", "Birch Unit"))
    log.complaint(months[5], "Ash Unit", "Call times", LATE_CALLS, shift="Early")
    for month in months[-4:]:
        for _ in range(2):
            log.complaint(month, "Ash Unit", "Call times", LATE_CALLS, shift="Early")
            log.comment(month, "Ash Unit", LATE_CALLS, 0.25, shift="Early")
        for _ in range(3):
            log.comment(month, "Birch Unit", ACTIVITY, 1.0)
    for month in (months[2], months[11], months[-2]):
        log.complaint(month, "Birch Unit", "Safety", (FIRE,))
    for month in months[::6]:
        log.comment(month, "Oak Unit", FOOD, 0.75)
    for month in months[-2:]:
        log.complaint(month, "Oak Unit", "Call times", LATE_CALLS)
    log.store(con)
    return con


def theme_of(mentions: pd.DataFrame, words: str) -> str:
    """The theme most texts containing `words` were given."""
    return mentions[mentions["text"].str.contains(words, case=False)]["theme"].mode().iloc[0]


# ----------------------------------------------------------------------------------------------- the model


def test_theme_model_groups_subjects_under_readable_labels() -> None:
    log = Log()
    for month in _months(AS_OF, 12):
        for templates in (FOOD, LAUNDRY, LATE_CALLS):
            for _ in range(3):
                log.comment(month, "Ash Unit", templates, 0.5)
    texts = pd.DataFrame(log.rows["feedback"])["comment"]
    model = theme_model(texts, 3)

    # Three subjects; praise of the food ("Good food at lunch, hot and tasty.") apart from its problems.
    assert len(model.top_terms) == 3 and len(set(model.labels)) == len(model.labels) == 4
    assert all(len(terms) >= 3 for terms in model.top_terms)
    praise = _written(FOOD[1:2])
    for written, words in ((_written(FOOD) - praise, {"food", "hot", "cold"}), (praise, {"good", "food"}),
                           (_written(LAUNDRY), {"laundry", "missing"}),
                           (_written(LATE_CALLS), {"late", "call", "calls", "missed"})):
        themes = model.assignment[texts.isin(written)]
        top = themes.mode().iloc[0]
        assert (themes == top).mean() >= 0.8, (min(written), themes.value_counts())
        assert words & set(re.findall(r"\w+", top.lower())), top
        # A short phrase people wrote, not a list of tokens.
        assert "/" not in top and 2 <= len(top.removeprefix("Praise: ").split()) <= 6, top
    assert model.assignment[texts.isin(praise)].str.startswith("Praise: ").all()
    late = model.assignment[texts.str.contains("call")].mode().iloc[0]
    assert model.assign(pd.Series(["The bedtime call was two hours late and rushed."])).iloc[0] == late


def test_non_informative_comments_are_skipped() -> None:
    empty = ["Did not answer", "Nothing.", "N/A", "None", "nothing at all", "  ", None, "No comment"]
    assert not any(is_informative(text) for text in empty)
    assert is_informative("Waiting time") and is_informative("Nothing was too much trouble for the staff.")
    texts = pd.Series(empty + ["The lunch was cold again.", "Lunch was cold and late.", "Cold lunch, late."] * 3)
    assignment = theme_model(texts, 4).assignment
    assert assignment.iloc[: len(empty)].isna().all()
    assert assignment.iloc[len(empty):].notna().all()


def test_fewer_themes_when_there_are_few_texts() -> None:
    texts = pd.Series(["The lunch was cold.", "Lost laundry again.", "Late morning call.", "Kind staff here.",
                       "The tea was cold.", "Laundry went missing.", "The bedtime call was late."])
    model = theme_model(texts, 10)
    assert 1 <= len(model.labels) <= 2
    assert model.assignment.notna().all()


def test_theme_model_is_reproducible() -> None:
    log = Log()
    for month in _months(AS_OF, 6):
        for templates in (FOOD, LAUNDRY, LATE_CALLS, KINDNESS):
            log.comment(month, "Ash Unit", templates, 0.5)
    texts = pd.DataFrame(log.rows["feedback"])["comment"]
    first, second = theme_model(texts, 3, random_state=5), theme_model(texts, 3, random_state=5)
    assert first.labels == second.labels
    assert first.assignment.equals(second.assignment)


def test_names_and_masked_data_never_become_themes(con: duckdb.DuckDBPyConnection, settings: dict) -> None:
    # One carer is named in every kindness comment, and one relative's phone number in every laundry complaint:
    # unmasked, the name and the number would be the strongest terms of their themes.
    named_kindness = tuple(t.replace("{name}", "Margaret Thompson") for t in KINDNESS)
    named_laundry = tuple(t + " Ring her son Gareth on 07700 900461." for t in LAUNDRY)
    log = Log()
    for month in _months(AS_OF, 12):
        for _ in range(3):
            log.comment(month, "Ash Unit", FOOD, 0.75)
            log.comment(month, "Ash Unit", named_kindness, 1.0)
            log.comment(month, "Ash Unit", named_laundry, 0.25)
    log.store(con)
    table = theme_table(con, Scope(as_of=AS_OF), settings)
    mentions = theme_mentions(con, Scope(as_of=AS_OF), settings)

    words = " ".join(table["theme"]).lower()
    assert not {"margaret", "thompson", "gareth", "07700", "name", "phone"} & set(re.findall(r"\w+", words)), words
    assert {"kind", "laundry"} <= set(re.findall(r"\w+", words)), words
    # The named texts are still themed, by what they say.
    assert mentions["text"].str.contains("Margaret Thompson").sum() == 36
    assert theme_of(mentions, "Margaret Thompson") != theme_of(mentions, "laundry")


# ----------------------------------------------------------------------------------------------- hand-made store


def test_emerging_late_calls_found_in_the_team_and_shift(planted: duckdb.DuckDBPyConnection, settings: dict) -> None:
    findings = theme_findings(planted, Scope(as_of=AS_OF), settings)
    mentions = theme_mentions(planted, Scope(as_of=AS_OF), settings)
    late = theme_of(mentions, "call")
    ash = [f for f in findings if f.subject == late and f.team == "Ash Unit"]

    assert len(ash) == 1
    finding = ash[0]
    assert (finding.kind, finding.service, finding.shift) == ("emerging_theme", SERVICE, "Early")
    assert finding.status == "concern"          # poor ratings, and complaints
    assert finding.confidence == "high"         # rising in complaints and in feedback
    assert finding.key_question == "Responsive"  # from the category "Call times"
    assert finding.period_start == date(2026, 3, 1) and finding.period_end == AS_OF
    assert "Ash Unit" in finding.summary and "Mar 2026 to Jun 2026" in finding.summary
    sources = {e.source for e in finding.evidence}
    assert sources == {"complaints", "feedback"}
    complaints = next(e for e in finding.evidence if e.source == "complaints" and "shift" not in e.rows)
    # 8 late-call complaints of the 11 in the last 4 months (2 laundry and 1 food in the background)
    assert complaints.value == pytest.approx(8 / 11)
    assert "team = 'Ash Unit'" in complaints.rows and late in complaints.rows


def test_feedback_only_rise_of_praise_with_good_ratings_is_strong_and_limited(planted: duckdb.DuckDBPyConnection,
                                                                              settings: dict) -> None:
    findings = theme_findings(planted, Scope(as_of=AS_OF), settings)
    activities = theme_of(theme_mentions(planted, Scope(as_of=AS_OF), settings), "activities")
    birch = [f for f in findings if f.team == "Birch Unit"]
    assert [f.subject for f in birch] == [activities] and activities.startswith("Praise: ")
    # More people praising the activities is good news, not a concern to track.
    assert (birch[0].status, birch[0].confidence, birch[0].shift) == ("strong", "limited", None)


def test_rare_large_stable_and_small_team_themes_are_not_flagged(planted: duckdb.DuckDBPyConnection,
                                                                 settings: dict) -> None:
    scope = Scope(as_of=AS_OF)
    findings = theme_findings(planted, scope, settings)
    mentions = theme_mentions(planted, scope, settings)
    # Only the two planted rises: not food (the largest theme, steady), not Birch's three fire complaints in two
    # years, not Oak Unit (a small team whose only recent texts are two late-call complaints).
    assert {(f.team, f.subject) for f in findings} == {("Ash Unit", theme_of(mentions, "call")),
                                                       ("Birch Unit", theme_of(mentions, "activities"))}
    assert theme_of(mentions, "food") not in {f.subject for f in findings}


def test_rise_spread_over_teams_is_found_for_the_service(con: duckdb.DuckDBPyConnection) -> None:
    settings = default_settings()  # ten themes: enough for a subject this small to have its own
    log = Log()
    months = _months(AS_OF, 24)
    teams = ("Ash Unit", "Birch Unit", "Cedar Unit", "Dale Unit")
    background(log, months, teams, complaints=False)
    for month in months[-4:]:
        for team in teams:  # four late-call comments per team: too few to locate in any one team
            log.comment(month, team, LATE_CALLS, 0.25)
    log.store(con)
    findings = theme_findings(con, Scope(as_of=AS_OF), settings)
    late = theme_of(theme_mentions(con, Scope(as_of=AS_OF), settings), "call")
    assert [(f.service, f.team, f.shift, f.subject) for f in findings] == [(SERVICE, None, None, late)]
    assert findings[0].summary.startswith(f"Feedback comments about '{late}' are rising across {SERVICE}: ")
    feedback = findings[0].evidence[0]
    assert feedback.comparison == 0 and feedback.value >= 0.1 and "team" not in feedback.rows
    assert findings[0].confidence == "limited" and findings[0].status == "concern"


def test_three_mentions_in_two_years_is_not_emerging(con: duckdb.DuckDBPyConnection, settings: dict) -> None:
    log = Log()
    months = _months(AS_OF, 24)
    background(log, months, ("Ash Unit",))
    for month in (months[1], months[12], months[-1]):
        log.complaint(month, "Ash Unit", "Safety", (FIRE,))
    log.store(con)
    assert theme_findings(con, Scope(as_of=AS_OF), settings) == []


def test_theme_table_describes_each_theme(planted: duckdb.DuckDBPyConnection, settings: dict) -> None:
    scope = Scope(as_of=AS_OF)
    table = theme_table(planted, scope, settings)
    mentions = theme_mentions(planted, scope, settings)
    late = theme_of(mentions, "call")

    assert list(table["theme"]) == list(dict.fromkeys(table["theme"]))
    assert table["volume"].sum() == len(mentions)
    assert (table["volume"] == table["complaints"] + table["feedback"]).all()
    row = table.set_index("theme").loc[late]
    assert row["category"] == "Call times" and row["category_share"] == 1.0
    # Emerging somewhere in view, so its trend says so and never "stable" beside it.
    assert row["trend"] == "emerging"
    assert (table.loc[table["emerging_in"] != "", "trend"] == "emerging").all()
    assert (table.loc[table["emerging_in"] == "", "trend"] != "emerging").all()
    assert row["mean_sentiment"] == pytest.approx(0.25)
    assert row["top_teams"].startswith("Ash Unit") and row["top_shifts"].startswith("Early")
    assert "Ash Unit" in row["emerging_in"]
    assert 2 <= len(row["examples"]) <= 3 and all(len(e) <= 120 for e in row["examples"])
    assert sum(row["monthly"].values()) == row["volume"]
    food = table.set_index("theme").loc[theme_of(mentions, "food")]
    assert food["trend"] == "stable" and food["emerging_in"] == ""


def test_theme_mentions_one_row_per_informative_text(con: duckdb.DuckDBPyConnection, settings: dict) -> None:
    log = Log()
    background(log, _months(AS_OF, 6), ("Ash Unit",))
    log.rows["feedback"].append({"feedback_date": date(2026, 6, 2), "service": SERVICE, "team": "Ash Unit",
                                 "comment": "Did not answer", "rating_score": 1.0, "response_id": "X"})
    log.store(con)
    mentions = theme_mentions(con, Scope(as_of=AS_OF), settings)
    assert len(mentions) == len(log.rows["complaints"]) + len(log.rows["feedback"]) - 1
    assert {"source", "date", "service", "team", "shift", "theme", "text", "rating_score"} <= set(mentions.columns)
    assert mentions["theme"].notna().all()
    assert "Did not answer" not in set(mentions["text"])
    assert set(mentions["source"]) == {"complaints", "feedback"}
    assert mentions.loc[mentions["source"] == "complaints", "rating_score"].isna().all()


def test_scope_limits_the_services(planted: duckdb.DuckDBPyConnection, settings: dict) -> None:
    assert theme_findings(planted, Scope(services=("Another Home",), as_of=AS_OF), settings) == []
    assert theme_table(planted, Scope(services=("Another Home",), as_of=AS_OF), settings).empty
    early = Scope(as_of=date(2025, 12, 31))  # before the rises
    assert theme_findings(planted, early, settings) == []


def test_empty_store(con: duckdb.DuckDBPyConnection, settings: dict) -> None:
    assert theme_findings(con, Scope(), settings) == []
    assert theme_table(con, Scope(), settings).empty
    assert theme_mentions(con, Scope(), settings).empty


# ----------------------------------------------------------------------------------------------- demo data


@pytest.fixture(scope="module")
def demo(demo_con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The demo data set, loaded once per session and copied for this module."""
    return demo_con


def test_demo_late_calls_emerge_in_town_team(demo: duckdb.DuckDBPyConnection) -> None:
    settings = load_settings(demo)
    findings = theme_findings(demo, Scope(), settings)
    town = [f for f in findings if f.team == "Town Team"]

    assert len(town) == 1, [(f.team, f.subject) for f in findings]
    finding = town[0]
    assert finding.service == RIVERSIDE and finding.status == "concern"
    assert {"late", "call", "calls", "times"} & set(finding.subject.replace("/", " ").split()), finding.subject
    assert (finding.key_question, finding.quality_statement) == (
        "Responsive", "Care provision, integration and continuity")
    complaints = next(e for e in finding.evidence if e.source == "complaints" and "shift" not in e.rows)
    # Up on the months before (the earlier run of call-times complaints in months 8-10 lifts their share).
    assert complaints.value > complaints.comparison and "Town Team" in complaints.rows


def test_demo_clean_teams_raise_nothing(demo: duckdb.DuckDBPyConnection) -> None:
    findings = theme_findings(demo, Scope(), load_settings(demo))
    places = {(f.service, f.team) for f in findings}
    assert (OAKWOOD, "Cedar Unit") not in places and (RIVERSIDE, "North Team") not in places
    # Only the planted rises: Town Team's late calls (G), Beech Unit's communication complaints (C), and comments on
    # agency staff where Willow Unit's nights run on agency staff (B).
    assert places <= {(RIVERSIDE, "Town Team"), (OAKWOOD, "Beech Unit"), (OAKWOOD, "Willow Unit")}


def test_demo_theme_table_reports_call_times(demo: duckdb.DuckDBPyConnection) -> None:
    table = theme_table(demo, Scope(), load_settings(demo)).set_index("theme")
    # Ten subjects, praise apart from problems.
    assert 10 <= len(table) <= 20
    assert not table.index.str.contains("/").any()
    calls = table[(table["category"] == "Call times") & ~table.index.str.startswith("Praise: ")]
    assert len(calls) == 1
    assert calls["top_teams"].iloc[0].startswith("Town Team")
    # Town Team's rise shows as its category's emerging theme (test_demo_late_calls_emerge_in_town_team): with the
    # earlier run of call-times complaints, the words of the comments alone are not twice their share before.


# ----------------------------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def real() -> tuple[pd.DataFrame, pd.Series, tuple[str, ...]]:
    """5,096 real FFT comments with people's theme labels, and the themes our model gives them."""
    if not REAL_DATA.exists():
        pytest.skip(f"real data not found at {REAL_DATA}")
    frame = pd.read_csv(REAL_DATA)
    model = theme_model(frame["FFT answer"], 10)
    return frame, model.assignment, model.labels


def test_real_non_informative_answers_get_no_theme(real) -> None:
    frame, assignment, labels = real
    # Ten subjects, most with praise apart from problems; each named by a short phrase, never a list of tokens.
    assert 10 < len(labels) <= 20 and any(label.startswith("Praise: ") for label in labels)
    assert not any("/" in label for label in labels)
    assert assignment[frame["FFT answer"].isin(["Did not answer", "Nothing.", "N/a", "None."])].isna().all()
    assert assignment.notna().mean() > 0.6  # every comment that says something gets a theme


# ----------------------------------------------------------------------------------------------- one model per store


def _second_service(con: duckdb.DuckDBPyConnection) -> None:
    """Another home whose comments are about other things, and whose laundry complaints rise on Fern Unit."""
    log = Log(seed=8)
    for number, month in enumerate(_months(AS_OF, 24)):
        for _ in range(2):
            log.comment(month, "Fern Unit", ACTIVITY, 1.0)
            log.comment(month, "Fern Unit", KINDNESS, 1.0)
        if number % 4 == 0 or number >= 20:
            for _ in range(1 if number < 20 else 3):
                log.complaint(month, "Fern Unit", "Laundry", LAUNDRY)
    for table in log.rows.values():
        for row in table:
            row["service"] = "Holly Lodge"
    log.store(con, first=100_000)


def _described(findings: list) -> list[tuple]:
    return sorted((f.kind, f.service, f.team, f.shift, f.subject, f.status, f.summary, f.evidence) for f in findings)


def test_a_service_has_the_same_themes_and_findings_alone_and_with_others(planted: duckdb.DuckDBPyConnection,
                                                                           settings: dict) -> None:
    _second_service(planted)
    everyone = theme_findings(planted, Scope(as_of=AS_OF), settings)
    for service in (SERVICE, "Holly Lodge"):
        alone = theme_findings(planted, Scope(services=(service,), as_of=AS_OF), settings)
        assert alone and _described(alone) == _described([f for f in everyone if f.service == service]), service
        # The filter narrows the themes; it never renames them.
        mentions = theme_mentions(planted, Scope(services=(service,), as_of=AS_OF), settings)
        whole = theme_mentions(planted, Scope(as_of=AS_OF), settings)
        assert mentions[["text", "theme"]].reset_index(drop=True).equals(
            whole.loc[whole["service"] == service, ["text", "theme"]].reset_index(drop=True))
    # An earlier date counts fewer texts, under the same names.
    early = theme_mentions(planted, Scope(as_of=date(2025, 12, 31)), settings)
    assert set(early["theme"]) <= set(theme_mentions(planted, Scope(as_of=AS_OF), settings)["theme"])


def test_the_theme_table_from_each_service_s_stored_places_is_the_one_worked_out_at_once(
        planted: duckdb.DuckDBPyConnection, settings: dict) -> None:
    from analytics.stored_insights import stored_table

    _second_service(planted)
    scope = Scope(as_of=AS_OF)
    places = theme_places(planted, scope, settings)
    assert len(places) >= 2  # Ash Unit's late calls on the early shift, Birch Unit's activities
    each = pd.concat([theme_places(planted, Scope((service,), AS_OF), settings)
                      for service in ("Holly Lodge", SERVICE)], ignore_index=True)
    stored = stored_table(planted, "theme_places", scope, settings)  # the run's, a service at a time, read back

    def rows(frame: pd.DataFrame) -> list[tuple]:
        return sorted(tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False))

    assert rows(each) == rows(stored) == rows(places)
    whole = theme_table(planted, scope, settings)
    assert (whole["emerging_in"] != "").any()
    for given in (each, stored, places.iloc[::-1]):  # in whatever order the places come
        pd.testing.assert_frame_equal(theme_table(planted, scope, settings, given), whole)


def test_theme_months_count_each_place_s_mentions_and_chart_the_biggest_themes(
        planted: duckdb.DuckDBPyConnection, settings: dict) -> None:
    from analytics.stored_insights import stored_table
    from pages.trends_views import THEMES_CHARTED, monthly_theme_counts

    _second_service(planted)
    scope = Scope(as_of=AS_OF)
    mentions = theme_mentions(planted, scope, settings)
    months = theme_months(planted, scope, settings)
    assert months["mentions"].sum() == len(mentions) and (months["mentions"] > 0).all()
    stored = stored_table(planted, "theme_months", scope, settings)  # the run's, a service at a time, read back
    by = ["service", "team", "shift", "theme", "month"]
    pd.testing.assert_frame_equal(stored.sort_values(by, ignore_index=True), months.sort_values(by, ignore_index=True))
    places = [(None, None), ("Ash Unit", None), ("Ash Unit", "Early"), ("Fern Unit", None), ("Nowhere", None)]
    for team, shift in places:
        chosen = mentions[(mentions["team"] == team) if team else mentions["team"].notna() | True]
        chosen = chosen[chosen["shift"] == shift] if shift else chosen
        charted = monthly_theme_counts(stored, team, shift)
        if chosen.empty:
            assert charted.empty
            continue
        totals = chosen["theme"].value_counts()
        shown_themes = set(charted["theme"])
        assert len(shown_themes) == min(THEMES_CHARTED, len(totals))
        left = totals[~totals.index.isin(shown_themes)]
        assert left.empty or totals[list(shown_themes)].min() >= left.max()  # the biggest themes
        shown = chosen[chosen["theme"].isin(set(charted["theme"]))]
        assert charted["mentions"].sum() == len(shown)
        for (theme, month), n in shown.groupby(["theme", "month"]).size().items():
            assert charted.loc[(charted["theme"] == theme) & (charted["month"] == month), "mentions"].item() == n
        every_month = pd.date_range(chosen["month"].min(), chosen["month"].max(), freq="MS")
        assert charted["month"].nunique() == len(every_month)  # quiet months charted as none


def test_the_store_model_is_fitted_once_per_data_version(planted: duckdb.DuckDBPyConnection, settings: dict,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import analytics.theme_store as model_module

    fits = []
    fit = model_module._fit_store
    monkeypatch.setattr(model_module, "_fit_store", lambda con, n: fits.append(n) or fit(con, n))
    model_module.forget()
    for services in ((SERVICE,), None, (SERVICE,)):
        theme_table(planted, Scope(services=services, as_of=AS_OF), settings)
    assert fits == [6]
    _second_service(planted)  # new rows: a new model
    theme_table(planted, Scope(as_of=AS_OF), settings)
    assert fits == [6, 6]


def test_praise_and_problems_are_apart_by_what_the_words_say(planted: duckdb.DuckDBPyConnection,
                                                             settings: dict) -> None:
    mentions = theme_mentions(planted, Scope(as_of=AS_OF), settings)
    praise = mentions[mentions["theme"].str.startswith("Praise: ")]
    # Kind staff and fun activities are praise; late calls and lost laundry are problems, though rated no worse than
    # a quarter; a complaint is never praise.
    kind = mentions["text"].str.contains("kind|fun|loved", case=False)
    assert mentions.loc[kind, "theme"].str.startswith("Praise: ").all()
    assert not praise["text"].str.contains("late|missing|missed|wrong room|shrunk", case=False).any()
    assert (praise["source"] == "feedback").all()


@pytest.mark.parametrize("theme, negative, status", [
    ("Call times: call was an hour late", True, "concern"),
    ("Call times: call was an hour late", False, "fragile"),   # rising, though rated well: watch it
    ("Praise: kind staff", False, "strong"),
    ("Praise: kind staff", True, "concern"),                   # named as praise, rated poorly: the ratings win
])
def test_status_of_a_rising_theme(theme, negative, status):
    assert _status(theme, negative) == status


# ----------------------------------------------------------------------------------------------- categories and themes


@pytest.mark.parametrize(("theme", "category", "named"), [
    ("Call times: call was an hour late", "Call times", True),
    ("Call times", "Call times", True),
    ("Visits are late", "Communication", False),             # about complaints filed under Communication
    ("Medication: medication was changed", "Communication", False),
    ("Call timesheets", "Call times", False),
    ("Praise: kind staff", None, False),
])
def test_a_theme_stands_for_a_rising_category_only_when_named_after_it(theme, category, named):
    assert _named_after(theme, category) is named


def test_a_theme_named_otherwise_adds_its_evidence_to_the_rising_categorys_finding():
    def finding(subject, status, confidence, source):
        return Finding("emerging_theme", SERVICE, "Ash Unit", None, None, None, subject, status, confidence,
                       date(2026, 3, 1), AS_OF, f"About {subject}.", (Evidence(source, "share", 0.5, 0.1, "", ""),))
    category = finding("Communication", "concern", "limited", "complaints")
    theme = finding("Visits are late", "fragile", "high", "feedback")
    both = _with_theme(category, theme)
    # The provider's name for what rose, the theme's comments as evidence, the surer confidence.
    assert (both.subject, both.status, both.confidence) == ("Communication", "concern", "high")
    assert [e.source for e in both.evidence] == ["complaints", "feedback"]
    assert both.summary == "About Communication. About Visits are late."
    # Told within the category's finding, the theme's summary leaves the complaints' chance to the category's test.
    told = replace(theme, summary="About Visits are late, without a second chance for the complaints.")
    assert _with_theme(category, theme, told).summary == (
        "About Communication. About Visits are late, without a second chance for the complaints.")
    assert _with_theme(category, theme, told).evidence == both.evidence


def _pooled_texts(complaints: int, comments: int) -> pd.DataFrame:
    """One team's texts: 24 months of 3 comments and a complaint a month on other themes, then in the last two months
    `complaints` complaints and `comments` comments on laundry among them."""
    rows = []
    months = pd.date_range("2024-05-01", periods=24, freq="MS")
    for i, month in enumerate(months):
        for source, count in (("feedback", 3), ("complaints", 1)):
            for k in range(count):
                rows.append({"service": "S", "team": "T", "shift": None, "source": source, "month": month,
                             "theme": "staff kind" if source == "feedback" else f"other {k}"})
    for source, count in (("complaints", complaints), ("feedback", comments)):
        for k in range(count):
            rows.append({"service": "S", "team": "T", "shift": None, "source": source, "month": months[-1 - k % 2],
                         "theme": "laundry"})
    # A second team with nothing on laundry, so the service's rise is not read as the service's.
    rows += [{**row, "team": "U", "theme": row["theme"] if row["theme"] != "laundry" else "staff kind"}
             for row in rows]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("complaints, comments, emerging", [
    (0, 0, False),   # nothing on laundry
    (2, 0, False),   # two complaints: short of the five mentions
    (0, 4, False),   # four comments: short too
    (2, 4, True),    # both read together: six recent mentions where there were none
    (1, 2, False),   # three together: still short
])
def test_a_team_theme_is_judged_on_complaints_and_comments_together(settings, complaints, comments, emerging):
    from analytics.theme_rates import Window, emerging_places
    texts = _pooled_texts(complaints, comments)
    window = Window.of(texts, date(2026, 4, 30), int(settings["thresholds"]["emerging_recent_months"]))
    places = emerging_places(texts, window, settings)
    found = places[(places["theme"] == "laundry") & (places["team"] == "T")]
    assert (not found.empty) is emerging


# What a text theme's finding says of chance: the rise the rule judged, and only that --------------------------------

def _laundry_finding(settings: dict, complaints: int, comments: int, unquoted: tuple[str, ...] = ()) -> Finding:
    """Team T's emerging-theme finding about laundry in `_pooled_texts`."""
    from collections import namedtuple

    from analytics.theme_rates import Window
    from analytics.themes import _finding
    texts = _pooled_texts(complaints, comments).assign(category=None, rating_score=np.nan)
    window = Window.of(texts, date(2026, 4, 30), int(settings["thresholds"]["emerging_recent_months"]))
    place = namedtuple("Place", "theme service team shift")("laundry", "S", "T", None)
    return _finding(texts, place, window, settings, unquoted=unquoted)


def _chance_said(recent: int, recent_total: int, earlier: int, earlier_total: int) -> str:
    """The one-sided binomial chance at the earlier share with one mention and one non-mention added, in words."""
    from scipy.stats import binom

    from analytics.findings import chance_words
    return chance_words(float(binom.sf(recent - 1, recent_total, (earlier + 1) / (earlier_total + 2))))


def test_a_text_themes_finding_says_how_often_chance_gives_its_rise(settings):
    found = _laundry_finding(settings, 6, 0)  # six laundry complaints among ten recent, none among twenty before
    said = _chance_said(6, 10, 0, 20)
    assert found.summary.startswith("Complaints about 'laundry' are rising in T at S: 6 of 10 complaints")
    assert f"; at the earlier share, a rise this large would come by chance {said}." in found.summary
    complaints = next(e for e in found.evidence if e.source == "complaints")
    assert complaints.detail.endswith(f"one-sided binomial test of the recent mentions at the earlier share (one "
                                      f"mention and one non-mention added to it): a rise this large would come by "
                                      f"chance {said}")


def test_a_source_merely_up_is_told_beside_the_rise_not_as_part_of_it(settings):
    # Eight laundry comments meet the rule; one laundry complaint among five is up on none, but is one mention.
    found = _laundry_finding(settings, 1, 8)
    assert found.summary.startswith("Feedback comments about 'laundry' are rising in T at S: 8 of 20 feedback")
    assert "while complaints on it make 20% against 0% before" in found.summary
    assert found.confidence == "limited"  # one source, not two agreeing ("high")
    complaints = next(e for e in found.evidence if e.source == "complaints")
    assert "binomial" not in complaints.detail  # not judged, so no chance is quoted for it


def test_a_theme_rising_only_on_both_sources_read_together_quotes_that_reading(settings):
    found = _laundry_finding(settings, 2, 4)  # two complaints and four comments: six, where each alone is short
    said = _chance_said(6, 22, 0, 80)
    assert found.summary.startswith("Complaints and feedback comments about 'laundry' are rising in T at S")
    assert ("; read together, 6 of 22 complaints and feedback comments in Jan 2026 to Apr 2026 (27%), against 0 of "
            f"80 (0%) in the 20 months before, and at the earlier share a rise this large would come by chance "
            f"{said}") in found.summary
    for evidence in found.evidence:
        assert evidence.detail.endswith(f"read with the other source's texts, 6 of 22 recently and 0 of 80 before, "
                                        f"one-sided binomial test of the recent mentions at the earlier share (one "
                                        f"mention and one non-mention added to it): a rise this large would come "
                                        f"by chance {said}")


def test_within_a_categorys_finding_a_theme_quotes_no_second_chance_for_its_complaints(settings):
    # Seven laundry complaints and eight comments, each source meeting the rule on its own.
    alone, told = _laundry_finding(settings, 7, 8), _laundry_finding(settings, 7, 8, ("complaints",))
    assert "; at the earlier shares, a rise this large would come by chance " in alone.summary
    feedback = f"{_chance_said(8, 20, 0, 60)} in feedback comments"
    assert f" and {feedback};" not in told.summary
    assert f"; at the earlier share, a rise this large would come by chance {feedback}" in told.summary
    assert told.summary.count("by chance") == 1 and told.evidence == alone.evidence
    # Read together only, the reading includes the complaints: nothing is quoted, the evidence still gives it.
    together = _laundry_finding(settings, 2, 4, ("complaints",))
    assert "by chance" not in together.summary and "read together" not in together.summary
    assert all("read with the other source's texts" in e.detail for e in together.evidence)


# Complaints are what rises: a team's theme read on both sources, where its few complaints were all on it before ----

@pytest.mark.parametrize("source, recent, earlier, up", [
    ("complaints", 4, 3, True),     # 1 a month against 0.15: up, though 4 of 5 is a smaller share than 3 of 3
    ("complaints", 4, 20, False),   # 1 a month, as before
    ("complaints", 1, 0, True),     # new
    ("complaints", 0, 0, False),    # none
    ("feedback", 4, 3, False),      # comments follow the surveys sent: only their share counts
])
def test_complaints_up_a_month(settings, source, recent, earlier, up):
    from analytics.theme_rates import Window, count_up
    window = Window(date(2024, 9, 1), date(2026, 1, 1), date(2026, 4, 30), 4, 20)
    rates = pd.DataFrame({"source": [source], "recent": [recent], "earlier": [earlier]})
    assert bool(count_up(rates, window, settings["thresholds"]).iloc[0]) is up


def _rare_complaints(earlier_laundry: int, recent_laundry: int, comments: int) -> pd.DataFrame:
    """Team T: 3 comments a month on other things for 24 months and `earlier_laundry` complaints, all on laundry,
    spread over the first 20; in the last 4 months `recent_laundry` laundry complaints and one other, and `comments`
    laundry comments. Team U has the same without laundry."""
    months = pd.date_range("2024-05-01", periods=24, freq="MS")
    rows = [{"source": "feedback", "month": month, "theme": "staff kind"} for month in months for _ in range(3)]
    rows += [{"source": "complaints", "month": months[k * 20 // max(earlier_laundry, 1)], "theme": "laundry"}
             for k in range(earlier_laundry)]
    rows += [{"source": "complaints", "month": months[-1 - k % 4], "theme": "laundry"} for k in range(recent_laundry)]
    rows += [{"source": "complaints", "month": months[-2], "theme": "other"}]
    rows += [{"source": "feedback", "month": months[-1 - k % 4], "theme": "laundry"} for k in range(comments)]
    texts = pd.DataFrame(rows).assign(service="S", team="T", shift=None)
    other = texts.assign(team="U", theme=texts["theme"].where(texts["theme"] != "laundry", "staff kind"))
    return pd.concat([texts, other], ignore_index=True)


@pytest.mark.parametrize("earlier_laundry, emerging", [
    (3, True),    # 3 in 20 months, now 4 in 4 (4 of 5 against 3 of 3): more often, with 3 comments where none were
    (20, False),  # 1 a month before and now: the comments' rise is not the complaints'
])
def test_a_team_theme_read_together_counts_complaints_coming_more_often(settings, earlier_laundry, emerging):
    from collections import namedtuple

    from analytics.theme_rates import Window, emerging_places
    from analytics.themes import _finding
    texts = _rare_complaints(earlier_laundry, 4, 3).assign(category=None, rating_score=np.nan)
    window = Window.of(texts, date(2026, 4, 30), int(settings["thresholds"]["emerging_recent_months"]))
    places = emerging_places(texts, window, settings)
    assert (not places[(places["theme"] == "laundry") & (places["team"] == "T")].empty) is emerging
    if emerging:
        place = namedtuple("Place", "theme service team shift")("laundry", "S", "T", None)
        found = _finding(texts, place, window, settings)
        assert found.summary.startswith("Complaints and feedback comments about 'laundry' are rising in T at S: "
                                        "4 complaints in Jan 2026 to Apr 2026, against 3 in the 20 months before "
                                        "and 3 of 15 feedback comments in Jan 2026 to Apr 2026 (20%)")
        complaints = next(e for e in found.evidence if e.source == "complaints")
        assert "4 of 5 in the last 4 months; 3 of 3 before (1.0 a month against 0.1)" in complaints.detail
