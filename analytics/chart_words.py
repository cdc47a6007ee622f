"""Every chart in words, for a person who cannot see it (a screen reader) or would rather read.

Each function takes the rows a chart draws, as the page hands them to the chart, and says what a reader needs
from it: the span, the latest value, the lowest and highest, what is flagged, the worst and the best place. The
pages show the words under the chart ("In words: ..."); nothing here draws or knows Streamlit.
"""

from __future__ import annotations

import pandas as pd

from .fragility import MEASURES as PLACE_MEASURES
from .fragility import join_clauses, place_name
from .triangulation import CLASS_WORDS

NAMED = 5  # places or themes named in a list before the rest are counted
STATUS_ORDER = {"concern": "with a concern", "fragile": "fragile", "improving": "improving", "strong": "strong"}


def value_words(value: float | None, unit: str) -> str:
    """A value as the chart writes it: shares and 0-1 scores as whole percentages, counts whole or to one decimal,
    rates to two decimals; 'no value' where there is none."""
    if value is None or pd.isna(value):
        return "no value"
    if unit in ("share", "score"):
        return f"{value:.0%}"
    if unit == "rate":
        return f"{value:.2f}"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _month(value: object) -> str:
    return f"{pd.Timestamp(value):%b %Y}"


def _span(months: pd.Series) -> str:
    first, last = months.min(), months.max()
    return _month(first) if first == last else f"{_month(first)} to {_month(last)}"


def _listed(names: list[str]) -> str:
    """Names in a sentence, the first NAMED of them, the rest counted."""
    if len(names) <= NAMED:
        return join_clauses(names)
    return join_clauses([*names[:NAMED], f"{len(names) - NAMED} more"])


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def trend_words(points: pd.DataFrame, what: str, place: str = "", unit: str = "share", n_label: str = "n") -> str:
    """A monthly chart in words: 'Audit compliance at Willow Unit, May 2025 to Oct 2026: latest 62% (48 answers)
    in Oct 2026; lowest 35% in Jun 2026, highest 91% in Jan 2026; 3 months flagged as special cause (2 concerning,
    1 improving).'

    `points` has columns date and value (NaN where a month has none), and may have n (the sample behind each value)
    and point_type (an SPC chart's: 'common_cause', 'special_cause_concern', ...)."""
    title = f"{what} at {place}" if place else what
    if points.empty:
        return f"{title}: no months to show."
    points = points.sort_values("date")
    valued = points[points["value"].notna()]
    head = f"{title}, {_span(points['date'])}"
    if valued.empty:
        return f"{head}: no month has a value."

    def said(row: pd.Series) -> str:
        n = row.get("n")
        sample = "" if n is None or pd.isna(n) else f" (n {n:,.0f})" if n_label == "n" else \
            f" ({n:,.0f} {n_label.rstrip('s') if n == 1 else n_label})"
        return f"{value_words(row['value'], unit)}{sample} in {_month(row['date'])}"

    latest, parts = points.iloc[-1], []
    if pd.isna(latest["value"]):
        parts.append(f"no value in the latest month, {_month(latest['date'])}; the last was {said(valued.iloc[-1])}")
    else:
        parts.append(f"latest {said(latest)}")
    if len(valued) == 1:
        parts[-1] += ", the only month with a value"
    elif valued["value"].nunique() == 1:
        parts.append(f"the same {value_words(valued['value'].iloc[0], unit)} every month")
    else:
        lowest, highest = valued.loc[valued["value"].idxmin()], valued.loc[valued["value"].idxmax()]
        parts.append(f"lowest {value_words(lowest['value'], unit)} in {_month(lowest['date'])}, "
                     f"highest {value_words(highest['value'], unit)} in {_month(highest['date'])}")
    missing = points[points["value"].isna()]
    if len(missing) and not (len(missing) == 1 and pd.isna(latest["value"])):
        parts.append(f"no value in {_plural(len(missing), 'month')} ({_listed([_month(d) for d in missing['date']])})")
    if "point_type" in points:
        types = points.loc[points["value"].notna(), "point_type"].fillna("")
        special = types[types.str.startswith("special_cause")]
        if special.empty:
            parts.append("no month flagged as special cause")
        else:
            kinds = special.str.removeprefix("special_cause_").str.replace("neutral_", "", regex=False).value_counts()
            words = {"concern": "concerning", "improvement": "improving", "high": "high", "low": "low"}
            detail = join_clauses([f"{count} {words.get(kind, kind)}" for kind, count in kinds.items()])
            parts.append(f"{_plural(len(special), 'month')} flagged as special cause ({detail})")
    return f"{head}: {'; '.join(parts)}."


def grid_words(cells: pd.DataFrame, measure: str, where: str) -> str:
    """A team x shift grid of one measure in words: the place furthest worse than the rest of its service and the
    place furthest better, and how many are each way.

    `cells` has columns team and shift (None for a whole team or a shift across teams), value and rest_of_service,
    one row per cell drawn; `measure` is an id in analytics.fragility.MEASURES."""
    spec = PLACE_MEASURES[measure]
    unit = "share" if spec.as_percent else "count"
    head = f"{where}, {spec.label}"
    shown = cells[cells["value"].notna()] if not cells.empty else cells
    if shown.empty:
        return f"{head}: no place has a figure."
    names = [_grid_place(team, shift) for team, shift in zip(shown["team"], shown["shift"])]
    shown = shown.assign(place=names, gap=(shown["value"] - shown["rest_of_service"])
                         * (1 if spec.higher_is_worse else -1))

    def said(row: pd.Series) -> str:
        rest = "" if pd.isna(row["rest_of_service"]) else \
            f" against {value_words(row['rest_of_service'], unit)} in the rest of the service"
        return f"{row['place']} {value_words(row['value'], unit)}{rest}"

    compared = shown[shown["gap"].notna()]
    if compared.empty:
        return f"{head}: {join_clauses([said(row) for _, row in shown.head(NAMED).iterrows()])}; no rest of the " \
               "service to compare with."
    if len(compared) == 1:
        return f"{head}: only one place to compare, {said(compared.iloc[0])}."
    worst, best = compared.loc[compared["gap"].idxmax()], compared.loc[compared["gap"].idxmin()]
    worse, better = int((compared["gap"] > 0).sum()), int((compared["gap"] < 0).sum())
    if worse == better == 0:
        return f"{head}: every place level with the rest of its service ({_plural(len(compared), 'place')})."
    level = len(compared) - worse - better
    counts = [f"{worse} worse than the rest", f"{better} better"] + ([f"{level} level"] if level else [])
    return f"{head}: worst {said(worst)}; best {said(best)}; of {_plural(len(compared), 'place')}, " \
           f"{join_clauses(counts)}."


def _grid_place(team: object, shift: object) -> str:
    team = team if isinstance(team, str) and team else None
    shift = shift if isinstance(shift, str) and shift else None
    if team is None and shift is None:
        return "the whole service"
    return place_name(team, shift) + ("" if shift else " (whole team)") if team else f"{shift} shifts (all teams)"


def status_grid_words(cells: pd.DataFrame, where: str) -> str:
    """A grid of the most serious finding per place in words: how many places are of each status, naming them.

    `cells` has columns team, shift (None for a whole team or a shift across teams) and status (None where no
    finding is about exactly that place), one row per cell drawn."""
    if cells.empty:
        return f"{where}: no teams or shifts to show."
    named = pd.Series([_grid_place(t, s) for t, s in zip(cells["team"], cells["shift"])], index=cells.index)
    status = cells["status"].where(cells["status"].notna(), None)
    parts = []
    for kind, words in STATUS_ORDER.items():
        chosen = named[status == kind].tolist()
        if chosen:
            parts.append(f"{_plural(len(chosen), 'place')} {words} ({_listed(chosen)})")
    other = int(status.notna().sum()) - sum(int((status == kind).sum()) for kind in STATUS_ORDER)
    if other:
        parts.append(f"{other} with limited evidence only")
    quiet = int(status.isna().sum())
    if quiet:
        parts.append(f"{quiet} with no flags")
    return f"{where}: {join_clauses(parts)}."


def comparison_words(frame: pd.DataFrame, place: str) -> str:
    """A place against the rest of its service, measure by measure, in words: the latest month's two figures and in
    how many months the place was worse.

    `frame` has columns measure (an id in analytics.fragility.MEASURES), month, value and rest_of_service."""
    if frame.empty:
        return f"{place}: no months to compare."
    parts = []
    for measure, part in frame.groupby("measure", sort=False):
        spec = PLACE_MEASURES[measure]
        unit = "share" if spec.as_percent else "count"
        part = part.sort_values("month")
        label = spec.label[:1].upper() + spec.label[1:]
        both = part[part["value"].notna() & part["rest_of_service"].notna()]
        if both.empty:
            parts.append(f"{label}: no month with both figures")
            continue
        latest = both.iloc[-1]
        gap = (both["value"] - both["rest_of_service"]) * (1 if spec.higher_is_worse else -1)
        parts.append(f"{label} {value_words(latest['value'], unit)} against "
                     f"{value_words(latest['rest_of_service'], unit)} in {_month(latest['month'])}, worse than the "
                     f"rest in {int((gap > 0).sum())} of {_plural(len(both), 'month')}")
    return f"{place} against the rest of its service, {_span(frame['month'])}: {'; '.join(parts)}."


def theme_volume_words(frame: pd.DataFrame) -> str:
    """Mentions per theme in words, the biggest first: complaints, comments and the comments' mean rating.

    `frame` has columns theme, complaints and feedback, and may have rating (the comments' mean score, 0 to 1)."""
    if frame.empty:
        return "No theme has any mentions."
    frame = frame.assign(total=frame["complaints"] + frame["feedback"]).sort_values("total", ascending=False,
                                                                                    kind="stable")
    said = []
    for row in frame.head(NAMED).itertuples():
        rating = getattr(row, "rating", None)
        feels = "" if rating is None or pd.isna(rating) else f"; comments rate {value_words(rating, 'score')} on average"
        said.append(f"{row.theme} {row.total} ({_plural(int(row.complaints), 'complaint')}, "
                    f"{_plural(int(row.feedback), 'comment')}{feels})")
    rest = f"; {len(frame) - NAMED} more with fewer" if len(frame) > NAMED else ""
    return f"{_plural(len(frame), 'theme')}, the most mentioned first: {'; '.join(said)}{rest}."


def theme_month_words(frame: pd.DataFrame) -> str:
    """Themes month by month in words: each theme's mentions in all, its busiest month and its latest month.

    `frame` has columns theme, month and mentions (and may have source, whose rows are added together)."""
    if frame.empty:
        return "No mentions to show."
    totals = frame.groupby(["theme", "month"], sort=False)["mentions"].sum().reset_index()
    last_month = totals["month"].max()
    said = []
    order = totals.groupby("theme", sort=False)["mentions"].sum().sort_values(ascending=False, kind="stable")
    for theme in order.index[:NAMED]:
        part = totals[totals["theme"] == theme]
        busiest = part.loc[part["mentions"].idxmax()]
        latest = int(part.loc[part["month"] == last_month, "mentions"].sum())
        most = f"most in {_month(busiest['month'])} ({int(busiest['mentions'])})"
        count = f"{theme} {_plural(int(order[theme]), 'mention')}"
        if totals["month"].nunique() == 1:
            said.append(count)
        elif busiest["month"] == last_month:
            said.append(f"{count}, {most[:-1]}, the latest month)")
        else:
            said.append(f"{count}, {most}, {latest} in {_month(last_month)}")
    rest = f"; {len(order) - NAMED} more" if len(order) > NAMED else ""
    return f"{_plural(len(order), 'theme')}, {_span(totals['month'])}: {'; '.join(said)}{rest}."


def scatter_words(points: pd.DataFrame) -> str:
    """The places on internal assurance against lived experience, in words: each place that needs a look with its
    two distances from the standard, and the places where both agree all is well counted with their range.

    `points` has columns x and y (points from the standard), label (the place) and classification."""
    if points.empty:
        return "No place has both sides to set against each other."

    def pts(value: float) -> str:
        return "n/a" if pd.isna(value) else f"{value:+.0f} pts".replace("-", "−")

    parts = []
    for kind, words in CLASS_WORDS.items():
        chosen = points[points["classification"] == kind].sort_values("y")
        if chosen.empty:
            continue
        if kind == "agree_good" and len(chosen) > 2:
            parts.append(f"{len(chosen)} places with {words} (audits {pts(chosen['x'].min())} to "
                         f"{pts(chosen['x'].max())}, experience {pts(chosen['y'].min())} to {pts(chosen['y'].max())})")
            continue
        named = [f"{row.label} (audits {pts(row.x)}, experience {pts(row.y)})" for row in chosen.itertuples()]
        parts.append(f"{words}: {_listed(named)}")
    return f"{_plural(len(points), 'place')} on the chart. {'. '.join(p[:1].upper() + p[1:] for p in parts)}."

