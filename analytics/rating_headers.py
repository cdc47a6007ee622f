"""What a rating column's header says: the Friends and Family Test or the GP Patient Survey named, the range
("1-5", "out of 10", stars) and which end is best ("1 = very good", "5 = excellent", "lower is better").
analytics.rating_scales reads the values and, where the header is silent, the comments beside them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .values import clean_text

HIGHER, LOWER = "higher_is_better", "lower_is_better"

_BEST = (r"very good|excellent|the best|best|extremely likely|very likely|very satisfied|strongly agree|outstanding|"
         r"highest|perfect")
_WORST = (r"very poor|very bad|the worst|worst|poor|bad|terrible|awful|extremely unlikely|very unlikely|"
          r"not at all likely|very dissatisfied|strongly disagree|lowest")
_NUMBER_LABEL = re.compile(rf"(?<![\d/\-–.])(\d{{1,2}})\s*(?:=|:|is|means|-|–)?\s*\(?\s*({_BEST}|{_WORST})\b")
_LABEL_NUMBER = re.compile(rf"\b({_BEST}|{_WORST})\s*(?:=|:|is)\s*(\d{{1,2}})\b")
_BETTER = re.compile(r"\b(lower|higher)\s+(?:(?:scores?|numbers?|values?)\s+)?(?:is|are)\s+better\b")
_FFT = re.compile(r"\bfft\b|friends\s*(?:and|&)\s*family|overall,? how was your experience")
_FFT_LABEL = re.compile(r"(?<![\d/\-–.])1\s*(?:=|:|is|means|-|–)?\s*\(?\s*very good\b|"
                        r"(?<![\d/\-–.])5\s*(?:=|:|is|means|-|–)?\s*\(?\s*very poor\b")
_GP = re.compile(r"\bgp\b|general practice|gp patient survey")
_RANGE_10 = re.compile(r"\b[01]\s*(?:-|–|to)\s*10\b|\bout of (?:ten|10)\b|/\s*10\b")
_RANGE_5 = re.compile(r"\b1\s*(?:-|–|to)\s*5\b|\bout of (?:five|5)\b|/\s*5\b")
_OUT_OF_HEADER = re.compile(r"\bout of (?:ten|10|five|5)\b|/\s*(?:10|5)\b")
_STARS_HEADER = re.compile(r"\bstars?\b|★")


@dataclass(frozen=True)
class HeaderCues:
    """What a rating column's header says of its scale."""

    fft: bool
    gp: bool
    stated_range: str | None  # "1-5" / "0-10" when the header names the range
    direction: str | None     # when the header states which end is best
    why: str | None           # the header's words that stated it


def read_header(header: str) -> HeaderCues:
    """The scale, range and best end a header states ("FFT", "1 = very good", "out of 10", "(lower is better)")."""
    head = clean_text(header or "").lower().replace("\u2019", "'")
    fft = bool(_FFT.search(head) or _FFT_LABEL.search(head))
    stated_range = "0-10" if _RANGE_10.search(head) else "1-5" if (_RANGE_5.search(head) or
                                                                     _STARS_HEADER.search(head)) else None
    directions: dict[str, str] = {}
    for match in _NUMBER_LABEL.finditer(head):
        number, label = int(match.group(1)), match.group(2)
        directions.setdefault(_direction_of(number, label), match.group(0).strip(" ("))
    for match in _LABEL_NUMBER.finditer(head):
        label, number = match.group(1), int(match.group(2))
        directions.setdefault(_direction_of(number, label), match.group(0))
    better = _BETTER.search(head)
    if better:
        directions.setdefault(LOWER if better.group(1) == "lower" else HIGHER, better.group(0))
    if len(directions) == 1:
        direction, why = next(iter(directions.items()))
    else:  # nothing said, or the header contradicts itself
        direction, why = None, None
    if direction is None and _OUT_OF_HEADER.search(head):
        direction, why = HIGHER, _OUT_OF_HEADER.search(head).group(0)
    if direction is None and _STARS_HEADER.search(head):
        direction, why = HIGHER, "stars"
    if direction is None and fft:
        direction, why = LOWER, (_FFT.search(head) or _FFT_LABEL.search(head)).group(0)
    return HeaderCues(fft=fft, gp=bool(_GP.search(head)), stated_range=stated_range, direction=direction, why=why)


def _direction_of(number: int, label: str) -> str:
    best = re.fullmatch(_BEST, label) is not None
    low_end = number <= 1
    return LOWER if best == low_end else HIGHER
