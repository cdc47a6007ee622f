"""Standards that hold where audits are expected and slip where they are not: unannounced spot checks of an audit
type falling `spot_check_gap` or more below its scheduled audits over the last `recent_cycles` months, with
`embedded_min_answers` of each and beyond chance (`spc_chance_z` standard errors), for the service or, where the
service's own gap is not one, for a team (its chance counted once for each team compared). Each is a not_embedded
finding ("only in scheduled audits") apart from any improvement; `analytics.embedded_improvement` leaves out the
gaps an improvement it judges already explains.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy.special import ndtr

from .compliance import audit_compliance
from .findings import Evidence, Finding, percent
from .key_questions import classify
from .scope import Scope, month_start, months_back, period_label

NOT_EMBEDDED = "not_embedded"


def spot_check_gaps(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> list[dict[str, Any]]:
    """Audit types whose unannounced spot checks fall `spot_check_gap` or more below their scheduled audits over
    the last `recent_cycles` months, beyond chance, per service, and per team where the service's own is not one."""
    thresholds = settings["thresholds"]
    end = scope.end(con)
    if end is None:
        return []
    start = months_back(end, thresholds["recent_cycles"] - 1)
    rows = audit_compliance(con, scope, ("service", "audit_type", "team", "spot_check"), start, end,
                            settings["partial_credit"]).dropna(subset=["spot_check"])
    gaps: list[dict[str, Any]] = []
    for place in ([], ["team"]):
        keys = ["service", "audit_type", *place]
        sums = rows.dropna(subset=place).groupby([*keys, "spot_check"])[["answers", "score"]].sum().unstack(
            "spot_check")
        if sums.empty or True not in sums["answers"] or False not in sums["answers"]:
            continue
        found = [gap for key, sum_row in sums.iterrows()
                 if (gap := _gap(dict(zip(keys, key if isinstance(key, tuple) else (key,))), sum_row, thresholds))]
        # Each service's teams are many places to look: a team's gap must stand out beyond chance among them all.
        tried = pd.Series([key[0] for key, sum_row in sums.iterrows() if _enough(sum_row, thresholds)]).value_counts()
        service_gaps = {(g["service"], g["audit_type"]) for g in gaps}
        gaps += [gap | {"period_start": start, "period_end": end} for gap in found
                 if not place or ((gap["service"], gap["audit_type"]) not in service_gaps
                                  and ndtr(-gap["z"]) * tried[gap["service"]] <= ndtr(-thresholds["spc_chance_z"]))]
    return gaps


def _enough(sums: pd.Series, thresholds: dict[str, Any]) -> bool:
    """Enough answers in both scheduled audits and spot checks to compare them."""
    counts = (sums[("answers", False)], sums[("answers", True)])
    return not any(pd.isna(c) for c in counts) and min(counts) >= thresholds.get("embedded_min_answers", 20)


def _gap(place: dict[str, Any], sums: pd.Series, thresholds: dict[str, Any]) -> dict[str, Any] | None:
    """The gap at one place, or None where it is too small, on too few answers or within chance."""
    if not _enough(sums, thresholds):
        return None
    scheduled_n, spot_n = sums[("answers", False)], sums[("answers", True)]
    scheduled, spot = sums[("score", False)] / scheduled_n, sums[("score", True)] / spot_n
    level = (sums[("score", False)] + sums[("score", True)]) / (scheduled_n + spot_n)
    spread = np.sqrt(level * (1 - level) * (1 / scheduled_n + 1 / spot_n))
    if scheduled - spot < thresholds["spot_check_gap"] or spread == 0 or \
            (scheduled - spot) / spread < thresholds["spc_chance_z"]:
        return None
    return {"service": place["service"], "audit_type": place["audit_type"], "team": place.get("team"),
            "scheduled": float(scheduled), "spot_check": float(spot), "scheduled_answers": int(scheduled_n),
            "spot_check_answers": int(spot_n), "z": float((scheduled - spot) / spread)}


def gap_finding(gap: dict[str, Any], settings: dict[str, Any]) -> Finding:
    """The not_embedded finding for a gap between scheduled audits and spot checks."""
    key_question, quality_statement = classify(gap["audit_type"], settings["key_questions"]) or (None, None)
    period = period_label(gap["period_start"], month_start(gap["period_end"]))
    place = f"{gap['team']} at {gap['service']}" if gap["team"] else gap["service"]
    team = f", team = '{gap['team']}'" if gap["team"] else ""
    rows = (f"audits: service = '{gap['service']}'{team}, audit_type = '{gap['audit_type']}', audit_date "
            f"{gap['period_start']:%Y-%m-%d} to {gap['period_end']:%Y-%m-%d}")
    return Finding(
        kind=NOT_EMBEDDED, service=gap["service"], team=gap["team"], shift=None, key_question=key_question,
        quality_statement=quality_statement, subject=gap["audit_type"], status="fragile", confidence="qualified",
        period_start=gap["period_start"], period_end=gap["period_end"],
        summary=(f"At {place}, scheduled {gap['audit_type']} audits averaged {percent(gap['scheduled'])} from "
                 f"{period}, but unannounced spot checks found {percent(gap['spot_check'])}: the standard holds "
                 "where audits are expected and slips where they are not, so it is not yet embedded."),
        evidence=(
            Evidence("audits", "compliance in scheduled audits", gap["scheduled"], None, period,
                     f"{rows}, spot_check is not true", f"{gap['scheduled_answers']} answers"),
            Evidence("audits", "compliance in unannounced spot checks", gap["spot_check"], gap["scheduled"], period,
                     f"{rows}, spot_check = true",
                     f"{gap['spot_check_answers']} answers; {gap['z']:.1f} standard errors below the scheduled "
                     "audits")))
