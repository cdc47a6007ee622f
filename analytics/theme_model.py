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

The model of a store is fitted once per data version on all its texts (`store_themes`), so a filter narrows the
themes without renaming them, and a service's themes are the same whether it is read alone or with others.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pandas as pd
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from . import privacy, theme_text
from .privacy import mask_series, strip_placeholders
from .store import data_version
from .theme_fits import load_fit, save_fit
from .theme_text import (
    SENTENCE_END,
    WORD,
    distinct_sentences,
    folded,
    surface_forms,
    terms_of,
    text_keys,
)

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

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
STORED_MODELS = 2        # fitted stores kept in memory (a large group's texts take a few hundred MB)
TEXT_COLUMNS = ["source", "date", "month", "service", "team", "shift", "category", "text", "rating_score"]
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
    vectorizer: TfidfVectorizer | None = None
    profiles: np.ndarray | None = None  # one unit-length row of term weights per subject
    names: tuple[tuple[str | None, str | None], ...] = ()  # per subject: (problem name, praise name)
    timing: int = -1  # the subject about waiting and time, which every text speaking of time joins (-1: none)

    def assign(self, texts: pd.Series, ratings: pd.Series | None = None,
               complaints: pd.Series | None = None) -> pd.Series:
        """The theme of each text: its subject (the one whose terms it shares most, or the subject about waiting and
        time where the text speaks of time), on the side its feeling puts it (`ratings` 0 to 1 where known,
        `complaints` True for a complaint); None where it shares no term."""
        keys = text_keys(texts)
        subjects = self._subjects(keys)
        praise = is_praise(texts, ratings, complaints)
        table = np.array([*[n for pair in self.names for n in pair], None, None], dtype=object)
        if not self.names:
            return pd.Series(None, index=texts.index, dtype=object)
        index = np.where(subjects >= 0, subjects, len(self.names)) * 2 + praise.to_numpy(dtype=int)
        return pd.Series(table[index], index=texts.index, dtype=object)

    def _subjects(self, keys: pd.Series) -> np.ndarray:
        """The subject number of each text, -1 where it has no term the subjects know."""
        distinct = pd.Index(keys.dropna().unique())
        if self.profiles is None or distinct.empty:
            return np.full(len(keys), -1)
        # One sparse product, not NMF's iterative transform, so half a million texts are assigned in seconds.
        scores = np.asarray(self.vectorizer.transform(distinct) @ self.profiles.T)
        strongest = np.where(scores.max(axis=1) > 0, scores.argmax(axis=1), -1)
        if self.timing >= 0:
            # "The carer was an hour late", "waited ages for the call bell": time is what such a text is about,
            # whichever other subject's words it uses (carers, calls, the ambulance), so it is not lost among them.
            strongest = np.where((strongest >= 0) & distinct.str.contains(TIME_TEXT), self.timing, strongest)
        return keys.map(pd.Series(strongest, index=distinct)).fillna(-1).astype(int).to_numpy()


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
                                 max_features=20_000, sublinear_tf=True)
    matrix = vectorizer.fit_transform(sentences)
    count = max(1, min(n_themes, len(sentences) // MIN_TEXTS_PER_THEME, matrix.shape[1]))
    factors = NMF(count, init="nndsvda", solver="mu", beta_loss=NMF_LOSS, max_iter=400,
                  random_state=random_state).fit(matrix).components_
    terms = vectorizer.get_feature_names_out()
    top = [[terms[i] for i in np.argsort(-row)[:10]] for row in factors]
    surface = surface_forms(sentences)
    profiles = factors / np.maximum(np.linalg.norm(factors, axis=1, keepdims=True), 1e-12)
    timing = _timing(profiles, terms, top)
    subjects = ThemeModel((), (), unfitted.assignment, vectorizer, profiles, timing=timing)._subjects(keys)
    praise = is_praise(written if written is not None else texts, ratings, complaints).to_numpy()
    categories = categories if categories is not None else pd.Series(None, index=texts.index, dtype=object)
    names = _names(top, surface, subjects, praise, written if written is not None else texts, categories)
    model = ThemeModel(tuple(dict.fromkeys(n for pair in names for n in pair if n)),
                       tuple(tuple(surface.get(term, term) for term in row) for row in top), unfitted.assignment,
                       vectorizer, profiles, names, timing)
    assignment = pd.Series(np.array([*[n for pair in names for n in pair], None, None], dtype=object)[
        np.where(subjects >= 0, subjects, len(names)) * 2 + praise.astype(int)], index=texts.index, dtype=object)
    return ThemeModel(model.labels, model.top_terms, assignment, vectorizer, profiles, names, timing)


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


# ----------------------------------------------------------------------------------------------- the store's themes

_STORED: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
_FITTING = threading.Lock()  # the dashboard serves several people from one process: one fit at a time


def store_themes(con: duckdb.DuckDBPyConnection, settings: dict[str, Any]) -> pd.DataFrame:
    """Every informative complaint summary and feedback comment in the store, of every date and service, with its
    theme: fitted once per data version and theme settings, kept in the store (analytics.theme_fits) and in this
    process for the next call."""
    key = model_key(con, settings)
    with _FITTING:
        if key not in _STORED:
            fitted = load_fit(con, key)
            if fitted is None:
                fitted = _fit_store(con, key[2])
                save_fit(con, key, fitted)
            _STORED[key] = fitted
            while len(_STORED) > STORED_MODELS:
                _STORED.popitem(last=False)
        _STORED.move_to_end(key)
        return _STORED[key]


def model_key(con: duckdb.DuckDBPyConnection, settings: dict[str, Any]) -> tuple[str, int, int]:
    """What the store's model rests on: every service's texts, the data version and `theme_count`. A service's theme
    names rest on other services' texts too, so results kept per service should be kept under this key as well."""
    return _fingerprint(con), data_version(con), int(settings["thresholds"]["theme_count"])


# The code a fit rests on: a fit kept in the store by an older release is not read by a newer one.
_FITTING_CODE = hashlib.sha256(b"".join(Path(module).read_bytes() for module in (
    __file__, theme_text.__file__, privacy.__file__))).hexdigest()


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """What the texts are, and the code that fits them: a hash of every text and its place, and of the fitting and
    masking modules. A copy of a store (a backup restored) has the same texts and so the same fit, which it reads
    rather than fits again; a change to how themes are fitted fits them again."""
    found = con.cursor().execute("""
        SELECT count(*), sum(hash(received_date, service, team, shift, category, summary)) FROM complaints
        UNION ALL
        SELECT count(*), sum(hash(feedback_date, service, team, shift, comment, rating_score)) FROM feedback
        """).fetchall()
    return hashlib.sha256(json.dumps([found, _FITTING_CODE], default=str).encode()).hexdigest()


def store_texts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Complaint summaries and feedback comments of the whole store, informative ones only."""
    # A wide survey export may repeat one comment on every question row of a response: keep it once.
    # The order is total (date, source, place, category, text, rating), so the texts a large model samples
    # do not depend on how DuckDB's threads happened to return rows with the same date.
    texts = con.cursor().execute("""
        SELECT 'complaints' AS source, received_date AS date, date_trunc('month', received_date)::DATE AS month,
               service, team, shift, category, summary AS text, NULL::DOUBLE AS rating_score
        FROM complaints
        WHERE summary IS NOT NULL AND received_date IS NOT NULL
        UNION ALL
        SELECT 'feedback', min(feedback_date), date_trunc('month', min(feedback_date))::DATE, service, team,
               shift, NULL, comment, avg(rating_score)
        FROM feedback
        WHERE comment IS NOT NULL AND feedback_date IS NOT NULL
        GROUP BY service, team, shift, comment, coalesce(response_id, row_key::VARCHAR)
        ORDER BY 2, 1, 4, 5, 6, 7, 8, 9""").df()
    texts = texts.reindex(columns=TEXT_COLUMNS)
    return texts[text_keys(texts["text"]).notna()].reset_index(drop=True)


def _fit_store(con: duckdb.DuckDBPyConnection, n_themes: int) -> pd.DataFrame:
    texts = store_texts(con)
    # The category is the provider's free text too ("Complaint about nurse Jane Smith"): a theme is never fitted on
    # the personal data in it, so a name never becomes a theme's name.
    cleaned = without_personal_data(texts["text"])
    categories = without_personal_data(texts["category"])
    model_texts = pd.Series(map(_with_category, cleaned, categories), index=texts.index, dtype=object)
    complaints = texts["source"] == "complaints"
    model = theme_model(model_texts, n_themes, ratings=texts["rating_score"], complaints=complaints,
                        categories=categories.where(complaints), written=cleaned)
    return texts.assign(theme=model.assignment, month=pd.to_datetime(texts["month"]),
                        date=pd.to_datetime(texts["date"]))


def without_personal_data(texts: pd.Series) -> pd.Series:
    """Each text with its names, numbers and addresses taken out (masked, then the placeholders dropped)."""
    codes, uniques = pd.factorize(texts)
    cleaned = mask_series(pd.Series(uniques, dtype=object)).map(strip_placeholders)
    return pd.Series(np.array([*cleaned, None], dtype=object)[codes], index=texts.index, dtype=object)


def _with_category(text: str, category: object) -> str:
    """A complaint's text with the provider's category added to each sentence, so the category shapes its theme."""
    if not isinstance(category, str) or not category.strip():
        return text
    return " ".join(f"{sentence.strip()} ({category})." for sentence in SENTENCE_END.split(text) if sentence.strip())
