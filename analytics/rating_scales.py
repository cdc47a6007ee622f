"""Which rating scale a column uses, which end of it is best, and how sure we are. (What a header says is read by
analytics.rating_headers, the comments' sentiment by analytics.comment_sentiment.)

`read_rating_column` looks at a column's values, its header and (when given) the free-text comments on the same
rows, and returns a `RatingReading`: the scale, the direction, a certainty, the evidence in plain English, a
question for the user when it cannot tell, and `score(value)`, which maps one value to 0 (worst) .. 1 (best).

The scales:
- "fft_code": Friends and Family Test codes as NHS exports them: 1 very good ... 5 very poor, 6 don't know.
- "fft": the current FFT words, Very good / Good / Neither good nor poor / Poor / Very poor / Don't know.
- "fft_legacy": the old FFT words, Extremely likely ... Extremely unlikely / Don't know.
- "gp_survey": the GP Patient Survey words, Very good / Fairly good / Neither good nor poor / Fairly poor /
  Very poor / Don't know.
- "1-5" and "0-10": numbers, also written "4 out of 5", "7/10" or as stars.

Numbers 1-5 (or 1-6) under a plain header such as "Rating" or "Score" are the hard case: FFT codes put the best
answer at 1, a local 1-5 scale usually at 5. The header decides when it says so ("FFT", "friends and family",
"1 = very good", "(1 best)", "5 = excellent"); otherwise the comments do: people write kinder comments next to
better ratings, so the Spearman correlation between the number and the comments' sentiment (VADER) shows which end
is best. A value off the scale (7 as an FFT code, 6 on a 1-5 question, 11 on 0-10) is refused with its reason,
never clipped.

How each value reads (a word, a number, "4 out of 5", stars) is `analytics.rating_values`; whether a column of a
wide layout holds answers to a rating question at all is `analytics.answer_columns`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from analytics.values import FFT_CODES, Unreadable, is_blank

from .comment_sentiment import comment_sentiment, spearman
from .rating_headers import HIGHER, LOWER, HeaderCues, read_header
from .rating_values import (
    CURRENT_WORDS,
    DESCRIBED,
    GP_SURVEY,
    LEGACY_WORDS,
    SHARED_GOOD_WORDS,
    WORD_SCALES,
    Column,
    counted,
    list_values,
    number_label,
    number_on,
    read_values,
    shown,
    token_of,
    word_score,
)

SCALES = ("fft_code", "fft", "fft_legacy", "gp_survey", "1-5", "0-10")
SURE, LIKELY, UNSURE = "sure", "likely", "unsure"

# How clear the comments must be before they decide which end of a scale is best.
MIN_COMMENT_ROWS = 20
MIN_RHO = 0.2
MAX_P = 0.01
# Comments scored when checking a column's direction; a larger column is sampled evenly.
MAX_COMMENTS_SCORED = 5000
# A value beyond 6 counts as part of a 0-10 scale (rather than a stray code) when its values make up this share.
_SIGNIFICANT_SHARE = 0.05

@dataclass(frozen=True)
class RatingReading:
    """How a rating column is read.

    `direction` says which end of the numbers is best ("higher_is_better" / "lower_is_better"); for the word scales
    it is "higher_is_better" in the sense that the score rises with the word. `evidence` is a short list of
    plain-English sentences; `question` is set when `certainty` is "unsure". `correlation` is (rho, p, n) of the
    check against the comments' sentiment when one was made."""

    scale: str | None
    direction: str
    certainty: str
    evidence: tuple[str, ...]
    question: str | None = None
    correlation: tuple[float, float, int] | None = field(default=None, compare=False)
    refusal: str | None = field(default=None, repr=False)

    def score(self, value: object) -> float | None:
        """0 (worst) .. 1 (best); None for don't know; raises Unreadable, saying why, for a value off the scale."""
        if is_blank(value):
            return None
        if self.scale is None:
            why = self.refusal or "the column holds no answers"
            raise Unreadable(f"'{shown(value)}' is not read as a rating: {why}")
        token = token_of(value)
        if token.kind == "dont_know":
            return None
        if self.scale in WORD_SCALES:
            return word_score(value, token, self.scale)
        if self.scale == "fft_code":
            if token.kind == "word" and token.word in CURRENT_WORDS:
                return CURRENT_WORDS[token.word]
            if token.kind != "number":
                raise Unreadable(f"'{shown(value)}' is not a Friends and Family Test code: expected 1 very good ... "
                                 "5 very poor, or 6 don't know")
            number = token.number
            if number not in FFT_CODES:
                raise Unreadable(f"{number:g} is not on the Friends and Family Test scale (codes 1 very good ... "
                                 "5 very poor, 6 don't know)")
            score = FFT_CODES[int(number)]
            return score if self.direction == LOWER or score is None else 1 - score
        number = number_on(value, token, self.scale)
        low, high = (1.0, 5.0) if self.scale == "1-5" else (0.0, 10.0)
        if not low <= number <= high:
            raise Unreadable(f"{number:g} is outside the {self.scale} scale, so it is refused rather than read as "
                             f"{low:g} or {high:g}")
        fraction = (number - low) / (high - low)
        return fraction if self.direction == HIGHER else 1 - fraction


# --- sentiment of comments ---------------------------------------------------------------------------

def _comment_check(column: Column, comments: Sequence[str | None] | None,
                   numbers: dict[object, float]) -> tuple[float, float, int] | None | str:
    """(rho, p, n) between each row's number and its comment's sentiment, or a sentence saying why not."""
    if comments is None:
        return None
    if column.row_values is None:
        raise ValueError("comments can only be compared with the column itself (one value per row), not with "
                         "distinct values and counts")
    if len(comments) != len(column.row_values):
        raise ValueError(f"{len(comments)} comments for {len(column.row_values)} rows; give one comment per row")
    lookup = np.array([numbers.get(v, np.nan) for v in column.distinct] + [np.nan], dtype=float)
    row_numbers = lookup[column.row_values]
    rows = [i for i in np.flatnonzero(~np.isnan(row_numbers))
            if isinstance(comments[i], str) and not is_blank(comments[i])]
    if len(rows) > MAX_COMMENTS_SCORED:
        rows = [rows[int(i)] for i in np.linspace(0, len(rows) - 1, MAX_COMMENTS_SCORED)]
    pairs = [(row_numbers[i], s) for i in rows if (s := comment_sentiment(str(comments[i]))) != 0]
    if len(pairs) < MIN_COMMENT_ROWS:
        return (f"only {len(pairs)} rows have both a rating and a comment that shows a feeling; "
                f"{MIN_COMMENT_ROWS} are needed to check which end of the scale is best")
    x, y = np.array(pairs).T
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return "every rating (or every comment's sentiment) is the same, so the comments cannot show which end is best"
    rho, p = spearman(x, y)
    return rho, p, len(pairs)


def _correlation_sentence(rho: float, p: float, n: int) -> str:
    p_text = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
    return f"Spearman rho = {rho:+.2f} between the number and the comment's sentiment, n = {counted(n)} rows, {p_text}"


def _clear(check: tuple[float, float, int]) -> bool:
    rho, p, n = check
    return n >= MIN_COMMENT_ROWS and abs(rho) >= MIN_RHO and p < MAX_P


# --- reading a column --------------------------------------------------------------------------------

def read_rating_column(values: object, header: str,
                       comments: Sequence[str | None] | None = None) -> RatingReading:
    """How to read a rating column: its scale, which end is best, how sure, why, and what to ask when unsure.

    `values` is the column itself (a list, array or Series, one value per row) or its distinct values with counts
    (a mapping, or a list of (value, count) pairs). `comments`, one per row of the column, lets the comments'
    sentiment say which end of a numeric scale is best."""
    column = read_values(values)
    cues = read_header(header)
    answers = column.total() - column.total("dont_know")
    if answers == 0:
        return _refused(column, "there are no rated answers" if column.counts else "the column is empty")
    words, numeric = column.total("word"), column.total() - column.total("word") - column.total("other") - \
        column.total("dont_know")
    other = column.total("other")
    if other > 0.5 * answers:
        strange = sorted(((v, c) for v, c in column.counts.items() if column.tokens[v].kind == "other"),
                         key=lambda vc: -vc[1])
        return _refused(column, f"{counted(other)} of {counted(answers)} values, such as {list_values(strange, 3)}, "
                                "are not answers on a rating scale")
    if words >= numeric:
        return _read_words(column, cues, header)
    return _read_numbers(column, cues, header, comments)


def _refused(column: Column, why: str) -> RatingReading:
    return RatingReading(scale=None, direction=HIGHER, certainty=SURE, evidence=(why,), refusal=why)


def _read_words(column: Column, cues: HeaderCues, header: str) -> RatingReading:
    seen = Counter({column.tokens[v].word: c for v, c in column.counts.items() if column.tokens[v].kind == "word"})
    legacy = sum(c for w, c in seen.items() if w in LEGACY_WORDS)
    gp_only = sum(c for w, c in seen.items() if w in GP_SURVEY and w not in CURRENT_WORDS)
    current_only = sum(c for w, c in seen.items() if w in CURRENT_WORDS and w not in GP_SURVEY)
    shared = sum(c for w, c in seen.items() if w in SHARED_GOOD_WORDS)
    evidence = []
    if legacy > gp_only + current_only + shared:
        scale = "fft_legacy"
        rule = "words of the former Friends and Family Test (Extremely likely ... Extremely unlikely)"
    elif gp_only > current_only or (gp_only == current_only == 0 and cues.gp):
        scale = "gp_survey"
        rule = ("GP Patient Survey words (Fairly good / Fairly poor)" if gp_only else
                "Very good / Very poor under a header naming a GP practice: the GP Patient Survey scale")
    else:
        scale = "fft"
        rule = ("Friends and Family Test words (Good / Poor)" if current_only else
                "only Very good / Neither good nor poor / Very poor, which the FFT and the GP Patient Survey share "
                "and score alike: read as the FFT scale")
    listed = sorted(((v, c) for v, c in column.counts.items() if column.tokens[v].kind in ("word", "dont_know")),
                    key=lambda vc: -vc[1])
    evidence.append(f"answers in words: {list_values(listed)}; {rule}; scored on {DESCRIBED[scale]}")
    off = [(v, c) for v, c in column.counts.items() if column.tokens[v].kind != "dont_know"
           and not (column.tokens[v].kind == "word" and column.tokens[v].word in WORD_SCALES[scale])]
    if off:
        evidence.append(f"{counted(sum(c for _, c in off))} answers are not on that scale and are refused: "
                        f"{list_values(off, 4)}")
    return RatingReading(scale=scale, direction=HIGHER, certainty=SURE, evidence=tuple(evidence))


def _read_numbers(column: Column, cues: HeaderCues, header: str,
                  comments: Sequence[str | None] | None) -> RatingReading:
    tokens = column.tokens
    numbers = Counter()
    for value, count in column.counts.items():
        if tokens[value].kind in ("number", "out_of", "stars"):
            numbers[tokens[value].number] += count
    total = sum(numbers.values())
    seen = sorted(numbers.items())
    evidence = [f"values {list_values([(number_label(v), c) for v, c in seen], 11)}: {counted(total)} numeric answers"]

    # Values that cannot be answers on any scale.
    whole = {v for v in numbers if float(v * 2).is_integer()}  # halves too: 4.5 stars
    fractions = total - sum(numbers[v] for v in whole)
    if fractions and numbers and max(numbers) <= 1:
        return _refused(column, evidence[0] + "; fractions between 0 and 1 are scores or proportions, not answers")
    if fractions > 0.2 * total:
        return _refused(column, evidence[0] + "; many have decimals (such as "
                        f"{number_label(next(v for v in numbers if v not in whole))}): averages or measures, "
                        "not answers")
    beyond = sum(c for v, c in numbers.items() if v > 10 or v < 0)
    if beyond > 0.1 * total:
        return _refused(column, evidence[0] + f"; {counted(beyond)} lie outside 0-10, so these are counts, percentages "
                        "or other measures, not answers on a rating scale")
    if set(numbers) == {0.0, 1.0}:
        return _refused(column, evidence[0] + "; only 0 and 1: a yes/no flag (such as a theme label), not a rating")

    forms = Counter()
    for value, count in column.counts.items():
        kind = tokens[value].kind
        if kind == "out_of":
            forms["0-10" if tokens[value].top == 10 else "1-5"] += count
        elif kind == "stars":
            forms["1-5"] += count

    # Which range: from the values' own form, the header, or the values themselves.
    high = {v: c for v, c in numbers.items() if 7 <= v <= 10}
    zero = numbers.get(0.0, 0)
    ten_like = (zero + sum(high.values()) >= _SIGNIFICANT_SHARE * total) or len(high) + (zero > 0) >= 2
    by_values = "0-10" if ten_like else "1-6"
    certainty = SURE
    question = None
    if forms:
        scale = forms.most_common(1)[0][0]
        evidence.append(f"answers written as {'n/10 or n out of 10' if scale == '0-10' else 'n out of 5 or stars'}: "
                        f"{DESCRIBED[scale]}, higher is better")
        stated, stated_why = HIGHER, "the values are written out of the scale's top"
    elif cues.fft:
        scale, stated, stated_why = "fft_code", cues.direction, cues.why
        evidence.append(f"the header '{shown(header)}' names the Friends and Family Test: FFT codes, 1 = very good")
    elif cues.stated_range:
        scale = cues.stated_range
        stated, stated_why = cues.direction, cues.why
        evidence.append(f"the header '{shown(header)}' names the {scale} scale")
    elif by_values == "0-10":
        scale, stated, stated_why = "0-10", cues.direction, cues.why
        evidence.append("values beyond 6 (or 0) are common: the 0-10 scale")
    else:
        scale, stated, stated_why = None, cues.direction, cues.why  # 1-5 or FFT codes: decided below
    said = f"the header says '{stated_why}': {_direction_words(stated)}" if stated_why and not forms else None

    # Whether the header's (or values') scale fits the values: most answers must lie on it.
    candidate = scale or ("fft_code" if stated == LOWER else "1-5")
    on_scale = sum(c for v, c in numbers.items() if _on(candidate, v))
    if scale is not None and total - on_scale > max(0.1 * total, 2) and not forms:
        evidence.append(f"but only {counted(on_scale)} of {counted(total)} answers lie on {DESCRIBED[candidate]}")
        certainty = UNSURE
        scale = "0-10" if ten_like else None
        stated = None
        question = (f"The header '{shown(header)}' suggests {DESCRIBED[candidate]}, but most values do not fit it: "
                    "which scale do these answers use?")
        said = None
    if said:
        evidence.append(said)

    # What the comments say.
    check_numbers = {v: tokens[v].number for v in column.counts if tokens[v].kind in ("number", "out_of", "stars")
                     and _on("1-5" if scale in (None, "fft_code") else scale, tokens[v].number)}
    check = _comment_check(column, comments, check_numbers)
    from_comments = None
    correlation = None
    if isinstance(check, str):
        evidence.append(check)
    elif check is not None:
        correlation = check
        sentence = _correlation_sentence(*check)
        if _clear(check):
            from_comments = HIGHER if check[0] > 0 else LOWER
            evidence.append(f"comments are more positive where the number is "
                            f"{'higher' if from_comments == HIGHER else 'lower'} ({sentence})")
        else:
            evidence.append(f"the comments do not show which end is best ({sentence}; needs |rho| >= {MIN_RHO} "
                            f"and p < {MAX_P})")

    direction = stated
    if stated and from_comments:
        if from_comments == stated:
            evidence.append("the comments agree with the header")
        else:
            certainty = UNSURE
            question = (f"The {'header says' if not forms else 'values say'} {_direction_words(stated)}, but the "
                        f"comments are kinder where the number is {'higher' if from_comments == HIGHER else 'lower'}"
                        f" (rho = {check[0]:+.2f}, n = {counted(check[2])}): is the "
                        f"{'lowest' if stated == HIGHER else 'highest'} number the best answer, not the worst?")
    elif from_comments:
        direction = from_comments
        certainty = LIKELY if certainty != UNSURE else UNSURE
    elif not stated:
        if scale == "0-10":
            direction = HIGHER
            certainty = LIKELY if certainty != UNSURE else UNSURE
            evidence.append("no label says which end is best; 0-10 scales put the best at 10")
        else:
            certainty = UNSURE
    if scale is None:
        # Whole numbers 1-5 (or 1-6) with no range named: FFT codes if 1 is best, a 1-5 scale if 5 is.
        has_six = numbers.get(6.0, 0) > 0
        if direction is None:
            direction = LOWER if has_six else HIGHER
            guess = ("FFT codes (6 = don't know)" if has_six else "a 1-5 scale, 5 best")
            evidence.append(f"no label says which end is best; guessed {guess}")
            if question is None:
                question = (f"Ratings 1-6 under '{shown(header)}' with no label: are these Friends and Family "
                            "Test codes (1 = very good, 5 = very poor, 6 = don't know), or is a higher number "
                            "better?" if has_six else
                            f"Ratings 1-5 under '{shown(header)}' with no label: is 5 the best or the worst?")
        scale = "fft_code" if direction == LOWER else "1-5"
        if from_comments and not stated:
            evidence.append("1 is best: read as FFT codes (1 very good ... 5 very poor, 6 don't know)"
                            if scale == "fft_code" else "5 is best: read as a 1-5 scale")
    if direction is None:
        direction = LOWER if scale == "fft_code" else HIGHER
    if certainty == UNSURE and question is None:
        top = "10" if scale == "0-10" else "5"
        question = (f"Ratings {'0-10' if scale == '0-10' else '1-5'} under '{shown(header)}' with no label: is {top}"
                    " the best or the worst?")
    off = [(number_label(v), c) for v, c in seen if not _on(scale, v)]
    if off:
        evidence.append(f"{counted(sum(c for _, c in off))} answers are not on {DESCRIBED[scale]} and are refused, not "
                        f"guessed: {list_values(off, 4)}")
    return RatingReading(scale=scale, direction=direction, certainty=certainty, evidence=tuple(evidence),
                         question=question if certainty == UNSURE else None, correlation=correlation)


def _on(scale: str, number: float) -> bool:
    if scale == "fft_code":
        return number in FFT_CODES
    if scale == "1-5":
        return 1 <= number <= 5
    if scale == "1-6":
        return 1 <= number <= 6
    return 0 <= number <= 10


def _direction_words(direction: str | None) -> str:
    return "a lower number is better" if direction == LOWER else "a higher number is better"
