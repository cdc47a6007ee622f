"""Reading a rating column: each scale, which end is best (from the header or the comments), and which wide
columns hold answers at all. One small rule per case."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.answer_columns import is_answer_column
from analytics.rating_scales import (
    HIGHER,
    LIKELY,
    LOWER,
    SURE,
    UNSURE,
    comment_sentiment,
    read_rating_column,
    spearman,
)
from analytics.values import Unreadable

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "real-data" / "nhs-fft-comments-trust-a.csv"

KIND = ["Excellent care, thank you so much", "Very friendly and helpful staff", "Great service, really happy",
        "Wonderful doctor who listened", "Lovely receptionist, so kind", "Brilliant, quick and efficient",
        "The nurse was fantastic", "Good advice and a helpful chat"]
MIXED = ["Okay but the wait was long", "Fine, though parking was hard", "Alright, nothing special",
         "Some good, some bad"]
UNKIND = ["Terrible wait and rude staff", "Awful experience, nobody helped", "Very poor, I was ignored",
          "Unhelpful and rude receptionist", "Bad service, angry and upset", "Dreadful, very disappointed",
          "Horrible visit, I felt worthless", "Poor care and no apology"]


def _rows(best: int) -> tuple[list[int], list[str]]:
    """40 answers on 1-5 with comments that match: kind comments beside `best`, unkind beside the other end."""
    values, comments = [], []
    for i, quality in enumerate([5] * 12 + [4] * 8 + [3] * 4 + [2] * 8 + [1] * 8):  # 5 = best answer
        values.append(quality if best == 5 else 6 - quality)
        pool = KIND if quality >= 4 else MIXED if quality == 3 else UNKIND
        comments.append(pool[i % len(pool)])
    return values, comments


def _ten_rows(best: int) -> tuple[list[int], list[str]]:
    values, comments = _rows(5)
    return [(v - 1) * 2.5 if best == 10 else 10 - (v - 1) * 2.5 for v in values], comments


# --- every scale ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("header, values, scale, direction, value, score", [
    ("Friends and Family Test", [1, 2, 3, 4, 5, 6] * 5, "fft_code", LOWER, 2, 0.75),
    ("FFT categorical answer", [1, 2, 3, 4, 5, 6] * 5, "fft_code", LOWER, 6, None),
    ("Overall experience", ["Very good", "Good", "Poor", "Don't know"], "fft", HIGHER, "Good", 0.75),
    ("How likely are you to recommend us?", ["Extremely likely", "Likely", "Unlikely"], "fft_legacy", HIGHER,
     "Likely", 0.75),
    ("Q1 Overall experience of your GP practice", ["Very good", "Fairly good", "Fairly poor", "Don't know"],
     "gp_survey", HIGHER, "Fairly good", 0.75),
    ("Q1", ["Very good", "Fairly good", "Neither good nor poor", "Very poor"], "gp_survey", HIGHER,
     "Neither good nor poor", 0.5),
    ("Rating out of 5", [1, 2, 3, 4, 5] * 4, "1-5", HIGHER, 4, 0.75),
    ("Score (0-10)", list(range(11)) * 3, "0-10", HIGHER, 7, 0.7),
    ("Rating", ["7/10", "9/10", "3/10"], "0-10", HIGHER, "7/10", 0.7),
    ("Rating", ["4 out of 5", "5 out of 5", "2 out of 5"], "1-5", HIGHER, "4 out of 5", 0.75),
    ("Stars", ["★★★★☆", "★★★★★", "★★☆☆☆"], "1-5", HIGHER, "★★★★☆", 0.75),
    ("Rating", ["4 stars", "5 stars", "1 star"], "1-5", HIGHER, "4 stars", 0.75),
    ("Rating", [0, 3, 7, 8, 9, 10] * 4, "0-10", HIGHER, 8, 0.8),
])
def test_every_scale(header, values, scale, direction, value, score):
    reading = read_rating_column(values, header)
    assert (reading.scale, reading.direction) == (scale, direction), reading.evidence
    assert reading.score(value) == (None if score is None else pytest.approx(score))


@pytest.mark.parametrize("header, values, certainty", [
    ("Friends and Family Test", [1, 2, 3, 6], SURE),
    ("Q1", ["Very good", "Fairly good"], SURE),
    ("Rating", ["7/10", "9/10"], SURE),
    ("Rating", [0, 3, 7, 8, 9, 10], LIKELY),  # 0-10 puts the best at 10 by convention, but nothing says so
    ("Rating", [1, 2, 3, 4, 5], UNSURE),
])
def test_certainty(header, values, certainty):
    assert read_rating_column(values, header).certainty == certainty


def test_values_given_as_distinct_with_counts():
    for given in ({1: 30, 2: 10, 6: 2}, [(1, 30), (2, 10), (6, 2)]):
        reading = read_rating_column(given, "FFT answer code")
        assert reading.scale == "fft_code"
        assert "1 (30)" in reading.evidence[0]


# --- values off the scale are refused, never clipped ------------------------------------------------------

@pytest.mark.parametrize("header, values, value, reason", [
    ("FFT categorical answer", [1] * 50 + [2] * 20 + [7], 7, "not on the Friends and Family Test scale"),
    ("Rating (1-5)", [1, 2, 3, 4, 5] * 10 + [6], 6, "outside the 1-5 scale"),
    ("Rating (1-5)", [1, 2, 3, 4, 5] * 10 + [0], 0, "outside the 1-5 scale"),
    ("Score (0-10)", list(range(11)) * 5 + [11], 11, "outside the 0-10 scale"),
    ("Q1 Overall experience of your GP practice", ["Very good", "Fairly good", "Fairly poor"], "Extremely likely",
     "not on the GP Patient Survey scale"),
    ("Rating", ["7/10", "9/10"], "4/5", "out of 5"),
])
def test_off_scale_values_are_refused_with_a_reason(header, values, value, reason):
    reading = read_rating_column(values, header)
    with pytest.raises(Unreadable, match=reason):
        reading.score(value)
    assert any("refused" in line for line in reading.evidence) or value not in values


def test_fft_seven_is_named_in_the_evidence():
    reading = read_rating_column([1] * 50 + [2] * 20 + [7] * 2, "FFT")
    assert reading.evidence[-1].startswith("2 answers are not on Friends and Family Test codes")


@pytest.mark.parametrize("header, values, reason", [
    ("Rating", ["hello", "world", "again"], "not answers on a rating scale"),
    ("Rating", [0.25, 0.5, 0.8], "fractions between 0 and 1"),
    ("Rating", [12, 55, 80, 91], "outside 0-10"),
    ("Rating", [3.27, 4.61, 2.18], "decimals"),
    ("Rating", [0, 1, 1, 0], "flag"),
])
def test_values_that_are_not_answers(header, values, reason):
    reading = read_rating_column(values, header)
    assert reading.scale is None
    assert reason in reading.evidence[0]
    with pytest.raises(Unreadable, match="not read as a rating"):
        reading.score(values[0])


# --- which end is best: the header --------------------------------------------------------------------

@pytest.mark.parametrize("header, scale, direction, best", [
    ("Rating (1 = very good, 5 = very poor)", "fft_code", LOWER, 1),
    ("Rating (1 best)", "fft_code", LOWER, 1),
    ("Rating 1-5 (5 = excellent)", "1-5", HIGHER, 5),
    ("Rating, where 5 is the best", "1-5", HIGHER, 5),
    ("Rating (excellent = 5)", "1-5", HIGHER, 5),
    ("Rating (1 = very poor)", "1-5", HIGHER, 5),
    ("Rating 1-5, lower is better", "1-5", LOWER, 1),
    ("Friends & Family rating", "fft_code", LOWER, 1),
])
def test_header_states_which_end_is_best(header, scale, direction, best):
    reading = read_rating_column([1, 2, 3, 4, 5] * 3, header)
    assert (reading.scale, reading.direction, reading.certainty) == (scale, direction, SURE), reading.evidence
    assert reading.score(best) == 1.0


def test_unlabelled_one_to_five_asks():
    reading = read_rating_column([1, 2, 3, 4, 5] * 3, "Rating")
    assert reading.certainty == UNSURE
    assert reading.question == "Ratings 1-5 under 'Rating' with no label: is 5 the best or the worst?"


def test_unlabelled_one_to_six_asks_whether_fft():
    reading = read_rating_column([1, 2, 3, 4, 5, 6] * 3, "Rating")
    assert (reading.scale, reading.certainty) == ("fft_code", UNSURE)
    assert "Friends and Family Test codes" in reading.question


# --- which end is best: the comments ------------------------------------------------------------------

def test_gp_rating_where_one_is_very_good_is_read_from_the_comments():
    values, comments = _rows(best=1)
    reading = read_rating_column(values, "GP rating", comments)
    assert (reading.scale, reading.direction, reading.certainty) == ("fft_code", LOWER, LIKELY), reading.evidence
    rho, p, n = reading.correlation
    assert rho < -0.5 and p < 0.01 and n >= 20
    assert reading.score(1) == 1.0 and reading.score(5) == 0.0
    assert any("more positive where the number is lower" in line and "n = " in line for line in reading.evidence)


def test_local_scale_where_five_is_best_is_read_from_the_comments():
    values, comments = _rows(best=5)
    reading = read_rating_column(values, "Rating", comments)
    assert (reading.scale, reading.direction, reading.certainty) == ("1-5", HIGHER, LIKELY), reading.evidence
    assert reading.score(5) == 1.0 and reading.question is None


def test_comments_agree_with_the_header():
    values, comments = _rows(best=5)
    reading = read_rating_column(values, "Rating (5 = excellent)", comments)
    assert (reading.direction, reading.certainty) == (HIGHER, SURE)
    assert "the comments agree with the header" in reading.evidence


def test_inverted_scale_against_the_header_keeps_the_header_and_asks():
    values, comments = _rows(best=1)  # people marked 1 for their best experiences
    reading = read_rating_column(values, "Satisfaction (5 = excellent)", comments)
    assert (reading.scale, reading.direction, reading.certainty) == ("1-5", HIGHER, UNSURE)
    assert reading.question.startswith("The header says a higher number is better, but the comments are kinder "
                                       "where the number is lower")
    assert "is the lowest number the best answer" in reading.question


def test_inverted_scale_with_no_label_follows_the_comments():
    values, comments = _ten_rows(best=0)
    reading = read_rating_column(values, "Rating", comments)
    assert (reading.scale, reading.direction, reading.certainty) == ("0-10", LOWER, LIKELY), reading.evidence
    assert reading.score(0) == 1.0 and reading.score(10) == 0.0


@pytest.mark.parametrize("rows, needed", [(10, "only"), (0, "only 0 rows")])
def test_too_few_comments_leave_the_question(rows, needed):
    values, comments = _rows(best=1)
    comments = comments[:rows] + [None] * (len(values) - rows)
    reading = read_rating_column(values, "Rating", comments)
    assert reading.certainty == UNSURE and reading.correlation is None
    assert any(line.startswith(needed) for line in reading.evidence)


def test_comments_need_one_per_row():
    with pytest.raises(ValueError, match="one comment per row"):
        read_rating_column([1, 2, 3], "Rating", ["good"])
    with pytest.raises(ValueError, match="column itself"):
        read_rating_column({1: 3}, "Rating", ["good"] * 3)


def test_spearman_matches_scipy():
    from scipy.stats import spearmanr
    rng = np.random.default_rng(1)
    x = rng.integers(1, 6, 60)
    y = -x + rng.normal(0, 2, 60)
    expected = spearmanr(x, y)
    assert spearman(x, y) == pytest.approx((expected.statistic, expected.pvalue))


def test_sentiment_of_five_thousand_comments_is_fast():
    if REAL.exists():
        texts = [t for t in pd.read_csv(REAL, usecols=["FFT answer"])["FFT answer"] if isinstance(t, str)]
    else:
        texts = [f"{KIND[i % 8]} {UNKIND[i % 7]} visit {i}" for i in range(5000)]
    texts = (texts * 2)[:5000]
    comment_sentiment.cache_clear()
    comment_sentiment("warm the analyser")
    started = time.perf_counter()
    for text in texts:
        comment_sentiment(text)
    assert time.perf_counter() - started < 2.0


# --- wide layouts: which columns are answers -----------------------------------------------------------

@pytest.mark.parametrize("header, values, answer, reason", [
    ("Q3 How would you rate the food?", [1, 2, 3, 4, 5] * 4, True, "reads as a question"),
    ("How satisfied were you with the care?", ["Very good", "Good", "Poor"], True, "fit"),
    ("FFT categorical answer", [1] * 70 + [2] * 20 + [6, 7], True, "Friends and Family Test"),
    ("Comment sentiment", [1, 2, 3, 4, 5] * 4, False, "'sentiment'"),
    ("Sentiment score", [-0.5, 0.2, 0.9, 0.0], False, "'sentiment'"),
    ("Risk score", [1, 2, 3, 4, 5], False, "'score'"),
    ("Score", list(range(11)) * 2, False, "'score'"),
    ("Respondent ID", list(range(1, 40)), False, "'id'"),
    ("Response uuid", ["a1", "b2"], False, "'uuid'"),
    ("Index", [1, 2, 3, 4, 5], False, "'index'"),
    ("Total", [3, 4, 5, 6], False, "'total'"),
    ("Number of visits", [1, 2, 3, 4], False, "'number'"),
    ("Percentage positive", [80, 95], False, "'percentage'"),
    ("% positive", [80, 95], False, "'%'"),
    ("Count", [1, 2, 3], False, "'count'"),
    ("Age", [34, 56, 71, 80], False, "'age'"),
    ("Staff manner & personal attributes", [1.0, np.nan, 1.0, np.nan], False, "flag"),
    ("Theme: waiting", [0, 1, 1, 0, 1], False, "flag"),
    ("Staff", [1, 2, 3, 4, 5], False, "does not read as a question"),
    ("How many times did you visit?", [3, 12, 40, 25, 60], False, "outside 0-10"),
    ("Q5 How would you rate the food?", [1, 2, 3, 4, 5] * 4 + [11, 12], False, "only 20 of 22"),
])
def test_which_wide_columns_are_answers(header, values, answer, reason):
    found, why = is_answer_column(header, values)
    assert found is answer, why
    assert reason in why


def test_a_confirmed_column_is_read_as_answers():
    assert is_answer_column("Score", [1, 2, 3, 4, 5], confirmed=True)[0] is True
    assert is_answer_column("Staff", [1, 2, 3, 4, 5], confirmed=True)[0] is True
    assert is_answer_column("Score", [12, 55, 80], confirmed=True)[0] is False


# --- real data ----------------------------------------------------------------------------------------

@pytest.mark.skipif(not REAL.exists(), reason="the shared real data is not on this machine")
def test_real_fft_export_is_read_as_codes_and_agrees_with_human_sentiment():
    data = pd.read_csv(REAL)
    reading = read_rating_column(data["FFT categorical answer"], "FFT categorical answer",
                                 data["FFT answer"].tolist())
    assert (reading.scale, reading.direction, reading.certainty) == ("fft_code", LOWER, SURE), reading.evidence
    rho, p, n = reading.correlation
    assert rho < -0.2 and p < 0.01 and n > 1000  # higher codes, unkinder comments

    scores = []
    for value in data["FFT categorical answer"]:
        try:
            scores.append(reading.score(value))
        except Unreadable as refused:
            assert "not on the Friends and Family Test scale" in str(refused)
            scores.append(None)
    data["score"] = pd.to_numeric(pd.Series(scores, dtype=object), errors="coerce")
    labelled = data.dropna(subset=["score", "Comment sentiment"])
    agreement, p_label = spearman(labelled["score"], labelled["Comment sentiment"])  # label 1 very positive
    assert agreement < -0.3 and p_label < 0.001, agreement
    assert (data["FFT categorical answer"] == 7).sum() == data["score"].isna().sum() - \
        (data["FFT categorical answer"] == 6).sum()

    # Headed only "Rating", the comments alone find that 1 is best.
    plain = read_rating_column(data["FFT categorical answer"], "Rating", data["FFT answer"].tolist())
    assert (plain.scale, plain.direction, plain.certainty) == ("fft_code", LOWER, LIKELY), plain.evidence


@pytest.mark.parametrize("header, values, scale, certainty", [
    ("FFT", [1, 2, 3, 4, 5, 6, 7], "fft_code", SURE),  # one stray code in a small column: refused, not a new scale
    ("FFT", [1, 2, 3, 7, 8, 9, 10, 10, 9, 8], "0-10", UNSURE),  # most values are off the FFT scale: ask
])
def test_header_scale_is_kept_unless_most_values_are_off_it(header, values, scale, certainty):
    reading = read_rating_column(values, header)
    assert (reading.scale, reading.certainty) == (scale, certainty), reading.evidence
    assert (reading.question is None) == (certainty != UNSURE)
