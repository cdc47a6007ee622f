"""The words of free text as themes see them: what says nothing, stop words, sentences, terms and written forms.

Complaint summaries and feedback comments are lower-cased with their spacing tidied; an answer that says nothing
("Did not answer", "Nothing.", "N/A") is no text at all. A sentence's content words leave out English and
care-specific stop words and fold plurals; its terms are those words and the two-word phrases they make.
"""

from __future__ import annotations

import ast
import importlib.util
import itertools
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

# Words that say who wrote or about whom, how a complaint log phrases things, or nothing about the subject.
CARE_STOP_WORDS = frozenset("""
    mum dad mother father husband wife son daughter niece nephew aunt uncle nan nana grandad grandma grandmother
    grandfather granddaughter grandson law partner sister brother family relative relatives resident residents
    client clients person advocate caller anonymous carer carers
    reports reported states stated complained complaint complaints raised concern concerns unhappy requested
    apology written copied authority second
    monday tuesday wednesday thursday friday saturday sunday day days week weeks month months today yesterday
    thank thanks thankyou please really just also got get like thing things lot lots bit way
    know let feel did make came come going went ask asked left keep work home
    didn don doesn isn wasn weren couldn wouldn ve ll
    mr mrs ms mx
""".split())
# scikit-learn's English list holds words that are themes in care ("call", "fire", "bill", "full visit").
CARE_WORDS = frozenset("call fire bill full empty side system move serious found find detail describe interest part"
                       .split())


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """scikit-learn's English stop words less CARE_WORDS, with CARE_STOP_WORDS."""
    return frozenset((_english_stop_words() - CARE_WORDS) | CARE_STOP_WORDS)


def _english_stop_words() -> frozenset[str]:
    """scikit-learn's English stop words, read from its source rather than imported: importing any part of
    scikit-learn imports most of it and scipy (one to two seconds), which a page's first start, or texts assigned to a
    kept model, would pay for a list of words."""
    spec = importlib.util.find_spec("sklearn")
    source = Path(spec.origin).with_name("feature_extraction") / "_stop_words.py" if spec and spec.origin else None
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
        found = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                     and any(getattr(target, "id", None) == "ENGLISH_STOP_WORDS" for target in node.targets))
        return frozenset(ast.literal_eval(found.args[0]))
    except (AttributeError, OSError, StopIteration, SyntaxError, ValueError, IndexError):
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # laid out otherwise: imported after all

        return frozenset(ENGLISH_STOP_WORDS)
# Whole answers that say nothing ("Did not answer", "Nothing.", "N/A"), after lower-casing and dropping punctuation.
NON_INFORMATIVE = re.compile(
    r"(did not answer|not answered|no answer|no comments?|none|nothing( at all| really| else| to add)?|not a thing"
    r"|n ?a|nil|no|nope|test|don ?t know|dont know|not sure|can ?t think of anything|not applicable|no thanks?)")
MIN_SENTENCE_WORDS = 2   # a sentence with fewer content words ("Thank you.", "Very disappointed.") defines no theme
WORD = re.compile(r"[a-z][a-z]+")
SENTENCE_END = re.compile(r"[.!?;:\n]+")


def is_informative(text: object) -> bool:
    """False for an empty answer or one that says nothing ("Did not answer", "Nothing", "N/A", "None")."""
    return text_key(text) is not None


def text_keys(texts: pd.Series) -> pd.Series:
    """`text_key` of each text, worked out once per distinct text."""
    codes, uniques = pd.factorize(texts)
    keyed = np.array([None, *map(text_key, uniques)], dtype=object)
    return pd.Series(keyed[codes + 1], index=texts.index, dtype=object)


def text_key(text: object) -> str | None:
    """The text lower-cased with its spacing tidied, or None when it says nothing."""
    if not isinstance(text, str):
        return None
    lowered = " ".join(text.lower().replace("\u2019", "'").split())
    words = " ".join(re.findall(r"[a-z0-9]+", lowered.replace("'", "")))
    return lowered if words and not NON_INFORMATIVE.fullmatch(words) else None


def singular(word: str) -> str:
    """A plural folded onto its singular, roughly: calls -> call, activities -> activity, clothes -> clothe."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def content_words(sentence: str) -> list[str]:
    """The content words of a sentence, plurals folded."""
    return [kept for _, kept in content_pairs(sentence)]


def content_pairs(sentence: str) -> list[tuple[str, str]]:
    """The content words of a sentence as written and folded."""
    return [(word, kept) for word in WORD.findall(sentence) if (kept := folded(word))]


@lru_cache(maxsize=200_000)
def folded(word: str) -> str | None:
    """The word with its plural folded, or None for a stop word."""
    folded = singular(word)
    stop = stop_words()
    return None if word in stop or folded in stop else folded


def terms_of(text: str) -> list[str]:
    """The words and two-word phrases of each sentence of a text: what TF-IDF counts."""
    terms: list[str] = []
    for sentence in SENTENCE_END.split(text):
        words = content_words(sentence)
        terms += words + [f"{first} {second}" for first, second in itertools.pairwise(words)]
    return terms


def distinct_sentences(texts: pd.Index) -> pd.Index:
    """One sentence per distinct set of content words, leaving out those too short to say what they are about."""
    sentences = pd.Series([s.strip() for text in texts for s in SENTENCE_END.split(text)])
    content = sentences.map(lambda sentence: " ".join(content_words(sentence)))
    long_enough = (content != "") & (content.str.count(" ") >= MIN_SENTENCE_WORDS - 1)
    return pd.Index(sentences[long_enough].groupby(content[long_enough]).first().to_numpy())


def surface_forms(sentences: pd.Index) -> dict[str, str]:
    """The commonest written form of each term, so a label reads "late calls" where people wrote that."""
    seen: dict[str, Counter] = {}
    for sentence in sentences:
        words = content_pairs(sentence)
        for (word, folded), (next_word, next_folded) in itertools.pairwise(words):
            seen.setdefault(f"{folded} {next_folded}", Counter())[f"{word} {next_word}"] += 1
        for word, folded in words:
            seen.setdefault(folded, Counter())[word] += 1
    return {term: forms.most_common(1)[0][0] for term, forms in seen.items()}
