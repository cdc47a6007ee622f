"""How triangulation judges a place: assurance good or weak, lived experience good or poor, and the quadrant.

The rules `analytics.triangulation` applies to each place's figures (`analytics.triangulation_figures`): scheduled
audits weak only below the standard beyond chance; complaints rising beyond chance between the halves, or one
category rising against the team's longer past; feedback poor where clearly below good, or below good and clearly
down; and, below the minimum samples, limited evidence rather than a concern.
"""

from __future__ import annotations

import math
from typing import Any

from . import measures
from .spc_counts import poisson_compare
from .triangulation_figures import Window

# How many standard errors below the good score a feedback mean must sit before it counts as poor.
DEFAULT_FEEDBACK_MARGIN_SE = 2.0
# How many standard errors below the compliance standard scheduled audits must sit before they count as weak.
DEFAULT_AUDIT_MARGIN_SE = 2.0
# How unlikely by chance a recent half's complaints must be, if the earlier rate had held, to count as rising.
DEFAULT_RISING_MAX_CHANCE = 0.05
# How far (on the 0-1 feedback scale) a mean must fall between the halves to count as falling.
DEFAULT_FEEDBACK_DROP = 0.1


def enough(measure_id: str, n: float, thresholds: dict[str, Any]) -> bool:
    return measures.enough(measure_id, n, {"thresholds": thresholds})


def assurance(compliance: float, answers: int, thresholds: dict[str, Any]) -> str | None:
    """'good' or 'weak' on the recent half's scheduled audits (not spot checks, not the rota); None without any.

    Weak only where compliance sits below `compliance_good` by more than chance on that many answers (a team's
    88% on 150 answers is within chance of 90%): audits that read as near enough green are the comfort an
    assurance gap is about."""
    if not answers or math.isnan(compliance):
        return None
    margin = thresholds.get("audit_margin_se", DEFAULT_AUDIT_MARGIN_SE)
    se = math.sqrt(compliance * (1 - compliance) / answers)
    return "weak" if compliance + margin * se < thresholds["compliance_good"] else "good"


def complaints_rising(figures: dict[str, Any], thresholds: dict[str, Any], window: Window) -> bool:
    """Recent complaints at least `complaints_rising_ratio` times the earlier rate, a real number more, and more
    than chance would give.

    The earlier count is scaled by planned hours where the rota allows, so a unit that grew is not mistaken for
    one that worsened; the rise must be at least `min_complaints` complaints, so a team going from one complaint
    to two is not 'rising'; and a count this high must be unlikely (at most `complaints_rising_max_chance`) if
    the earlier rate had held, by the exact test for two counts (a unit's 3 then 6 is well within chance).
    """
    recent, expected = figures["complaints_recent"], expected_complaints(figures)
    return (recent >= thresholds["min_complaints"] and recent >= thresholds["complaints_rising_ratio"] * expected
            and recent - expected >= thresholds["min_complaints"]
            and complaints_chance(figures, window) <= thresholds.get("complaints_rising_max_chance",
                                                                    DEFAULT_RISING_MAX_CHANCE))


def complaints_chance(figures: dict[str, Any], window: Window) -> float:
    """How likely as many recent complaints or more would be if the earlier rate (per planned hour where the rota
    gives hours in both halves, else per month) had held."""
    hours_recent, hours_earlier = figures["planned_hours_recent"], figures["planned_hours_earlier"]
    exposures = (hours_recent, hours_earlier) if hours_recent > 0 and hours_earlier > 0 else window.months
    return poisson_compare(figures["complaints_recent"], exposures[0], figures["complaints_earlier"],
                           exposures[1]).p_higher


def expected_complaints(figures: dict[str, Any]) -> float:
    """The earlier half's complaints scaled to the recent half's planned hours where both are known."""
    hours_recent, hours_earlier = figures["planned_hours_recent"], figures["planned_hours_earlier"]
    scale = hours_recent / hours_earlier if hours_recent > 0 and hours_earlier > 0 else 1.0
    return figures["complaints_earlier"] * scale


def clearly_poor(mean: float, se: float, responses: int, thresholds: dict[str, Any]) -> bool:
    """Below the good score by more than sampling noise: a small team's few middling ratings are not enough.
    Two responses at least, for a spread; whether that is enough to call a concern is `_enough`'s question."""
    margin = thresholds.get("feedback_margin_se", DEFAULT_FEEDBACK_MARGIN_SE)
    return responses >= 2 and not math.isnan(se) and mean + margin * se < thresholds["feedback_good_score"]


def _feedback_poor(figures: dict[str, Any], thresholds: dict[str, Any], prefix: str) -> bool:
    """Clearly below good; or below good and clearly down on the earlier half (families' 89% falling to 63% on a
    dozen responses each half is worsening experience, though 63% on a dozen is within chance of 75%)."""
    recent = figures[f"{prefix}feedback_recent"]
    return clearly_poor(recent, figures[f"{prefix}feedback_se_recent"], figures[f"{prefix}responses_recent"],
                        thresholds) or (recent < thresholds["feedback_good_score"]
                                         and clearly_fell(figures, thresholds, prefix))


def clearly_fell(figures: dict[str, Any], thresholds: dict[str, Any], prefix: str) -> bool:
    """Down on the earlier half by more than sampling noise in both halves (`feedback_margin_se` standard errors of
    the difference), on two responses at least in each."""
    margin = thresholds.get("feedback_margin_se", DEFAULT_FEEDBACK_MARGIN_SE)
    se = math.hypot(figures[f"{prefix}feedback_se_earlier"], figures[f"{prefix}feedback_se_recent"])
    return (figures[f"{prefix}responses_earlier"] >= 2 and figures[f"{prefix}responses_recent"] >= 2
            and not math.isnan(se)
            and figures[f"{prefix}feedback_earlier"] - figures[f"{prefix}feedback_recent"] > margin * se)


def feedback_falling(figures: dict[str, Any], thresholds: dict[str, Any], prefix: str) -> bool:
    drop = thresholds.get("feedback_drop", DEFAULT_FEEDBACK_DROP)
    return (enough("feedback_score", figures[f"{prefix}responses_earlier"], thresholds)
            and enough("feedback_score", figures[f"{prefix}responses_recent"], thresholds)
            and figures[f"{prefix}feedback_earlier"] - figures[f"{prefix}feedback_recent"] >= drop)


def poor_signals(figures: dict[str, Any], thresholds: dict[str, Any]) -> list[tuple[str, bool]]:
    """What says lived experience is poor, each with whether its sample is enough to call it: complaints that
    rose, and feedback (all, or families') clearly below good."""
    signals = [("complaints", True)] if complaints_up(figures) else []
    for prefix in ("", "family_"):
        if _feedback_poor(figures, thresholds, prefix):
            signals.append((prefix, enough("feedback_score", figures[f"{prefix}responses_recent"], thresholds)))
    return signals


def complaints_up(figures: dict[str, Any]) -> bool:
    """Complaints rose beyond chance between the halves, or one category rose on the team against its longer past
    (green audits beside five complaints about communication where there was one in two years)."""
    return bool(figures["complaints_rising"] or figures["rising_category"])


def lived_experience(figures: dict[str, Any], thresholds: dict[str, Any]) -> str | None:
    """'poor' when complaints rose or feedback (all, or families') is clearly below good; 'good' when enough
    feedback is good and complaints did not rise; None otherwise."""
    if poor_signals(figures, thresholds):
        return "poor"
    if enough("feedback_score", figures["responses_recent"], thresholds) and \
            figures["feedback_recent"] >= thresholds["feedback_good_score"]:
        return "good"
    return None


def limited_reason(figures: dict[str, Any], thresholds: dict[str, Any]) -> str | None:
    """Why the sample behind a classification is too small to call it a concern, or None where it is enough:
    too few scheduled audit answers, or poor experience resting only on too few feedback responses."""
    reasons = []
    answers = figures["audit_answers_recent"]
    if figures["assurance"] is not None and not enough("audit_compliance", answers, thresholds):
        reasons.append(f"{answers} scheduled audit answers, fewer than {thresholds['min_audit_answers']}")
    signals = poor_signals(figures, thresholds)
    if signals and not any(enough for _, enough in signals):
        prefix = signals[0][0]
        who = "families' feedback responses" if prefix else "feedback responses"
        reasons.append(f"{figures[f'{prefix}responses_recent']} {who}, fewer than "
                       f"{thresholds['min_feedback_responses']}")
    return "; ".join(reasons) or None


def classify_place(assurance: str | None, experience: str | None) -> str:
    if assurance is None or experience is None:
        return "not_enough_evidence"
    return {("good", "good"): "agree_good", ("good", "poor"): "assurance_gap",
            ("weak", "poor"): "agree_concern", ("weak", "good"): "experience_ahead"}[(assurance, experience)]


def quadrant_position(figures: dict[str, Any], thresholds: dict[str, Any]) -> tuple[float, float]:
    """Where a place sits on the assurance-against-experience chart, in points either side of each line, by the
    same rules as its classification: right of the line exactly where assurance is good, above it exactly
    where experience is good (NaN where a side is not judged).

    Across: scheduled audit compliance over the standard, allowing for chance as `assurance` does. Up: where
    experience is poor, the worst thing that makes it so (feedback clearly below good, or complaints' rise as
    the share of recent complaints above what the earlier rate expected); where good, feedback over its
    standard."""
    compliance, answers = figures["audit_compliance_recent"], figures["audit_answers_recent"]
    judged = assurance(compliance, answers, thresholds)
    x = math.nan
    if judged is not None:
        margin = thresholds.get("audit_margin_se", DEFAULT_AUDIT_MARGIN_SE)
        x = 100 * (compliance + margin * math.sqrt(compliance * (1 - compliance) / answers)
                   - thresholds["compliance_good"])
    experience, good = lived_experience(figures, thresholds), thresholds["feedback_good_score"]
    if experience == "good":
        return x, 100 * (figures["feedback_recent"] - good)
    if experience is None:
        return x, math.nan
    below = []
    for prefix, _ in poor_signals(figures, thresholds):
        if prefix == "complaints":
            recent = figures["complaints_recent"]
            below.append(-100 * (recent - expected_complaints(figures)) / recent)
        else:
            below.append(100 * (figures[f"{prefix}feedback_recent"] - good))
    return x, min(below)
