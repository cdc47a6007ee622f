"""A large care group's spreadsheets, generated with vectorised numpy: the data the insights benchmarks run on.

Run: .venv/bin/python bench/group_data.py [--services 250] [--seed 2026] [--out bench/out/group]

250 services (care homes) in 5 regions, 6 units each, Early/Late/Night shifts, 36 months ending 31 Oct 2026:

- rota: one row per day, unit and shift (about 4.9 million rows), one CSV per region per year;
- audits: five scheduled audit tools a month per unit (medication twice) and one or two rounds of unannounced
  spot checks, one row per question answered (about 5 million rows), one CSV per region per year;
- complaints: about 60,000, one .xlsx log per year (title and export note above the header, real dates);
- feedback: about 500,000 Friends and Family Test responses with a comment each, one CSV per year.

The same kinds of pattern as the demo data (analytics/demo_files.py) are planted in chosen services, and listed in
the manifest: a care-plan item failing on every unit under a green audit score (A), one unit's nights running on
agency staff with handovers missed (B), green audits on one unit beside rising family complaints and falling family
ratings about communication (C), an embedded medication improvement (D), an infection-control improvement only in
scheduled audits (E), a laundry theme emerging on one unit in complaints and comments (G), and one unit's falls item
failing month after month (L). Everything comes from one seeded generator, so a seed always gives the same files;
they are written once into `--out`/seed<seed>_services<N>/ and reused while its manifest.json exists.
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import demo_files as demo

END = date(2026, 10, 31)
MONTHS = 36
YEARS = MONTHS // 12
SHIFTS = ("Early", "Late", "Night")
TEAMS_PER_SERVICE = 6
REGIONS = ("North West", "North East and Yorkshire", "Midlands", "London and South East", "South West")
PLACE_NAMES = (
    "Oakwood", "Ashgrove", "Meadowview", "Riverside", "Willowbank", "Beechcroft", "Elmhurst", "Hollybrook",
    "Larkfield", "Maplewood", "Northgate", "Orchard", "Parkside", "Queensmead", "Rosewood", "Silverdale",
    "Thornbury", "Upton", "Valley View", "Westfield", "Yew Tree", "Abbeyfield", "Brookside", "Cherry Tree",
    "Dalewood", "Eastbury", "Fernlea", "Glenview", "Heathfield", "Ivy Bank", "Juniper", "Kingsley", "Lindens",
    "Millbrook", "Newlands", "Oaklands", "Pinehurst", "Redcliffe", "Stonecroft", "Trinity", "Victoria",
    "Woodlands", "Alder", "Briarwood", "Castlegate", "Denewood", "Edgehill", "Fairhaven", "Greenacres", "Highcroft",
)
PLACE_SUFFIXES = ("House", "Court", "Lodge", "Manor", "Grange")
UNIT_NAMES = ("Rowan", "Willow", "Beech", "Cedar", "Oak", "Ash", "Birch", "Hazel", "Maple", "Elm", "Holly", "Larch")
STAFF_NAMES = ("Grace Adeyemi", "Tom Hollis", "Priya Nair", "Megan Doyle", "Helen Marsh", "Daniel Osei", "Sarah Khan",
               "James Patel", "Emma Wilson", "Olu Adeyemi", "Claire Murphy", "Tom Hughes", "Aisha Begum",
               "Mark Davies", "Helen O'Brien", "Kwame Mensah", "Gareth Jones", "Bronwen Price", "Imran Shah",
               "Lena Novak", "Rhys Evans", "Zara Ali", "Femi Ojo", "Marta Kowalska", "Kerry Lyons", "Anil Mistry",
               "Beth Carver", "Nadia Rahman", "Dev Sharma", "Carys Morgan")

# Planted patterns: the share of services given each, and the month (1-36) each starts.
PATTERN_SHARES = {"A": 0.2, "B": 0.15, "C": 0.1, "D": 0.2, "E": 0.15, "G": 0.1, "L": 0.15}
MED_FIXED_FROM, IPC_FIXED_FROM, NIGHTS_FROM, C_FROM, G_FROM, L_FROM = 25, 28, 27, 31, 33, 31

FALLS = "Falls"
HEALTH_SAFETY = "Health and safety"
SENSOR_ITEM = "Sensor mat in place where assessed"
TOOLS: dict[str, tuple[demo._Item, ...]] = {
    **demo.OAKWOOD_TOOLS,
    FALLS: (demo._Item("Post-fall", "Post-fall huddle held within 24 hours", 0.3),
            demo._Item("Post-fall", "Neurological observations completed", 0.4),
            demo._Item("Post-fall", "GP or 111 informed where needed", 0.3),
            demo._Item("Post-fall", "Family informed of the fall", 0.3),
            demo._Item("Prevention", SENSOR_ITEM),
            demo._Item("Prevention", "Footwear suitable and well fitting"),
            demo._Item("Prevention", "Call bell within reach"),
            demo._Item("Prevention", "Falls diary reviewed monthly"),
            demo._Item("Prevention", "Bed height and lighting checked")),
    HEALTH_SAFETY: (demo._Item("Fire", "Fire exits clear"), demo._Item("Fire", "Fire alarm test recorded this week"),
                    demo._Item("Fire", "PEEP in place for every resident"),
                    demo._Item("Water", "Outlet water temperatures recorded"),
                    demo._Item("Water", "Radiators covered or low surface temperature"),
                    demo._Item("Equipment", "Hoists serviced within LOLER dates"),
                    demo._Item("Equipment", "Slings labelled to the person"),
                    demo._Item("Equipment", "Wheelchairs checked and clean"),
                    demo._Item("Environment", "Window restrictors fitted and checked"),
                    demo._Item("Environment", "COSHH cupboard locked"),
                    demo._Item("Environment", "Call bells tested this month")),
}
# (tool, spot check, optional) for each audit a unit may have in a month; optional ones happen half the months.
EVENTS = ((demo.CARE_PLAN, False, False), (demo.MEDICATION, False, False), (demo.MEDICATION, False, False),
          (demo.INFECTION, False, False), (FALLS, False, False), (HEALTH_SAFETY, False, False),
          (demo.INFECTION, True, False), (demo.MEDICATION, True, False),
          (demo.INFECTION, True, True), (demo.MEDICATION, True, True))
SPOT_ITEMS = {demo.INFECTION: demo.SPOT_CHECK_ITEMS[demo.INFECTION], demo.MEDICATION:
              demo.SPOT_CHECK_ITEMS[demo.MEDICATION]}
MET_TOOLS = {demo.CARE_PLAN, HEALTH_SAFETY}  # answered Met / Partially met / Not met; the others Yes / No

AUDIT_HEADERS = ["Date of audit", "Home", "Unit", "Shift", "Audit type", "Section", "Question", "Answer",
                 "Audit ref", "Auditor", "Scheduled or spot check"]
ROTA_HEADERS = ["Date", "Home", "Unit", "Shift", "Role", "Planned hours", "Actual hours", "Agency hours", "Bank hours",
                "Sickness hours", "Unfilled shifts", "Handover completed"]
FEEDBACK_HEADERS = ["Response ID", "Date submitted", "Home", "Unit", "Respondent type",
                    "Overall, how was your experience of our service?", "Please tell us why", "Collected via"]
COMPLAINT_HEADERS = list(demo._COMPLAINT_HEADERS)

COMPLAINTS_PER_UNIT_MONTH = 60_000 / (250 * 6 * 36)
RESPONSES_PER_UNIT_MONTH = 500_000 / (250 * 6 * 36)
COMMENT_POOL = 3_000  # distinct comments drawn per voice, theme and tone; responses pick among them
NON_INFORMATIVE = ("Nothing to add.", "N/A", "No comment", "None", "Nothing really")


@dataclass(frozen=True)
class Group:
    """The services of the group and where each pattern is planted."""

    services: np.ndarray        # names, object array
    regions: np.ndarray         # region index per service
    teams: np.ndarray           # [service, team] unit names
    quality: np.ndarray         # [service, team] usual pass chance of an audit item
    patterns: dict[str, np.ndarray]  # pattern -> bool per service
    pattern_team: np.ndarray    # [service] the unit B, C, G and L are planted on (one per service)
    months: tuple[date, ...]

    @property
    def size(self) -> int:
        return len(self.services)


def month_starts() -> tuple[date, ...]:
    """First days of the 36 months ending with END's month."""
    first = END.year * 12 + END.month - 1 - (MONTHS - 1)
    return tuple(date(m // 12, m % 12 + 1, 1) for m in range(first, first + MONTHS))


def make_group(services: int, rng: np.random.Generator) -> Group:
    """Names, regions, units, quality and planted patterns of `services` services."""
    names = [f"{PLACE_NAMES[i % len(PLACE_NAMES)]} {PLACE_SUFFIXES[(i // len(PLACE_NAMES)) % len(PLACE_SUFFIXES)]}"
             + (f" {i // (len(PLACE_NAMES) * len(PLACE_SUFFIXES)) + 1}" if i >= len(PLACE_NAMES) * len(PLACE_SUFFIXES)
                else "") for i in range(services)]
    start = rng.integers(0, len(UNIT_NAMES), services)
    teams = np.array([[f"{UNIT_NAMES[(s + k) % len(UNIT_NAMES)]} Unit" for k in range(TEAMS_PER_SERVICE)]
                      for s in start], dtype=object)
    quality = np.clip(rng.normal(0.965, 0.012, services)[:, None] + rng.normal(0, 0.006, (services,
                                                                                      TEAMS_PER_SERVICE)), 0.92, 0.99)
    patterns = {name: rng.random(services) < share for name, share in PATTERN_SHARES.items()}
    for k, flags in enumerate(patterns.values()):  # every pattern somewhere, even in a small group
        flags[k % services] = True
    return Group(np.array(names, dtype=object), np.arange(services) * len(REGIONS) // max(services, 1),
                 teams, quality, patterns, rng.integers(0, TEAMS_PER_SERVICE, services), month_starts())


def month_days(months: tuple[date, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Per month, its first day as a day number from the first month, and how many days it has."""
    first = np.array([(m - months[0]).days for m in months])
    lengths = np.array([calendar.monthrange(m.year, m.month)[1] for m in months])
    return first, lengths


def random_days(rng: np.random.Generator, month: np.ndarray, months: tuple[date, ...]) -> np.ndarray:
    """A random day (days since the first month) within each given month index."""
    first, lengths = month_days(months)
    return first[month] + (rng.random(len(month)) * lengths[month]).astype(np.int64)


def day_strings(months: tuple[date, ...], fmt: str) -> np.ndarray:
    """Every day of the period as text, indexed by days since the first month."""
    days = (END - months[0]).days + 1
    return np.array([(months[0] + timedelta(d)).strftime(fmt) for d in range(days)], dtype=object)


def ramp(month: np.ndarray, start: int) -> np.ndarray:
    """0 before month `start` (1-based), then rising evenly to 1 in the last month."""
    number = month + 1
    return np.where(number < start, 0.0, (number - start + 1) / (MONTHS - start + 1))


def choose(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One draw per row from row-wise weights (rows x options), vectorised."""
    cumulative = np.cumsum(weights, axis=1)
    draws = rng.random(len(weights)) * cumulative[:, -1]
    return (cumulative < draws[:, None]).sum(axis=1)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a frame as UTF-8 CSV with a header, through DuckDB (fast; quotes text that needs it)."""
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute(f"COPY frame TO '{path}' (HEADER, DELIMITER ',')")
    con.close()


# --- audits -------------------------------------------------------------------------------------------

def item_bank() -> tuple[list[tuple[str, str, str, float]], dict[tuple[str, bool], tuple[int, int]]]:
    """Every question as (audit type, section, question, chance not applicable), and each tool's rows in it."""
    rows, spans = [], {}
    for spot in (False, True):
        for tool, tool_items in TOOLS.items():
            items = SPOT_ITEMS.get(tool, ()) if spot else tool_items
            if items:
                spans[(tool, spot)] = (len(rows), len(items))
                rows += [(tool, i.section, i.text, i.not_applicable) for i in items]
    return rows, spans


def audit_chunk(group: Group, services: np.ndarray, year: int, rng: np.random.Generator,
                counter: list[int]) -> pd.DataFrame:
    """Every answered audit question of `services` in one year (months 12*year .. 12*year+11)."""
    bank, spans = item_bank()
    tool_names = list(TOOLS)
    months = np.arange(12 * year, 12 * year + 12)
    # One row per (service, team, month, event); optional events kept half the time (both spot rounds together).
    s, t, m, e = (a.ravel() for a in np.meshgrid(services, np.arange(TEAMS_PER_SERVICE), months,
                                                  np.arange(len(EVENTS)), indexing="ij"))
    optional = np.array([ev[2] for ev in EVENTS])[e]
    second_round = rng.random(len(services) * TEAMS_PER_SERVICE * 12) < 0.5
    keep = ~optional | np.repeat(second_round, len(EVENTS))
    s, t, m, e = s[keep], t[keep], m[keep], e[keep]
    tool = np.array([tool_names.index(ev[0]) for ev in EVENTS])[e]
    spot = np.array([ev[1] for ev in EVENTS])[e]
    start = np.array([spans[(ev[0], ev[1])][0] for ev in EVENTS])[e]
    size = np.array([spans[(ev[0], ev[1])][1] for ev in EVENTS])[e]
    events = len(e)
    day = random_days(rng, m, group.months)
    # Scheduled audits fall on weekdays: a weekend day moves to the Monday after, or the Friday before at a
    # month's end.
    weekday = (np.arange(1100) + group.months[0].weekday()) % 7
    first, lengths = month_days(group.months)
    later = day + 7 - weekday[day]
    moved = np.where(later < first[m] + lengths[m], later, day - (weekday[day] - 4))
    day = np.where(~spot & (weekday[day] >= 5), moved, day)
    shift = np.where(spot, choose(rng, np.tile([0.3, 0.3, 0.4], (events, 1))), (m + t + tool) % 3)
    auditor = np.where(spot, (s * 3 + rng.integers(0, 2, events)) % len(STAFF_NAMES), (s * 7 + t) % len(STAFF_NAMES))
    refs = np.array([f"AUD-{n:08d}" for n in range(counter[0] + 1, counter[0] + events + 1)], dtype=object)
    counter[0] += events

    # One row per question answered.
    event = np.repeat(np.arange(events), size)
    question = start[event] + np.arange(len(event)) - np.repeat(np.cumsum(size) - size, size)
    rs, rt, rm, rspot = s[event], t[event], m[event], spot[event]
    rtool = tool[event]
    types = np.array([b[0] for b in bank], dtype=object)
    texts = np.array([b[2] for b in bank], dtype=object)
    chance = group.quality[rs, rt].copy()
    p = group.patterns
    care_plan = rtool == tool_names.index(demo.CARE_PLAN)
    chance[care_plan] = np.maximum(chance[care_plan], 0.99)
    chance[p["A"][rs] & (texts[question] == demo.SIGNED_ITEM)] = 0.2                       # A
    medication = rtool == tool_names.index(demo.MEDICATION)
    chance[p["D"][rs] & medication & (rm + 1 < MED_FIXED_FROM)] = 0.80                      # D
    infection = rtool == tool_names.index(demo.INFECTION)
    chance[p["E"][rs] & infection & ~rspot & (rm + 1 < IPC_FIXED_FROM)] = 0.75              # E
    chance[p["E"][rs] & infection & rspot] = 0.72
    own_team = rt == group.pattern_team[rs]
    chance[p["C"][rs] & own_team & ~rspot] = 0.985                                           # C
    chance[p["L"][rs] & own_team & (texts[question] == SENSOR_ITEM) & (rm + 1 >= L_FROM)] = 0.1  # L
    na = rng.random(len(event)) < np.array([b[3] for b in bank])[question]
    passed = rng.random(len(event)) < chance
    met_style = np.isin(types[question], list(MET_TOOLS))
    partial = rng.random(len(event)) < 0.4
    answer = np.where(na, "N/A", np.where(met_style, np.where(passed, "Met", np.where(partial, "Partially met",
                                                                                      "Not met")),
                                          np.where(passed, "Yes", "No")))
    dates = day_strings(group.months, "%d/%m/%Y")
    return pd.DataFrame({
        "Date of audit": dates[day[event]],
        "Home": group.services[rs],
        "Unit": group.teams[rs, rt],
        "Shift": np.array(SHIFTS, dtype=object)[shift[event]],
        "Audit type": types[question],
        "Section": np.array([b[1] for b in bank], dtype=object)[question],
        "Question": texts[question],
        "Answer": answer.astype(object),
        "Audit ref": refs[event],
        "Auditor": np.array(STAFF_NAMES, dtype=object)[auditor[event]],
        "Scheduled or spot check": np.where(rspot, "Spot check", "Scheduled").astype(object),
    })


# --- rota ---------------------------------------------------------------------------------------------

PLANNED_STAFF = np.array([5, 4, 3])
SHIFT_LENGTH = np.array([7.5, 7.5, 10.0])


def rota_chunk(group: Group, services: np.ndarray, year: int, rng: np.random.Generator) -> pd.DataFrame:
    """One row per day, unit and shift of `services` in one year."""
    first, _ = month_days(group.months)
    last = (END - group.months[0]).days + 1
    day_from = first[12 * year]
    day_to = first[12 * year + 12] if 12 * year + 12 < MONTHS else last
    days = np.arange(day_from, day_to)
    month = np.searchsorted(first, days, side="right") - 1
    d, s, t, h = (a.ravel() for a in np.meshgrid(np.arange(len(days)), services, np.arange(TEAMS_PER_SERVICE),
                                                  np.arange(3), indexing="ij"))
    m = month[d]
    fragile = group.patterns["B"][s] & (t == group.pattern_team[s]) & (h == 2) & (m + 1 >= NIGHTS_FROM)
    staff = PLANNED_STAFF[h]
    length = SHIFT_LENGTH[h]
    cover = rng.multinomial(staff, np.where(fragile[:, None], demo._FRAGILE_COVER, demo._NORMAL_COVER))
    bank, agency, unfilled = cover[:, 1], cover[:, 2], cover[:, 3]
    overrun = rng.choice([-1.0, -0.5, 0.0, 0.5, 1.0], p=[0.01, 0.04, 0.88, 0.05, 0.02], size=len(d))
    handover = rng.random(len(d)) < np.where(fragile, 0.6, 0.97)
    night_variant = (h == 2) & (rng.random(len(d)) < 0.06)
    variants = np.array(["Nights", "N", "Waking night"], dtype=object)[rng.integers(0, 3, len(d))]
    dates = day_strings(group.months, "%d/%m/%Y")
    return pd.DataFrame({
        "Date": dates[days[d]],
        "Home": group.services[s],
        "Unit": group.teams[s, t],
        "Shift": np.where(night_variant, variants, np.array(SHIFTS, dtype=object)[h]),
        "Role": "Care staff",
        "Planned hours": staff * length,
        "Actual hours": np.maximum((staff - unfilled) * length + overrun, 0.0),
        "Agency hours": agency * length,
        "Bank hours": bank * length,
        "Sickness hours": rng.binomial(bank + agency + unfilled, 0.45) * length,
        "Unfilled shifts": unfilled,
        "Handover completed": np.where(handover, "Y", "N").astype(object),
    })


# --- complaints ---------------------------------------------------------------------------------------

def complaints(group: Group, rng: np.random.Generator) -> pd.DataFrame:
    """Every complaint over the three years, background plus the planted C (communication) and G (laundry) rises."""
    n = group.size
    s, t, m = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(TEAMS_PER_SERVICE), np.arange(MONTHS),
                                              indexing="ij"))
    background = rng.poisson(COMPLAINTS_PER_UNIT_MONTH, len(s))
    own = t == group.pattern_team[s]
    rising_c = np.where(group.patterns["C"][s] & own, np.maximum(np.round(4.0 * ramp(m, C_FROM))
                                                                 + rng.integers(-1, 2, len(s)), 0), 0)
    rising_g = np.where(group.patterns["G"][s] & own, np.maximum(np.round(5.0 * ramp(m, G_FROM))
                                                                 + rng.integers(-1, 2, len(s)), 0), 0)
    rising_c[ramp(m, C_FROM) == 0] = 0
    rising_g[ramp(m, G_FROM) == 0] = 0
    categories = list(demo._COMPLAINT_CATEGORIES[demo.OAKWOOD])
    weights = np.array(list(demo._COMPLAINT_CATEGORIES[demo.OAKWOOD].values()), dtype=float)
    rising_c, rising_g = rising_c.astype(np.int64), rising_g.astype(np.int64)
    counts = background + rising_c + rising_g
    row = np.repeat(np.arange(len(s)), counts)
    rank = np.arange(len(row)) - np.repeat(np.cumsum(counts) - counts, counts)
    category = choose(rng, np.tile(weights, (len(row), 1)))
    planted_c = rank >= background[row]
    planted_g = rank >= background[row] + rising_c[row]
    category = np.where(planted_g, categories.index("Laundry and belongings"),
                        np.where(planted_c, categories.index("Communication"), category))
    complainant = np.where(planted_c & ~planted_g, 0,
                           choose(rng, np.tile(demo._COMPLAINANT_WEIGHTS, (len(row), 1))))
    received = random_days(rng, m[row], group.months)
    serious = np.isin(np.array(categories)[category], ["Medication", "Care and treatment"])
    severity = np.where(serious, choose(rng, np.tile([0.25, 0.5, 0.25], (len(row), 1))),
                        choose(rng, np.tile([0.55, 0.4, 0.05], (len(row), 1))))
    shift = choose(rng, np.tile([0.3, 0.35, 0.15, 0.2], (len(row), 1)))
    acknowledged = received + rng.integers(0, 4, len(row))
    responded = acknowledged + rng.integers(5, 30, len(row))
    closed = responded + np.where(rng.random(len(row)) < 0.85, rng.integers(0, 15, len(row)),
                                  rng.integers(20, 50, len(row)))
    texts = [demo._complaint_summary(rng, "", categories[c], demo._COMPLAINANTS[w])
             for c, w in zip(category, complainant)]
    order = np.argsort(received, kind="stable")
    frame = pd.DataFrame({
        "service": s[row], "received": received, "acknowledged": acknowledged, "responded": responded,
        "closed": closed, "Home": group.services[s[row]], "Unit": group.teams[s[row], t[row]],
        "Shift": np.array(["Early", "Late", "Night", "Not known"], dtype=object)[shift],
        "Category": np.array(categories, dtype=object)[category], "Summary": np.array(texts, dtype=object),
        "Severity": np.array(["Low", "Medium", "High"], dtype=object)[severity],
        "Complainant": np.array(demo._COMPLAINANTS, dtype=object)[complainant],
        "Outcome": np.array(demo.OUTCOMES, dtype=object)[choose(rng, np.tile([0.3, 0.35, 0.35], (len(row), 1)))],
    }).iloc[order].reset_index(drop=True)
    frame["Ref"] = [f"C{n:06d}" for n in frame.groupby("service").cumcount() + 1]
    return frame


def write_complaints(frame: pd.DataFrame, path: Path, months: tuple[date, ...], year: int) -> int:
    """One year's complaints as the log was exported at the year's end: title, note, header on row 3."""
    from openpyxl import Workbook

    first, _ = month_days(months)
    start = first[12 * year]
    stop = first[12 * year + 12] if 12 * year + 12 < MONTHS else (END - months[0]).days + 1
    as_of = min(stop - 1, (END - months[0]).days)
    part = frame[(frame["received"] >= start) & (frame["received"] < stop)]
    base = datetime(months[0].year, months[0].month, months[0].day)

    def when(day: int) -> datetime | None:
        return base + timedelta(days=int(day)) if day <= as_of else None

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Complaints")
    sheet.append([(f"Complaints log \u2013 all homes, {months[12 * year]:%B %Y} to "
                  f"{min(months[0] + timedelta(days=int(as_of)), END):%B %Y}")])
    sheet.append([f"Exported {months[0] + timedelta(days=int(as_of)):%d/%m/%Y}. Confidential."])
    sheet.append(COMPLAINT_HEADERS)
    for r in part.itertuples(index=False):
        known = [when(r.acknowledged), when(r.responded), when(r.closed)]
        status = ("Closed" if known[2] else "Response sent" if known[1] else "Under investigation" if known[0]
                  else "New")
        sheet.append([r.Ref, base + timedelta(days=int(r.received)), r.Home, r.Unit, r.Shift, r.Category, r.Summary,
                      r.Severity, r.Complainant, *known, r.Outcome if known[1] else None, status])
    workbook.save(path)
    return len(part)


# --- feedback -----------------------------------------------------------------------------------------

VOICES = ("self", "family", "staff", "professional")
RESPONDENTS = demo._RESPONDENTS


def comment_pools(rng: np.random.Generator) -> dict[tuple[str, str, bool], np.ndarray]:
    """For each voice, theme and tone, a pool of distinct comments drawn from the demo's templates."""
    pools = {}
    for voice in VOICES:
        for positive in (True, False):
            themes = [""] if voice in ("staff", "professional") else \
                sorted(set(demo._CARE_HOME_THEMES[True]) | set(demo._CARE_HOME_THEMES[False]))
            for theme in themes:
                if voice not in ("staff", "professional") and (theme, positive) not in demo._CARE_HOME_TEXT:
                    continue
                size = COMMENT_POOL if voice in ("self", "family") else COMMENT_POOL // 6
                texts = {demo._comment(rng, "care home", voice, theme, positive) for _ in range(size)}
                pools[(voice, theme, positive)] = np.array(sorted(texts), dtype=object)
    return pools


def feedback(group: Group, rng: np.random.Generator) -> pd.DataFrame:
    """Every FFT response with its comment; C's family ratings fall, G's unit writes about laundry."""
    n = group.size
    s, t, m = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(TEAMS_PER_SERVICE), np.arange(MONTHS),
                                              indexing="ij"))
    counts = rng.poisson(RESPONSES_PER_UNIT_MONTH, len(s))
    row = np.repeat(np.arange(len(s)), counts)
    rs, rt, rm = s[row], t[row], m[row]
    size = len(row)
    respondent = choose(rng, np.tile([0.35, 0.40, 0.15, 0.10], (size, 1)))
    own = rt == group.pattern_team[rs]
    c_family = group.patterns["C"][rs] & own & (respondent == 1)
    weights = np.where((respondent == 2)[:, None], demo._FFT_STAFF, demo._FFT_USUAL)
    c_ramp = np.where(c_family, ramp(rm, C_FROM), 0.0)[:, None]
    weights = (1 - c_ramp) * weights + c_ramp * np.array(demo._FFT_BEECH_FAMILY_LOW)
    rating = choose(rng, weights)
    positive = rating < 2
    theme_names = {tone: list(demo._CARE_HOME_THEMES[tone]) for tone in (True, False)}
    theme_of = {tone: choose(rng, np.tile(list(demo._CARE_HOME_THEMES[tone].values()), (size, 1)))
                for tone in (True, False)}
    theme = np.where(positive, np.array(theme_names[True], dtype=object)[theme_of[True]],
                     np.array(theme_names[False], dtype=object)[theme_of[False]])
    c_comm = c_family & ~positive & (rng.random(size) < 0.8 * np.where(c_family, ramp(rm, C_FROM), 0.0))
    theme[c_comm] = "communication"
    g_laundry = group.patterns["G"][rs] & own & (rng.random(size) < 0.5 * ramp(rm, G_FROM))
    theme[g_laundry] = "laundry"
    positive[g_laundry] = False
    voice = np.array(VOICES, dtype=object)[respondent]
    theme[(respondent >= 2)] = ""
    pools = comment_pools(rng)
    comment = np.empty(size, dtype=object)
    keys = pd.DataFrame({"voice": voice, "theme": theme, "positive": positive})
    for (v, th, tone), index in keys.groupby(["voice", "theme", "positive"]).indices.items():
        pool = pools[(v, th, bool(tone))]
        comment[index] = pool[rng.integers(0, len(pool), len(index))]
    blank = (rng.random(size) < 0.05) | (rating == len(demo.FFT_SCALE) - 1)  # "Don't know" says nothing more
    comment[blank] = np.array(NON_INFORMATIVE, dtype=object)[rng.integers(0, len(NON_INFORMATIVE), blank.sum())]
    day = random_days(rng, rm, group.months)
    minutes = rng.integers(8 * 60, 22 * 60, size)
    base = np.datetime64(group.months[0].isoformat(), "m")
    when = base + (day * 1440 + minutes).astype("timedelta64[m]")
    order = np.argsort(when, kind="stable")
    frame = pd.DataFrame({
        "Date submitted": pd.Series(when).dt.strftime("%Y-%m-%d %H:%M").to_numpy(dtype=object),
        "Home": group.services[rs], "Unit": group.teams[rs, rt],
        "Respondent type": np.array(RESPONDENTS, dtype=object)[respondent],
        "Overall, how was your experience of our service?": np.array(demo.FFT_SCALE, dtype=object)[rating],
        "Please tell us why": comment,
        "Collected via": np.array(demo._CHANNELS, dtype=object)[rng.integers(0, len(demo._CHANNELS), size)],
        "month": rm,
    }).iloc[order].reset_index(drop=True)
    frame.insert(0, "Response ID", [f"FFT-{i:07d}" for i in range(1, len(frame) + 1)])
    return frame


# --- the whole group ----------------------------------------------------------------------------------

def slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_")


def folder_for(out: Path, services: int, seed: int) -> Path:
    """Where the files of one size and seed live."""
    return out / f"seed{seed}_services{services}"


def year_label(months: tuple[date, ...], year: int) -> str:
    last = months[min(12 * year + 11, MONTHS - 1)]
    return f"{months[12 * year]:%Y-%m}_to_{last:%Y-%m}"


def generate(out: Path, services: int, seed: int) -> dict:
    """Write every file of the group into a fresh folder and return the manifest (also written as manifest.json)."""
    folder = folder_for(out, services, seed)
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    rngs = np.random.default_rng(seed).spawn(5)
    group = make_group(services, rngs[0])
    files: list[dict] = []

    def record(path: Path, source: str, rows: int, started: float) -> None:
        files.append({"file": path.name, "source": source, "rows": int(rows), "bytes": path.stat().st_size})
        print(f"  {path.name}: {rows:,} rows, {path.stat().st_size / 1e6:.0f} MB, "
              f"{time.perf_counter() - started:.1f} s", file=sys.stderr)

    counter = [0]
    for region, name in enumerate(REGIONS):
        members = np.flatnonzero(group.regions == region)
        if not len(members):
            continue
        for year in range(YEARS):
            started = time.perf_counter()
            frame = audit_chunk(group, members, year, rngs[1], counter)
            path = partial / f"audits_{slug(name)}_{year_label(group.months, year)}.csv"
            write_csv(frame, path)
            record(path, "audits", len(frame), started)
            started = time.perf_counter()
            frame = rota_chunk(group, members, year, rngs[2])
            path = partial / f"rota_{slug(name)}_{year_label(group.months, year)}.csv"
            write_csv(frame, path)
            record(path, "rota", len(frame), started)
            del frame
    started = time.perf_counter()
    logged = complaints(group, rngs[3])
    for year in range(YEARS):
        path = partial / f"complaints_log_{year_label(group.months, year)}.xlsx"
        rows = write_complaints(logged, path, group.months, year)
        record(path, "complaints", rows, started)
        started = time.perf_counter()
    responses = feedback(group, rngs[4])
    for year in range(YEARS):
        part = responses[(responses["month"] >= 12 * year) & (responses["month"] < 12 * year + 12)]
        path = partial / f"feedback_fft_{year_label(group.months, year)}.csv"
        write_csv(part.drop(columns="month"), path)
        record(path, "feedback", len(part), started)
        started = time.perf_counter()
    planted = [{"pattern": name, "service": group.services[i],
                "team": group.teams[i, group.pattern_team[i]] if name in ("B", "C", "G", "L") else None,
                "shift": "Night" if name == "B" else None}
               for name, flags in group.patterns.items() for i in np.flatnonzero(flags)]
    manifest = {"seed": seed, "services": services, "teams_per_service": TEAMS_PER_SERVICE, "months": MONTHS,
                "first_day": group.months[0].isoformat(), "last_day": END.isoformat(),
                "rows": {source: sum(f["rows"] for f in files if f["source"] == source)
                         for source in ("audits", "rota", "complaints", "feedback")},
                "files": files, "planted": planted,
                "service_names": list(group.services), "one_service": str(group.services[0])}
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(partial, folder)
    return manifest


def ensure(out: Path, services: int, seed: int) -> tuple[Path, dict]:
    """The folder of generated files for this size and seed, generating them only when not already there."""
    folder = folder_for(out, services, seed)
    manifest = folder / "manifest.json"
    if manifest.exists():
        print(f"using cached {folder}", file=sys.stderr)
        return folder, json.loads(manifest.read_text(encoding="utf-8"))
    started = time.perf_counter()
    print(f"generating {services} services (seed {seed}) into {folder}", file=sys.stderr)
    found = generate(out, services, seed)
    print(f"generated in {time.perf_counter() - started:.0f} s: " +
          ", ".join(f"{rows:,} {source}" for source, rows in found["rows"].items()), file=sys.stderr)
    return folder, found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=250, help="services in the group (default 250)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the generated data (default 2026)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "group",
                        help="folder the group's folders are written into")
    args = parser.parse_args(argv)
    folder, manifest = ensure(args.out.resolve(), args.services, args.seed)
    print(json.dumps({"folder": str(folder), "rows": manifest["rows"],
                      "megabytes": round(sum(f["bytes"] for f in manifest["files"]) / 1e6)}))


if __name__ == "__main__":
    main()
