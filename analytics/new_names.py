"""Names in an upload that we have not seen before (teams, services), each with the known name it may mean.

"Oakwood Hse" is probably "Oakwood House" and "rowan  unit" is "Rowan Unit"; "Birch Unit" is a new unit
even though it looks a little like "Beech Unit". A name is suggested only when, after reading common
abbreviations and ignoring case, spacing and punctuation, it is spelt nearly the same (rapidfuzz ratio at
or above SIMILAR) and has the same numbers in it ("Floor 1" never means "Floor 2").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz

from .values import is_blank

SIMILAR = 90  # rapidfuzz ratio (0-100) of the normalised names at which a known name is suggested

_ABBREVIATIONS = {"hse": "house", "ho": "house", "ct": "court", "crt": "court", "rd": "road", "ln": "lane",
                  "ave": "avenue", "av": "avenue", "dr": "drive", "cl": "close", "gdns": "gardens", "gdn": "garden",
                  "pk": "park", "sq": "square", "ctr": "centre", "cntr": "centre", "center": "centre",
                  "flr": "floor", "fl": "floor", "grd": "ground", "gnd": "ground", "rm": "room", "bldg": "building",
                  "blk": "block", "mt": "mount", "nth": "north", "sth": "south", "est": "estate",
                  "&": "and", "1st": "first", "2nd": "second", "3rd": "third"}
_WORD = re.compile(r"[a-z0-9&]+")


@dataclass(frozen=True)
class NewName:
    """A name not among the known ones: how often it occurs and the known name it may be a variant of."""

    name: str
    count: int
    did_you_mean: str | None
    reason: str


def _plain(name: str) -> str:
    return " ".join(name.split()).lower()


def _normal(name: str) -> str:
    return " ".join(_ABBREVIATIONS.get(w, w) for w in _WORD.findall(name.lower()))


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+", text)


def _closest(name: str, known: list[str]) -> tuple[str | None, str]:
    plain = _plain(name)
    for candidate in known:
        if _plain(candidate) == plain:
            return candidate, f"differs from {candidate!r} only in case or spacing"
    normal = _normal(name)
    for candidate in known:
        if _normal(candidate) == normal:
            return candidate, f"reads as {candidate!r} once abbreviations and punctuation are set aside"
    best, best_score = None, 0.0
    for candidate in known:
        other = _normal(candidate)
        if _numbers(other) != _numbers(normal):
            continue
        score = max(fuzz.ratio(normal, other), fuzz.token_sort_ratio(normal, other))
        if score > best_score:
            best, best_score = candidate, score
    if best is not None and best_score >= SIMILAR:
        return best, f"spelt almost like {best!r} ({best_score:.0f}% similar)"
    return None, "new: no known name is spelt like it"


def new_names(incoming: list[str] | dict[str, int], known: list[str]) -> list[NewName]:
    """The names in `incoming` (a list, or each name with its count) that are not exactly one of `known`,
    commonest first, each with the known name it most likely means (None for a genuinely new name) and why."""
    pairs = incoming.items() if isinstance(incoming, dict) else Counter(incoming).items()
    counts = Counter()
    for name, count in pairs:
        if not is_blank(name):
            counts[str(name)] += count
    known = [str(k) for k in dict.fromkeys(known) if not is_blank(k)]
    exact = set(known)
    found = []
    for name, count in counts.items():
        if name in exact:
            continue
        suggestion, reason = _closest(name, known)
        found.append(NewName(name, count, suggestion, reason))
    return sorted(found, key=lambda n: (-n.count, n.name.lower()))
