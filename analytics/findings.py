"""What a finding is: one judgement about a place in a service, and the evidence it rests on."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

KINDS = (
    "repeat_finding",        # an audit item failing cycle after cycle
    "masked_weakness",       # a good headline hiding a failing item, shift or team
    "fragility",             # one shift or team persistently worse than the rest
    "assurance_gap",         # internal assurance good while lived experience is poor or worsening
    "experience_ahead",      # lived experience good while internal assurance is weak
    "emerging_theme",        # a complaint or feedback theme whose recent rate is clearly up
    "special_cause",         # SPC: a signal in a monthly measure
    "embedded_improvement",  # improvement held for cycles, across teams and in spot checks
    "not_embedded",          # improvement only where management attention is, or drifting back
    "strength",              # a measure consistently good across sources
    "narrative_mismatch",    # leaders' own view more optimistic or pessimistic than the evidence
)
STATUSES = ("strong", "improving", "fragile", "concern", "not_enough_evidence")
CONFIDENCES = ("high", "qualified", "limited")


@dataclass(frozen=True)
class Evidence:
    """One figure a finding rests on, with where a reader finds the rows behind it."""

    source: str            # audits | complaints | rota | feedback | leaders
    measure: str           # e.g. "compliance", "agency share of hours"
    value: float | None
    comparison: float | None = None   # the figure it is set against: the headline, the rest of the service
    period: str = ""       # e.g. "2026-05 to 2026-10"
    rows: str = ""         # the filter that selects the rows, e.g. "audits: service = 'Oakwood House', ..."
    detail: str = ""       # anything else a reader needs: counts, cycles failed
    # The same rows as fields, for analytics.evidence_rows to say in words and fetch: column = value pairs
    # (service first) and the ISO dates of the first and last day. Empty where a producer gives only `rows`.
    where: tuple[tuple[str, str], ...] = ()
    start: str = ""
    end: str = ""

    def __post_init__(self) -> None:
        # Read back from JSON, the pairs are lists; kept as tuples so evidence stays hashable.
        object.__setattr__(self, "where", tuple(tuple(pair) for pair in self.where))


@dataclass(frozen=True)
class Finding:
    """One judgement: what kind, where, how serious, how sure, over when, on what evidence."""

    kind: str
    service: str
    team: str | None
    shift: str | None
    key_question: str | None
    quality_statement: str | None
    subject: str            # the audit item, theme or measure the finding is about
    status: str
    confidence: str
    period_start: date
    period_end: date
    summary: str
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown finding kind {self.kind!r}")
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
        if self.confidence not in CONFIDENCES:
            raise ValueError(f"unknown confidence {self.confidence!r}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        data = asdict(self)
        data["period_start"] = self.period_start.isoformat()
        data["period_end"] = self.period_end.isoformat()
        data["theme_or_item"] = data.pop("subject")
        data["period"] = f"{self.period_start.isoformat()} to {self.period_end.isoformat()}"
        return data


def confidence_from_sources(sources: set[str], agree: bool) -> str:
    """High where independent sources agree, qualified where they disagree, limited with one source."""
    if len(sources) <= 1:
        return "limited"
    return "high" if agree else "qualified"


def percent(value: float | None) -> str:
    """A share as a whole percentage, the way reports write it."""
    return "n/a" if value is None else f"{value:.0%}"


def in_a_list(items: list[str]) -> str:
    """Items the way a sentence lists them: 'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def chance_words(chance: float) -> str:
    """How often chance alone gives a result, as people say it: 'about 1 time in 50', 'less than 1 time in 1,000'."""
    if chance < 0.001:
        return "less than 1 time in 1,000"
    if chance >= 0.5:
        return f"{chance:.0%} of the time"
    return f"about 1 time in {round(1 / chance):,}"


def figure_text(measure: str, value: float | None) -> str:
    """An evidence figure as every page, export and report writes it: a rate per 1,000 to one decimal, a count of
    complaints or failed cycles as a number, every other measure (shares, compliance, scores) as a percentage; ""
    where there is none."""
    if value is None or value != value:  # None or NaN
        return ""
    if "per 1,000" in measure:
        return f"{value:,.1f}"
    if measure.startswith("complaints") or "cycles failed" in measure:
        return f"{value:,.1f}".removesuffix(".0")
    return f"{value:.0%}"


def comparison_text(measure: str, comparison: float | None) -> str:
    """What an evidence figure is set against, in words: " against 85%", or for a count of failed cycles, of how
    many (" of 6 audited"); "" with nothing to compare."""
    if comparison is None or comparison != comparison:
        return ""
    if "cycles failed" in measure:
        return f" of {figure_text(measure, comparison)} audited"
    return f" against {figure_text(measure, comparison)}"


def limited(finding: Finding, reason: str) -> Finding:
    """The finding as limited evidence: too small a sample to call it a concern, so it is shown only as a
    pointer to look further ("Limited evidence (7 responses, fewer than 10): ...")."""
    return replace(finding, status="not_enough_evidence", confidence="limited",
                   summary=f"Limited evidence ({reason}): {finding.summary}")
