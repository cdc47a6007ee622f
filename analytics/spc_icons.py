"""Making Data Count's two icons for a chart, as words and a symbol (never colour alone).

Variation (the latest month): common cause; special cause improvement or concern, high or low; neutral high or
low for a measure with no better direction; "none" where there is no chart or no limits to judge against.
Assurance (the process limits against a target): consistently passes, consistently fails, hit and miss; "none"
without a target or limits. After a sustained shift (`analytics.step_change`) the assurance is that of the
months since the shift, and the variation icon says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from .spc import _HIGH_TYPES, SPCResult

__all__ = ["ASSURANCE", "VARIATION", "Icon", "assurance_icon", "icon_columns", "variation_icon"]


@dataclass(frozen=True)
class Icon:
    """One icon: a stable code (for tables and tests), the words a person reads and a symbol beside them."""

    code: str
    label: str
    symbol: str

    def text(self) -> str:
        return f"{self.symbol} {self.label}"


VARIATION = {icon.code: icon for icon in (
    Icon("common_cause", "Common cause — no significant change", "●"),
    Icon("improvement_high", "Special cause — improving, high", "▲"),
    Icon("improvement_low", "Special cause — improving, low", "▼"),
    Icon("concern_high", "Special cause — concerning, high", "▲"),
    Icon("concern_low", "Special cause — concerning, low", "▼"),
    Icon("neutral_high", "Special cause — high", "△"),
    Icon("neutral_low", "Special cause — low", "▽"),
    Icon("none", "Too few months to judge", "○"),
)}
ASSURANCE = {icon.code: icon for icon in (
    Icon("consistent_pass", "Consistently passes target", "✔"),
    Icon("consistent_fail", "Consistently fails target", "✖"),
    Icon("hit_and_miss", "Hit and miss against target", "≈"),
    Icon("none", "No target to judge against", "–"),
)}
_KIND = {"special_cause_improvement": "improvement", "special_cause_concern": "concern",
         "special_cause_neutral_high": "neutral", "special_cause_neutral_low": "neutral"}


def has_limits(result: SPCResult) -> bool:
    """Whether the latest month has process limits to judge against."""
    return bool(result.points[["lower_limit", "upper_limit"]].iloc[-1].notna().all())


def variation_icon(result: SPCResult | None) -> Icon:
    """The variation icon of the chart's latest month."""
    if result is None or result.latest_variation is None or not has_limits(result):
        return VARIATION["none"]
    kind = _KIND.get(result.latest_variation)
    if kind is None:
        return VARIATION["common_cause"]
    high = result.points["special_cause_type"].iloc[-1] in _HIGH_TYPES
    return VARIATION[f"{kind}_{'high' if high else 'low'}"]


def assurance_icon(result: SPCResult | None) -> Icon:
    """The assurance icon of the chart against its target."""
    if result is None or not has_limits(result):
        return ASSURANCE["none"]
    code = {"inconsistent": "hit_and_miss"}.get(result.assurance, result.assurance)
    return ASSURANCE.get(code, ASSURANCE["none"])


def icon_columns(result: SPCResult | None) -> dict[str, str]:
    """Both icons as columns for a table of measures: codes, and words with their symbol; and the shift, if any."""
    variation, assurance = variation_icon(result), assurance_icon(result)
    shift = None if result is None else result.step_change
    return {"variation": variation.code, "variation_icon": variation.text(),
            "assurance": assurance.code, "assurance_icon": assurance.text(),
            "shift": "" if shift is None else f"A shift since {shift.month:%B %Y}. {shift.suggestion()}."}


# What a reader of many charts looks at first: a concerning change, then a target consistently failed, then one hit
# and missed, then a shift not yet rebased on; everything else after.
_ATTENTION = ({"concern_high", "concern_low"}, {"consistent_fail"}, {"hit_and_miss"})


def attention_rank(result: SPCResult | None) -> int:
    """Where the chart stands in a list ordered for attention (0 first); len(_ATTENTION) + 1 for nothing to see."""
    codes = {variation_icon(result).code, assurance_icon(result).code}
    for rank, wanted in enumerate(_ATTENTION):
        if codes & wanted:
            return rank
    return len(_ATTENTION) if result is not None and result.step_change is not None else len(_ATTENTION) + 1


def needs_attention(result: SPCResult | None) -> bool:
    """Whether the chart shows anything in the attention list (`attention_rank`)."""
    return attention_rank(result) <= len(_ATTENTION)
