"""Detection benchmark: do the analytics find each planted pattern where it lives, and only there?

Run: .venv/bin/python bench/detection.py [--seeds 50] [--quick] [--first-seed 1] [--out bench/out]

For each seed, bench/scenarios.py draws a provider nobody tuned the analytics to, with patterns planted at random
places, sizes and start months, and teams left CLEAN. Its rows go into a fresh in-memory store, and
`analytics.insights.run_insights` runs over it. Findings are then matched to the planted patterns:

- A planted pattern is FOUND when a finding of the same kind names the same service, the same team and the same
  shift (None where the pattern is service-wide or on every shift) and the same subject. A team's pattern is
  also found by a service-wide finding that names the team in its summary: a pattern on most of a
  service's teams is one finding naming them (analytics.service_wide, issue 11), and the report counts these
  apart ("named"). The subject is the audit item (or its
  section, reported as a theme), the audit type for embedded_improvement / not_embedded, the measure for rota,
  complaint, feedback and compliance patterns, a word of the planted category for emerging_theme, the question
  for a question-level masked weakness. No other kind is accepted as an equivalent (a fragility reported only as
  a special_cause is a miss); the "other kind at the place" column says where such patterns went instead.
- Precision of a kind: its findings that match a planted pattern of that kind, over all its findings (findings
  on CLEAN units and anywhere else unplanted count as false). "Explained" is looser: the finding overlaps the
  place of some planted pattern of any kind and is about the same item, audit type, measure or theme.
- CLEAN units: the share with any finding of status concern naming the team, and the share with such a finding
  not explained by any planted pattern (a service-wide pattern reaches every team).
- Recall AS DRAWN: the same matching, over the plants whose realised rows show the planted change beyond chance
  against the place's own earlier months (bench/oracle.py, one-sided tests at ALPHA). The others are "not
  detectable as drawn": still in the intended-strength recall, still listed in the misses file with their test.

It is a benchmark: it prints the figures, writes bench/out/detection.md (and detection_misses.md, the patterns
missed with what was found at their place, and the clean units' unexplained concerns) and exits 0 whatever the
figures are.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from oracle import ALPHA, Oracle, drawn_apart
from scenarios import AUDIT_TYPES, KINDS, MEASURE_WORDS, Planted, Scenario, make_scenario

from analytics.findings import Finding
from analytics.insights import run_insights
from analytics.settings import default_settings

OUT = Path(__file__).resolve().parent / "out"
STRONG = 0.6          # a planted pattern at least this strong counts as "strong" in the recall table
# Kinds accepted in place of a planted kind. None: each kind must be found as itself.
EQUIVALENT_KINDS: dict[str, tuple[str, ...]] = {kind: (kind,) for kind in KINDS}
# Kinds whose findings are about a place as a whole (their subject is a category or a measure pair).
PLACE_ONLY = ("assurance_gap", "experience_ahead", "narrative_mismatch")


# --------------------------------------------------------------------------------------------- matching

def subject_matches(p: Planted, f: Finding) -> bool:
    """Whether the finding is about what the pattern was planted on."""
    subject = (f.subject or "").lower()
    if p.kind == "repeat_finding" or (p.kind == "masked_weakness" and p.level == "item"):
        return f.subject == p.subject or (p.section is not None and f.subject == f"{p.section} (theme)")
    if p.kind in ("embedded_improvement", "not_embedded"):
        return f.subject == p.subject
    if p.kind == "masked_weakness":
        if p.level == "question":
            return (p.subject or "").lower() in subject
        if p.level == "team_shift":
            return _measure_named(p, subject)
        return True
    if p.kind in ("fragility", "special_cause"):
        if p.kind == "special_cause" and f.status == "improving":
            return False
        if p.measure == "audit_compliance" and p.audit_type and ":" in subject:
            return subject.endswith(p.audit_type.lower()) and _measure_named(p, subject)
        return _measure_named(p, subject)
    if p.kind == "emerging_theme":
        return any(word in subject for word in p.keywords) or (p.subject or "").lower() in subject
    return True  # assurance_gap: the place is the claim


def _measure_named(p: Planted, subject: str) -> bool:
    return any(word in subject for word in MEASURE_WORDS.get(p.measure or "", ()))


def matches(p: Planted, f: Finding) -> bool:
    """FOUND: the same kind (or an accepted equivalent), service, team, shift and subject."""
    return (f.kind in EQUIVALENT_KINDS.get(p.kind, (p.kind,)) and at_place(p, f) and subject_matches(p, f))


def at_place(p: Planted, f: Finding) -> bool:
    return f.service == p.service and f.shift == p.shift and (
        f.team is None if p.team is None else names_team(f, p.team))


def names_team(f: Finding, team: str) -> bool:
    """Whether the finding is about the team: as its own team, or as one a service-wide finding names (in its
    summary, as analytics.service_wide writes the teams a pattern is on)."""
    return f.team == team or (f.team is None and re.search(rf"\b{re.escape(team)}\b", f.summary) is not None)


def as_named(p: Planted, f: Finding) -> bool:
    """Found only through a service-wide finding naming the pattern's team."""
    return p.team is not None and f.team is None


def explained(p: Planted, f: Finding) -> bool:
    """Looser: the finding overlaps the pattern's place and is about something the pattern changed."""
    if p.kind == "clean" or f.service != p.service:
        return False
    if not ((p.team is None or f.team is None or p.team == f.team)
            and (p.shift is None or f.shift is None or p.shift == f.shift)):
        return False
    if f.kind in PLACE_ONLY or p.kind == "assurance_gap":
        return True
    subject = (f.subject or "").lower()
    words = [w.lower() for w in (p.subject, p.section, p.audit_type, *audit_items(p, f)) if w]
    words += list(MEASURE_WORDS.get(p.measure or "", ())) + list(p.keywords)
    if p.measure == "audit_compliance":
        words += ["compliance"]
    if p.measure == "feedback_score" or p.kind in ("assurance_gap", "emerging_theme"):
        words += ["rating", "feedback", "complaint"]
    return any(w in subject for w in words)


def audit_items(p: Planted, f: Finding) -> tuple[str, ...]:
    """The items a pattern on a whole audit type held low, where the finding's months include that: every item
    before an improvement, and after it a team left behind or the unannounced checks (not_embedded)."""
    if p.measure != "audit_compliance" or p.audit_type is None or p.subject != p.audit_type:
        return ()
    if p.kind == "embedded_improvement" and f.period_start is not None and f.period_start >= p.start:
        return ()
    return tuple(item for items in AUDIT_TYPES.get(p.audit_type, {}).values() for item in items)


# --------------------------------------------------------------------------------------------- running

@dataclass
class SeedResult:
    seed: int
    scenario: Scenario
    findings: list[Finding]
    seconds: float


@dataclass
class Figures:
    """Everything the report shows, also returned to callers (the smoke test)."""

    seeds: list[int]
    recall: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    precision: dict[str, dict[str, Any]] = field(default_factory=dict)
    clean: dict[str, Any] = field(default_factory=dict)
    totals: dict[str, Any] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)
    false_concerns: list[str] = field(default_factory=list)  # clean units' concerns no planted pattern explains

    def ratios(self) -> list[float]:
        """Every ratio reported (for range checks)."""
        values = [row[k] for row in self.recall.values() for k in ("recall", "recall_strong", "recall_detectable")
                  if row[k] is not None]
        values += [row[k] for row in self.precision.values() for k in ("precision", "precision_concern", "explained")
                   if row[k] is not None]
        values += [self.clean[k] for k in ("any_concern", "unexplained_concern") if self.clean.get(k) is not None]
        values += [self.totals[k] for k in ("recall", "precision") if self.totals.get(k) is not None]
        return values


def run_seed(seed: int) -> SeedResult:
    scenario = make_scenario(seed)
    con = scenario.build_store(":memory:")
    try:
        started = time.perf_counter()
        findings = run_insights(con).findings
        seconds = time.perf_counter() - started
    finally:
        con.close()
    return SeedResult(seed, scenario, findings, seconds)


def measure(seeds: list[int], progress: bool = True) -> tuple[Figures, list[SeedResult]]:
    results = []
    for seed in seeds:
        result = run_seed(seed)
        results.append(result)
        if progress:
            print(f"seed {seed}: {len(result.scenario.patterns)} patterns, {len(result.scenario.clean_units)} clean "
                  f"units, {len(result.findings)} findings, insights {result.seconds:.1f} s", flush=True)
    return figures(seeds, results), results


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def figures(seeds: list[int], results: list[SeedResult]) -> Figures:
    out = Figures(seeds=list(seeds))
    planted_by: dict[tuple[str, str], list[tuple[Planted, bool, list[str]]]] = defaultdict(list)
    named_by: Counter[tuple[str, str]] = Counter()
    detectable: dict[tuple[str, str], list[bool]] = defaultdict(list)
    kind_findings: dict[str, list[tuple[Finding, bool, bool, bool]]] = defaultdict(list)
    clean_units = clean_any = clean_unexplained = clean_undrawn = 0
    clean_kinds: Counter[str] = Counter()
    thresholds = default_settings()["thresholds"]  # each scenario's fresh store runs with the defaults
    for result in results:
        patterns = result.scenario.patterns
        oracle = Oracle(result.scenario)
        for p in patterns:
            verdict = oracle.verdict(p)
            found_by = [f for f in result.findings if matches(p, f)]
            found = bool(found_by)
            named = found and all(as_named(p, f) for f in found_by)
            elsewhere = sorted({f.kind for f in result.findings
                                if at_place(p, f) and subject_matches(p, f) and f.kind != p.kind})
            planted_by[(p.kind, p.level)].append((p, found, elsewhere))
            named_by[(p.kind, p.level)] += named
            detectable[(p.kind, p.level)].append(verdict.detectable)
            if not found:
                drawn = ("" if verdict.p is None else
                         f" As drawn: {'detectable' if verdict.detectable else 'NOT DETECTABLE'} "
                         f"(p {verdict.p:.3g}; {verdict.test}).")
                near = [f"{f.kind} ({f.status}): {f.subject}" for f in result.findings if at_place(p, f)]
                out.misses.append(
                    f"- seed {result.seed} {p.kind} [{p.level}] {p.service} / {p.team or 'all teams'} / "
                    f"{p.shift or 'all shifts'}: {p.subject or p.measure or ''} from {p.start:%b %Y}, strength "
                    f"{p.strength:.2f}; {p.detail}. At this place: {'; '.join(near) if near else 'nothing'}.{drawn}")
        clean_places = {(u.service, u.team) for u in result.scenario.clean_units}
        for f in result.findings:
            true = any(matches(p, f) for p in patterns)
            kind_findings[f.kind].append((f, true, true or any(explained(p, f) for p in patterns),
                                          any(f.service == service and names_team(f, team)
                                              for service, team in clean_places)))
        for unit in result.scenario.clean_units:
            clean_units += 1
            # A service-wide finding naming the unit is a concern about it, explained only by what reaches it.
            concerns = [replace(f, team=unit.team) for f in result.findings if f.service == unit.service
                        and names_team(f, unit.team) and f.status == "concern"]
            unexplained = [f for f in concerns if not any(explained(p, f) for p in patterns)]
            drawn = [drawn_apart(result.scenario, unit.service, unit.team, f, thresholds) for f in unexplained]
            clean_any += bool(concerns)
            clean_unexplained += bool(unexplained)
            clean_undrawn += any(why is None for why in drawn)
            clean_kinds.update({f.kind for f in unexplained})
            out.false_concerns += [f"- seed {result.seed} {unit.service} / {unit.team}: {f.kind} ({f.status}) "
                                   f"{f.subject}.{f' DRAWN APART: {why}.' if why else ''} {f.summary[:200]}"
                                   for f, why in zip(unexplained, drawn)]
    for (kind, level), rows in sorted(planted_by.items(), key=lambda item: (KINDS.index(item[0][0]), item[0][1])):
        strong = [r for r in rows if r[0].strength >= STRONG]
        others: Counter[str] = Counter(k for _, found, elsewhere in rows if not found for k in elsewhere)
        out.recall[(kind, level)] = {
            "planted": len(rows), "found": sum(found for _, found, _ in rows), "named": named_by[(kind, level)],
            "recall": _ratio(sum(found for _, found, _ in rows), len(rows)),
            "strong": len(strong), "recall_strong": _ratio(sum(found for _, found, _ in strong), len(strong)),
            "missed_but_other_kind": sum(1 for _, found, elsewhere in rows if not found and elsewhere),
            "other_kinds": dict(others.most_common())}
        shown = [found for (_, found, _), ok in zip(rows, detectable[(kind, level)]) if ok]
        out.recall[(kind, level)].update({"detectable": len(shown), "found_detectable": sum(shown),
                                          "recall_detectable": _ratio(sum(shown), len(shown))})
    for kind in sorted(kind_findings, key=lambda k: (KINDS.index(k) if k in KINDS else len(KINDS), k)):
        rows = kind_findings[kind]
        concern = [r for r in rows if r[0].status == "concern"]
        out.precision[kind] = {
            "findings": len(rows), "true": sum(r[1] for r in rows),
            "precision": _ratio(sum(r[1] for r in rows), len(rows)) if kind in KINDS else None,
            "concern": len(concern),
            "precision_concern": _ratio(sum(r[1] for r in concern), len(concern)) if kind in KINDS else None,
            "explained": _ratio(sum(r[2] for r in rows), len(rows)),
            "on_clean": sum(r[3] for r in rows)}
    total_planted = sum(r["planted"] for r in out.recall.values())
    total_found = sum(r["found"] for r in out.recall.values())
    counted = [r for k, r in out.precision.items() if k in KINDS]
    total_shown = sum(r["detectable"] for r in out.recall.values())
    total_shown_found = sum(r["found_detectable"] for r in out.recall.values())
    out.totals = {
        "planted": total_planted, "found": total_found, "recall": _ratio(total_found, total_planted),
        "named": sum(r["named"] for r in out.recall.values()),
        "detectable": total_shown, "found_detectable": total_shown_found,
        "recall_detectable": _ratio(total_shown_found, total_shown),
        "findings": sum(r["findings"] for r in counted), "true": sum(r["true"] for r in counted),
        "precision": _ratio(sum(r["true"] for r in counted), sum(r["findings"] for r in counted)),
        "services": sum(len(r.scenario.services) for r in results),
        "teams": sum(len(s.teams) for r in results for s in r.scenario.services),
        "months": [len(r.scenario.months) for r in results],
        "insights_seconds": sum(r.seconds for r in results)}
    out.clean = {"units": clean_units, "with_concern": clean_any, "any_concern": _ratio(clean_any, clean_units),
                 "with_unexplained": clean_unexplained,
                 "unexplained_concern": _ratio(clean_unexplained, clean_units),
                 "with_undrawn": clean_undrawn, "undrawn_concern": _ratio(clean_undrawn, clean_units),
                 "kinds": dict(clean_kinds.most_common())}
    return out


# --------------------------------------------------------------------------------------------- the report

def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def report(fig: Figures, seconds: float) -> str:
    t = fig.totals
    months = t["months"]
    lines = [
        "# Detection: planted patterns found where they live",
        "",
        (f"{len(fig.seeds)} seeds ({fig.seeds[0]}-{fig.seeds[-1]}), {t['services']} services, {t['teams']} teams, "
         f"{min(months)}-{max(months)} months each; {t['planted']} planted patterns, {fig.clean['units']} clean "
         f"units, {t['findings']} findings. run_insights took {t['insights_seconds']:.0f} s in all; the run "
         f"{seconds:.0f} s."),
        "",
        (f"Overall recall {_pct(t['recall'])} ({t['found']} of {t['planted']}, {t['named']} of them only in a "
         f"service-wide finding naming their team); overall precision "
         f"{_pct(t['precision'])} ({t['true']} of {t['findings']} findings of the planted kinds match a pattern of "
         "their kind at its place)."),
        "",
        (f"As drawn: {_pct(t['recall_detectable'])} ({t['found_detectable']} of {t['detectable']} plants whose "
         f"realised rows show the change beyond chance at {ALPHA} one-sided against the place's own earlier months, "
         f"bench/oracle.py); {t['planted'] - t['detectable']} plants not detectable as drawn."),
        "",
        "## Recall by kind and level",
        "",
        (f"Strong: strength >= {STRONG} (each kind's own realistic range, 0.15-1). \"Other kind\": missed patterns "
         "that a finding of another kind reports at the same place and subject. \"As drawn\": over the plants "
         "detectable as drawn (bench/oracle.py). Named: found only in a service-wide finding naming the team."),
        "",
        ("| kind | level | planted | found | of which named | recall | strong: recall (n) "
         "| as drawn: recall (found / detectable) | missed, other kind at the place |"),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for (kind, level), row in fig.recall.items():
        others = ", ".join(f"{k} {n}" for k, n in row["other_kinds"].items())
        lines.append(f"| {kind} | {level} | {row['planted']} | {row['found']} | {row['named']} | "
                     f"{_pct(row['recall'])} | "
                     f"{_pct(row['recall_strong'])} ({row['strong']}) | {_pct(row['recall_detectable'])} "
                     f"({row['found_detectable']} / {row['detectable']}) | {row['missed_but_other_kind']}"
                     f"{f' ({others})' if others else ''} |")
    lines += [
        "",
        "## Precision by kind",
        "",
        ("Precision: findings matching a planted pattern of their kind at its place, over all findings of the kind. "
         "Concern: the same over findings of status concern. Explained: findings overlapping any planted pattern's "
         "place and subject, of any kind. On clean: findings naming a CLEAN team (as their team, or among the teams "
         "a service-wide finding names)."),
        "",
        "| kind | findings | precision | concern findings | precision (concern) | explained | on clean units |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, row in fig.precision.items():
        lines.append(f"| {kind} | {row['findings']} | {_pct(row['precision'])} | {row['concern']} | "
                     f"{_pct(row['precision_concern'])} | {_pct(row['explained'])} | {row['on_clean']} |")
    c = fig.clean
    kinds = ", ".join(f"{k} {n}" for k, n in c["kinds"].items()) or "none"
    lines += [
        "",
        "## Clean units",
        "",
        "| clean units | with any concern finding | share | with a concern no planted pattern explains | share "
        "| of them, with one the draw does not explain either | share |",
        "|---|---|---|---|---|---|---|",
        (f"| {c['units']} | {c['with_concern']} | {_pct(c['any_concern'])} | {c['with_unexplained']} | "
         f"{_pct(c['unexplained_concern'])} | {c['with_undrawn']} | {_pct(c['undrawn_concern'])} |"),
        "",
        f"Kinds of the unexplained concerns (units with at least one): {kinds}.",
        "",
        "The draw: a clean team's usual complaints per planned hour or usual rating is drawn at random, and can sit "
        "apart from the rest of its service by the margin the product flags (bench/oracle.py, `drawn_apart`); the "
        "misses file marks those concerns DRAWN APART.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=50, help="how many seeds (default 50)")
    parser.add_argument("--quick", action="store_true", help="5 seeds")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    count = 5 if args.quick else args.seeds
    seeds = list(range(args.first_seed, args.first_seed + count))
    started = time.perf_counter()
    fig, _ = measure(seeds)
    text = report(fig, time.perf_counter() - started)
    print()
    print(text)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "detection.md").write_text(text, encoding="utf-8")
        (args.out / "detection_misses.md").write_text(
            "# Planted patterns the analytics missed\n\n" + "\n".join(fig.misses) + "\n\n"
            "# Concerns about clean units that no planted pattern explains\n\n" + "\n".join(fig.false_concerns)
            + "\n", encoding="utf-8")
        print(f"written {args.out / 'detection.md'} and {args.out / 'detection_misses.md'}")
    except OSError as error:  # a benchmark never fails on its report
        print(f"could not write the report: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
