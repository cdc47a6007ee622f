"""The reading of files providers really have: every column's reading shown, nothing uncertain decided in silence.

Most files here come from tests/corpus.py: exports in the shapes of real tools (Microsoft and Google Forms, KoBo,
Radar-style complaints, NHS trust and GP FFT exports, trackers), each with the reading a person expects."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from corpus import reading_agreement, write_corpus
from spreadsheets import csv_file

from analytics.ingest import OpenQuestions, ingest_path, inspect
from analytics.reading import Answers, name_as_value
from analytics.store import connect

ROOT = Path(__file__).resolve().parent.parent
REAL_FFT = ROOT.parent / "shared" / "real-data" / "nhs-fft-comments-trust-a.csv"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return {f.path.name: f for f in write_corpus(tmp_path_factory.mktemp("corpus"), seed=0)}


@pytest.fixture
def store(tmp_path):
    con = connect(tmp_path / "store.duckdb")
    yield con
    con.close()


def _reading(con, expected):
    uploads = inspect(expected.path.read_bytes(), expected.path.name, con=con, path=expected.path)
    return next(u for u in uploads if not expected.sheet or u.raw.sheet == expected.sheet)


def _as_read(upload) -> dict[str, str]:
    actual = {column: name for name, column in upload.plan.mapping.items()}
    actual.update({q: "question" for q in upload.plan.question_columns})
    actual.update({c: "comment" for c in upload.plan.comment_columns})
    return actual


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_corpus_is_read_as_people_expect(seed, store, tmp_path):
    """Agreement with the expected reading, column by column, over every file of the corpus (other seeds: other
    names, values and sizes in the same shapes)."""
    corpus = {f.path.name: f for f in write_corpus(tmp_path / "corpus", seed=seed)}
    scores, wrong_source = {}, []
    for name, expected in corpus.items():
        try:
            upload = _reading(store, expected)
        except Exception:  # noqa: BLE001 - a refusal scores as the corpus says
            scores[name] = reading_agreement(expected, {})
            continue
        if expected.source and upload.plan.source != expected.source:
            wrong_source.append(name)
        scores[name] = reading_agreement(expected, _as_read(upload))
    mean = sum(scores.values()) / len(scores)
    print(f"\nreading agreement over {len(scores)} files: {mean:.2f}")
    for name, score in sorted(scores.items(), key=lambda item: item[1]):
        print(f"  {score:.2f} {name}")
    assert len(scores) >= 20
    assert mean >= 0.8
    assert len(wrong_source) <= 2, wrong_source


def test_the_nhs_england_summary_of_counts_is_refused(corpus, store):
    summary = corpus["FFT_Monthly_Submission_Sep-25.xlsx"]
    with pytest.raises(Exception, match="cannot tell which source"):
        _reading(store, summary)


# --- ratings you can trust ---------------------------------------------------------------

def test_a_gp_export_headed_rating_reads_codes_with_1_as_very_good(corpus, store):
    expected = corpus["FFT responses - Riverside Surgery.csv"]
    [result] = ingest_path(store, expected.path)
    best = store.cursor().execute("SELECT avg(rating_score) FROM feedback WHERE rating = '1'").fetchone()[0]
    worst = store.cursor().execute("SELECT avg(rating_score) FROM feedback WHERE rating = '5'").fetchone()[0]
    assert best == 1.0 and worst == 0.0
    columns = {c["column"]: c for c in result.reading["columns"]}
    assert columns["Rating"]["detail"] == "FFT codes, 1 is best"


def test_a_local_scale_where_5_is_best_is_read_that_way(corpus, store):
    expected = corpus["Homecare client questionnaire 2025.xlsx"]
    ingest_path(store, expected.path)
    by_value = dict(store.cursor().execute(
        "SELECT rating, avg(rating_score) FROM feedback WHERE rating IN ('1', '5') GROUP BY 1").fetchall())
    assert by_value["5"] > by_value["1"]


def _inverted_survey(tmp_path: Path) -> Path:
    """A survey whose header says 1 = excellent, but whose comments are kinder the higher the number."""
    kind = ["Staff were wonderful, kind and caring", "Excellent care, thank you so much", "Lovely, friendly team"]
    unkind = ["Terrible, rude staff and nobody came", "Awful experience, dirty and cold", "Very poor, I was ignored"]
    rows = [["Date", "Unit", "Rating (1 = excellent, 5 = very poor)", "Comment"]]
    for i in range(60):
        high = i % 2 == 0
        rows.append([f"{1 + i % 28:02d}/03/2026", "Rowan Unit", str(5 - i % 2 if high else 1 + i % 2),
                     kind[i % 3] if high else unkind[i % 3]])
    return csv_file(tmp_path / "survey.csv", rows)


def test_a_scale_the_comments_contradict_is_asked_not_guessed(store, tmp_path):
    path = _inverted_survey(tmp_path)
    with pytest.raises(OpenQuestions, match='--scale "Rating \\(1 = excellent, 5 = very poor\\)='):
        ingest_path(store, path)
    assert store.cursor().execute("SELECT count(*) FROM feedback").fetchone() == (0,)
    answered = Answers.from_flags([], ["Rating (1 = excellent, 5 = very poor)=1-5:higher_is_better"], [], [])
    [result] = ingest_path(store, path, answers=answered)
    assert result.rows_new == 60
    assert store.cursor().execute("SELECT avg(rating_score) FROM feedback WHERE rating = '5'").fetchone() == (1.0,)


def test_score_and_theme_columns_of_an_fft_export_are_not_ratings(corpus, store):
    expected = corpus["FFT comments export Q3 2025-26.xlsx"]
    upload = _reading(store, expected)
    assert upload.plan.question_columns == []
    read = _as_read(upload)
    assert "Comment sentiment" not in read


def test_the_real_fft_comments_keep_every_comment_and_their_ratings_point_the_right_way(store):
    if not REAL_FFT.exists():
        pytest.skip(f"real data not found at {REAL_FFT}")
    ingest_path(store, REAL_FFT, answers=Answers(dates={"Date": "dmy"}))
    raw = pd.read_csv(REAL_FFT, dtype=str)
    stored = store.cursor().execute(
        "SELECT response_id, rating_score FROM feedback WHERE comment IS NOT NULL").df()
    # Every comment is kept, but those whose date is not a date at all.
    assert len(stored) >= 0.995 * raw["FFT answer"].notna().sum()
    labels = raw.dropna(subset=["Comment sentiment"]).drop_duplicates("Respondent ID").set_index("Respondent ID")
    joined = stored.dropna().join(labels["Comment sentiment"].astype(float), on="response_id").dropna()
    # Human labels run 1 very positive .. 5 very negative; our score 0 worst .. 1 best: the correlation is negative.
    rho = joined["rating_score"].corr(joined["Comment sentiment"], method="spearman")
    assert len(joined) > 1000 and rho < -0.4


# --- values the file does not hold ----------------------------------------------------------

@pytest.mark.parametrize("name, value", [
    ("Medication Audit(1-12)", "Medication Audit"), ("Infection Control Walkround (Responses)", "Infection Control "
                                                                                              "Walkround"),
    ("Sheet1", None), ("Form1", None), ("2026-03-02", None), ("Falls audit 2026-03-02", "Falls audit")])
def test_a_name_as_a_value(name, value):
    assert name_as_value(name) == value


def test_a_forms_export_takes_its_audit_type_from_its_title(corpus, store):
    expected = corpus["Medication Audit(1-12).xlsx"]
    [result] = ingest_path(store, expected.path)
    assert store.cursor().execute("SELECT DISTINCT audit_type FROM audits").fetchall() == [("Medication Audit",)]
    assert any("'Medication Audit' is taken from the file name" in note for note in result.notes)


def test_set_gives_a_value_the_file_does_not_hold(corpus, store):
    expected = corpus["Medication Audit(1-12).xlsx"]
    ingest_path(store, expected.path, answers=Answers(values={"audit_type": "Medicines audit"}))
    assert store.cursor().execute("SELECT DISTINCT audit_type FROM audits").fetchall() == [("Medicines audit",)]


# --- new names are confirmed, not invented --------------------------------------------------

def _complaints(tmp_path, name, home):
    rows = [["Ref", "Date received", "Home", "Unit", "Summary"]] + [
        [f"{home[:3]}-{i}", f"0{i + 1}/03/2026", home, "Rowan Unit", f"Complaint {i} about laundry"] for i in range(3)]
    return csv_file(tmp_path / name, rows)


def test_a_name_like_a_stored_one_is_asked(store, tmp_path):
    ingest_path(store, _complaints(tmp_path, "first.csv", "Oakwood House"))
    later = _complaints(tmp_path, "later.csv", "Oakwood Hse")
    with pytest.raises(OpenQuestions, match='Oakwood Hse.*--same "Oakwood Hse=Oakwood House"'):
        ingest_path(store, later)
    ingest_path(store, later, answers=Answers(same={"Oakwood Hse": "Oakwood House"}))
    assert store.cursor().execute("SELECT DISTINCT service FROM complaints").fetchall() == [("Oakwood House",)]


def test_a_name_confirmed_new_is_kept_as_written(store, tmp_path):
    ingest_path(store, _complaints(tmp_path, "first.csv", "Oakwood House"))
    ingest_path(store, _complaints(tmp_path, "later.csv", "Oakwood Hse"), answers=Answers(new={"Oakwood Hse"}))
    assert {s for (s,) in store.cursor().execute("SELECT DISTINCT service FROM complaints").fetchall()} == \
        {"Oakwood House", "Oakwood Hse"}


def test_a_blank_service_in_a_store_with_several_is_asked(store, tmp_path):
    ingest_path(store, _complaints(tmp_path, "a.csv", "Oakwood House"))
    ingest_path(store, _complaints(tmp_path, "b.csv", "Elm Court"))
    rows = [["Ref", "Date received", "Home", "Unit", "Summary"], ["X-1", "04/03/2026", "", "Rowan Unit", "Cold tea"]]
    path = csv_file(tmp_path / "blank.csv", rows)
    with pytest.raises(OpenQuestions, match='which service is it for.*--set service='):
        ingest_path(store, path)
    ingest_path(store, path, answers=Answers(values={"service": "Elm Court"}))
    assert store.cursor().execute("SELECT service FROM complaints WHERE reference = 'X-1'").fetchone() == \
        ("Elm Court",)


def test_a_blank_service_in_a_store_with_one_service_is_that_service(store, tmp_path):
    ingest_path(store, _complaints(tmp_path, "a.csv", "Oakwood House"))
    rows = [["Ref", "Date received", "Home", "Unit", "Summary"], ["X-1", "04/03/2026", "", "Rowan Unit", "Cold tea"]]
    ingest_path(store, csv_file(tmp_path / "blank.csv", rows))
    assert store.cursor().execute("SELECT service FROM complaints WHERE reference = 'X-1'").fetchone() == \
        ("Oakwood House",)


# --- never drop a comment -----------------------------------------------------------------

def test_a_survey_with_two_comment_boxes_keeps_both(corpus, store):
    expected = corpus["Family & Friends Survey 2025 (Responses).xlsx"]
    ingest_path(store, expected.path)
    questions = {q for (q,) in store.cursor().execute(
        "SELECT DISTINCT question FROM feedback WHERE comment IS NOT NULL").fetchall()}
    assert {"What was good?", "What could we do better?"} <= questions


# --- the command line -----------------------------------------------------------------------

def test_the_command_line_shows_the_reading_and_takes_db_after_the_command(corpus, tmp_path):
    expected = corpus["Complaints_Report_2026-03-04.xlsx"]
    done = subprocess.run([sys.executable, "-m", "analytics", "ingest", str(expected.path), "--db",
                           str(tmp_path / "cli.duckdb"), "--json"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    [batch] = json.loads(done.stdout)
    reading = batch["reading"]
    assert reading["source"] == "complaints" and reading["header_row"] == expected.header_row
    read_as = {c["column"]: c["read_as"] for c in reading["columns"]}
    assert read_as["Date complaint received (dd/mm/yyyy)"] == "Date received"


def test_the_command_line_names_the_flag_that_settles_a_question(store, tmp_path):
    path = _inverted_survey(tmp_path)
    database = tmp_path / "q.duckdb"
    done = subprocess.run([sys.executable, "-m", "analytics", "--db", str(database), "ingest", str(path)], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "nothing was loaded" in done.stderr and '--scale "Rating (1 = excellent, 5 = very poor)=' in done.stderr
    again = subprocess.run([sys.executable, "-m", "analytics", "--db", str(database), "ingest", str(path), "--scale",
                            "Rating (1 = excellent, 5 = very poor)=1-5:higher_is_better"], cwd=ROOT,
                           capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "60 new" in again.stdout


def test_a_hidden_helper_sheet_is_skipped_with_a_note(corpus, store):
    expected = corpus["Complaints Log 2025.xlsx"]
    results = ingest_path(store, expected.path)
    assert [r.source for r in results] == ["complaints"]
    assert any("is hidden; not loaded" in note for note in results[0].notes)
