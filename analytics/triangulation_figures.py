"""Each place's figures for triangulation, in an earlier and a recent half, every one from analytics.measures.

The last `triangulation_months` months up to the as-of date are halved. Per service and team, and per team's
shift, each half holds scheduled audit compliance (spot checks left out) with its answers, fill rate and
handover completion with their shifts, complaints with the planned hours behind the complaint rate, and the
feedback score per response with its sum of squares (all respondents, and families' alone) for a standard error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd

from . import measures
from .privacy import mask_series
from .scope import Scope, months_back, period_label

# Respondent types that are a family member or friend rather than the person, staff or a professional.
FAMILY_PATTERN = (r"\b(?:family|families|relative|relatives|friend|friends|daughter|son|wife|husband|partner|"
                  r"niece|nephew|next of kin|grand\w*)\b")
HALVES = ("earlier", "recent")


@dataclass(frozen=True)
class Window:
    """The months compared: an earlier half and a recent half ending on the as-of date."""

    start: date
    middle: date   # the first day of the recent half
    end: date

    def label(self, half: str) -> str:
        """The half's months, e.g. 'Aug 2026 to Oct 2026'."""
        if half == "earlier":
            return period_label(self.start, self.middle - timedelta(days=1))
        return period_label(self.middle, self.end)

    @property
    def recent_words(self) -> str:
        """The recent half as a sentence says it, e.g. 'the 3 months to Oct 2026'."""
        months = (self.end.year - self.middle.year) * 12 + self.end.month - self.middle.month + 1
        return f"the {months} months to {self.end:%b %Y}" if months > 1 else f"{self.end:%B %Y}"

    @property
    def months(self) -> tuple[int, int]:
        """How many months each half holds: recent, earlier."""
        recent = (self.end.year - self.middle.year) * 12 + self.end.month - self.middle.month + 1
        earlier = (self.middle.year - self.start.year) * 12 + self.middle.month - self.start.month
        return recent, earlier

    def half_of(self, day: date) -> str:
        """Which half a date falls in."""
        return "recent" if day >= self.middle else "earlier"


def triangulation_window(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> Window | None:
    """The last `triangulation_months` months up to the as-of date, halved; None without data."""
    end = scope.end(con)
    if end is None:
        return None
    months = settings["thresholds"]["triangulation_months"]
    return Window(months_back(end, months - 1), months_back(end, months - 1 - months // 2), end)


# --- loading each source by place and half (every figure from analytics.measures) ----------------------

PLACE = ("service", "team", "shift")
LEVELS = (("team",), ("team", "shift"))


def place_figures(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any],
                  window: Window) -> pd.DataFrame:
    """Every place's figures in both halves, whole teams and teams' shifts; empty without any."""
    sources = _load(con, scope, settings, window)
    levels = [level for level in (_figures(sources, keys) for keys in LEVELS) if not level.empty]
    return pd.concat(levels, ignore_index=True) if levels else pd.DataFrame()


def _load(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any],
          window: Window) -> dict[str, Any]:
    def monthly(measure_id: str, by: tuple[str, ...] = PLACE) -> pd.DataFrame:
        frame = measures.monthly(con, scope, measure_id, by, window.start, window.end, settings)
        frame["half"] = [window.half_of(month) for month in frame["month"]]
        return frame
    # Planned hours come with the complaint rate, per level: a complaint naming no shift is the whole team's.
    hours = {keys: monthly("complaint_rate", ("service", *keys)) for keys in LEVELS}
    return {"audits": _audits(monthly("audit_compliance", (*PLACE, "audit_type", "spot_check"))),
            "fill": monthly("fill_rate"), "handover": monthly("handover_completion"), "hours": hours,
            "complaints": _complaints(monthly("complaints", (*PLACE, "category", "summary"))),
            "feedback": _feedback(monthly("feedback_score", (*PLACE, "respondent_type")))}


def _audits(audits: pd.DataFrame) -> pd.DataFrame:
    """Scheduled audits only: the assurance leaders rely on (spot checks test whether it is embedded)."""
    return audits[audits["spot_check"].ne(True)].drop(columns="spot_check")


def _complaints(complaints: pd.DataFrame) -> pd.DataFrame:
    # A complaint is known by its category, or with none by what it says; findings quote either, and a category
    # cell may hold personal data as a summary does ("Complaint about nurse Jane Smith"): both masked.
    complaints = complaints[complaints["n"] > 0].copy()  # the months the log covers without one are zeros
    category = complaints["category"].astype(object)
    category = category.where(category.notna() & category.astype(str).str.strip().ne(""),
                              complaints["summary"].astype(object))
    complaints["category"] = mask_series(category) if len(category) else category
    return complaints.drop(columns="summary")


def _feedback(feedback: pd.DataFrame) -> pd.DataFrame:
    feedback = feedback.copy()
    who = feedback["respondent_type"].astype(object).where(feedback["respondent_type"].notna(), "")
    feedback["family"] = who.astype(str).str.lower().str.contains(FAMILY_PATTERN, regex=True)
    return feedback


# --- every place's figures ---------------------------------------------------------------------------

SUMS = ["numerator", "denominator", "n"]
FEEDBACK_SUMS = ["numerator", "n", "squares"]


def _sums(frame: pd.DataFrame, keys: tuple[str, ...], columns: list[str], prefix: str) -> pd.DataFrame:
    """Per place, the columns summed in each half, as `<prefix>_<column>_<half>`."""
    place = ["service", *keys]
    names = [f"{prefix}_{column}_{half}" for column in columns for half in HALVES]
    known = frame.dropna(subset=["team", *keys]) if not frame.empty else frame
    if known.empty:
        return pd.DataFrame(columns=[*place, *names])
    wide = known.groupby([*place, "half"])[columns].sum().unstack("half", fill_value=0)
    wide.columns = [f"{prefix}_{column}_{half}" for column, half in wide.columns]
    return wide.reindex(columns=names, fill_value=0).reset_index()


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator).where(denominator > 0)


def _standard_error(responses: pd.Series, total: pd.Series, squares: pd.Series) -> pd.Series:
    """The standard error of a mean response score, from the count, sum and sum of squares."""
    variance = ((squares - total * total / responses) / (responses - 1)).clip(lower=0)
    return (variance / responses).pow(0.5).where(responses >= 2)


def _figures(sources: dict[str, Any], keys: tuple[str, ...]) -> pd.DataFrame:
    """Each source's figures for every place at one level (whole teams, or teams' shifts), in both halves."""
    place = ["service", *keys]
    feedback = sources["feedback"]
    parts = [_sums(sources["audits"], keys, SUMS, "audits"), _sums(sources["fill"], keys, SUMS, "fill"),
             _sums(sources["handover"], keys, SUMS, "handover"),
             _sums(sources["hours"][keys], keys, SUMS, "hours"), _sums(sources["complaints"], keys, ["n"], "complaints"),
             _sums(feedback, keys, FEEDBACK_SUMS, "feedback"),
             _sums(feedback[feedback["family"]], keys, FEEDBACK_SUMS, "family")]
    sums = parts[0]
    for part in parts[1:]:
        sums = sums.merge(part, how="outer", on=place)
    if sums.empty:
        return pd.DataFrame()
    sums = sums.fillna({column: 0 for column in sums.columns if column not in place})
    table = sums[place].copy()
    if "shift" not in keys:
        table["shift"] = None
    for half in HALVES:
        def col(name: str, half: str = half) -> pd.Series:
            return sums[f"{name}_{half}"].astype(float)
        table[f"audit_compliance_{half}"] = _ratio(col("audits_numerator"), col("audits_denominator"))
        table[f"audit_answers_{half}"] = col("audits_n").astype(int)
        table[f"fill_rate_{half}"] = _ratio(col("fill_numerator"), col("fill_denominator"))
        table[f"handover_completion_{half}"] = _ratio(col("handover_numerator"), col("handover_denominator"))
        table[f"rota_shifts_{half}"] = col("fill_n").astype(int)
        table[f"handover_shifts_{half}"] = col("handover_n").astype(int)
        table[f"planned_hours_{half}"] = 1000 * col("hours_denominator")  # the rate's denominator is in thousands
        table[f"complaints_{half}"] = col("complaints_n").astype(int)
        table[f"complaint_rate_{half}"] = _ratio(col("hours_numerator"), col("hours_denominator"))
        for prefix in ("", "family_"):
            name = prefix or "feedback_"
            responses, total = col(f"{name}n"), col(f"{name}numerator")
            table[f"{prefix}feedback_{half}"] = _ratio(total, responses)
            table[f"{prefix}responses_{half}"] = responses.astype(int)
            table[f"{prefix}feedback_se_{half}"] = _standard_error(responses, total, col(f"{name}squares"))
    places = list(sums[place].itertuples(index=False, name=None))
    weakest = _weakest_audits(sources["audits"], keys)
    table["weakest_audit"] = [weakest.get(p) for p in places]
    for half in HALVES:
        categories = _categories(sources["complaints"], keys, half)
        table[f"{half}_categories"] = [categories.get(p, {}) for p in places]
    return table


def _weakest_audits(audits: pd.DataFrame, keys: tuple[str, ...]) -> dict[tuple, str]:
    """Per place, the audit type with the lowest compliance in the recent half."""
    recent = audits[audits["half"] == "recent"].dropna(subset=["team", *keys]) if not audits.empty else audits
    if recent.empty:
        return {}
    by_type = recent.groupby(["service", *keys, "audit_type"])[["numerator", "denominator"]].sum()
    compliance = (by_type["numerator"] / by_type["denominator"]).sort_values(kind="stable")
    weakest: dict[tuple, str] = {}
    for (*place, audit_type) in compliance.index:
        weakest.setdefault(tuple(place), str(audit_type))
    return weakest


def _categories(complaints: pd.DataFrame, keys: tuple[str, ...], half: str) -> dict[tuple, dict[str, int]]:
    """Per place, the complaints in one half by category, commonest first."""
    rows = complaints[complaints["half"] == half].dropna(subset=["team", *keys]) if not complaints.empty \
        else complaints
    if rows.empty:
        return {}
    counts = rows.groupby(["service", *keys, "category"])["n"].sum().reset_index()
    counts = counts.sort_values(["n", "category"], ascending=[False, True], kind="stable")
    found: dict[tuple, dict[str, int]] = {}
    for row in counts.itertuples(index=False, name=None):
        found.setdefault(tuple(row[:-2]), {})[str(row[-2])] = int(row[-1])
    return found
