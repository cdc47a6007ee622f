"""The theme model: what complaint summaries and feedback comments are about, praise kept apart from problems.

Subjects are found by TF-IDF over words and two-word phrases (`theme_text`) factorised by NMF, fitted on distinct
sentences, so a stock phrase repeated a thousand times does not become a subject of its own. Each text belongs to
the subject whose term profile it shares most. A subject is then split by how the text feels: praise where the
comment's words read as positive (VADER's compound score) and its rating, where it has one, is not poor; otherwise a
problem, as most problems are written in plain words ("The bathroom had not been cleaned."), and a complaint
always is. Praise too scarce to stand joins the subject's problems.

Each theme is named by a short phrase people wrote (the commonest run of words holding its top terms, "call was
an hour late"), after the provider's own complaint category where most of its complaints were filed under one
("Call times: call was an hour late"). Praise is named "Praise: ...".

The store's texts are fitted and kept by analytics.theme_store; this module is the model itself, and how it is kept
(`model_blob`).
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from .privacy import mask_series, strip_placeholders
from .theme_text import (
    SENTENCE_END,
    WORD,
    distinct_sentences,
    folded,
    surface_forms,
    terms_of,
    text_keys,
)

FIT_SAMPLE = 20_000      # distinct texts the model is fitted on; texts beyond them are only assigned
NMF_LOSS = "frobenius"
MIN_TEXTS_PER_THEME = 5  # fewer themes than asked when there are few distinct sentences
FEW_SENTENCES = 30
MIN_SIDE_SHARE = 0.1     # praise (or problems) below this share of a subject's texts joins the other side
CATEGORY_NAMES = 0.5     # a theme is named after a complaint category holding at least this share of its complaints
PHRASE_WORDS = (2, 5)    # a name's phrase: two to five words as written
POSITIVE, NEGATIVE = 0.05, -0.05  # VADER's usual cut-offs for a positive or negative text
PRAISE_RATING = 0.5      # positive words rated below this (poor, very poor) are not praise
PRAISE = "Praise: "
# Waiting and time, in any care setting: the terms that make a subject the one about it, and the words that put a
# text there whichever subject it otherwise shares most words with.
TIME_TERMS = frozenset({"wait", "waiting", "waited", "time", "late", "delay", "delayed", "hour", "minute", "quick",
                        "quicker", "sooner", "long"})
TIME_TEXT = (r"\b(?:wait\w*|late|lateness|delay\w*|hours?|minutes?|quicker|sooner|faster|on time|took ages"
             r"|long time)\b")
_VADER = SentimentIntensityAnalyzer()
# "What could we do better?" is often answered "Nothing, the carers were lovely": VADER reads the leading "nothing"
# as negating the praise after it ("nothing excellent"), so such an answer is scored without it. Satisfied idioms
# VADER does not know, or reads as negative ("couldn't fault them"), are read as the praise they are.
NOTHING_FIRST = re.compile(r"^\W*(?:(?:absolutely|honestly|really|genuinely)\s+)?(?:nothing|not a thing|none|no)"
                           r"(?:\s+(?:at all|really|whatsoever|else|more))?(?:\s*[.,!;:\-]+|\s+(?!good|nice|positive))",
                           re.IGNORECASE)
SATISFIED = re.compile(r"\b(?:could(?:n'?t| not) (?:have )?(?:been|be|do anything|have done anything) better"
                       r"|(?:can'?t|cannot|could(?:n'?t| not)) (?:fault|complain)|no complaints|nothing to improve"
                       r"|second to none|spot on|first class|1st class|top notch)\b", re.IGNORECASE)


@dataclass(frozen=True, eq=False)
class ThemeModel:
    """Themes fitted on texts: names, top terms per theme, each fitted text's theme, and `assign` for new text."""

    labels: tuple[str, ...]
    top_terms: tuple[tuple[str, ...], ...]
    assignment: pd.Series  # theme name per fitted text (None: nothing to theme), on the texts' index
    vocabulary: dict[str, int] | None = None  # the column of each term the subjects know (TF-IDF's vocabulary)
    idf: np.ndarray | None = None  # each term's inverse document frequency, from the fit
    profiles: np.ndarray | None = None  # one unit-length row of term weights per subject
    names: tuple[tuple[str | None, str | None], ...] = ()  # per subject: (problem name, praise name)
    timing: int = -1  # the subject about waiting and time, which every text speaking of time joins (-1: none)

    def assign(self, texts: pd.Series, ratings: pd.Series | None = None,
               complaints: pd.Series | None = None, written: pd.Series | None = None) -> pd.Series:
        """The theme of each text: its subject (the one whose terms it shares most, or the subject about waiting and
        time where the text speaks of time), on the side its feeling puts it (`ratings` 0 to 1 where known,
        `complaints` True for a complaint, the feeling read from `written` where given, as `theme_model` reads it);
        None where it shares no term. A text the model was fitted on gets the theme the fit gave it."""
        if not self.names:
            return pd.Series(None, index=texts.index, dtype=object)
        subjects = self._subjects(text_keys(texts))
        praise = is_praise(written if written is not None else texts, ratings, complaints).to_numpy()
        return self._themes(subjects, praise, texts.index)

    def _themes(self, subjects: np.ndarray, praise: np.ndarray, index: pd.Index) -> pd.Series:
        """Each text's theme from its subject number (-1: none) and whether it is praise."""
        table = np.array([*[n for pair in self.names for n in pair], None, None], dtype=object)
        return pd.Series(table[np.where(subjects >= 0, subjects, len(self.names)) * 2 + praise.astype(int)],
                         index=index, dtype=object)

    def _subjects(self, keys: pd.Series) -> np.ndarray:
        """The subject number of each text, -1 where it has no term the subjects know."""
        distinct = pd.Index(keys.dropna().unique())
        if self.profiles is None or distinct.empty:
            return np.full(len(keys), -1)
        # One product with the subjects' profiles, not NMF's iterative transform, so half a million texts are
        # assigned in seconds.
        scores = self._scores(distinct)
        strongest = np.where(scores.max(axis=1) > 0, scores.argmax(axis=1), -1)
        if self.timing >= 0:
            # "The carer was an hour late", "waited ages for the call bell": time is what such a text is about,
            # whichever other subject's words it uses (carers, calls, the ambulance), so it is not lost among them.
            strongest = np.where((strongest >= 0) & distinct.str.contains(TIME_TEXT), self.timing, strongest)
        return keys.map(pd.Series(strongest, index=distinct)).fillna(-1).astype(int).to_numpy()

    def _scores(self, texts: pd.Index) -> np.ndarray:
        """How much each text shares each subject's terms: its TF-IDF vector (counts of the known terms, sublinear,
        times their idf, unit length, as the fit's TfidfVectorizer makes it) times each profile. Worked out here with
        numpy alone, so assigning texts to a kept model does not import scikit-learn (a second and more)."""
        rows, columns, counts = [], [], []
        for row, text in enumerate(texts):
            found = Counter(self.vocabulary[term] for term in terms_of(text) if term in self.vocabulary)
            for column in sorted(found):
                rows.append(row)
                columns.append(column)
                counts.append(found[column])
        rows_, columns_ = np.array(rows, dtype=np.int64), np.array(columns, dtype=np.int64)
        weights = (np.log(np.array(counts, dtype=np.float64)) + 1.0) * self.idf[columns_]
        norms = np.sqrt(np.bincount(rows_, weights=weights * weights, minlength=len(texts)))
        weights = weights / norms[rows_]
        return np.column_stack([np.bincount(rows_, weights=weights * profile[columns_], minlength=len(texts))
                                for profile in self.profiles]).reshape(len(texts), len(self.profiles))


def sentiment(texts: pd.Series) -> pd.Series:
    """VADER's compound score of each text (-1 very negative to 1 very positive), once per distinct text."""
    codes, uniques = pd.factorize(texts)
    scores = np.array([*(_compound(t) if isinstance(t, str) else 0.0 for t in uniques), 0.0])
    return pd.Series(scores[codes], index=texts.index)


def _compound(text: str) -> float:
    """VADER's compound score of a text, a leading "nothing" (to improve) left out and satisfied idioms as praise."""
    read = SATISFIED.sub("excellent", text.replace("\u2019", "'"))
    return _VADER.polarity_scores(NOTHING_FIRST.sub("", read, count=1) or read)["compound"]


def is_praise(texts: pd.Series, ratings: pd.Series | None = None, complaints: pd.Series | None = None) -> pd.Series:
    """True where a text reads as praise: positive words and no poor rating; never a complaint."""
    score = sentiment(texts)
    rated = (ratings if ratings is not None else pd.Series(np.nan, index=texts.index)).astype(float)
    praise = (score >= POSITIVE) & ~(rated < PRAISE_RATING)
    if complaints is not None:
        praise &= ~complaints.fillna(False).astype(bool)
    return praise


def theme_model(texts: pd.Series, n_themes: int, random_state: int = 0, ratings: pd.Series | None = None,
                complaints: pd.Series | None = None, categories: pd.Series | None = None,
                written: pd.Series | None = None) -> ThemeModel:
    """Fit up to `n_themes` subjects on the distinct sentences of the texts (of a sample of them when many), each
    split into problems and praise. `categories` (a complaint's category, personal data out) and `written` (the
    texts as written, where `texts` has more added to shape the subjects) name the themes; sentiment reads `written`."""
    unfitted = ThemeModel((), (), pd.Series(None, index=texts.index, dtype=object))
    keys = text_keys(texts)
    distinct = pd.Index(keys.dropna().unique())
    if len(distinct) > FIT_SAMPLE:
        distinct = distinct[np.random.default_rng(random_state).choice(len(distinct), FIT_SAMPLE, replace=False)]
    sentences = distinct_sentences(distinct)
    if sentences.empty:
        return unfitted
    # scikit-learn is imported here, when a model is fitted: a second of every page's first start otherwise.
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    # A term must recur, and not be in most sentences, to shape a theme; a handful of sentences keeps every term.
    few = len(sentences) < FEW_SENTENCES
    vectorizer = TfidfVectorizer(analyzer=terms_of, min_df=1 if few else 2, max_df=1.0 if few else 0.5,
                                 max_features=20_000, sublinear_tf=True)  # as ThemeModel._scores reads a text
    matrix = vectorizer.fit_transform(sentences)
    count = max(1, min(n_themes, len(sentences) // MIN_TEXTS_PER_THEME, matrix.shape[1]))
    factors = NMF(count, init="nndsvda", solver="mu", beta_loss=NMF_LOSS, max_iter=400,
                  random_state=random_state).fit(matrix).components_
    terms = vectorizer.get_feature_names_out()
    top = [[terms[i] for i in np.argsort(-row)[:10]] for row in factors]
    surface = surface_forms(sentences)
    profiles = factors / np.maximum(np.linalg.norm(factors, axis=1, keepdims=True), 1e-12)
    timing = _timing(profiles, terms, top)
    vocabulary = {str(term): int(column) for term, column in vectorizer.vocabulary_.items()}
    subjects = ThemeModel((), (), unfitted.assignment, vocabulary, vectorizer.idf_, profiles,
                          timing=timing)._subjects(keys)
    praise = is_praise(written if written is not None else texts, ratings, complaints).to_numpy()
    categories = categories if categories is not None else pd.Series(None, index=texts.index, dtype=object)
    names = _names(top, surface, subjects, praise, written if written is not None else texts, categories)
    model = ThemeModel(tuple(dict.fromkeys(n for pair in names for n in pair if n)),
                       tuple(tuple(surface.get(term, term) for term in row) for row in top), unfitted.assignment,
                       vocabulary, vectorizer.idf_, profiles, names, timing)
    return replace(model, assignment=model._themes(subjects, praise, texts.index))


def _timing(profiles: np.ndarray, terms: np.ndarray, top: list[list[str]]) -> int:
    """The subject about waiting and time: the one weighing time's terms most, if some are among its top terms."""
    weights = profiles[:, [i for i, term in enumerate(terms) if term in TIME_TERMS]].sum(axis=1)
    best = int(weights.argmax())
    return best if weights[best] > 0 and TIME_TERMS & {w for term in top[best] for w in term.split()} else -1


# ----------------------------------------------------------------------------------------------- names


def _names(top: list[list[str]], surface: dict[str, str], subjects: np.ndarray, praise: np.ndarray,
           written: pd.Series, categories: pd.Series) -> tuple[tuple[str | None, str | None], ...]:
    """Per subject, the name of its problems and of its praise: praise too scarce to stand joins the problems,
    never the other way, so a complaint is never named as praise."""
    names: list[tuple[str | None, str | None]] = []
    used: set[str] = set()
    for number, terms in enumerate(top):
        mine = subjects == number
        sides = []
        for side in (False, True):
            held = mine & (praise == side)
            if held.sum() < (max(1, MIN_SIDE_SHARE * mine.sum()) if side else 1):
                sides.append(None)
                continue
            category = None if side else _category(categories[held & categories.notna().to_numpy()], held.sum())
            skip = {w for w in map(folded, WORD.findall(category.lower())) if w} if category else set()
            phrase = _phrase(written[held], terms, surface, skip)
            name = _name(phrase, category, side)
            for term in (t for t in terms if t not in phrase.lower() and t not in skip):
                if name not in used:
                    break
                name = _name(f"{phrase}, {surface.get(term, term)}", category, side)
            used.add(name)
            sides.append(name)
        problem, good = sides
        names.append((problem or good, good or problem))
    return tuple(names)


def _name(phrase: str, category: str | None, praise: bool) -> str:
    """"Praise: kind staff", "Call times: call was an hour late" or "Waiting for the ambulance"."""
    if praise:
        return f"{PRAISE}{phrase}"
    return f"{category}: {phrase}" if category else phrase[:1].upper() + phrase[1:]


def _category(categories: pd.Series, texts: int) -> str | None:
    """The complaint category most of the side's complaints were filed under, when they are a good part of it."""
    counts = categories.value_counts()
    if counts.empty or counts.iloc[0] < CATEGORY_NAMES * max(len(categories), 1) or len(categories) < texts / 3:
        return None
    return str(counts.index[0])


def _phrase(texts: pd.Series, terms: list[str], surface: dict[str, str], skip: set[str] = frozenset()) -> str:
    """The commonest run of two to five written words that starts and ends on a content word and holds the most of
    the subject's top terms ("call was an hour late"); the top term where no run recurs."""
    weights = {term: len(terms) - rank for rank, term in enumerate(t for t in terms if " " not in t and t not in skip)
               if rank < 6}
    runs: Counter = Counter()
    for text in text_keys(texts.dropna()).dropna().unique()[:2000]:
        for sentence in SENTENCE_END.split(text):
            words = WORD.findall(sentence)
            content = [folded(w) for w in words]
            for start, first in enumerate(content):
                if first is None:
                    continue
                for length in range(PHRASE_WORDS[0], PHRASE_WORDS[1] + 1):
                    end = start + length
                    if end > len(words) or content[end - 1] is None:
                        continue
                    held = {c for c in content[start:end] if c in weights}
                    if held:
                        runs[" ".join(words[start:end])] += sum(weights[c] for c in held)
    recurring = [(score, run) for run, score in runs.items() if score >= 2 * max(weights.values(), default=1)]
    if not recurring:
        return surface.get(next(iter(weights), terms[0]), terms[0])
    return max(recurring, key=lambda found: (found[0], -len(found[1])))[1]


def model_blob(model: ThemeModel) -> bytes | None:
    """The model as kept in the store (numbers and text, no pickle): its vocabulary and weights, subjects and names;
    None for a model with nothing fitted (no text to fit), which the next load fits again."""
    if model.vocabulary is None or model.profiles is None:
        return None
    meta = {"labels": model.labels, "top_terms": model.top_terms, "names": model.names, "timing": model.timing}
    buffer = io.BytesIO()
    np.savez(buffer, terms=np.array(sorted(model.vocabulary, key=model.vocabulary.get), dtype=str), idf=model.idf,
             profiles=model.profiles, meta=np.array(json.dumps(meta)))
    return buffer.getvalue()


def model_from_blob(blob: bytes) -> ThemeModel:
    """The model `model_blob` kept, able to assign texts as the fitted one did (its fitted texts' themes are kept
    with the fit, not here)."""
    with np.load(io.BytesIO(blob), allow_pickle=False) as found:
        terms, idf, profiles = found["terms"].tolist(), found["idf"], found["profiles"]
        meta = json.loads(str(found["meta"]))
    return ThemeModel(tuple(meta["labels"]), tuple(map(tuple, meta["top_terms"])), pd.Series(dtype=object),
                      {term: column for column, term in enumerate(terms)}, idf, profiles,
                      tuple(map(tuple, meta["names"])), int(meta["timing"]))


def without_personal_data(texts: pd.Series) -> pd.Series:
    """Each text with its names, numbers and addresses taken out (masked, then the placeholders dropped)."""
    codes, uniques = pd.factorize(texts)
    cleaned = mask_series(pd.Series(uniques, dtype=object)).map(strip_placeholders)
    return pd.Series(np.array([*cleaned, None], dtype=object)[codes], index=texts.index, dtype=object)
