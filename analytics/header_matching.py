"""Which column is which field, judged by words and content (the header row itself: analytics.header_row).

`score_headers` scores every column against every field of a source from two kinds of evidence:
- the header's WORDS against each field's synonyms (rapidfuzz per word, so long export headers such as
  "Date complaint received (dd/mm/yyyy)" and typos still match; a few synonyms providers use that
  `sources` does not list are in EXTRA_SYNONYMS);
- the column's CONTENT: a date field needs dates and a number field numbers (otherwise the field is ruled
  out whatever the header says), an answer field wants Yes/No/Met..., a prose field long varied text, a
  categorical field short repeated codes.

`best_mapping` assigns columns to fields one-to-one, maximising the total score, and says how sure it is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz

from .date_cells import parse_date
from .header_row import cell_kind
from .sources import Field, Source, normalise_header
from .values import (
    Unreadable,
    clean_text,
    detect_rating_scale,
    is_blank,
    parse_answer,
    parse_audit_kind,
    parse_flag,
    parse_rating,
)

# --- scoring columns against fields ----------------------------------------------------------

# Headers providers use that `sources` does not list: folded into the synonyms for scoring here.
EXTRA_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "audits": {"item": ("observation", "requirement", "check point", "checkpoint", "statement", "audit point",
                        "what was checked"),
               "answer": ("outcome of check", "met y n", "compliant y n", "yes no")},
    "complaints": {"summary": ("nature of concern", "what happened", "narrative"),
                   "outcome": ("outcome of investigation",)},
    "feedback": {"comment": ("free text comment", "verbatim", "remarks")},
    "rota": {},
}
_ABBREVIATIONS = {"txt": "text", "ref": "reference", "refs": "reference", "no": "number", "num": "number",
                  "hrs": "hours", "hr": "hours", "ack": "acknowledged", "dept": "department", "desc": "description",
                  "cat": "category", "recd": "received", "rcvd": "received", "resp": "response", "qty": "quantity",
                  "comm": "comment", "comms": "comments", "loc": "location", "svc": "service", "yn": "y n"}
_FORMAT_WORDS = frozenset({"dd", "mm", "yyyy", "yy", "mmm", "hh", "ss", "ddmmyyyy", "ddmmyy", "eg", "e", "g",
                           "hhmm", "24hr", "optional", "select", "free", "please"})
_STOP_WORDS = frozenset({"of", "the", "a", "an", "to", "for", "on", "in", "by", "and", "or", "at", "with", "was",
                         "is", "are", "this", "that", "if", "any"})
WORD_SIMILAR = 80  # rapidfuzz ratio (0-100) at which two words count as the same word misspelt
NAME_MIN = 0.45  # a field whose synonyms match the header words less than this is not a candidate
NAME_WEIGHT = 0.6  # combined score = NAME_WEIGHT * name + (1 - NAME_WEIGHT) * content
MAP_THRESHOLD = 0.5  # below this a column is left unmapped
SURE, SURE_NAME, SURE_FIT, SURE_MARGIN = 0.85, 0.75, 0.6, 0.1  # certainty "sure": see best_mapping
LIKELY, LIKELY_FIT = 0.62, 0.5  # certainty "likely"
SAMPLE_LIMIT = 200

_ID_FIELDS = frozenset({"audit_ref", "reference", "response_id"})
_STATEMENT_FIELDS = frozenset({"item", "question"})
_LABEL_FIELDS = frozenset({"auditor", "complainant"})


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[tuple[str, float], ...]:
    """A normalised header's words with their weights: format words 0, stop words and single letters low."""
    words = []
    for word in normalise_header(text).split():
        for part in _ABBREVIATIONS.get(word, word).split():
            if part.endswith("s") and len(part) > 4 and not part.endswith("ss"):
                part = part[:-1]  # comments -> comment, hours -> hour
            weight = 0.0 if part in _FORMAT_WORDS else 0.3 if part in _STOP_WORDS else 0.1 if len(part) == 1 else 1.0
            words.append((part, weight))
    return tuple(words)


@lru_cache(maxsize=65536)
def _word_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if (min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a)) and not (a.isdigit() or b.isdigit())
            and a not in _STOP_WORDS and b not in _STOP_WORDS):
        return 0.9  # an abbreviation by truncation: ack / acknowledged
    if a.isdigit() or b.isdigit():
        return 0.0
    ratio = fuzz.ratio(a, b)
    return ratio / 100 if ratio >= WORD_SIMILAR else 0.0


def _covered(words: tuple[tuple[str, float], ...], best: list[float]) -> float:
    total = sum(w for _, w in words)
    return sum(w * b for (_, w), b in zip(words, best)) / total if total else 0.0


@lru_cache(maxsize=65536)
def name_score(header: str, synonym: str) -> float:
    """How well a header's words say a synonym, 0-1: 1 when equal (once normalised); else up to 0.95 for
    a header holding all the synonym's words, less for extra words in the header or missing ones."""
    if normalise_header(header) == normalise_header(synonym):
        return 1.0
    header_words, synonym_words = _words(header), _words(synonym)
    if [w for w, _ in header_words] == [w for w, _ in synonym_words] and header_words:
        return 0.97  # the same once abbreviations and plurals are read: "Comments" for "comment"
    similar = [[_word_similarity(h, w) for h, _ in header_words] for w, _ in synonym_words]
    said = _covered(synonym_words, [max(row, default=0.0) for row in similar])  # how much of the synonym is said
    if said < 0.5:
        return 0.0
    explained = _covered(header_words, [max(col, default=0.0) for col in zip(*similar)])  # header explained
    return 0.95 * said * (0.6 + 0.4 * explained)


def _synonyms(source: Source, field: Field) -> tuple[str, ...]:
    return field.synonyms + EXTRA_SYNONYMS.get(source.name, {}).get(field.name, ())


def _best_name(header: str, source: Source, field: Field) -> tuple[float, str]:
    best, which = 0.0, ""
    for synonym in _synonyms(source, field):
        score = name_score(header, synonym)
        if score > best:
            best, which = score, synonym
    return best, which


@dataclass
class _Profile:
    """What a column's values are, as shares of its non-blank values."""

    count: int
    date: float
    serial: float  # numbers read as Excel date serials
    number: float
    answer: float
    flag: float
    text: float  # neither a date nor a number
    long: float  # free text: six or more words, or 40 or more characters
    short: float  # three words or fewer and 30 characters or fewer
    words: float  # mean words per value
    distinct: float  # distinct values / values
    digits: float  # values with a digit in them
    worded_answers: float  # text values that read as answers: Yes, No, Met, N/A
    values: list[object]


def profile(values: list[object]) -> _Profile:
    """The kinds of value in a column's sample (its first SAMPLE_LIMIT non-blank values)."""
    filled = tuple(v for v in values if not is_blank(v))[:SAMPLE_LIMIT]
    try:
        return _profile(filled)
    except TypeError:  # an unhashable value
        return _profile.__wrapped__(filled)


@lru_cache(maxsize=512)
def _profile(filled: tuple) -> _Profile:
    n = len(filled)
    if not n:
        return _Profile(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, [])
    kinds = [cell_kind(v) for v in filled]
    serial = 0
    for v, k in zip(filled, kinds):
        if k == "number":
            try:
                parse_date(v)
                serial += 1
            except (Unreadable, ValueError, OverflowError):
                pass
    texts = [clean_text(v) for v in filled]
    return _Profile(
        count=n,
        date=(kinds.count("date") + serial) / n,
        serial=serial / n,
        number=kinds.count("number") / n,
        answer=_share(filled, parse_answer),
        flag=_share(filled, parse_flag),
        text=kinds.count("text") / n,
        long=sum(len(t.split()) >= 6 or len(t) >= 40 for t in texts) / n,
        short=sum(len(t.split()) <= 3 and len(t) <= 30 for t in texts) / n,
        words=sum(len(t.split()) for t in texts) / n,
        distinct=len({t.lower() for t in texts}) / n,
        digits=sum(any(ch.isdigit() for ch in t) for t in texts) / n,
        worded_answers=_share(tuple(v for v, k in zip(filled, kinds) if k == "text"), parse_answer)
        * kinds.count("text") / n,
        values=list(filled),
    )


def _share(values: list[object] | tuple, parse) -> float:
    """The share of `values` that `parse` reads, parsing each distinct value once."""
    try:
        counts = Counter(values)
    except TypeError:
        counts = Counter({i: 1 for i in range(len(values))})
        values_of = dict(enumerate(values))
    else:
        values_of = {v: v for v in counts}
    readable = 0
    for key, count in counts.items():
        try:
            parse(values_of[key])
            readable += count
        except (Unreadable, ValueError, TypeError):
            pass
    return readable / len(values) if values else 0.0


def _pct(share: float) -> str:
    return f"{round(100 * share)}%"


def content_score(field: Field, p: _Profile, header: str = "") -> tuple[float | None, str]:
    """How well a column's values fit a field, 0-1, and why; None when the values rule the field out."""
    if not p.count:
        return 0.5, "no values to check"
    repeat = 1 - p.distinct if p.count >= 5 else 0.5
    not_typed = 1 - max(p.date, p.number)
    if field.kind == "date":
        if p.date < 0.5:
            return None, f"only {_pct(p.date)} of values are dates, so it cannot be a date field"
        if p.serial > 0.5:
            return 0.7 * p.date, f"{_pct(p.date)} of values are numbers that read as Excel dates"
        return p.date, f"{_pct(p.date)} of values are dates"
    if field.kind == "number":
        if p.number < 0.5:
            return None, f"only {_pct(p.number)} of values are numbers, so it cannot be a number field"
        return p.number, f"{_pct(p.number)} of values are numbers"
    if field.kind == "answer":
        return p.answer, f"{_pct(p.answer)} of values are answers (Yes/No, Met/Not met, %)"
    if field.kind == "flag":
        return p.flag, f"{_pct(p.flag)} of values are yes/no"
    if field.kind == "rating":
        try:
            distinct = list(dict.fromkeys(p.values))
        except TypeError:
            distinct = list(p.values)
        scale = detect_rating_scale(distinct, header)
        share = _share(p.values, lambda v: parse_rating(v, scale))
        return share, f"{_pct(share)} of values are ratings"
    if field.kind == "audit_kind":
        share = _share(p.values, lambda v: parse_audit_kind(v, header))
        return share, f"{_pct(share)} of values say scheduled or spot check"
    if field.kind == "prose":
        fit = (0.45 * p.long + 0.35 * p.distinct + 0.2 * min(1.0, p.words / 10)) * not_typed
        return fit, (f"free text: {_pct(p.long)} of values are long, {_pct(p.distinct)} distinct, "
                     f"{p.words:.1f} words on average")
    if field.name in _ID_FIELDS:
        fit = p.short * (1 - p.date) * (0.6 + 0.4 * p.digits)
        return fit, f"identifiers: {_pct(p.short)} short, {_pct(p.digits)} with a digit"
    if field.name in _STATEMENT_FIELDS:
        fit = p.text * (1 - 0.8 * p.answer) * (0.6 + 0.4 * min(1.0, p.words / 4))
        return fit, (f"statements: {_pct(p.text)} text, {p.words:.1f} words on average, "
                     f"{_pct(p.answer)} read as answers")
    # A column of Yes/No/Met is answers (a question of a wide form), not names or codes.
    answers = f", but {_pct(p.worded_answers)} are answers" if p.worded_answers >= 0.5 else ""
    if field.name in _LABEL_FIELDS:
        fit = p.short * not_typed * (1 - 0.8 * p.worded_answers)
        return fit, f"names: {_pct(p.short)} short text{answers}"
    fit = (1 - p.long) * not_typed * (0.6 + 0.4 * repeat) * (1 - 0.8 * p.worded_answers)
    return fit, f"codes: {_pct(1 - p.long)} short, {_pct(1 - p.distinct)} repeated{answers}"


@dataclass(frozen=True)
class _Candidate:
    field: str
    score: float
    name: float  # the header words' score
    fit: float | None  # the content's score; None with no values to check
    reason: str


def _candidates(headers: list[str], samples: dict[str, list[object]], source: Source) -> dict[str, list[_Candidate]]:
    found: dict[str, list[_Candidate]] = {}
    for header in headers:
        p = profile(list(samples.get(header, [])))
        candidates = []
        for field in source.fields:
            name, synonym = _best_name(header, source, field)
            if name < NAME_MIN:
                continue
            fit, why = content_score(field, p, header)
            if fit is None:
                continue
            words = f"header is {synonym!r}" if name == 1.0 else f"header words match {synonym!r} ({name:.2f})"
            score = round(float(NAME_WEIGHT * name + (1 - NAME_WEIGHT) * fit), 3)
            candidates.append(_Candidate(field.name, score, name, fit if p.count else None, f"{words}; {why}"))
        found[header] = sorted(candidates, key=lambda c: -c.score)
    return found


def score_headers(headers: list[str], samples: dict[str, list[object]],
                  source: Source) -> dict[str, list[tuple[str, float, str]]]:
    """For each column, the fields it could be, best first: (field, score 0-1, reason).

    A field is a candidate when the header's words say one of its synonyms (name score >= NAME_MIN) and the
    column's values do not rule it out; the score weighs words NAME_WEIGHT and content the rest."""
    return {header: [(c.field, c.score, c.reason) for c in candidates]
            for header, candidates in _candidates(headers, samples, source).items()}


def ruled_out(headers: list[str], samples: dict[str, list[object]], source: Source) -> dict[str, list[str]]:
    """Fields a column's header names but its values rule out, with the reason ("Date" over text)."""
    out: dict[str, list[str]] = {}
    for header in headers:
        p = profile(list(samples.get(header, [])))
        for field in source.fields:
            name, _ = _best_name(header, source, field)
            if name >= NAME_MIN:
                fit, why = content_score(field, p, header)
                if fit is None:
                    out.setdefault(header, []).append(f"{field.name}: {why}")
    return out


@dataclass(frozen=True)
class Match:
    """One field's column in the best mapping, with how sure it is and why."""

    field: str
    column: str
    score: float
    certainty: str  # sure | likely | unsure
    reason: str


def import_solver() -> None:
    """Import what `best_mapping` solves with (a fifth of a second in a fresh process): ingest starts this beside
    reading a file, so the import overlaps the reading instead of following it."""
    import scipy.optimize  # noqa: F401


def best_mapping(headers: list[str], samples: dict[str, list[object]], source: Source,
                 threshold: float = MAP_THRESHOLD) -> dict[str, Match]:
    """field -> Match, in the source's field order: each column to at most one field and each field to at most
    one column, maximising the total score; pairs scoring below `threshold` are left out.

    Certainty: 'sure' when the score is at least SURE, the header words score at least SURE_NAME, the values
    fit at least SURE_FIT and no rival (for the column or the field) is within SURE_MARGIN; 'likely' when the
    score is at least LIKELY and the values fit at least LIKELY_FIT (or there are none to check); else 'unsure'."""
    candidates = _candidates(headers, samples, source)
    fields = [f.name for f in source.fields]
    matrix = np.zeros((len(headers), len(fields)))
    chosen_from: dict[tuple[int, int], _Candidate] = {}
    for row, header in enumerate(headers):
        for candidate in candidates.get(header, []):
            if candidate.score >= threshold:
                col = fields.index(candidate.field)
                # A hair less for later columns, so ties go to the leftmost column.
                matrix[row, col] = candidate.score - 1e-6 * row
                chosen_from[row, col] = candidate
    if not matrix.size:
        return {}
    from scipy.optimize import linear_sum_assignment  # imported when a sheet is read, not with the pages

    rows, cols = linear_sum_assignment(matrix, maximize=True)
    chosen = {}
    for row, col in zip(rows, cols):
        if matrix[row, col] <= 0:
            continue
        candidate = chosen_from[row, col]
        rival = float(max(np.delete(matrix[row], col).max(initial=0), np.delete(matrix[:, col], row).max(initial=0)))
        fit = candidate.fit
        if (candidate.score >= SURE and candidate.name >= SURE_NAME and fit is not None and fit >= SURE_FIT
                and candidate.score - rival >= SURE_MARGIN):
            certainty = "sure"
        elif candidate.score >= LIKELY and (fit is None or fit >= LIKELY_FIT):
            certainty = "likely"
        else:
            certainty = "unsure"
        reason = candidate.reason
        if rival > 0 and certainty != "sure":
            reason += f"; another pairing scores {rival:.2f}"
        chosen[candidate.field] = Match(candidate.field, headers[row], candidate.score, certainty, reason)
    return {name: chosen[name] for name in fields if name in chosen}
