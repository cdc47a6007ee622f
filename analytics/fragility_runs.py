"""When a place's months add up to a persistent weakness: the runs `analytics.fragility` reports.

`analytics.fragility` sets each team, shift and team's shift beside the rest of its service month by month; this
module judges those months.

Shares and scores (rota measures, audit compliance, feedback) are read month by month, back from the latest. The
run goes on while the place is behind the rest of its service at all and starts at a month behind by
`fragility_gap`: a month only a little behind inside a weak spell (a handful of responses, or a dip everywhere
that narrows the gap for a month) does not end it; a month level with the rest, or missing, does; months merely
behind before the spell are not told as part of it. A run is a signal when it has lasted `fragility_min_periods`
months, the place is `fragility_gap` behind over the run and over its latest `fragility_min_periods` months taken
together, and counting chance (`analytics.chance`: the place's answers, shifts or responses against the rest's
over the same months) would leave it this far behind no more often than `fragility_max_chance`: on a few answers
or responses a month, three months behind can be noise.

Complaints are rare and judged over windows of months (`_complaint_windows`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from .chance import signal_chance
from .spc_counts import poisson_compare, scan_looks

# The share of a team's (or shift's) complaints one of its team-shifts must hold to be named instead of it.
MOST_OF_THE_COMPLAINTS = 2 / 3
_KEYS = ["service", "measure", "team", "shift"]


@dataclass(frozen=True)
class Measure:
    """One monthly figure compared between a place and the rest of its service."""

    source: str
    label: str
    higher_is_worse: bool
    clause: str          # how a sentence states it, with {value} and {rest}
    as_percent: bool = True


MEASURES = {
    "fill_rate": Measure("rota", "rota fill rate", False, "shifts were filled to {value} of plan ({rest} elsewhere)"),
    "agency_share": Measure("rota", "agency share of hours", True,
                            "agency staff worked {value} of hours ({rest} elsewhere)"),
    "handover_completion": Measure("rota", "handover completion", False,
                                   "handovers were completed on {value} of shifts ({rest} elsewhere)"),
    "audit_compliance": Measure("audits", "audit compliance", False,
                                "audit compliance averaged {value} ({rest} elsewhere)"),
    "complaints_per_1000_hours": Measure("complaints", "complaints per 1,000 planned hours", True,
                                         "complaints ran at {value} per 1,000 planned hours ({rest} elsewhere)",
                                         as_percent=False),
    "complaints_per_month": Measure("complaints", "complaints per month", True,
                                    "complaints averaged {value} a month ({rest} for each other team or shift)",
                                    as_percent=False),
    "feedback_score": Measure("feedback", "feedback score", False, "feedback averaged {value} ({rest} elsewhere)"),
}


@dataclass(frozen=True)
class Signal:
    """One measure on which one place has been worse than the rest of its service, month after month."""

    service: str
    team: str | None
    shift: str | None
    measure: str
    months: tuple[date, ...]   # the months with a figure, oldest first, up to the latest
    value: float               # the place's mean monthly figure over those months
    rest: float                # the rest of the service's
    gap: float                 # how much worse: a difference, or for complaints a ratio
    count: float               # complaints or responses over those months

    @property
    def place(self) -> tuple[str, str | None, str | None]:
        return self.service, self.team, self.shift

    @property
    def span(self) -> int:
        """How many months the signal lasts, from its first month to its last, months without a figure included."""
        first, last = self.months[0], self.months[-1]
        return (last.year - first.year) * 12 + last.month - first.month + 1




def _gap(measure: Measure, value: float, rest: float) -> float:
    if measure.source == "complaints":
        return math.inf if rest == 0 else value / rest
    return value - rest if measure.higher_is_worse else rest - value


def signals(table: pd.DataFrame, thresholds: dict[str, Any]) -> list[Signal]:
    """Every place and measure persistently worse than the rest up to the latest month (see the module docstring).

    `table`: the comparisons of `fragility`, with each month's num, den, count and squares for the place and
    rest_num, rest_den, rest_count (as `rest_count`) and rest_squares for the rest of the service."""
    if table.empty:
        return []
    counted = table["measure"].map(lambda name: MEASURES[name].source == "complaints").astype(bool)
    runs = pd.concat([_share_runs(table[~counted], thresholds), _complaint_windows(table[counted], thresholds)])
    found = []
    for (service, measure_name, team, shift), run in runs.groupby(_KEYS, dropna=False, sort=True):
        run = run.sort_values("month")
        value = sum(run["value"]) / len(run)
        rest = sum(run["rest_of_service"]) / len(run)
        found.append(Signal(service, _none(team), _none(shift), measure_name, tuple(run["month"]), value, rest,
                            _gap(MEASURES[measure_name], value, rest), sum(run["count"])))
    return found


def _behind(table: pd.DataFrame) -> pd.Series:
    """How far each month's figure is behind the rest's, in the measure's bad direction (NaN where unknown)."""
    higher_is_worse = table["measure"].map(lambda name: MEASURES[name].higher_is_worse).astype(bool)
    value, rest = table["value"].astype(float), table["rest_of_service"].astype(float)
    return (value - rest).where(higher_is_worse, rest - value)


def _pooled_behind(months: pd.DataFrame) -> float:
    """How far the place is behind the rest over some months taken together (its answers, hours or responses
    pooled, and the rest's)."""
    value, rest = months["num"].sum() / months["den"].sum(), months["rest_num"].sum() / months["rest_den"].sum()
    return float(value - rest if MEASURES[months["measure"].iloc[0]].higher_is_worse else rest - value)


def _share_runs(table: pd.DataFrame, thresholds: dict[str, Any]) -> pd.DataFrame:
    """The months of each run of a share or score that is a signal (see the module docstring)."""
    if table.empty:
        return table
    shortest, margin = int(thresholds["fragility_min_periods"]), thresholds["fragility_gap"] - 1e-9
    index = pd.Series([month.year * 12 + month.month for month in table["month"]], index=table.index)
    back = index.groupby([table["service"], table["measure"]]).transform("max") - index
    place_id = table["service"].astype(str)  # one id per place and measure
    for column in _KEYS[1:]:
        place_id = place_id + "|" + table[column].fillna("").astype(str)
    frame = table.assign(back=back, behind=_behind(table), place=place_id)
    frame = frame[frame["rest_den"] > 0]
    # Only places behind by the margin over their latest months together can carry a run: the rest are skipped.
    recent = frame[frame["back"] < shortest].groupby("place")
    sums = recent[["num", "den", "rest_num", "rest_den"]].sum()
    value, rest = sums["num"] / sums["den"], sums["rest_num"] / sums["rest_den"]
    higher_is_worse = recent["measure"].first().map(lambda name: MEASURES[name].higher_is_worse).astype(bool)
    behind = (value - rest).where(higher_is_worse, rest - value)
    candidates = frame[frame["place"].isin(set(behind[behind >= margin].index))]
    runs = []
    for _, place in candidates.groupby("place", sort=False):
        place = place.sort_values("back")
        behind = place["behind"].to_numpy()
        # Tolerant: months without a figure are passed over (a month without responses says nothing).
        run = place.iloc[:_leading(behind > 1e-9)]
        while len(run) and run["behind"].iloc[-1] < margin:
            run = run.iloc[:-1]
        consecutive = place["back"].to_numpy() == np.arange(len(place))
        strict = place.iloc[:_leading(consecutive & (behind >= margin))]  # behind by the margin every month
        if len(run) > len(strict) and len(run) and run["back"].iloc[-1] + 1 >= shortest \
                and _pooled_behind(run) >= margin and _share_chance(run) <= thresholds["fragility_max_chance"]:
            runs.append(run)
        elif len(strict) >= shortest:
            runs.append(strict)
    return pd.concat(runs).drop(columns=["back", "behind", "place"]) if runs else table.iloc[0:0]


def _leading(mask: np.ndarray) -> int:
    """How many of the first entries in a row are True."""
    return int(np.argmin(mask)) if not mask.all() else len(mask)


def _share_chance(run: pd.DataFrame) -> float:
    """How likely counting chance alone leaves the place this far behind the rest over the run's months."""
    measure = run["measure"].iloc[0]
    place = {"numerator": run["num"].to_numpy(float), "denominator": run["den"].to_numpy(float),
             "n": run["count"].to_numpy(float), "squares": run["squares"].to_numpy(float)}
    rest = {"numerator": run["rest_num"].to_numpy(float), "denominator": run["rest_den"].to_numpy(float),
            "n": run["rest_count"].to_numpy(float), "squares": run["rest_squares"].to_numpy(float)}
    chance = signal_chance(measure, place, rest, MEASURES[measure].higher_is_worse)
    return 1.0 if chance is None else chance


def _complaint_windows(table: pd.DataFrame, thresholds: dict[str, Any]) -> pd.DataFrame:
    """For complaints, the longest run of months up to the latest over which the place's rate has been at least
    `complaint_rate_ratio` times the rest's beyond chance, its latest `fragility_min_periods` months too. The
    window's chance is counted once for each of the looks its scan takes
    (`spc_counts.scan_looks`).

    Complaints are rare: a month without one says little, so a place with about two extra a month is not let
    off by one quiet month, as a month-by-month run would be; the count over the months is what is tested."""
    keys = ["service", "measure", "team", "shift"]
    shortest = int(thresholds["fragility_min_periods"])
    latest = table.groupby(["service", "measure"])["month"].transform("max")
    windows = []
    for _, place in table.groupby(keys, dropna=False, sort=False):
        place = place.sort_values("month")
        if len(place) < shortest or place["month"].iloc[-1] != latest[place.index[-1]]:
            continue
        if not _rate_above(place.iloc[-shortest:], thresholds):
            continue
        # The window chance explains least (a scan over its start): a rise of three months is told as three
        # months, a two-year excess as two years.
        tested = [(_chance(place.iloc[-length:]), -length) for length in range(shortest, len(place) + 1)
                  if _rate_above(place.iloc[-length:], thresholds)]
        chance, length = min(tested)
        window = place.iloc[length:]
        chance = min(1.0, chance * scan_looks(shortest, len(place)))
        if chance <= thresholds["fragility_max_chance"] and window["count"].sum() >= thresholds["min_complaints"]:
            windows.append(window)
    return pd.concat(windows) if windows else table.iloc[0:0]


def _rate_above(window: pd.DataFrame, thresholds: dict[str, Any]) -> bool:
    count, exposure = float(window["count"].sum()), float(window["exposure"].sum())
    rest_count, rest_exposure = float(window["rest_count"].sum()), float(window["rest_exposure"].sum())
    if count <= 0 or exposure <= 0:
        return False
    if rest_exposure <= 0 or rest_count <= 0:
        return True
    return count / exposure >= thresholds["complaint_rate_ratio"] * rest_count / rest_exposure


def _chance(window: pd.DataFrame) -> float:
    """How likely chance alone gives the place this many more complaints than the rest over the window: the exact
    test of two Poisson rates over their exposures (thousands of planned hours, or place-months)."""
    exposure, rest_exposure = float(window["exposure"].sum()), float(window["rest_exposure"].sum())
    if exposure <= 0 or rest_exposure <= 0:
        return 1.0
    return poisson_compare(float(window["count"].sum()), exposure, float(window["rest_count"].sum()),
                           rest_exposure).p_higher


def _none(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _covers(broad: Signal, cell: Signal) -> bool:
    """Whether a whole-team or whole-shift signal takes in one team's shift on the same measure."""
    if broad.service != cell.service or broad.measure != cell.measure or (broad.team and broad.shift):
        return False
    return broad.team == cell.team if broad.team else broad.shift == cell.shift


def most_specific(signals: list[Signal], table: pd.DataFrame | None = None, margin: float = math.inf,
                  share: float = 0.5) -> list[Signal]:
    """Name the place the weakness sits: a weak team's shift rather than the team or shift it drags down, the
    team or shift where the weakness is on most of it.

    A whole team or shift flagged along with its team-shifts (`_is_whole`) keeps the whole when the weakness is
    the whole's, and the team-shifts otherwise. One team-shift is the whole's for a share or score where it is no
    further behind than the whole (every night weak, one of them just over the margin against a rest holding the
    other weak nights, is the night shift's pattern) or the rest of the whole is itself behind by `margin` over the
    whole's months (`table`, the comparisons: a team audited on a random shift each month is weak on every shift,
    though only the shift with the most audited months clears the run); for complaints, where it holds less than
    most of the whole's complaints (many complaints name no shift, and a shift holding a third of a team's excess
    is the team's pattern, not the shift's). Two or more are the whole's where they are at least `share` of the
    whole's team-shifts, or the rest of the whole is behind too (two teams' nights of eight are those two teams'
    nights; without the comparisons, and for complaints, two are the whole's).

    A team-shift inside another whole pattern (Beech House's early shift, where every team's early shift is weak)
    is that pattern's: its team is judged on its other team-shifts, and the rest of the team without it.
    """
    cells = [s for s in signals if s.team and s.shift]
    broads = [s for s in signals if bool(s.team) != bool(s.shift)]
    inner = {id(broad): [cell for cell in cells if _covers(broad, cell)] for broad in broads}
    whole = {id(broad): _is_whole(broad, inner[id(broad)], [], table, margin, share)
             for broad in broads if inner[id(broad)]}
    judged = dict(whole)
    for broad in broads:
        if id(broad) not in whole:
            continue
        explained = [cell for cell in inner[id(broad)]
                     if any(whole.get(id(other)) and other is not broad and _covers(other, cell) for other in broads)]
        if explained:
            own = [cell for cell in inner[id(broad)] if not any(cell is e for e in explained)]
            judged[id(broad)] = _is_whole(broad, own, explained, table, margin, share)
    dropped: set[int] = set()
    for broad in broads:
        if id(broad) not in judged:
            continue
        if judged[id(broad)]:
            dropped.update(id(cell) for cell in inner[id(broad)])
        else:
            dropped.add(id(broad))
    return [s for s in signals if id(s) not in dropped]


def _is_whole(broad: Signal, own: list[Signal], explained: list[Signal], table: pd.DataFrame | None,
              margin: float, share: float) -> bool:
    """Whether the weakness of a whole team or shift is the whole's rather than its flagged team-shifts' (`own`;
    `explained`, those another whole pattern takes in, are left out of the whole's rest). See `most_specific`."""
    if MEASURES[broad.measure].source == "complaints":  # counts are not pooled as shares are: every flagged one
        flagged = own + explained
        return len(flagged) > 1 or flagged[0].count < MOST_OF_THE_COMPLAINTS * broad.count
    if len(own) == 1 and own[0].gap <= broad.gap:
        return True
    if len(own) > 1 and table is None:
        return True
    behind, parts = _rest_behind(broad, own + explained, table)
    # No team-shift of its own (every flagged one is another pattern's), or one: the whole's only if the rest of
    # it is behind too; two or more: also where they are most of it.
    return behind >= margin or (len(own) > 1 and len(own) >= share * parts)


def _rest_behind(broad: Signal, cells: list[Signal], table: pd.DataFrame | None) -> tuple[float, int]:
    """How far the whole without the team-shifts is behind the rest of the service over the whole's months,
    pooled (-inf where it cannot be told: no table, or nothing of the whole outside them), and how many
    team-shifts of the whole have figures in those months."""
    if table is None or table.empty:
        return -math.inf, 0
    rows = table[(table["service"] == broad.service) & (table["measure"] == broad.measure)
                 & table["month"].isin(set(broad.months))]
    inside = rows[(rows["team"] == broad.team) & rows["shift"].notna() if broad.team
                  else (rows["shift"] == broad.shift) & rows["team"].notna()]
    parts = len(inside[["team", "shift"]].drop_duplicates())
    whole = rows[(rows["team"] == broad.team) & rows["shift"].isna() if broad.team
                 else (rows["shift"] == broad.shift) & rows["team"].isna()]
    whole = whole.set_index("month")[["num", "den", "rest_num", "rest_den"]].astype(float)
    named = {(cell.team, cell.shift) for cell in cells}
    part = inside[[(team, shift) in named for team, shift in zip(inside["team"], inside["shift"])]]
    part = part.groupby("month")[["num", "den"]].sum().astype(float)
    remainder = whole[["num", "den"]].sub(part.reindex(whole.index).fillna(0.0))
    if remainder["den"].sum() <= 0 or whole["rest_den"].sum() <= 0:
        return -math.inf, parts
    value = remainder["num"].sum() / remainder["den"].sum()
    rest = whole["rest_num"].sum() / whole["rest_den"].sum()
    return float(value - rest if MEASURES[broad.measure].higher_is_worse else rest - value), parts
