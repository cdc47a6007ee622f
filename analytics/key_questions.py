"""Which CQC key question and quality statement an audit type, category or theme belongs to.

The mapping is the `key_questions` setting: an editable list of rules, each naming a key question,
a quality statement and the words that place a text under it, so a change to CQC's framework is a
settings change, not a code change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

KEY_QUESTIONS = ("Safe", "Effective", "Caring", "Responsive", "Well-led")


def classify(text: str | None, rules: Iterable[Mapping[str, object]]) -> tuple[str, str] | None:
    """(key question, quality statement) of the first rule with a word found in `text`, else None."""
    if not text:
        return None
    lowered = f" {_words(text)} "
    for rule in rules:
        for match in rule["matches"]:
            if f" {_words(str(match))} " in lowered:
                return str(rule["key_question"]), str(rule["quality_statement"])
    return None


def key_questions(rules: Iterable[Mapping[str, object]]) -> list[str]:
    """The key questions the rules name, in the settings' order."""
    return list(dict.fromkeys(str(rule["key_question"]) for rule in rules))


@lru_cache(maxsize=4096)
def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))
