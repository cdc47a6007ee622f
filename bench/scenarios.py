"""Random provider scenarios with known patterns planted in them, for measuring what the analytics find.

Separate from `analytics.demo_files` on purpose: that demo was written beside the analytics, this generator was
not tuned to them. `make_scenario(seed)` draws a provider (1-6 services of random realistic names, 2-8 teams
each, two to five shift patterns as providers name them, 12-36 months ending at a random recent month), fills it
with background noise (audits with realistic pass rates and unannounced spot checks, a rota with planned, actual
and agency hours and handovers, complaints at low Poisson rates with categories and summaries, feedback ratings
1-5 with comments) and plants patterns at random places, sizes and start months, of every kind the analytics
name. Teams left without a pattern of their own are recorded as CLEAN units.

Everything comes from one numpy generator seeded with `seed`, so a seed always gives the same scenario. Rows
are the canonical rows ingest would store (shift labels normalised by the default shift table, as ingest does),
written straight into a store by `Scenario.write(con)`.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.settings import default_settings
from analytics.sources import SOURCES
from analytics.store import connect, table_columns
from analytics.values import normalise_shift, shift_lookup

# --------------------------------------------------------------------------------------------- vocabularies

_NAME_FIRST = ("Ash", "Birch", "Meadow", "River", "Brook", "Fern", "Kings", "Church", "Mill", "Orchard", "Park",
               "Lark", "Heron", "Swan", "Linden", "Thorn", "Elder", "Hollin", "Wren", "Alder", "Beacon", "Crown",
               "Harbour", "Moor", "Quarry", "Rose", "Silver", "Spring", "Stone", "Tudor")
_NAME_SECOND = ("field", "bank", "lea", "side", "view", "gate", "mead", "wood", "croft", "brook", "hurst", "dale",
                "grove", "holme", "well")
_SETTINGS = {
    "care_home": ("House", "Court", "Lodge", "Manor", "Grange", "Care Home", "Nursing Home"),
    "homecare": ("Homecare", "Home Care", "Care at Home", "Domiciliary Care"),
    "supported_living": ("Supported Living", "Community Services"),
}
_UNIT_NAMES = ("Rowan", "Willow", "Beech", "Cedar", "Oak", "Hazel", "Bluebell", "Primrose", "Lavender", "Heather",
               "Maple", "Elm", "Holly", "Juniper", "Poppy", "Daisy", "Foxglove", "Magnolia", "Sycamore", "Larch")
_UNIT_SUFFIX = ("Unit", "Wing", "Suite", "Lounge", "Household")
_FLOORS = ("Ground Floor", "First Floor", "Second Floor", "Garden View", "Memory Lane", "Courtyard")
_PATCHES = ("North", "South", "East", "West", "Town", "Rural", "Coastal", "Valley", "City Centre", "Hillside",
            "Riverside", "Market", "Moorland", "Docks", "Uplands", "Village")
_HOUSES = ("Ivy Cottage", "Park Road", "The Bungalow", "Laurel House", "Station Road", "Fir Tree House",
           "Church Lane", "The Mews", "Hawthorn Flats", "Mill Street")
SHIFT_PATTERNS = {
    "care_home": (("Early", "Late", "Night"), ("Days", "Nights"), ("Long day", "Night"),
                  ("Morning", "Afternoon", "Twilight", "Waking night"), ("Early", "Late", "Twilight", "Night"),
                  ("Early", "Late", "Long day", "Twilight", "Night")),
    "homecare": (("Morning", "Lunch", "Tea", "Bed"), ("Early", "Late"), ("Morning", "Afternoon", "Evening"),
                 ("Morning", "Lunch", "Tea", "Bed", "Waking night")),
    "supported_living": (("Early", "Late", "Sleep-in"), ("Days", "Waking night"), ("Long day", "Night"),
                         ("Early", "Late", "Night")),
}
_SHIFT_HOURS = {"Early": 7.5, "Late": 7.5, "Night": 10.0, "Long day": 12.0, "Days": 12.0, "Nights": 12.0,
                "Twilight": 5.0, "Morning": 6.0, "Afternoon": 6.0, "Evening": 5.0, "Lunch": 3.0, "Tea": 3.0,
                "Bed": 3.0, "Waking night": 10.0, "Sleep-in": 9.0}

AUDIT_TYPES: dict[str, dict[str, tuple[str, ...]]] = {
    "Medication": {
        "MAR charts": ("MAR chart signed for every dose", "Allergies recorded on MAR", "No gaps in MAR chart"),
        "Storage and stock": ("Fridge temperature recorded daily", "Controlled drugs count correct",
                              "PRN protocol in place and followed", "Stock balance matches records"),
    },
    "Care plan": {
        "Assessment": ("Needs assessment current", "Risk assessments reviewed", "Mental capacity assessment recorded"),
        "Review": ("Care plan reviewed in the last month", "Person or family involved in review",
                   "Daily notes reflect the plan"),
    },
    "Infection control": {
        "Hand hygiene": ("Hand gel available at point of care", "Staff observed washing hands", "Bare below elbows"),
        "Environment": ("Cleaning schedule signed", "Sharps bin not overfilled", "Laundry segregated correctly",
                        "Commodes clean"),
    },
    "Health and safety": {
        "Fire": ("Fire doors closed and unobstructed", "Fire drill in the last quarter", "PEEPs up to date"),
        "Equipment": ("Hoist slings checked", "Call bells tested", "Water temperatures recorded",
                      "Bed rails assessment in place"),
    },
    "Dining experience": {
        "Choice": ("Menu offered with a choice", "Pictorial menu available", "Alternatives offered"),
        "Support": ("Support to eat given promptly", "Fluids offered and recorded", "Food charts completed"),
    },
    "Falls prevention": {
        "Assessment": ("Falls risk assessment current", "Post-fall review completed"),
        "Environment": ("Sensor mats working", "Walking aids within reach", "Footwear appropriate"),
    },
    "Safeguarding": {
        "Knowledge": ("Staff know how to raise a concern", "Whistleblowing policy displayed"),
        "Records": ("Safeguarding log up to date", "Body maps completed after injury"),
    },
    "Record keeping": {
        "Notes": ("Entries dated and signed", "Notes legible", "Late entries marked as such"),
        "Charts": ("Repositioning charts complete", "Fluid balance totalled"),
    },
}
COMPLAINT_TEXT: dict[str, tuple[str, ...]] = {
    "Communication": ("Nobody told us {who} had a fall until we visited.",
                      "We have left messages for the manager several times and nobody has called back.",
                      "Nobody answers the phone in the evenings.",
                      "We were not informed when {who}'s medication was changed.",
                      "The family has to chase staff for updates after every GP visit.",
                      "Emails go unanswered for a week or more.",
                      "We were promised a call about the review and it never came."),
    "Call bells": ("{who} waited over twenty minutes for the call bell to be answered.",
                   "The call bell was left out of reach overnight.",
                   "Staff switched the call bell off and did not come back.",
                   "The buzzer rang for ages at night before anyone came."),
    "Call times": ("The carer arrived two hours late for the morning call.",
                   "The teatime visit was missed and nobody rang to say.",
                   "Carers keep cutting the visits short.",
                   "The bedtime call came at seven which is far too early for {who}.",
                   "Visits are late most days and {who} is left waiting."),
    "Laundry": ("{who}'s clothes keep going missing in the laundry.", "{who} was dressed in someone else's clothes.",
                "Jumpers come back shrunk from the laundry.", "Laundry is returned to the wrong room."),
    "Food and drink": ("The meals are often served cold.", "There was no choice at lunch again.",
                       "Drinks were left out of reach all afternoon.",
                       "{who} is losing weight and nobody is watching the meals."),
    "Staff attitude": ("A carer was rude and abrupt with {who}.", "Staff talked over {who} as if they were not there.",
                       "The staff were dismissive when we raised a concern."),
    "Medication": ("{who}'s tablets were given late again.", "The wrong dose of medication was given.",
                   "Medication ran out and was not reordered in time.", "Pain relief was not offered when asked."),
    "Personal care": ("{who} had not been washed or shaved for days.", "{who}'s hair was not brushed and nails dirty.",
                      "{who}'s pad was not changed for hours."),
    "Cleanliness": ("The room was dirty and smelled of urine.", "The bathroom had not been cleaned.",
                    "Bins were overflowing in the corridor."),
    "Staffing": ("There are never enough staff at weekends.", "All agency staff who do not know {who}.",
                 "Only two staff on for the whole floor at night."),
    "Missing belongings": ("{who}'s glasses have gone missing.", "{who}'s hearing aids were lost again.",
                           "{who}'s dentures were lost."),
    "Activities": ("There is nothing for {who} to do all day.", "The activities have stopped since the coordinator left.",
                   "{who} sits in front of the television all day."),
}
# Words a theme label about the category would carry (a theme found about it names one of them).
THEME_WORDS: dict[str, tuple[str, ...]] = {
    "Communication": ("communicat", "call back", "called back", "inform", "phone", "message", "update", "email",
                      "told", "chase", "promised"),
    "Call bells": ("bell", "buzzer", "waited", "reach"),
    "Call times": ("late", "missed", "visit", "call time", "short", "early", "waiting", "teatime", "bedtime"),
    "Laundry": ("laundry", "clothes", "jumper", "dressed", "shrunk"),
    "Food and drink": ("food", "meal", "drink", "lunch", "choice", "weight", "cold"),
    "Staff attitude": ("rude", "abrupt", "attitude", "dismissive", "talked"),
    "Medication": ("medication", "tablet", "dose", "pain relief", "reorder"),
    "Personal care": ("washed", "personal care", "hair", "pad", "shaved", "nail"),
    "Cleanliness": ("clean", "dirty", "smell", "bin", "bathroom", "urine"),
    "Staffing": ("agency", "enough staff", "staffing", "weekend", "floor"),
    "Missing belongings": ("glasses", "hearing", "denture", "missing", "lost", "belonging"),
    "Activities": ("activit", "nothing to do", "television", "coordinator"),
}
_CATEGORIES = {
    "care_home": ("Communication", "Call bells", "Laundry", "Food and drink", "Staff attitude", "Medication",
                  "Personal care", "Cleanliness", "Staffing", "Missing belongings", "Activities"),
    "homecare": ("Communication", "Call times", "Staff attitude", "Medication", "Personal care", "Staffing"),
    "supported_living": ("Communication", "Staff attitude", "Medication", "Staffing", "Activities", "Cleanliness"),
}
_POSITIVE = ("Staff are kind and caring.", "Lovely team, always cheerful.", "{who} is happy and well looked after.",
             "Always made welcome when we visit.", "The carers are reliable and friendly.",
             "Nothing is too much trouble.", "Thank you for everything you do.", "Very happy with the care.",
             "The manager is approachable.", "Good care, no complaints.", "The staff know {who} really well.",
             "Excellent.", "They treat {who} with dignity.")
_WHO = ("Mum", "Dad", "my mother", "my father", "my husband", "my wife", "my aunt", "my gran", "my brother")
_RESPONDENTS = {"care_home": ("Resident", "Relative", "Relative", "Friend", "Visiting professional"),
                "homecare": ("Client", "Family member", "Family member", "Professional"),
                "supported_living": ("Person supported", "Family member", "Advocate")}
_QUESTIONS = {"care_home": ("Overall, how would you rate the care?", "Staff are kind and respectful",
                            "I am kept informed", "The home is clean and fresh", "The food is good"),
              "homecare": ("Overall, how would you rate the care?", "Visits are on time",
                           "Carers are kind and respectful", "I am kept informed"),
              "supported_living": ("Overall, how would you rate the support?", "Staff listen to me",
                                   "I am kept informed")}
_ROLES = ("Carer", "Senior carer", "Nurse", "Support worker")
_COMPLAINANTS = ("Daughter", "Son", "Wife", "Husband", "Resident", "Friend", "Social worker", "Niece")
FAMILY = ("Relative", "Family member", "Friend")

# Measures a rota pattern changes, with the labels the analytics use for them.
ROTA_MEASURES = ("fill_rate", "agency_share", "handover_completion")
MEASURE_WORDS = {"fill_rate": ("fill rate",), "agency_share": ("agency",), "handover_completion": ("handover",),
                 "audit_compliance": ("audit compliance",), "complaints": ("complaint",),
                 "feedback_score": ("feedback", "rating")}
KINDS = ("repeat_finding", "masked_weakness", "fragility", "assurance_gap", "emerging_theme", "special_cause",
         "embedded_improvement", "not_embedded")


# --------------------------------------------------------------------------------------------- the scenario

@dataclass(frozen=True)
class Planted:
    """One planted pattern (or a CLEAN unit): its kind, where it is, what it is about, when and how strong."""

    id: str
    kind: str                 # one of KINDS, or "clean"
    level: str                # service | team | shift | team_shift | item | question | audit_type
    service: str
    team: str | None          # None: every team of the service
    shift: str | None         # None: every shift
    subject: str | None       # the audit item, audit type, question or complaint category it is about
    measure: str | None       # for rota, complaint, feedback and compliance patterns: which measure
    start: date               # first month the pattern shows
    strength: float           # 0..1: how far from the background it is, within its kind's realistic range
    audit_type: str | None = None
    section: str | None = None
    detail: str = ""

    @property
    def keywords(self) -> tuple[str, ...]:
        """Words a theme found about this pattern's category would carry."""
        return THEME_WORDS.get(self.subject or "", ())


@dataclass(frozen=True)
class Service:
    name: str
    setting: str
    teams: tuple[str, ...]
    shifts: tuple[str, ...]             # as stored (normalised)
    shift_labels: tuple[str, ...]       # as the provider writes them
    shift_hours: dict[str, float]       # hours of each stored shift
    audit_types: tuple[str, ...]
    spot_types: tuple[str, ...]         # audit types also checked unannounced each month
    samples: dict[str, int]             # records sampled per item in one audit, per audit type
    categories: tuple[str, ...]
    questions: tuple[str, ...]


@dataclass
class Scenario:
    """A provider, its months, its planted patterns and its canonical rows."""

    seed: int
    months: tuple[date, ...]
    services: tuple[Service, ...]
    planted: tuple[Planted, ...]
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    background: _Background | None = None  # each place's usual level as drawn (what the oracle asks of clean units)

    @property
    def end(self) -> date:
        last = self.months[-1]
        return last.replace(day=calendar.monthrange(last.year, last.month)[1])

    @property
    def patterns(self) -> tuple[Planted, ...]:
        return tuple(p for p in self.planted if p.kind != "clean")

    @property
    def clean_units(self) -> tuple[Planted, ...]:
        return tuple(p for p in self.planted if p.kind == "clean")

    def write(self, con: duckdb.DuckDBPyConnection) -> None:
        """Insert the scenario's rows into a store's canonical tables, bookkeeping filled as ingest would."""
        for table, rows in self.rows.items():
            if rows:
                insert_rows(con, table, rows)

    def build_store(self, path: str | Path) -> duckdb.DuckDBPyConnection:
        """A fresh store at `path` (or ':memory:') holding the scenario."""
        con = connect(path)
        self.write(con)
        return con

    def describe(self) -> str:
        lines = [f"seed {self.seed}: {len(self.services)} services, {len(self.months)} months to {self.end:%b %Y}"]
        for s in self.services:
            lines.append(f"  {s.name} ({s.setting}): teams {', '.join(s.teams)}; shifts {', '.join(s.shifts)}; "
                         f"audits {', '.join(s.audit_types)}")
        for p in self.planted:
            where = " / ".join(str(x) for x in (p.service, p.team, p.shift) if x)
            lines.append(f"  {p.id} {p.kind} [{p.level}] {where}: {p.subject or p.measure or ''} from "
                         f"{p.start:%b %Y}, strength {p.strength:.2f} {p.detail}")
        return "\n".join(lines)


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    """Canonical rows into a table (as tests/canonical_rows.py does): bookkeeping filled, unnamed columns empty."""
    columns = [name for name, _ in table_columns(SOURCES[table])]
    first = con.cursor().execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    cur = con.cursor()
    frame = pd.DataFrame(rows)
    frame.insert(0, "row_key", np.arange(first + 1, first + len(rows) + 1, dtype="uint64"))
    frame.insert(1, "row_hash", np.zeros(len(rows), dtype="uint64"))
    frame.insert(2, "batch_id", 1)
    frame.insert(3, "source_row", np.arange(2, len(rows) + 2))
    frame = frame.reindex(columns=columns)
    cur.register("new_rows", frame)
    cur.execute(f"INSERT INTO {table} SELECT * FROM new_rows")
    cur.unregister("new_rows")


# --------------------------------------------------------------------------------------------- effects

@dataclass(frozen=True)
class _AuditEffect:
    service: str
    team: str | None
    shift: str | None
    audit_type: str
    items: tuple[str, ...] | None   # None: every item of the audit type
    start: int
    p: float | None                 # pass probability in scheduled audits (None: unchanged)
    p_spot: float | None = None     # in spot checks (None: as scheduled)
    stop: int | None = None


@dataclass(frozen=True)
class _RotaEffect:
    service: str
    team: str | None
    shift: str | None
    measure: str
    start: int
    value: float
    stop: int | None = None


@dataclass(frozen=True)
class _ComplaintEffect:
    service: str
    team: str | None
    shift: str | None
    category: str | None  # None: the service's usual mix of categories
    start: int
    rate: float          # extra complaints a month (at the end, when ramping)
    ramp: bool = True


@dataclass(frozen=True)
class _FeedbackEffect:
    service: str
    team: str | None
    start: int
    drop: float                      # rating points taken off (1-5 scale)
    question: str | None = None
    family_only: bool = False
    theme: str | None = None         # a complaint category the comments turn to
    theme_share: float = 0.0         # share of comments on it (at the end, when ramping)
    ramp: bool = False


@dataclass
class _Effects:
    audits: list[_AuditEffect] = field(default_factory=list)
    rota: list[_RotaEffect] = field(default_factory=list)
    complaints: list[_ComplaintEffect] = field(default_factory=list)
    feedback: list[_FeedbackEffect] = field(default_factory=list)


def _applies(effect: Any, service: str, team: str, month: int, shift: str | None = None) -> bool:
    return (effect.service == service and (effect.team is None or effect.team == team)
            and (getattr(effect, "shift", None) is None or effect.shift == shift)
            and month >= effect.start and (getattr(effect, "stop", None) is None or month < effect.stop))


def _ramp(month: int, start: int, n: int) -> float:
    return (month - start + 1) / (n - start)


# --------------------------------------------------------------------------------------------- generation

def _pick(rng: np.random.Generator, options: Sequence[Any]) -> Any:
    return options[int(rng.integers(len(options)))]


def _sample(rng: np.random.Generator, options: Sequence[Any], k: int) -> list[Any]:
    return [options[i] for i in rng.choice(len(options), size=min(k, len(options)), replace=False)]


def _strength(rng: np.random.Generator) -> float:
    return float(rng.uniform(0.15, 1.0))


def _lerp(weak: float, strong: float, strength: float) -> float:
    return weak + (strong - weak) * strength


def _services(rng: np.random.Generator) -> list[Service]:
    lookup = shift_lookup(default_settings()["shifts"])
    used_names: set[str] = set()
    services = []
    for _ in range(int(rng.integers(1, 7))):
        setting = _pick(rng, ("care_home", "care_home", "homecare", "supported_living"))
        while True:
            name = f"{_pick(rng, _NAME_FIRST)}{_pick(rng, _NAME_SECOND)} {_pick(rng, _SETTINGS[setting])}"
            if name not in used_names:
                used_names.add(name)
                break
        n_teams = int(rng.integers(2, 9))
        if setting == "care_home":
            style = int(rng.integers(3))
            pool = ([f"{u} {_pick(rng, _UNIT_SUFFIX)}" for u in _UNIT_NAMES] if style == 0 else
                    list(_UNIT_NAMES) if style == 1 else list(_FLOORS) + [f"{u} Unit" for u in _UNIT_NAMES])
        elif setting == "homecare":
            suffix = _pick(rng, ("Team", "Patch", "Area"))
            pool = [f"{p} {suffix}" for p in _PATCHES]
        else:
            pool = list(_HOUSES) + [f"{u} House" for u in _UNIT_NAMES]
        teams = tuple(dict.fromkeys(_sample(rng, pool, n_teams)))
        labels = _pick(rng, SHIFT_PATTERNS[setting])
        hours = {}
        for label in labels:
            hours.setdefault(normalise_shift(label, lookup), _SHIFT_HOURS.get(label, 8.0))
        stored = tuple(hours)
        types = list(AUDIT_TYPES)
        audit_types = tuple(_sample(rng, types, int(rng.integers(2, 5))))
        spot_types = tuple(_sample(rng, list(audit_types), int(rng.integers(1, len(audit_types) + 1))))
        services.append(Service(
            name=name, setting=setting, teams=teams, shifts=stored, shift_labels=tuple(labels), shift_hours=hours,
            audit_types=audit_types, spot_types=spot_types,
            samples={t: int(rng.integers(1, 5)) for t in audit_types},
            categories=_CATEGORIES[setting],
            questions=tuple(_sample(rng, _QUESTIONS[setting], int(rng.integers(1, 4))))))
    return services


def _months(rng: np.random.Generator) -> tuple[date, ...]:
    n = int(rng.integers(12, 37))
    last = 2026 * 12 + 5 - int(rng.integers(0, 19))   # a month from Dec 2024 to Jun 2026
    return tuple(date((last - n + 1 + i) // 12, (last - n + 1 + i) % 12 + 1, 1) for i in range(n))


def make_scenario(seed: int) -> Scenario:
    """The scenario of a seed: provider, months, planted patterns and rows, the same every time."""
    rng = np.random.default_rng(seed)
    months = _months(rng)
    services = _services(rng)
    n = len(months)
    base = _Background(rng, services, n)
    effects = _Effects()
    planted = _plant(rng, services, months, base, effects)
    scenario = Scenario(seed, months, tuple(services), tuple(planted), background=base)
    scenario.rows = _rows(rng, scenario, base, effects)
    return scenario


class _Background:
    """Each place's usual level: item pass rates, rota figures, complaint and feedback rates."""

    def __init__(self, rng: np.random.Generator, services: list[Service], n: int) -> None:
        self.item_pass: dict[tuple[str, str, str], float] = {}
        self.team_offset: dict[tuple[str, str], float] = {}
        self.fill: dict[str, float] = {}
        self.agency: dict[str, float] = {}
        self.handover: dict[str, float] = {}
        self.complaint_rate: dict[tuple[str, str], float] = {}
        self.responses: dict[tuple[str, str], float] = {}
        self.rating: dict[tuple[str, str], float] = {}
        self.staff: dict[tuple[str, str, str], int] = {}
        for s in services:
            for audit_type in s.audit_types:
                for items in AUDIT_TYPES[audit_type].values():
                    for item in items:
                        self.item_pass[(s.name, audit_type, item)] = float(rng.uniform(0.9, 0.99))
            self.fill[s.name] = float(rng.uniform(0.96, 0.995))
            self.agency[s.name] = float(rng.uniform(0.01, 0.1))
            self.handover[s.name] = float(rng.uniform(0.94, 0.995))
            for team in s.teams:
                self.team_offset[(s.name, team)] = float(rng.uniform(-0.03, 0.02))
                self.complaint_rate[(s.name, team)] = float(rng.uniform(0.08, 0.5))
                self.responses[(s.name, team)] = float(rng.uniform(3, 9))
                self.rating[(s.name, team)] = float(rng.uniform(4.0, 4.6))
                for shift in s.shifts:
                    self.staff[(s.name, team, shift)] = int(rng.integers(2, 6))


# --------------------------------------------------------------------------------------------- planting

def _plant(rng: np.random.Generator, services: list[Service], months: tuple[date, ...], base: _Background,
           effects: _Effects) -> list[Planted]:
    """Choose and record the patterns; the effects list says how each changes the rows."""
    n = len(months)
    planted: list[Planted] = []

    def add(**kwargs: Any) -> None:
        planted.append(Planted(id=f"P{len(planted) + 1}", start=months[kwargs.pop("from_month")], **kwargs))

    for s in services:
        teams = list(s.teams)
        rng.shuffle(teams)
        # About a third of the teams (at least one) stay clean; the rest carry one pattern each.
        n_clean = max(1, round(len(teams) * float(rng.uniform(0.25, 0.45))))
        clean, carriers = teams[:n_clean], teams[n_clean:]
        used_items: set[tuple[str, str]] = set()
        busy_types: set[str] = set()  # audit types carrying a service-level change

        # Service-level patterns: up to two, each on its own audit type, item or shift.
        service_kinds = ["repeat_finding", "masked_weakness", "embedded_improvement", "not_embedded", "fragility",
                         "special_cause", "emerging_theme"]
        for kind in _sample(rng, service_kinds, int(rng.integers(0, 3))):
            _plant_service(rng, kind, s, n, base, effects, used_items, busy_types, add)
        for team in carriers:
            kind = _pick(rng, ("repeat_finding", "masked_weakness", "fragility", "assurance_gap", "emerging_theme",
                               "special_cause"))
            _plant_team(rng, kind, s, team, n, base, effects, used_items, busy_types, add)
        for team in clean:
            add(kind="clean", level="team", service=s.name, team=team, shift=None, subject=None, measure=None,
                from_month=0, strength=0.0)
    return planted


def _free_item(rng: np.random.Generator, s: Service, used: set[tuple[str, str]], busy: set[str]
               ) -> tuple[str, str, str] | None:
    options = [(t, section, item) for t in s.audit_types if t not in busy
               for section, items in AUDIT_TYPES[t].items() for item in items if (t, item) not in used]
    if not options:
        return None
    found = _pick(rng, options)
    used.add((found[0], found[2]))
    return found


def _plant_service(rng: np.random.Generator, kind: str, s: Service, n: int, base: _Background, effects: _Effects,
                   used: set[tuple[str, str]], busy: set[str], add: Any) -> None:
    strength = _strength(rng)
    if kind in ("repeat_finding", "masked_weakness"):
        found = _free_item(rng, s, used, busy)
        if found is None:
            return
        audit_type, section, item = found
        # A service-wide failing item: on every team (or all but one, when there are four or more).
        teams = list(s.teams) if len(s.teams) < 4 or rng.random() < 0.5 else _sample(rng, s.teams, len(s.teams) - 1)
        months = int(rng.integers(3, 7)) if kind == "repeat_finding" else int(rng.integers(4, 7))
        p = _lerp(0.72, 0.3, strength)
        for team in teams:
            effects.audits.append(_AuditEffect(s.name, team, None, audit_type, (item,), n - months, p))
        add(kind=kind, level="service" if kind == "repeat_finding" else "item", service=s.name, team=None,
            shift=None, subject=item, measure="audit_compliance", from_month=n - months, strength=strength,
            audit_type=audit_type, section=section,
            detail=f"item passes {p:.0%} on {len(teams)} of {len(s.teams)} teams for the last {months} months")
    elif kind in ("embedded_improvement", "not_embedded"):
        free = [t for t in s.audit_types if t not in busy and not any(u[0] == t for u in used)]
        if not free or n < 10:
            return
        audit_type = _pick(rng, free)
        busy.add(audit_type)
        earliest = max(3, n - 24 + 3)
        step = int(rng.integers(earliest, n - 3))
        before = _lerp(0.82, 0.6, strength)
        after = float(rng.uniform(0.93, 0.98))
        variant = "held"
        effects.audits.append(_AuditEffect(s.name, None, None, audit_type, None, 0, before, stop=step))
        if kind == "embedded_improvement":
            effects.audits.append(_AuditEffect(s.name, None, None, audit_type, None, step, after))
        else:
            variant = "scheduled only" if len(s.teams) < 3 or rng.random() < 0.7 else "some teams"
            if variant == "scheduled only":
                effects.audits.append(_AuditEffect(s.name, None, None, audit_type, None, step, after, p_spot=before))
            else:
                behind = _pick(rng, s.teams)
                effects.audits.append(_AuditEffect(s.name, None, None, audit_type, None, step, after))
                effects.audits.append(_AuditEffect(s.name, behind, None, audit_type, None, step, before))
                variant = f"some teams ({behind} stays behind)"
        add(kind=kind, level="audit_type", service=s.name, team=None, shift=None, subject=audit_type,
            measure="audit_compliance", from_month=step, strength=strength, audit_type=audit_type,
            detail=f"compliance {before:.0%} -> {after:.0%}, {variant}")
    elif kind == "fragility":
        # One shift across every team: a rota measure worse there.
        if len(s.shifts) < 2:
            return
        shift = _pick(rng, s.shifts)
        measure = _pick(rng, ROTA_MEASURES)
        start = n - int(rng.integers(3, min(12, n - 3) + 1))
        value = _rota_value(measure, strength, base.fill[s.name])
        effects.rota.append(_RotaEffect(s.name, None, shift, measure, start, value))
        add(kind=kind, level="shift", service=s.name, team=None, shift=shift, subject=None, measure=measure,
            from_month=start, strength=strength, detail=f"{measure} {value:.0%} on every team's {shift} shift")
    elif kind == "special_cause":
        # Something that hits every team at once in the last months: agency or fill rate across the service.
        measure = _pick(rng, ("agency_share", "fill_rate", "complaints"))
        months = int(rng.integers(1, 3))
        if measure == "complaints":
            rate = _lerp(1.0, 3.0, strength)
            for team in s.teams:
                effects.complaints.append(_ComplaintEffect(s.name, team, None, None, n - months,
                                                           rate, ramp=False))
            detail = f"{rate:.1f} more complaints a month on every team for {months} month(s)"
        else:
            value = _rota_value(measure, strength, base.fill[s.name])
            effects.rota.append(_RotaEffect(s.name, None, None, measure, n - months, value))
            detail = f"{measure} {value:.0%} on every team and shift for {months} month(s)"
        add(kind=kind, level="service", service=s.name, team=None, shift=None, subject=None, measure=measure,
            from_month=n - months, strength=strength, detail=detail)
    elif kind == "emerging_theme":
        category = _pick(rng, s.categories)
        months = int(rng.integers(2, 6))
        rate = _lerp(0.3, 1.0, strength)
        share = _lerp(0.15, 0.5, strength)
        for team in s.teams:
            effects.complaints.append(_ComplaintEffect(s.name, team, None, category, n - months, rate))
            effects.feedback.append(_FeedbackEffect(s.name, team, n - months, 0.3, theme=category,
                                                    theme_share=share, ramp=True))
        add(kind=kind, level="service", service=s.name, team=None, shift=None, subject=category, measure=None,
            from_month=n - months, strength=strength,
            detail=f"'{category}' complaints rise to +{rate:.1f}/month per team and {share:.0%} of comments")


def _rota_value(measure: str, strength: float, fill: float) -> float:
    if measure == "fill_rate":
        return fill - _lerp(0.06, 0.25, strength)
    if measure == "agency_share":
        return _lerp(0.18, 0.5, strength)
    return _lerp(0.85, 0.5, strength)


def _plant_team(rng: np.random.Generator, kind: str, s: Service, team: str, n: int, base: _Background,
                effects: _Effects, used: set[tuple[str, str]], busy: set[str], add: Any) -> None:
    strength = _strength(rng)
    shift = _pick(rng, s.shifts)
    if kind == "repeat_finding":
        found = _free_item(rng, s, used, busy)
        if found is None:
            return
        audit_type, section, item = found
        months = int(rng.integers(3, 7))
        p = _lerp(0.72, 0.25, strength)
        effects.audits.append(_AuditEffect(s.name, team, None, audit_type, (item,), n - months, p))
        add(kind=kind, level="team", service=s.name, team=team, shift=None, subject=item, measure="audit_compliance",
            from_month=n - months, strength=strength, audit_type=audit_type, section=section,
            detail=f"item passes {p:.0%} for the last {months} months")
    elif kind == "masked_weakness":
        choice = _pick(rng, ("team_shift", "team_shift", "team", "question") if len(s.questions) > 1
                       else ("team_shift", "team_shift", "team"))
        months = int(rng.integers(4, 7))
        if choice == "team_shift":
            measure = _pick(rng, ROTA_MEASURES)
            value = _rota_value(measure, strength, base.fill[s.name])
            effects.rota.append(_RotaEffect(s.name, team, shift, measure, n - months, value))
            add(kind=kind, level="team_shift", service=s.name, team=team, shift=shift, subject=None, measure=measure,
                from_month=n - months, strength=strength, detail=f"{measure} {value:.0%} for {months} months")
        else:
            question = _pick(rng, s.questions) if choice == "question" else None
            drop = _lerp(0.6, 1.6, strength) if question is None else _lerp(1.0, 2.2, strength)
            effects.feedback.append(_FeedbackEffect(s.name, team, n - months, drop, question=question))
            add(kind=kind, level=choice, service=s.name, team=team, shift=None, subject=question,
                measure="feedback_score", from_month=n - months, strength=strength,
                detail=f"ratings {drop:.1f} points lower" + (f" on '{question}'" if question else ""))
    elif kind == "fragility":
        level = _pick(rng, ("team_shift", "team_shift", "team"))
        start = max(1, n - int(rng.integers(3, 13)))
        if level == "team_shift":
            measure = _pick(rng, ROTA_MEASURES)
            value = _rota_value(measure, strength, base.fill[s.name])
            effects.rota.append(_RotaEffect(s.name, team, shift, measure, start, value))
            detail = f"{measure} {value:.0%}"
        else:
            shift = None
            measure = _pick(rng, ("audit_compliance", "complaints", "feedback_score"))
            if measure == "audit_compliance":
                p = _lerp(0.85, 0.6, strength)
                for audit_type in s.audit_types:
                    effects.audits.append(_AuditEffect(s.name, team, None, audit_type, None, start, p))
                detail = f"every audit item passes {p:.0%}"
            elif measure == "complaints":
                rate = _lerp(0.6, 2.5, strength)
                effects.complaints.append(_ComplaintEffect(s.name, team, None, None, start,
                                                           rate, ramp=False))
                detail = f"{rate:.1f} more complaints a month"
            else:
                drop = _lerp(0.5, 1.5, strength)
                effects.feedback.append(_FeedbackEffect(s.name, team, start, drop))
                detail = f"ratings {drop:.1f} points lower"
        add(kind=kind, level=level, service=s.name, team=team, shift=shift, subject=None, measure=measure,
            from_month=start, strength=strength, detail=detail)
    elif kind == "assurance_gap":
        # Audits stay as they are (good); in the recent half of the last six months complaints rise and families'
        # ratings fall.
        start = n - 3
        category = _pick(rng, s.categories)
        rate = _lerp(0.8, 3.0, strength)
        drop = _lerp(0.6, 1.8, strength)
        effects.complaints.append(_ComplaintEffect(s.name, team, None, category, start, rate))
        effects.feedback.append(_FeedbackEffect(s.name, team, start, drop, family_only=True))
        add(kind=kind, level="team", service=s.name, team=team, shift=None, subject=category, measure=None,
            from_month=start, strength=strength,
            detail=f"+{rate:.1f} '{category}' complaints/month by the end, family ratings {drop:.1f} lower")
    elif kind == "emerging_theme":
        category = _pick(rng, s.categories)
        months = int(rng.integers(2, 6))
        rate = _lerp(0.6, 2.5, strength)
        share = _lerp(0.2, 0.6, strength)
        effects.complaints.append(_ComplaintEffect(s.name, team, None, category, n - months, rate))
        effects.feedback.append(_FeedbackEffect(s.name, team, n - months, 0.4, theme=category, theme_share=share,
                                                ramp=True))
        add(kind=kind, level="team", service=s.name, team=team, shift=None, subject=category, measure=None,
            from_month=n - months, strength=strength,
            detail=f"'{category}' complaints to +{rate:.1f}/month and {share:.0%} of comments")
    elif kind == "special_cause":
        months = int(rng.integers(1, 3))
        measure = _pick(rng, ("fill_rate", "agency_share", "handover_completion", "complaints", "feedback_score",
                              "audit_compliance"))
        audit_type = None
        if measure in ROTA_MEASURES:
            value = _rota_value(measure, strength, base.fill[s.name])
            effects.rota.append(_RotaEffect(s.name, team, shift, measure, n - months, value))
            level, detail = "team_shift", f"{measure} {value:.0%}"
        else:
            shift, level = None, "team"
            if measure == "complaints":
                rate = _lerp(2.0, 6.0, strength)
                effects.complaints.append(_ComplaintEffect(s.name, team, None, None, n - months,
                                                           rate, ramp=False))
                detail = f"{rate:.1f} more complaints a month"
            elif measure == "feedback_score":
                drop = _lerp(0.8, 2.0, strength)
                effects.feedback.append(_FeedbackEffect(s.name, team, n - months, drop))
                detail = f"ratings {drop:.1f} points lower"
            else:
                audit_type = _pick(rng, [t for t in s.audit_types if t not in busy] or list(s.audit_types))
                p = _lerp(0.75, 0.4, strength)
                effects.audits.append(_AuditEffect(s.name, team, None, audit_type, None, n - months, p))
                detail = f"every {audit_type} item passes {p:.0%}"
        add(kind=kind, level=level, service=s.name, team=team, shift=shift, subject=audit_type, measure=measure,
            from_month=n - months, strength=strength, audit_type=audit_type,
            detail=f"{detail} for the last {months} month(s)")


# --------------------------------------------------------------------------------------------- rows

def _day(rng: np.random.Generator, month: date) -> date:
    return month.replace(day=int(rng.integers(1, calendar.monthrange(month.year, month.month)[1] + 1)))


def _text(rng: np.random.Generator, template: str) -> str:
    return template.replace("{who}", _pick(rng, _WHO))


def _rows(rng: np.random.Generator, scenario: Scenario, base: _Background, effects: _Effects
          ) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {"audits": [], "rota": [], "complaints": [], "feedback": []}
    n = len(scenario.months)
    for number, s in enumerate(scenario.services):
        code = "".join(word[0] for word in s.name.split()).upper() + str(number + 1)
        refs = {"audit": 0, "complaint": 0, "response": 0}
        for m, month in enumerate(scenario.months):
            for team in s.teams:
                for audit_type in s.audit_types:
                    refs["audit"] += 1
                    _audit(rng, rows["audits"], s, team, _pick(rng, s.shifts), audit_type, month, m, base, effects,
                           f"{code}-A{refs['audit']:05d}", spot=False)
                _rota(rng, rows["rota"], s, team, month, m, base, effects)
                refs["complaint"] = _complaints(rng, rows["complaints"], s, team, month, m, n, base, effects, code,
                                                refs["complaint"])
                refs["response"] = _feedback(rng, rows["feedback"], s, team, month, m, n, base, effects, code,
                                             refs["response"])
            for audit_type in s.spot_types + tuple(
                    t for t in _changed_types(s, effects) if t not in s.spot_types):
                refs["audit"] += 1
                _audit(rng, rows["audits"], s, _pick(rng, s.teams), _pick(rng, s.shifts), audit_type, month, m, base,
                       effects, f"{code}-S{refs['audit']:05d}", spot=True)
    return rows


def _changed_types(s: Service, effects: _Effects) -> list[str]:
    """Audit types whose improvement is planted: they are spot-checked every month, as the pattern needs."""
    return sorted({e.audit_type for e in effects.audits if e.service == s.name and e.items is None and e.team is None})


def _pass_probability(background: float, planted: list[float | None]) -> float:
    """An item's pass probability: the lowest planted one where any applies, else its background.

    Where two plants reach one item (a team's failing item, then every item of its audit type at 60-85% for a
    fragile team), the failure planted first must not be undone by the later, milder one: each plant still shows
    at least as strongly as it claims. (Until 05/12 the last effect listed won, so 5 planted items in seeds 1-50
    were drawn at the milder rate.)
    """
    rates = [p for p in planted if p is not None]
    return min(rates) if rates else background


def _audit(rng: np.random.Generator, out: list[dict[str, Any]], s: Service, team: str, shift: str, audit_type: str,
           month: date, m: int, base: _Background, effects: _Effects, ref: str, spot: bool) -> None:
    day = _day(rng, month)
    auditor = _pick(rng, ("Deputy manager", "Registered manager", "Clinical lead", "Quality lead", "Senior carer"))
    for section, items in AUDIT_TYPES[audit_type].items():
        for item in items:
            p = _pass_probability(base.item_pass[(s.name, audit_type, item)] + base.team_offset[(s.name, team)], [
                effect.p_spot if spot and effect.p_spot is not None else effect.p for effect in effects.audits
                if effect.audit_type == audit_type and (effect.items is None or item in effect.items)
                and _applies(effect, s.name, team, m, shift)])
            for record in range(s.samples[audit_type]):
                if rng.random() < 0.03:
                    answer, cls, score = "N/A", "na", None
                else:
                    met = rng.random() < min(max(p, 0.0), 1.0)
                    answer, cls, score = ("Yes", "met", 1.0) if met else ("No", "not_met", 0.0)
                out.append({"audit_date": day, "service": s.name, "team": team, "shift": shift,
                            "audit_type": audit_type, "section": section,
                            "item": item,
                            "answer": answer, "answer_class": cls, "answer_score": score,
                            "audit_ref": f"{ref}-{record + 1}", "auditor": auditor, "spot_check": spot})


def _rota(rng: np.random.Generator, out: list[dict[str, Any]], s: Service, team: str, month: date, m: int,
          base: _Background, effects: _Effects) -> None:
    days = calendar.monthrange(month.year, month.month)[1]
    for shift in s.shifts:
        fill, agency, handover = base.fill[s.name], base.agency[s.name], base.handover[s.name]
        for effect in effects.rota:
            if _applies(effect, s.name, team, m, shift):
                if effect.measure == "fill_rate":
                    fill = effect.value
                elif effect.measure == "agency_share":
                    agency = effect.value
                else:
                    handover = effect.value
        staff = base.staff[(s.name, team, shift)]
        hours = s.shift_hours[shift]
        for day in range(1, days + 1):  # one row a shift a day, as a rota export has
            planned = staff * hours
            actual = round(planned * float(np.clip(rng.normal(fill, 0.04), 0.4, 1.1)) * 2) / 2
            share = float(np.clip(rng.normal(agency, 0.05), 0.0, 1.0))
            out.append({"rota_date": month.replace(day=day), "service": s.name, "team": team, "shift": shift,
                        "role": _pick(rng, _ROLES), "planned_hours": planned, "actual_hours": actual,
                        "planned_staff": float(staff), "actual_staff": float(round(staff * actual / planned)),
                        "agency_hours": round(actual * share * 2) / 2, "bank_hours": None,
                        "handover_completed": bool(rng.random() < handover)})


def _complaints(rng: np.random.Generator, out: list[dict[str, Any]], s: Service, team: str, month: date, m: int,
                n: int, base: _Background, effects: _Effects, code: str, count: int) -> int:
    drawn = [(None, int(rng.poisson(base.complaint_rate[(s.name, team)])))]
    for effect in effects.complaints:
        if _applies(effect, s.name, team, m):
            rate = effect.rate * (_ramp(m, effect.start, n) if effect.ramp else 1.0)
            drawn.append((effect.category, int(rng.poisson(rate))))
    for category, number in drawn:
        for _ in range(number):
            count += 1
            chosen = category or _pick(rng, s.categories)
            received = _day(rng, month)
            out.append({"reference": f"{code}-C{count:04d}", "received_date": received, "service": s.name,
                        "team": team, "shift": _pick(rng, s.shifts) if rng.random() < 0.5 else None,
                        "category": chosen, "summary": _text(rng, _pick(rng, COMPLAINT_TEXT[chosen])),
                        "severity": _pick(rng, ("Low", "Low", "Medium", "High")),
                        "complainant": _pick(rng, _COMPLAINANTS), "outcome": _pick(rng, ("Upheld", "Not upheld",
                                                                                         "Partly upheld")),
                        "status": "Closed" if m < n - 1 else _pick(rng, ("Open", "Closed"))})
    return count


def _feedback(rng: np.random.Generator, out: list[dict[str, Any]], s: Service, team: str, month: date, m: int,
              n: int, base: _Background, effects: _Effects, code: str, count: int) -> int:
    active = [e for e in effects.feedback if _applies(e, s.name, team, m)]
    for _ in range(int(rng.poisson(base.responses[(s.name, team)]))):
        count += 1
        respondent = _pick(rng, _RESPONDENTS[s.setting])
        family = respondent in FAMILY
        mean = base.rating[(s.name, team)]
        theme = None
        for effect in active:
            if effect.family_only and not family:
                continue
            if effect.theme and rng.random() < effect.theme_share * (_ramp(m, effect.start, n) if effect.ramp
                                                                       else 1.0):
                theme = effect.theme
        day = _day(rng, month)
        ratings = []
        for question in s.questions:
            q_mean = mean
            for effect in active:
                if (effect.family_only and not family) or (effect.question not in (None, question)):
                    continue
                if effect.theme is None or theme is not None:
                    q_mean -= effect.drop
            ratings.append(int(np.clip(round(rng.normal(q_mean, 0.8)), 1, 5)))
        if theme is not None:
            comment = _text(rng, _pick(rng, COMPLAINT_TEXT[theme]))
        elif rng.random() < 0.5:
            low = min(ratings) <= 2
            comment = _text(rng, _pick(rng, COMPLAINT_TEXT[_pick(rng, s.categories)] if low else _POSITIVE))
        else:
            comment = None
        for i, (question, rating) in enumerate(zip(s.questions, ratings)):
            out.append({"feedback_date": day, "service": s.name, "team": team, "shift": None,
                        "respondent_type": respondent, "question": question, "rating": str(rating),
                        "rating_value": float(rating), "rating_scale": "1-5", "rating_score": (rating - 1) / 4,
                        "comment": comment if i == 0 else None,
                        "channel": _pick(rng, ("Paper", "QR code", "Online", "Phone")),
                        "response_id": f"{code}-R{count:05d}"})
    return count
