"""Whether a column of a wide layout holds the answers to a rating question (`is_answer_column`): its header reads as
a question or a rating, and almost every value lies on a scale `analytics.rating_scales` knows."""

from __future__ import annotations

import re

from analytics.values import Unreadable, clean_text

from .rating_scales import read_rating_column
from .rating_values import DESCRIBED, counted, read_values, shown

_NOT_ANSWERS = re.compile(
    r"\b(score|scores|scoring|id|ids|identifier|ref|reference|index|idx|sentiment|polarity|count|counts|total|"
    r"totals|sum|percentage|percent|pct|number|num|no\.|uuid|guid|age|ages|year|years|average|avg|mean|"
    r"weight|height)(?=\W|$)|%|#")
_QUESTION = re.compile(
    r"\?\s*$|^\s*(?:q\s*\d+|question\s*\d+)\b|^\s*(?:how|what|would|did|do|does|were|was|are|is|have|has|overall|"
    r"please|on a scale|to what extent|rate|thinking about)\b|\b(?:rating|rated|rate|satisf\w*|experience|"
    r"recommend|agree|fft|friends\s*(?:and|&)\s*family|stars?|out of \d+)\b")


def is_answer_column(header: str, values: object, confirmed: bool = False,
                     reads_as_question: bool = False) -> tuple[bool, str]:
    """Whether a wide layout's column holds answers to a rating question, and why (or why not).

    True only when the header reads as a question or a rating, and almost every value lies on a known scale.
    A header naming a score, id, index, sentiment, count, total, percentage, number, uuid or age, and a column of
    0/1 flags, is refused unless `confirmed` (the user said it is a question). `reads_as_question`: the caller has
    already judged the header a question (a statement such as "Staff are kind and caring" on a Likert grid)."""
    head = clean_text(header or "").lower()
    named = _NOT_ANSWERS.search(head)
    if named and not confirmed:
        word = named.group(0).strip()
        return False, (f"the header '{shown(header)}' names '{word}': a measure or a label, not the answers to a "
                       "question (confirm it to read it as a question)")
    column = read_values(values)
    if not column.counts:
        return False, "the column is empty"
    numbers = {column.tokens[v].number for v in column.counts if column.tokens[v].kind == "number"}
    if numbers and numbers <= {0.0, 1.0} and all(column.tokens[v].kind == "number" for v in column.counts) \
            and not confirmed:
        return False, ("the values are only 0 and 1 (or 1 and blanks): a flag such as a theme label, not a rating "
                       "answer")
    reading = read_rating_column(column.counts, header)
    if reading.scale is None:
        return False, reading.refusal or "the values are not answers on a rating scale"
    answers = sum(c for v, c in column.counts.items() if column.tokens[v].kind != "dont_know")
    fitting = 0
    for value, count in column.counts.items():
        if column.tokens[value].kind == "dont_know":
            continue
        try:
            reading.score(value)
        except Unreadable:
            continue
        fitting += count
    if fitting < 0.95 * answers:
        return False, (f"only {counted(fitting)} of {counted(answers)} values lie on {DESCRIBED[reading.scale]}, "
                       "so they do not look like answers")
    if not (_QUESTION.search(head) or confirmed or reads_as_question):
        return False, (f"the values fit {DESCRIBED[reading.scale]}, but the header '{shown(header)}' does not read "
                       "as a question or a rating")
    return True, (f"the header reads as a question or a rating and the values fit {DESCRIBED[reading.scale]}"
                  + (" (confirmed by the user)" if confirmed else ""))
