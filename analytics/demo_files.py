"""A fictional provider's spreadsheets, messy as real exports are, with known patterns planted in them.

`write_demo_files` writes 18 months of audits, complaints, rota variance and feedback for two services
(the Oakwood House care home and the Riverside Homecare branch). Everything is drawn from one seeded
numpy generator, so a seed always gives the same content. The patterns the analytics should find are
listed in `PLANTED_PATTERNS`; data/README.md describes the files and the patterns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .scope import month_end

OAKWOOD = "Oakwood House"
RIVERSIDE = "Riverside Homecare"
OAKWOOD_UNITS = ("Rowan Unit", "Willow Unit", "Beech Unit", "Cedar Unit")
RIVERSIDE_TEAMS = ("North Team", "South Team", "Town Team")
MONTHS = 18

CARE_PLAN = "Care plan"
MEDICATION = "Medication (MAR)"
INFECTION = "Infection control"
SIGNED_ITEM = "Care plan reviewed and signed in the last month"

# Month numbers (1 = first of the 18 months) where planted effects start.
MAR_FIXED_FROM = 8
IPC_FIXED_FROM = 10
WILLOW_NIGHTS_FROM = 9
BEECH_FROM = 13
TOWN_FROM = 15
# D's story for the leadership response: before MAR_FIXED_FROM one medication item fails most audits.
MAR_GAPS_ITEM = "No gaps in MAR chart"
# G's story: a first run of Town Team call-times complaints (month: count), answered and closed on say-so; it
# goes quiet, then G returns. Drawn from its own generator so every other row is as it was.
TOWN_FIRST_RUN = {8: 3, 9: 4, 10: 4}
TOWN_FIRST_RUN_SEED = 1508
# The older complaints export is cut at the end of the month this many months before `end`'s month.
OLDER_EXPORT_MONTHS_BACK = 4


@dataclass(frozen=True)
class PlantedPattern:
    """One effect planted in the demo files that the analytics should (or, for clean teams, should not) report."""

    id: str
    kind: str
    service: str
    team: str | None  # None: every team of the service
    shift: str | None  # None: every shift
    sources: tuple[str, ...]
    theme: str  # the audit item or type, complaint category or feedback theme concerned
    from_month: int  # first month (1-18) in which the effect shows
    files: tuple[str, ...]  # file name patterns showing it
    description: str


PLANTED_PATTERNS: tuple[PlantedPattern, ...] = (
    PlantedPattern(
        "A", "masked weakness", OAKWOOD, None, None, ("audits",), SIGNED_ITEM, 1,
        ("oakwood_audits_*.xlsx",),
        "The care plan audit scores ~94% overall (90-97% month by month), but the item 'Care plan reviewed and "
        "signed in the last month' fails in 13-15 of the 18 monthly cycles on every unit: a persistent, "
        "service-wide repeat finding hidden by a green overall score.",
    ),
    PlantedPattern(
        "B", "shift fragility", OAKWOOD, "Willow Unit", "Night", ("rota",), "agency hours and handovers",
        WILLOW_NIGHTS_FROM, ("oakwood_rota_variance.csv",),
        "From month 9, Willow Unit nights run on agency staff (~40% of actual hours, ~3% elsewhere) and the "
        "handover is completed on only ~60% of nights (~97% elsewhere), while Oakwood's fill rate (actual / "
        "planned hours) stays ~97%.",
    ),
    PlantedPattern(
        "C", "assurance gap", OAKWOOD, "Beech Unit", None, ("audits", "complaints", "feedback"),
        "Communication", BEECH_FROM,
        ("oakwood_audits_*.xlsx", "complaints_log_*.xlsx", "feedback_fft.csv"),
        "Over the last 6 months Beech Unit's scheduled audits stay green (~95%+) while family complaints "
        "categorised 'Communication' (not kept informed, calls not returned) rise month on month and family "
        "FFT ratings on Beech fall, with comments about communication.",
    ),
    PlantedPattern(
        "D", "embedded improvement", OAKWOOD, None, None, ("audits",), MEDICATION, MAR_FIXED_FROM,
        ("oakwood_audits_*.xlsx", "oakwood_spot_checks_forms.csv"),
        "Medication (MAR) compliance rises from ~80% to ~97% in month 8 on every unit and shift, in the "
        "unannounced spot checks as well as the scheduled audits, and holds. Before it, 'No gaps in MAR chart' "
        "fails most scheduled audits (passes ~35%): the concern the action plan's MAR check answers.",
    ),
    PlantedPattern(
        "E", "not embedded", OAKWOOD, None, None, ("audits",), INFECTION, IPC_FIXED_FROM,
        ("oakwood_audits_*.xlsx", "oakwood_spot_checks_forms.csv"),
        "Infection control compliance in the scheduled audits rises from ~75% to ~97% in month 10, but the "
        "unannounced spot checks stay ~72% throughout: the improvement shows only where management looks.",
    ),
    PlantedPattern(
        "F1", "clean", OAKWOOD, "Cedar Unit", None, ("audits", "complaints", "rota", "feedback"), "", 1,
        (),
        "Cedar Unit has no team-specific effect on any source: its figures are the service's norm with small "
        "noise and slightly fewer complaints (it shares only the service-wide patterns A, D and E). It must "
        "raise no concern of its own.",
    ),
    PlantedPattern(
        "F2", "clean", RIVERSIDE, "North Team", None, ("audits", "complaints", "rota", "feedback"), "", 1,
        (),
        "Riverside's North Team is consistently good on every source (audits ~96%, normal staffing, few "
        "complaints, good survey ratings) and must raise no concern.",
    ),
    PlantedPattern(
        "G", "emerging theme", RIVERSIDE, "Town Team", None, ("complaints", "feedback"), "Call times",
        TOWN_FROM, ("complaints_log_*.xlsx", "riverside_survey_google_forms.csv"),
        "In the last 4 months Town Team complaints categorised 'Call times' (late, missed or cut-short visits) "
        "rise month on month, and Town's survey ratings for 'Visits are on time' fall with comments about late "
        "or missed calls. An earlier run of them in months 8 to 10 went quiet after rounds were re-planned: the "
        "pattern returns after an action closed on say-so.",
    ),
)

PASS, FAIL, NOT_APPLICABLE = 0, 1, 2
SHIFTS = ("Early", "Late", "Night")
HOMECARE_SHIFTS = ("Morning", "Evening")


def demo_months(end: date) -> list[date]:
    """First days of the 18 months of data that end with `end`'s month."""
    first = end.year * 12 + end.month - 1 - (MONTHS - 1)
    return [date(m // 12, m % 12 + 1, 1) for m in range(first, first + MONTHS)]



@dataclass(frozen=True)
class _Period:
    """The 18 months of the demo set and random days within them."""

    end: date
    months: tuple[date, ...]

    @property
    def start(self) -> date:
        return self.months[0]

    def day_in(self, rng: np.random.Generator, no: int, weekdays_only: bool = False) -> date:
        first = self.months[no - 1]
        days = [first + timedelta(d) for d in range((min(month_end(first), self.end) - first).days + 1)]
        weekdays = [d for d in days if d.weekday() < 5]
        return _pick(rng, weekdays if weekdays_only and weekdays else days)

    def time_in(self, rng: np.random.Generator, no: int, hours: Sequence[int]) -> datetime:
        day = self.day_in(rng, no)
        return datetime(day.year, day.month, day.day, _pick(rng, hours), int(rng.integers(60)), int(rng.integers(60)))


def _pick(rng: np.random.Generator, options: Sequence):
    return options[int(rng.integers(len(options)))]


def _pick_weighted(rng: np.random.Generator, options: Sequence, weights: Sequence[float]):
    p = np.asarray(weights, dtype=float)
    return options[int(rng.choice(len(options), p=p / p.sum()))]


def _ramp(no: int, start: int) -> float:
    """0 before month `start`, then rising evenly to 1 in the last month."""
    return 0.0 if no < start else (no - start + 1) / (MONTHS - start + 1)


def _rising_count(rng: np.random.Generator, no: int, start: int, peak: float) -> int:
    """A count that rises from month `start` to about `peak` in the last month, give or take one."""
    return 0 if no < start else max(round(peak * _ramp(no, start)) + int(rng.integers(-1, 2)), 0)


def _blend(base: Sequence[float], worse: Sequence[float], t: float) -> list[float]:
    return [(1 - t) * b + t * w for b, w in zip(base, worse)]


# --------------------------------------------------------------------------------------------- free text

_CARE_HOME_TEXT: dict[tuple[str, bool], tuple[str, ...]] = {
    ("communication", False): (
        "Nobody rang {us} when {subj} had a fall on {day}; {we} only found out when {we} visited.",
        "{we} have left messages for the manager {times} and nobody has called back.",
        "Nobody at {place} picks up the phone in the evenings.",
        "{we} had to chase for news after the GP visit, it should not be up to {us} to ask.",
        "Changes to {poss} medication were made without anyone telling {us}.",
        "{we} heard about the hospital appointment the day before, nobody had let {us} know.",
        "Emails to {place} go unanswered for days.",
        "{we} never know who to speak to for an update.",
        "{we} had been promised a call back about the care plan review and it never came.",
        "{we} only hear about problems when {we} ask.",
    ),
    ("communication", True): (
        "Staff always ring {us} straight away if anything changes.",
        "The manager keeps {us} updated and answers emails quickly.",
        "{we} get a regular update call which is very reassuring.",
        "Really good communication from {place}, nothing is too much trouble.",
    ),
    ("kindness", True): (
        "The carers are so kind and patient with {obj}.",
        "{staff} went above and beyond for {obj} this week.",
        "Staff treat {obj} with real dignity and respect.",
        "Everyone is warm and welcoming, it feels like a family.",
        "{staff} always has time for a chat and a laugh.",
        "Caring, gentle staff, {we} could not ask for more.",
        "The carers are wonderful and so reassuring.",
    ),
    ("kindness", False): (
        "One of the carers was abrupt with {obj} on {day}.",
        "Some staff talk over {obj} rather than to {obj}.",
        "A member of staff rolled their eyes when {we} asked for help.",
    ),
    ("medication", False): (
        "{poss} evening tablets were late again on {day}.",
        "{subj} was given the wrong eye drops and nobody could explain why.",
        "{poss} painkillers ran out and took three days to be reordered.",
        "{subj} was not offered pain relief when {subj} asked for it.",
    ),
    ("medication", True): (
        "Staff explain {poss} medicines clearly.",
        "Medication is always on time and the nurse checks everything carefully.",
    ),
    ("staffing", False): (
        "Lots of agency staff at weekends who don't know {obj} or {poss} routine.",
        "There never seem to be enough staff on the floor at teatime.",
        "{subj} waited over {mins} minutes for help to the toilet.",
        "Different faces every week, it is unsettling.",
        "Night staff seem rushed and don't have time to chat.",
        "Staff are lovely but clearly stretched, especially in the afternoons.",
    ),
    ("staffing", True): (
        "The same familiar faces most days, which makes a big difference.",
        "Always enough staff around when {we} visit.",
    ),
    ("food", False): (
        "The {meal} was cold by the time it reached {poss} room.",
        "Not much choice for people who need a soft diet.",
        "Drinks are often left out of reach.",
        "The menu has not changed in months.",
        "{subj} was not offered a hot drink all afternoon on {day}.",
    ),
    ("food", True): (
        "The food is lovely and there is always a choice.",
        "Home-made cakes every afternoon and plenty of drinks offered.",
        "Great {meal}, good portions and served nice and hot.",
    ),
    ("activities", False): (
        "There is not much to do in the afternoons apart from the television.",
        "Activities seem to stop at weekends.",
        "{subj} spent most of the day in {poss} room with nothing to do.",
        "The activities coordinator left and nobody has replaced them.",
    ),
    ("activities", True): (
        "{subj} loved the {activity} on {day}.",
        "Lots going on, the {activity} is a real highlight.",
        "The garden trips have been wonderful this summer.",
    ),
    ("cleanliness", False): (
        "{poss} room had not been cleaned when {we} visited on {day}.",
        "There was an unpleasant smell in the corridor.",
        "The bathroom was left in a mess.",
        "Bins were overflowing in the lounge.",
    ),
    ("cleanliness", True): (
        "The home is always spotless.",
        "{poss} room is always clean and tidy.",
        "Very clean and fresh every time {we} visit.",
    ),
    ("laundry", False): (
        "{poss} {thing} went missing from the laundry.",
        "Clothes keep coming back from the laundry belonging to someone else.",
        "{poss} {thing} went missing weeks ago and nobody has found it.",
        "Named clothes still get lost.",
    ),
    ("laundry", True): (
        "Laundry comes back clean, ironed and to the right room.",
    ),
}

_HOMECARE_TEXT: dict[tuple[str, bool], tuple[str, ...]] = {
    **{key: value for key, value in _CARE_HOME_TEXT.items() if key[0] in ("communication", "kindness")},
    ("medication", False): (
        "The carer forgot to prompt {poss} tablets at the {call} call.",
        "Creams are not being applied as the care plan says.",
    ),
    ("medication", True): (
        "Carers always make sure {poss} tablets are taken and write it in the book.",
    ),
    ("staffing", False): (
        "Different carers nearly every day, {we} have to explain everything again.",
        "Carers who had not read the care plan.",
        "The regular carer has left and the new ones don't know {poss} routine.",
    ),
    ("staffing", True): (
        "{subj} gets the same regular carers, which means a lot.",
        "The carers know {poss} routine really well.",
    ),
    ("call_times", False): (
        "Carers arrived {mins} minutes late again on {day}.",
        "The {call} call was missed on {day} and nobody let {us} know.",
        "{we} never know what time the carers will turn up.",
        "The evening visit is sometimes at 5pm, far too early for bed.",
        "Visits are cut short, the carers say they are running late for the next person.",
        "{subj} waited until after 11 for the morning call and missed breakfast.",
        "Nobody phones to say the carer is running late.",
        "The {call} call has been late most days this month.",
    ),
    ("call_times", True): (
        "Carers are always on time and stay for the full visit.",
        "Visits are reliable and the office lets {us} know of any changes.",
    ),
}

_STAFF_TEXT = {
    True: ("Good team on {place}, everyone pulls together.", "The manager is approachable and supportive.",
           "Training has been really useful this year.", "I feel listened to in supervision.",
           "Residents are at the heart of everything we do."),
    False: ("We are often short on the late shift.", "Too much reliance on agency staff.",
            "Handovers can be rushed when we are busy.", "Paperwork takes time away from residents.",
            "Not enough time to sit and talk with people."),
}
_PROFESSIONAL_TEXT = {
    True: ("Staff knew the residents well and had the information ready for my visit.",
           "Referrals are appropriate and timely.", "Good handover from the nurse in charge.",
           "Recommendations are followed through."),
    False: ("Records were not ready when I arrived.", "Hard to find someone who knew the person I came to see.",
            "Had to wait a long time at the door.", "My advice from the last visit had not been followed."),
}
_OPENERS = {
    True: ("Very happy with the care.", "Lovely home.", "Thank you all.", "Can't fault it."),
    False: ("Mixed experience this month.", "Not happy.", "Generally OK but some concerns.",
            "I have raised this before."),
}
_HOMECARE_OPENERS = {
    True: ("Very happy with the service.", "Thank you all.", "Can't fault it."),
    False: ("Mixed experience this month.", "Not happy.", "Generally OK but some concerns."),
}
_CLOSERS = {
    True: ("Please pass on our thanks.", "Keep up the good work!", "Thank you."),
    False: ("Please look into this.", "Not the first time.", "Very disappointed.", "Otherwise happy."),
}

_RELATIVES = (("Mum", "her"), ("Dad", "his"), ("my mother", "her"), ("my father", "his"), ("my husband", "his"),
              ("my wife", "her"), ("my nan", "her"), ("my grandad", "his"), ("my aunt", "her"), ("my uncle", "his"))
_STAFF_FIRST_NAMES = ("Ade", "Bronwen", "Carys", "Dev", "Ellie", "Femi", "Gosia", "Hannah", "Imran", "Jess",
                      "Kofi", "Lena", "Marta", "Nadia", "Olu", "Rhys", "Sian", "Tomasz", "Zara")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MEALS = ("lunch", "tea", "breakfast", "Sunday roast")
_ACTIVITIES = ("singer", "music afternoon", "pet therapy visit", "armchair exercise class", "baking session",
               "quiz", "reminiscence group")
_THINGS = ("cardigan", "hearing aid", "dressing gown", "watch", "favourite blouse", "radio", "wedding photo")
_CALLS = ("morning", "lunchtime", "tea-time", "bedtime")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _slots(rng: np.random.Generator, voice: str, place: str) -> dict[str, str]:
    if voice == "self":
        subj, poss, obj, we, us = "I", "my", "me", "I", "me"
    else:
        subj, poss = _pick(rng, _RELATIVES)
        obj, we, us = subj, "we", "us"
    return {"subj": subj, "poss": poss, "obj": obj, "we": we, "us": us, "place": place,
            "day": _pick(rng, _DAYS), "mins": str(_pick(rng, (20, 30, 40, 45, 50, 60, 90))),
            "times": _pick(rng, ("twice", "three times", "several times", "four times")),
            "staff": _pick(rng, _STAFF_FIRST_NAMES), "meal": _pick(rng, _MEALS),
            "activity": _pick(rng, _ACTIVITIES), "thing": _pick(rng, _THINGS), "call": _pick(rng, _CALLS)}


def _comment(rng: np.random.Generator, setting: str, voice: str, theme: str, positive: bool) -> str:
    """A free-text comment in one voice (self, family, staff, professional) about one theme."""
    place = "the office" if setting == "homecare" else "the unit"
    if voice in ("staff", "professional"):
        bank = _STAFF_TEXT if voice == "staff" else _PROFESSIONAL_TEXT
        count = 2 if rng.random() < 0.3 else 1
        sentences = [bank[positive][i].format(place=place)
                     for i in rng.choice(len(bank[positive]), count, replace=False)]
    else:
        texts = _HOMECARE_TEXT if setting == "homecare" else _CARE_HOME_TEXT
        slots = _slots(rng, voice, place)
        sentences = [_pick(rng, texts[(theme, positive)])]
        if rng.random() < 0.3:
            others = [key for key in texts if key[1] == positive and key[0] != theme]
            sentences.append(_pick(rng, texts[_pick(rng, others)]))
        sentences = [_sentence(s.format(**slots)) for s in sentences]
        openers = _HOMECARE_OPENERS if setting == "homecare" else _OPENERS
        if rng.random() < 0.2:
            sentences.insert(0, _pick(rng, openers[positive]))
    if rng.random() < 0.25:
        sentences.append(_pick(rng, _CLOSERS[positive]))
    text = ("\n" if rng.random() < 0.03 else " ").join(sentences)
    if rng.random() < 0.05:  # typed in a hurry
        text = text.lower().rstrip(".")
    return text


# ----------------------------------------------------------------------------------------------- audits


@dataclass(frozen=True)
class _Item:
    section: str
    text: str
    not_applicable: float = 0.0  # chance the item does not apply


@dataclass(frozen=True)
class _Scheme:
    """How one export writes a pass, a fail (optionally partial) and a not-applicable answer."""

    passed: object
    failed: object
    not_applicable: object
    partial: object | None = None

    def render(self, rng: np.random.Generator, outcome: int) -> object:
        if outcome == PASS:
            return self.passed
        if outcome == NOT_APPLICABLE:
            return self.not_applicable
        if self.partial is not None and rng.random() < 0.4:
            return self.partial
        return self.failed


YES_NO = _Scheme("Yes", "No", "N/A")
MET = _Scheme("Met", "Not met", "N/A", partial="Partially met")
TICK = _Scheme("\u2713", "\u2717", "N/A")
Y_N = _Scheme("Y", "N", "N/A")
ONE_ZERO = _Scheme(1, 0, "")

OAKWOOD_TOOLS: dict[str, tuple[_Item, ...]] = {
    CARE_PLAN: (
        _Item("Assessment", "Pre-admission assessment on file"),
        _Item("Assessment", "Needs assessment reviewed within timescale"),
        _Item("Consent", "Consent to care recorded or best-interest decision documented"),
        _Item("Consent", "Mental capacity assessment is decision-specific", 0.3),
        _Item("Risk", "Falls risk assessment up to date"),
        _Item("Risk", "Skin integrity (Waterlow) assessment up to date"),
        _Item("Risk", "MUST nutritional screening completed monthly"),
        _Item("Person-centred", "Life history / 'About me' completed"),
        _Item("Person-centred", "Personal preferences reflected in daily routine"),
        _Item("Review", SIGNED_ITEM),
        _Item("Review", "Family involvement in review recorded"),
        _Item("Records", "Daily notes legible, dated and signed"),
        _Item("Records", "Food and fluid charts totalled each day"),
        _Item("Records", "Repositioning chart completed where required", 0.3),
        _Item("End of life", "Advance care plan or wishes recorded"),
    ),
    MEDICATION: (
        _Item("Records", "MAR chart has photo and allergy status"),
        _Item("Records", "All administrations signed for"),
        _Item("Records", "No gaps in MAR chart"),
        _Item("Records", "Codes used correctly for omitted doses"),
        _Item("PRN", "PRN protocol in place for each PRN medicine"),
        _Item("PRN", "Effect of PRN dose recorded"),
        _Item("Controlled drugs", "Controlled drugs register balanced", 0.2),
        _Item("Storage", "Fridge temperature recorded daily and in range"),
        _Item("Storage", "Opened liquids and creams dated"),
        _Item("Storage", "Medicines trolley locked and secured"),
        _Item("Topical", "Topical MAR and body map completed"),
        _Item("Consent", "Covert medication authorisation in place", 0.8),
    ),
    INFECTION: (
        _Item("Hand hygiene", "Hand hygiene observed at point of care"),
        _Item("Hand hygiene", "Hand-wash basins clear and stocked"),
        _Item("PPE", "PPE worn correctly and removed between tasks"),
        _Item("PPE", "Staff bare below the elbows"),
        _Item("Environment", "Cleaning schedule signed for the day"),
        _Item("Environment", "Sluice room clean and locked"),
        _Item("Equipment", "Commodes clean, including underside"),
        _Item("Equipment", "Mattresses checked and clean"),
        _Item("Equipment", "Hoists and slings cleaned between uses"),
        _Item("Waste and linen", "Clinical waste segregated correctly"),
        _Item("Waste and linen", "Sharps bin labelled and not overfilled", 0.2),
        _Item("Waste and linen", "Soiled laundry bagged and handled correctly"),
    ),
}
SPOT_CHECK_ITEMS: dict[str, tuple[_Item, ...]] = {
    INFECTION: tuple(OAKWOOD_TOOLS[INFECTION][i] for i in (0, 1, 2, 3, 4, 6, 9, 11)),
    MEDICATION: tuple(OAKWOOD_TOOLS[MEDICATION][i] for i in (1, 2, 4, 7, 8, 9)),
}
RIVERSIDE_TOOLS: dict[str, tuple[_Item, ...]] = {
    "Care plan review": (
        _Item("Records", "Care plan in the person\u2019s home and up to date"),
        _Item("Person-centred", "Person\u2019s preferences and routines recorded"),
        _Item("Risk", "Home environment risk assessment completed"),
        _Item("Risk", "Moving and handling plan matches current needs"),
        _Item("Visits", "Call schedule matches commissioned hours"),
        _Item("Records", "Next of kin and GP details current"),
        _Item("Consent", "Consent to care signed"),
        _Item("Review", "Review with the person or family in the last 6 months"),
        _Item("Records", "Daily log entries signed and timed"),
        _Item("Finance", "Shopping receipts (\u00a3) kept and signed for", 0.5),
    ),
    "MAR chart audit": (
        _Item("Records", "MAR chart in the home matches the care plan"),
        _Item("Records", "All doses signed for"),
        _Item("Records", "No unexplained gaps"),
        _Item("Records", "Refusals recorded and reported to the office"),
        _Item("PRN", "PRN guidance in place", 0.3),
        _Item("Topical", "Creams body map completed", 0.2),
        _Item("Storage", "Medicines stored safely in the home"),
        _Item("Support level", "Level of support (prompt / administer) recorded"),
    ),
    "Spot check \u2013 visit observation": (
        _Item("Timeliness", "Carer arrived within 30 minutes of the planned time"),
        _Item("Timeliness", "Carer stayed for the full visit length"),
        _Item("Presentation", "ID badge worn"),
        _Item("Infection control", "Uniform and PPE correct"),
        _Item("Infection control", "Hand hygiene before and after care"),
        _Item("Dignity", "Person\u2019s dignity and privacy respected"),
        _Item("Care", "Care delivered as the care plan says"),
        _Item("Records", "Log book completed before leaving"),
        _Item("Medication", "Medication prompted and recorded", 0.3),
        _Item("Security", "Key safe code kept confidential"),
    ),
}
_RIVERSIDE_SCHEMES = {"Care plan review": Y_N, "MAR chart audit": ONE_ZERO, "Spot check \u2013 visit observation": Y_N}

_UNIT_LEADS = {"Rowan Unit": "Grace Adeyemi", "Willow Unit": "Tom Hollis", "Beech Unit": "Priya Nair",
               "Cedar Unit": "Megan Doyle"}
_OAKWOOD_MANAGERS = (("Helen Marsh", "helen.marsh@oakwoodhouse.example"),
                     ("Daniel Osei", "daniel.osei@oakwoodhouse.example"))
_RIVERSIDE_AUDITORS = ("Kerry Lyons", "Anil Mistry", "Beth Carver")
_SHIFT_HOURS = {"Early": range(7, 14), "Late": range(14, 21), "Night": (22, 23, 0, 1, 2, 3, 4, 5)}


@dataclass(frozen=True)
class _Answered:
    """One audit item answered in one audit."""

    ref: str
    day: date
    service: str
    team: str
    shift: str
    audit_type: str
    section: str
    item: str
    outcome: int
    auditor: str
    kind: str


def _oakwood_pass_chance(audit_type: str, unit: str, no: int, spot: bool) -> float:
    """The planted chance that an Oakwood item passes (patterns C, D and E; A's item is set month by month)."""
    good = 0.985 if unit == "Beech Unit" and not spot else 0.97  # C: Beech's own audits look spotless
    if audit_type == CARE_PLAN:
        return 0.998 if unit == "Beech Unit" else 0.993
    if audit_type == MEDICATION:
        return good if no >= MAR_FIXED_FROM else 0.80
    if spot:
        return 0.72
    return good if no >= IPC_FIXED_FROM else 0.75


def _outcomes(rng: np.random.Generator, items: Sequence[_Item], pass_chances: Sequence[float]) -> list[int]:
    na = rng.random(len(items)) < [i.not_applicable for i in items]
    passed = rng.random(len(items)) < pass_chances
    return [NOT_APPLICABLE if n else PASS if p else FAIL for n, p in zip(na, passed)]


def _oakwood_scheduled(rng: np.random.Generator, period: _Period) -> list[_Answered]:
    """Monthly scheduled audits of each type on each Oakwood unit, the shift rotating month to month."""
    refs = {CARE_PLAN: "CP-{day:%y%m}-{code}", MEDICATION: "MAR/{seq:04d}", INFECTION: "IPC{day:%y}-{seq:03d}"}
    # A: on each unit the signed-care-plan item passes in only 3-5 of the 18 months.
    signed_ok = {unit: set(rng.choice(np.arange(1, MONTHS + 1), int(rng.integers(3, 6)), replace=False))
                 for unit in OAKWOOD_UNITS}
    answered: list[_Answered] = []
    for no in range(1, MONTHS + 1):
        for u, unit in enumerate(OAKWOOD_UNITS):
            for t, (audit_type, items) in enumerate(OAKWOOD_TOOLS.items()):
                day = period.day_in(rng, no, weekdays_only=True)
                ref = refs[audit_type].format(day=day, code=unit[:3].upper(), seq=no * 10 + u + 1)
                chances = [float(no in signed_ok[unit]) if i.text == SIGNED_ITEM
                           else 0.35 if i.text == MAR_GAPS_ITEM and no < MAR_FIXED_FROM
                           else _oakwood_pass_chance(audit_type, unit, no, spot=False) for i in items]
                answered += [
                    _Answered(ref, day, OAKWOOD, unit, SHIFTS[(no + u + t) % 3], audit_type, item.section,
                              item.text, outcome, _UNIT_LEADS[unit], "Scheduled")
                    for item, outcome in zip(items, _outcomes(rng, items, chances))
                ]
    return answered


@dataclass(frozen=True)
class _SheetLayout:
    """One sheet of the Oakwood audit workbook: its columns (header, field; "" = spacer) and formats."""

    sheet: str
    audit_type: str
    title: str
    note: str
    columns: tuple[tuple[str, str], ...]
    scheme: _Scheme
    date_format: str | None  # an Excel number format, or None for UK text dates


_AUDIT_SHEETS = (
    _SheetLayout(
        "Care plans", CARE_PLAN, "Oakwood House \u2013 care plan / documentation audits",
        "One row per question. Answer N/A where the question does not apply to the person.",
        (("Audit ref", "ref"), ("Date of audit", "day"), ("Home", "service"), ("Unit", "team"),
         ("Audit type", "audit_type"), ("Section", "section"), ("Question", "item"), ("Answer", "answer"),
         ("Auditor", "auditor"), ("Scheduled or spot check", "kind")),
        YES_NO, "dd/mm/yyyy",
    ),
    _SheetLayout(
        "Medication MAR", MEDICATION, "Medication (MAR) audit results",
        "Partially met counts as not met in the compliance figure. Controlled drugs checked on nursing units only.",
        (("Audit reference", "ref"), ("Audit date", "day"), ("Location", "service"), ("Wing", "team"),
         ("Shift pattern", "shift"), ("Audit", "audit_type"), ("Standard", "section"), ("Criteria", "item"),
         ("Result", "answer"), ("Completed by", "auditor"), ("Visit type", "kind")),
        MET, None,
    ),
    _SheetLayout(
        "Infection control", INFECTION, "IPC audits \u2013 Oakwood House",
        "\u2713 = compliant, \u2717 = not compliant. Actions go to the unit lead within 7 days.",
        (("Ref", "ref"), ("Completed on", "day"), ("Site", "service"), ("Unit name", "team"),
         ("Time of day", "shift"), ("", ""), ("Audit tool", "audit_type"), ("Area of practice", "section"),
         ("Check", "item"), ("Compliant", "answer"), ("Audited by", "auditor"), ("Audit basis", "kind")),
        TICK, "d mmm yyyy",
    ),
)


def _compliance(outcomes: Sequence[int]) -> float:
    scored = [o for o in outcomes if o != NOT_APPLICABLE]
    return sum(o == PASS for o in scored) / len(scored)


def _audit_sheet(ws: Worksheet, layout: _SheetLayout, answered: list[_Answered], rng: np.random.Generator) -> None:
    """Title, note, blank row, header, one row per answered item, blank row and a compliance row; column A blank."""
    first_col, header_row = 2, 4
    last_col = first_col + len(layout.columns) - 1
    ws.cell(1, first_col, layout.title).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=first_col, end_row=1, end_column=last_col)
    ws.cell(2, first_col, f"Notes: {layout.note}")
    for c, (header, _) in enumerate(layout.columns, first_col):
        if header:
            ws.cell(header_row, c, header).font = Font(bold=True)
    for r, row in enumerate(answered, header_row + 1):
        for c, (_, field) in enumerate(layout.columns, first_col):
            if field == "answer":
                ws.cell(r, c, layout.scheme.render(rng, row.outcome))
            elif field == "day" and layout.date_format:
                ws.cell(r, c, datetime(row.day.year, row.day.month, row.day.day)).number_format = layout.date_format
            elif field == "day":
                ws.cell(r, c, row.day.strftime("%d/%m/%Y"))
            elif field:
                ws.cell(r, c, getattr(row, field))
    total_row = header_row + len(answered) + 2
    fields = [field for _, field in layout.columns]
    ws.cell(total_row, first_col, "Overall compliance").font = Font(bold=True)
    total = ws.cell(total_row, first_col + fields.index("answer"), _compliance([a.outcome for a in answered]))
    total.number_format = "0.0%"
    for c in range(first_col, last_col + 1):
        ws.column_dimensions[get_column_letter(c)].width = 18
    ws.column_dimensions["A"].width = 3


def _write_oakwood_audits(directory: Path, rng: np.random.Generator, period: _Period) -> list[Path]:
    answered = _oakwood_scheduled(rng, period)
    wb = Workbook()
    wb.remove(wb.active)
    for layout in _AUDIT_SHEETS:
        rows = [a for a in answered if a.audit_type == layout.audit_type]
        _audit_sheet(wb.create_sheet(layout.sheet), layout, rows, rng)
    path = directory / f"oakwood_audits_{period.start:%Y-%m}_to_{period.end:%Y-%m}.xlsx"
    wb.save(path)
    return [path]


def _write_spot_checks(directory: Path, rng: np.random.Generator, period: _Period) -> list[Path]:
    """Microsoft Forms wide export: one row per unannounced check, one column per question, blanks where skipped."""
    questions = [item.text for items in SPOT_CHECK_ITEMS.values() for item in items]
    checks = []
    for no in range(1, MONTHS + 1):
        for unit in OAKWOOD_UNITS:
            for audit_type, items in SPOT_CHECK_ITEMS.items():
                shift = _pick_weighted(rng, SHIFTS, (0.3, 0.3, 0.4))
                when = period.time_in(rng, no, _SHIFT_HOURS[shift])
                chances = [_oakwood_pass_chance(audit_type, unit, no, spot=True)] * len(items)
                answers = {i.text: YES_NO.render(rng, o) for i, o in zip(items, _outcomes(rng, items, chances))}
                name, email = _pick(rng, _OAKWOOD_MANAGERS)
                checks.append({
                    "Start time": when - timedelta(minutes=int(rng.integers(8, 26)), seconds=int(rng.integers(60))),
                    "Completion time": when, "Email": email, "Name": name, "Home": OAKWOOD, "Unit": unit,
                    "Shift": shift, "Audit type": audit_type, "Scheduled or spot check": "Spot check",
                    **{q: answers.get(q, "") for q in questions},
                })
    frame = pd.DataFrame(sorted(checks, key=lambda c: c["Completion time"]))
    frame.insert(0, "ID", range(1, len(frame) + 1))
    for column in ("Start time", "Completion time"):
        frame[column] = frame[column].dt.strftime("%Y-%m-%d %H:%M:%S")
    path = directory / "oakwood_spot_checks_forms.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return [path]


def _write_riverside_audits(directory: Path, rng: np.random.Generator, period: _Period) -> list[Path]:
    """Homecare audits in long layout, Windows-1252, answers Y/N/N/A or 1/0 by audit type."""
    rows = []
    for no in range(1, MONTHS + 1):
        for team in RIVERSIDE_TEAMS:
            for audit_type, items in RIVERSIDE_TOOLS.items():
                day = period.day_in(rng, no, weekdays_only=True)
                shift = "" if audit_type == "Care plan review" else _pick(rng, HOMECARE_SHIFTS)
                kind = "Spot check" if audit_type.startswith("Spot check") else "Scheduled"
                chance = 0.965 if team == "North Team" else 0.95
                auditor = _pick(rng, _RIVERSIDE_AUDITORS)
                scheme = _RIVERSIDE_SCHEMES[audit_type]
                for item, outcome in zip(items, _outcomes(rng, items, [chance] * len(items))):
                    rows.append((day.isoformat(), RIVERSIDE, team, shift, audit_type, item.section, item.text,
                                 scheme.render(rng, outcome), auditor, kind))
    frame = pd.DataFrame(rows, columns=["Date completed", "Branch", "Team", "Shift", "Type of audit", "Theme",
                                        "Audit question", "Outcome", "Auditor name", "Audit basis"])
    audit_keys = frame["Date completed"] + frame["Team"] + frame["Type of audit"]
    frame.insert(0, "Audit No", [f"RH-{n:04d}" for n in pd.factorize(audit_keys)[0] + 1])
    path = directory / "riverside_audits.csv"
    frame.to_csv(path, index=False, encoding="cp1252", lineterminator="\r\n")
    return [path]


# ------------------------------------------------------------------------------------------- complaints

_COMPLAINT_TEXT: dict[str, tuple[str, ...]] = {
    "Communication": (
        "the family were not told when {kin} had a fall on {day}",
        "calls to {place} about {kin_poss} care were not returned for over a week",
        "nobody informed the family of a change to {kin_poss} medication",
        "messages left for the manager were not returned despite {times} requests",
        "the family were not kept informed after {kin_poss} GP visit",
        "the family were not invited to {kin_poss} care plan review",
        "an email raising concerns about {kin_obj} received no reply",
        "the family only learned of {kin_poss} hospital admission the next day",
    ),
    "Staffing": (
        "there were not enough staff at teatime and {kin} waited {mins} minutes for help",
        "agency staff on nights did not know {kin_poss} needs",
        "{kin} was left in bed until late morning because the unit was short-staffed",
    ),
    "Food and drink": (
        "{kin} was served a meal that did not meet {kin_poss} soft diet",
        "drinks were left out of reach of {kin_obj}",
        "{kin} has lost weight and the family were not told",
    ),
    "Activities": (
        "{kin} is left in {kin_poss} room all day with nothing to do",
        "the activities advertised did not take place",
    ),
    "Cleanliness": (
        "{kin_poss} room and en-suite were dirty on {day}",
        "there was a strong odour on {place}",
    ),
    "Medication": (
        "{kin_poss} evening medication was given late on two occasions",
        "{kin} was given another person's eye drops",
        "{kin_poss} pain relief was not reordered in time",
    ),
    "Laundry and belongings": (
        "{kin_poss} {thing} went missing",
        "{kin} is regularly dressed in other people's clothes",
        "{kin_poss} {thing} was lost and has not been replaced",
    ),
    "Care and treatment": (
        "{kin} was not repositioned as set out in the care plan",
        "a pressure sore was not reported to the family promptly",
        "{kin_poss} continence needs were not met during the night",
    ),
    "Staff attitude": (
        "a member of staff spoke to {kin_obj} abruptly on {day}",
        "staff were dismissive when concerns were raised on {day}",
    ),
    "Call times": (
        "carers arrived {mins} minutes late for {kin_poss} {call} call",
        "the {call} call was missed on {day} and the office did not ring",
        "{kin_poss} visits are regularly cut short",
        "calls are at different times every day and nobody warns {kin_obj}",
        "the {call} call was over an hour late on {day}",
    ),
    "Charges": (
        "an invoice charged for visits that did not take place",
        "the monthly bill went up by \u00a312 a week without notice",
    ),
}
_HOMECARE_COMPLAINT_TEXT: dict[str, tuple[str, ...]] = {
    **_COMPLAINT_TEXT,
    "Staffing": (
        "different carers attend every day and do not know {kin_poss} routine",
        "a carer who had not met {kin_obj} before arrived without reading the care plan",
        "only one carer came to a double-up call on {day}",
    ),
    "Medication": (
        "carers did not prompt {kin_poss} {call} tablets on {day}",
        "{kin_poss} creams were not applied as the care plan says",
        "the MAR chart in the home was not signed for two days",
    ),
    "Care and treatment": (
        "{kin} was not helped to wash and dress as agreed",
        "{kin_poss} catheter care was not carried out at the {call} call",
        "carers did not report that {kin} seemed unwell on {day}",
    ),
}
_COMPLAINT_CATEGORIES = {
    OAKWOOD: {"Communication": 14, "Staffing": 14, "Care and treatment": 14, "Food and drink": 10,
              "Activities": 7, "Cleanliness": 8, "Medication": 10, "Laundry and belongings": 13, "Staff attitude": 10},
    RIVERSIDE: {"Call times": 10, "Communication": 16, "Staffing": 20, "Care and treatment": 15, "Medication": 10,
                "Staff attitude": 12, "Charges": 11},
}
_FAMILY_KIN = (("Daughter", "her mother"), ("Daughter", "her father"), ("Son", "his mother"), ("Son", "his father"),
               ("Wife", "her husband"), ("Husband", "his wife"), ("Niece", "her aunt"),
               ("Granddaughter", "her grandmother"), ("Son-in-law", "his mother-in-law"))
_VERBS = ("reports that", "states that", "complained that", "raised concern that", "is unhappy that")
_EXTRAS = ("Requested a meeting with the manager.", "Asked for an apology.", "Second time this has been raised.",
           "Would like a written response.", "Raised in person during a visit.", "Also copied to the local authority.")
_COMPLAINANTS = ("Family member", "Person using the service", "Advocate", "Professional", "Anonymous")
_COMPLAINANT_WEIGHTS = (0.65, 0.15, 0.05, 0.07, 0.08)
OUTCOMES = ("Upheld", "Partly upheld", "Not upheld")


@dataclass(frozen=True)
class _Complaint:
    """One complaint with its whole life: the exports show it as it stood on their date."""

    received: date
    service: str
    team: str
    shift: str
    category: str
    summary: str
    severity: str
    complainant: str
    acknowledged: date
    responded: date
    closed: date
    outcome: str


def _complaint_summary(rng: np.random.Generator, service: str, category: str, complainant: str) -> str:
    person = "client" if service == RIVERSIDE else "resident"
    if complainant == "Family member":
        who, kin = _pick(rng, _FAMILY_KIN)
        kin_obj, kin_poss = kin, f"{kin}'s"
    else:
        pronoun = _pick(rng, (("she", "her", "her"), ("he", "him", "his")))
        if complainant == "Person using the service":
            who, (kin, kin_obj, kin_poss) = person.capitalize(), pronoun
        else:
            who = {"Advocate": "Advocate", "Professional": _pick(rng, ("District nurse", "Social worker", "GP")),
                   "Anonymous": "Anonymous caller"}[complainant]
            kin, kin_obj, kin_poss = f"the {person}", f"the {person}", f"the {person}'s"
    place = "the office" if service == RIVERSIDE else "the unit"
    slots = _slots(rng, "family", place) | {"kin": kin, "kin_obj": kin_obj, "kin_poss": kin_poss}
    texts = _HOMECARE_COMPLAINT_TEXT if service == RIVERSIDE else _COMPLAINT_TEXT
    text = f"{who} {_pick(rng, _VERBS)} {_pick(rng, texts[category]).format(**slots)}."
    if rng.random() < 0.4:
        text += " " + _pick(rng, _EXTRAS)
    return text


def _complaint(rng: np.random.Generator, period: _Period, no: int, service: str, team: str, category: str,
               complainant: str) -> _Complaint:
    received = period.day_in(rng, no)
    serious = category in ("Medication", "Care and treatment")
    severity = _pick_weighted(rng, ("Low", "Medium", "High"), (0.25, 0.5, 0.25) if serious else (0.55, 0.4, 0.05))
    if service == RIVERSIDE:
        shift = _pick_weighted(rng, ("Morning", "Evening", ""), (0.45, 0.35, 0.2))
    else:
        shift = _pick_weighted(rng, ("Early", "Late", "Night", "Not known"), (0.3, 0.35, 0.15, 0.2))
    acknowledged = received + timedelta(int(rng.integers(0, 4)))
    responded = acknowledged + timedelta(int(rng.integers(5, 30)))
    closed = responded + timedelta(int(rng.integers(0, 15)) if rng.random() < 0.85 else int(rng.integers(20, 50)))
    return _Complaint(received, service, team, shift, category, _complaint_summary(rng, service, category, complainant),
                      severity, complainant, acknowledged, responded, closed,
                      _pick_weighted(rng, OUTCOMES, (0.3, 0.35, 0.35)))


def _complaints(rng: np.random.Generator, period: _Period) -> list[_Complaint]:
    """Background complaints for every team plus the planted Beech (C) and Town (G) rises, by date received."""
    found = []
    teams = ([(OAKWOOD, unit, 1.0 if unit == "Cedar Unit" else 1.2) for unit in OAKWOOD_UNITS]
             + [(RIVERSIDE, team, 0.6 if team == "North Team" else 0.8) for team in RIVERSIDE_TEAMS])
    for no in range(1, MONTHS + 1):
        for service, team, rate in teams:
            categories = _COMPLAINT_CATEGORIES[service]
            for _ in range(rng.poisson(rate)):
                category = _pick_weighted(rng, list(categories), list(categories.values()))
                complainant = _pick_weighted(rng, _COMPLAINANTS, _COMPLAINANT_WEIGHTS)
                found.append(_complaint(rng, period, no, service, team, category, complainant))
        for _ in range(_rising_count(rng, no, BEECH_FROM, 4.0)):
            found.append(_complaint(rng, period, no, OAKWOOD, "Beech Unit", "Communication", "Family member"))
        for _ in range(_rising_count(rng, no, TOWN_FROM, 5.0)):
            complainant = _pick_weighted(rng, _COMPLAINANTS[:2], (0.7, 0.3))
            found.append(_complaint(rng, period, no, RIVERSIDE, "Town Team", "Call times", complainant))
    first_run = np.random.default_rng(TOWN_FIRST_RUN_SEED)
    for no, count in TOWN_FIRST_RUN.items():
        for _ in range(count):
            complainant = _pick_weighted(first_run, _COMPLAINANTS[:2], (0.7, 0.3))
            found.append(_complaint(first_run, period, no, RIVERSIDE, "Town Team", "Call times", complainant))
    return sorted(found, key=lambda c: c.received)


_COMPLAINT_HEADERS = ("Ref", "Date received", "Home", "Unit", "Shift", "Category", "Summary", "Severity",
                      "Complainant", "Acknowledged", "Responded", "Closed", "Outcome", "Status")


def _complaint_row(ref: str, c: _Complaint, as_of: date) -> list[object]:
    """The complaint as the log showed it on `as_of`: later dates, the outcome and the status not yet known."""
    known = [d if d <= as_of else None for d in (c.acknowledged, c.responded, c.closed)]
    status = ("Closed" if known[2] else "Response sent" if known[1] else "Under investigation" if known[0]
              else "New")
    return [ref, c.received, c.service, c.team, c.shift, c.category, c.summary, c.severity, c.complainant,
            *known, c.outcome if known[1] else None, status]


def _write_complaints_log(path: Path, complaints: list[_Complaint], as_of: date, period: _Period) -> Path:
    """Cumulative log as exported on `as_of`: title, export note, header on row 3, real Excel dates."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Complaints"
    ws["A1"] = "Complaints log \u2013 Oakwood House and Riverside Homecare"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(_COMPLAINT_HEADERS))
    ws["A2"] = f"Exported {as_of:%d/%m/%Y}. All complaints received since {period.start:%d/%m/%Y}. Confidential."
    ws.append(_COMPLAINT_HEADERS)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    seq: dict[int, int] = {}
    for c in complaints:
        seq[c.received.year] = seq.get(c.received.year, 0) + 1
        if c.received <= as_of:
            ws.append(_complaint_row(f"C{c.received:%y}-{seq[c.received.year]:03d}", c, as_of))
    for row in ws.iter_rows(min_row=4):
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "dd/mm/yyyy"
    wb.save(path)
    return path


def _write_complaints(directory: Path, rng: np.random.Generator, period: _Period) -> list[Path]:
    complaints = _complaints(rng, period)
    older = month_end(period.months[-1 - OLDER_EXPORT_MONTHS_BACK])
    return [_write_complaints_log(directory / f"complaints_log_{as_of:%Y-%m}.xlsx", complaints, as_of, period)
            for as_of in (older, period.end)]


# ------------------------------------------------------------------------------------------------- rota

_PLANNED_STAFF = {"Early": 5, "Late": 4, "Night": 3}
_SHIFT_LENGTH = {"Early": 7.5, "Late": 7.5, "Night": 10.0}
# Chance a rostered slot is worked by permanent, bank or agency staff, or left unfilled.
_NORMAL_COVER = (0.85, 0.095, 0.025, 0.03)
_FRAGILE_COVER = (0.52, 0.06, 0.40, 0.02)


def _write_oakwood_rota(directory: Path, rng: np.random.Generator, period: _Period) -> list[Path]:
    """Daily variance per unit and shift, UK text dates, a few variant night labels (pattern B on Willow nights)."""
    grid = pd.MultiIndex.from_product(
        [pd.date_range(period.start, period.end), OAKWOOD_UNITS, SHIFTS], names=["day", "unit", "shift"]
    ).to_frame(index=False)
    days = grid["day"].dt
    month_no = ((days.year - period.start.year) * 12 + days.month - period.start.month + 1).to_numpy()
    willow_nights = ((grid["unit"] == "Willow Unit") & (grid["shift"] == "Night")).to_numpy()
    fragile = willow_nights & (month_no >= WILLOW_NIGHTS_FROM)
    staff = grid["shift"].map(_PLANNED_STAFF).to_numpy()
    length = grid["shift"].map(_SHIFT_LENGTH).to_numpy()
    cover = rng.multinomial(staff, np.where(fragile[:, None], _FRAGILE_COVER, _NORMAL_COVER))
    bank, agency, unfilled = cover[:, 1], cover[:, 2], cover[:, 3]
    overrun = rng.choice([-1.0, -0.5, 0.0, 0.5, 1.0], p=[0.01, 0.04, 0.88, 0.05, 0.02], size=len(grid))
    handover = rng.random(len(grid)) < np.where(fragile, 0.6, 0.97)
    night_variant = (grid["shift"] == "Night").to_numpy() & (rng.random(len(grid)) < 0.06)
    variants = np.array(["Nights", "N", "Waking night"])[rng.integers(0, 3, len(grid))]
    frame = pd.DataFrame({
        "Date": days.strftime("%d/%m/%Y"),
        "Home": OAKWOOD,
        "Unit": grid["unit"],
        "Shift": np.where(night_variant, variants, grid["shift"].to_numpy()),
        "Role": "Care staff",
        "Planned hours": staff * length,
        "Actual hours": np.maximum((staff - unfilled) * length + overrun, 0.0),
        "Agency hours": agency * length,
        "Bank hours": bank * length,
        "Sickness hours": rng.binomial(bank + agency + unfilled, 0.45) * length,
        "Unfilled shifts": unfilled,
        "Handover completed": np.where(handover, "Y", "N"),
    })
    path = directory / "oakwood_rota_variance.csv"
    frame.to_csv(path, index=False)
    return [path]


_HOMECARE_STAFF = {("North Team", "Morning"): 8, ("North Team", "Evening"): 5, ("South Team", "Morning"): 7,
                   ("South Team", "Evening"): 5, ("Town Team", "Morning"): 9, ("Town Team", "Evening"): 6}
_HOMECARE_WEEKLY_HOURS = {"Morning": 30.0, "Evening": 18.0}
_RIVERSIDE_ROTA_HEADERS = ("Week commencing", "Branch", "Team", "Shift", "Planned staff", "Actual staff",
                           "Planned hours", "Actual hours", "Agency hours", "Sickness hours", "Unfilled shifts")


def _write_riverside_rota(directory: Path, rng: np.random.Generator, period: _Period) -> list[Path]:
    """Weekly homecare staffing per team and Morning/Evening run, real Excel dates."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Weekly staffing"
    ws.append(_RIVERSIDE_ROTA_HEADERS)
    monday = period.start + timedelta((7 - period.start.weekday()) % 7)
    while monday <= period.end:
        for (team, shift), planned in _HOMECARE_STAFF.items():
            hours = _HOMECARE_WEEKLY_HOURS[shift]
            actual = planned - int(rng.binomial(planned, 0.03))
            worked = round(max(actual * hours + rng.normal(0, 2), 0) * 2) / 2
            ws.append([datetime(monday.year, monday.month, monday.day), RIVERSIDE, team, shift, planned, actual,
                       planned * hours, worked, float(rng.binomial(actual, 0.03)) * hours,
                       float(rng.binomial(planned * 5, 0.03)) * hours / 5, (planned - actual) * 5])
        monday += timedelta(7)
    for cell in ws["A"][1:]:
        cell.number_format = "dd/mm/yyyy"
    for cell in ws[1]:
        cell.font = Font(bold=True)
    path = directory / "riverside_rota.xlsx"
    wb.save(path)
    return [path]


# --------------------------------------------------------------------------------------------- feedback

FFT_SCALE = ("Very good", "Good", "Neither good nor poor", "Poor", "Very poor", "Don't know")
OLD_FFT_SCALE = ("Extremely likely", "Likely", "Neither likely nor unlikely", "Unlikely", "Extremely unlikely",
                 "Don't know")
_FFT_USUAL = (0.52, 0.33, 0.07, 0.04, 0.02, 0.02)
_FFT_STAFF = (0.35, 0.40, 0.12, 0.08, 0.03, 0.02)
_FFT_BEECH_FAMILY_LOW = (0.05, 0.15, 0.20, 0.35, 0.23, 0.02)
_RESPONDENTS = ("Person using the service", "Family or friend", "Staff", "Professional")
_VOICES = dict(zip(_RESPONDENTS, ("self", "family", "staff", "professional")))
_CARE_HOME_THEMES = {
    True: {"kindness": 35, "food": 15, "activities": 15, "cleanliness": 15, "communication": 10, "medication": 5,
           "staffing": 5},
    False: {"communication": 18, "staffing": 22, "food": 15, "activities": 12, "cleanliness": 10, "medication": 8,
            "laundry": 15},
}
_HOMECARE_THEMES = {True: {"kindness": 45, "call_times": 20, "communication": 15, "staffing": 20}}
_CHANNELS = ("Paper card", "Tablet in reception", "QR code", "Email", "Phone call")


def _fft_response(rng: np.random.Generator, period: _Period, no: int, unit: str) -> dict[str, object]:
    """One Oakwood FFT response; Beech family ratings fall and turn to communication from month 13 (pattern C)."""
    respondent = _pick_weighted(rng, _RESPONDENTS, (0.35, 0.40, 0.15, 0.10))
    beech_family = unit == "Beech Unit" and respondent == "Family or friend"
    weights = _FFT_STAFF if respondent == "Staff" else _FFT_USUAL
    if beech_family:
        weights = _blend(weights, _FFT_BEECH_FAMILY_LOW, _ramp(no, BEECH_FROM))
    rating = _pick_weighted(rng, FFT_SCALE, weights)
    positive = rating in FFT_SCALE[:2]
    comment = ""
    if rating != "Don't know" and rng.random() < (0.6 if positive else 0.85):
        themes = _CARE_HOME_THEMES[positive]
        theme = _pick_weighted(rng, list(themes), list(themes.values()))
        if beech_family and not positive and rng.random() < 0.8 * _ramp(no, BEECH_FROM):
            theme = "communication"
        comment = _comment(rng, "care home", _VOICES[respondent], theme, positive)
    return {"when": period.time_in(rng, no, range(8, 22)), "Service": OAKWOOD, "Unit": unit,
            "Respondent type": respondent, "Overall, how was your experience of our service?": rating,
            "Please tell us why": comment, "Collected via": _pick(rng, _CHANNELS)}


def _write_fft(directory: Path, rng: np.random.Generator, period: _Period) -> list[Path]:
    responses = [_fft_response(rng, period, no, unit)
                 for no in range(1, MONTHS + 1) for unit in OAKWOOD_UNITS for _ in range(rng.poisson(19))]
    frame = pd.DataFrame(sorted(responses, key=lambda r: r["when"]))
    frame.insert(0, "Response ID", [f"FFT-{n:05d}" for n in range(1, len(frame) + 1)])
    frame.insert(1, "Date submitted", frame.pop("when").dt.strftime("%Y-%m-%d %H:%M"))
    path = directory / "feedback_fft.csv"
    frame.to_csv(path, index=False)
    return [path]


SURVEY_QUESTIONS = {"Staff are kind and caring": "kindness", "Visits are on time": "call_times",
                    "I am kept informed": "communication", "Carers stay for the full visit": "call_times",
                    "I usually see the same carers": "staffing"}
RECOMMEND_QUESTION = "How likely are you to recommend our service to friends and family?"
_FIVE_USUAL = (0.02, 0.04, 0.10, 0.34, 0.50)
_FIVE_LATE = (0.30, 0.35, 0.20, 0.10, 0.05)
_SURVEY_RESPONDENTS = ("Person receiving care", "Family member or friend", "Professional")


def _survey_ratings(rng: np.random.Generator, late: float) -> dict[str, int]:
    """1-5 answers around the respondent's general view; 'Visits are on time' worse with chance `late`."""
    view = int(_pick_weighted(rng, (1, 2, 3, 4, 5), _FIVE_USUAL))
    ratings = {q: int(np.clip(view + _pick_weighted(rng, (-1, 0, 1), (0.15, 0.7, 0.15)), 1, 5))
               for q in SURVEY_QUESTIONS}
    if rng.random() < late:
        ratings["Visits are on time"] = int(_pick_weighted(rng, (1, 2, 3, 4, 5), _FIVE_LATE))
    return ratings


def _survey_response(rng: np.random.Generator, period: _Period, no: int, team: str) -> dict[str, object]:
    """One Google Forms response; Town's 'Visits are on time' falls from month 15 (pattern G)."""
    ratings = _survey_ratings(rng, _ramp(no, TOWN_FROM) if team == "Town Team" else 0.0)
    mean = float(np.mean(list(ratings.values())))
    below = sum(mean + rng.normal(0, 0.3) < threshold for threshold in (4.4, 3.6, 2.8, 1.9))
    recommend = OLD_FFT_SCALE[5] if rng.random() < 0.02 else OLD_FFT_SCALE[below]
    respondent = _pick_weighted(rng, _SURVEY_RESPONDENTS, (0.45, 0.45, 0.10))
    comment = ""
    worst = str(min(rng.permutation(list(ratings)), key=ratings.get))  # ties broken at random
    positive = ratings[worst] >= 4
    if rng.random() < (0.5 if positive else 0.8):
        theme = (_pick_weighted(rng, list(_HOMECARE_THEMES[True]), list(_HOMECARE_THEMES[True].values()))
                 if positive else SURVEY_QUESTIONS[worst])
        voice = {"Person receiving care": "self", "Professional": "professional"}.get(respondent, "family")
        comment = _comment(rng, "homecare", voice, theme, positive)
    answers = {q: ("" if rng.random() < 0.03 else r) for q, r in ratings.items()}
    return {"when": period.time_in(rng, no, range(7, 23)), "Branch": RIVERSIDE, "Team": team, "Are you...": respondent,
            **answers, RECOMMEND_QUESTION: recommend,
            "How would you score us out of 10?": int(np.clip(round(2.5 * mean - 2.5 + rng.normal(0, 1)), 0, 10)),
            "Any other comments": comment}


def _write_google_survey(directory: Path, rng: np.random.Generator, period: _Period) -> list[Path]:
    """Google Forms wide export: one column per 1-5 question, the older FFT scale, a 0-10 score and comments."""
    responses = [_survey_response(rng, period, no, team)
                 for no in range(1, MONTHS + 1) for team in RIVERSIDE_TEAMS for _ in range(rng.poisson(9))]
    frame = pd.DataFrame(sorted(responses, key=lambda r: r["when"]))
    frame.insert(0, "Timestamp", frame.pop("when").dt.strftime("%d/%m/%Y %H:%M:%S"))
    path = directory / "riverside_survey_google_forms.csv"
    frame.to_csv(path, index=False)
    return [path]


# ------------------------------------------------------------------------------------------------ entry


def write_demo_files(directory: Path, seed: int = 7, end: date = date(2026, 10, 31)) -> list[Path]:
    """Write the spreadsheets a fictional provider would have into `directory`; return their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    period = _Period(end, tuple(demo_months(end)))
    writers = (_write_oakwood_audits, _write_spot_checks, _write_riverside_audits, _write_complaints,
               _write_oakwood_rota, _write_riverside_rota, _write_fft, _write_google_survey)
    paths: list[Path] = []
    for writer, rng in zip(writers, np.random.default_rng(seed).spawn(len(writers))):
        paths += writer(directory, rng, period)
    return paths
