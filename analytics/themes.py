"""Themes in free text: complaint summaries and feedback comments grouped into readable themes, and which are emerging.

The theme model is TF-IDF over words and two-word phrases (English and care-specific stop words dropped, plurals
folded) factorised by NMF with the Kullback-Leibler loss, which on short comments gives even, readable themes where
k-means gives one catch-all cluster. It is fitted on distinct sentences, so a stock phrase repeated a thousand times,
or a "Thank you." closing many comments, does not become a theme of its own, and with personal data taken out, so
a resident's name or the placeholder that masks it never becomes one; a complaint's category (the provider's
own reading) is added to its sentences, so it pulls complaints of one category together. Each text belongs to the
theme whose term profile it shares most, and a theme's label is its two or three top terms.

A theme is emerging in a team (or a service) when, in complaints or in feedback, its share of what people wrote there
in the last `emerging_recent_months` months is at least `emerging_theme_ratio` times its share before, on at least
`emerging_theme_min_mentions` recent mentions, and more than chance would give (`emerging_theme_max_chance`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy.stats import binom
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from .findings import Evidence, Finding, confidence_from_sources, percent
from .key_questions import classify
from .privacy import mask_series, strip_placeholders
from .rising_categories import category_findings
from .scope import Scope, month_start, months_back, period_label

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
STOP_WORDS = frozenset((ENGLISH_STOP_WORDS - CARE_WORDS) | CARE_STOP_WORDS)
# Whole answers that say nothing ("Did not answer", "Nothing.", "N/A"), after lower-casing and dropping punctuation.
NON_INFORMATIVE = re.compile(
    r"(did not answer|not answered|no answer|no comments?|none|nothing( at all| really| else| to add)?|not a thing"
    r"|n ?a|nil|no|nope|test|don ?t know|dont know|not sure|can ?t think of anything|not applicable|no thanks?)")
FIT_SAMPLE = 20_000      # distinct texts the model is fitted on; texts beyond them are only assigned
MIN_SENTENCE_WORDS = 2   # a sentence with fewer content words ("Thank you.", "Very disappointed.") defines no theme
MIN_TEXTS_PER_THEME = 5  # fewer themes than asked when there are few distinct sentences
FEW_SENTENCES = 30
LABEL_TERMS = 3
EXAMPLES = 3
EXAMPLE_LENGTH = 120
_WORD = re.compile(r"[a-z][a-z]+")
_SENTENCE_END = re.compile(r"[.!?;:\n]+")

_TABLE_COLUMNS = ["theme", "volume", "complaints", "feedback", "category", "category_share", "mean_sentiment",
                  "recent_mentions", "earlier_mentions", "recent_rate", "earlier_rate", "recent_per_month",
                  "earlier_per_month", "trend", "emerging_in", "monthly", "top_teams", "top_shifts", "examples"]
_TEXT_COLUMNS = ["source", "date", "month", "service", "team", "shift", "category", "text", "rating_score"]
_SOURCE_WORDS = {"complaints": "complaints", "feedback": "feedback comments"}
_DATE_COLUMN = {"complaints": "received_date", "feedback": "feedback_date"}
_TEXT_COLUMN = {"complaints": "summary", "feedback": "comment"}


@dataclass(frozen=True, eq=False)
class ThemeModel:
    """Themes fitted on texts: labels, top terms per theme, each text's theme, and `assign` for new text."""

    labels: tuple[str, ...]
    top_terms: tuple[tuple[str, ...], ...]
    assignment: pd.Series  # theme label per fitted text (None: nothing to theme), on the texts' index
    vectorizer: TfidfVectorizer | None = None
    profiles: np.ndarray | None = None  # one unit-length row of term weights per theme

    def assign(self, texts: pd.Series) -> pd.Series:
        """The theme label of each text: the theme whose terms it shares most; None where it shares none."""
        return self._assign(_keys(texts))

    def _assign(self, keys: pd.Series) -> pd.Series:
        distinct = pd.Index(keys.dropna().unique())
        if self.profiles is None or distinct.empty:
            return pd.Series(None, index=keys.index, dtype=object)
        # One sparse product, not NMF's iterative transform, so half a million texts are assigned in seconds.
        scores = np.asarray((self.vectorizer.transform(distinct) @ self.profiles.T))
        strongest = np.where(scores.max(axis=1) > 0, scores.argmax(axis=1), -1)
        names = pd.Series(np.array([*self.labels, None], dtype=object)[strongest], index=distinct)
        return keys.map(names).astype(object).where(keys.notna(), None)


def is_informative(text: object) -> bool:
    """False for an empty answer or one that says nothing ("Did not answer", "Nothing", "N/A", "None")."""
    return _key(text) is not None


def theme_model(texts: pd.Series, n_themes: int, random_state: int = 0) -> ThemeModel:
    """Fit up to `n_themes` themes on the distinct sentences of the texts (of a sample of them when many)."""
    unfitted = ThemeModel((), (), pd.Series(None, index=texts.index, dtype=object))
    keys = _keys(texts)
    distinct = pd.Index(keys.dropna().unique())
    if len(distinct) > FIT_SAMPLE:
        distinct = distinct[np.random.default_rng(random_state).choice(len(distinct), FIT_SAMPLE, replace=False)]
    sentences = _distinct_sentences(distinct)
    if sentences.empty:
        return unfitted
    # A term must recur, and not be in most sentences, to shape a theme; a handful of sentences keeps every term.
    few = len(sentences) < FEW_SENTENCES
    vectorizer = TfidfVectorizer(analyzer=_terms, min_df=1 if few else 2, max_df=1.0 if few else 0.5,
                                 max_features=20_000, sublinear_tf=True)
    matrix = vectorizer.fit_transform(sentences)
    count = max(1, min(n_themes, len(sentences) // MIN_TEXTS_PER_THEME, matrix.shape[1]))
    factors = NMF(count, init="nndsvda", solver="mu", beta_loss="kullback-leibler", max_iter=400,
                  random_state=random_state).fit(matrix).components_
    terms = vectorizer.get_feature_names_out()
    top = [[terms[i] for i in np.argsort(-row)[:10]] for row in factors]
    surface = _surface_forms(sentences)
    labels = _unique_labels(top, surface)
    top_terms = tuple(tuple(surface.get(term, term) for term in row) for row in top)
    profiles = factors / np.maximum(np.linalg.norm(factors, axis=1, keepdims=True), 1e-12)
    fitted = ThemeModel(labels, top_terms, unfitted.assignment, vectorizer, profiles)
    return ThemeModel(labels, top_terms, fitted._assign(keys), vectorizer, profiles)


def theme_mentions(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """One row per themed text: source, date, month, service, team, shift, category, theme, text, rating_score."""
    return _themed(con, scope, settings).dropna(subset=["theme"]).reset_index(drop=True)


def theme_table(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """One row per theme: volume by source, the provider's commonest category for it (to group themes by),
    sentiment, recent against earlier rate, trend, where it is emerging and concentrated, and examples."""
    texts = _themed(con, scope, settings)
    mentions = texts.dropna(subset=["theme"])
    if mentions.empty:
        return pd.DataFrame(columns=_TABLE_COLUMNS)
    thresholds = settings["thresholds"]
    window = _Window.of(texts, scope.end(con), int(thresholds["emerging_recent_months"]))
    rates = _rates(texts, (), window).set_index("theme")
    emerging = _emerging_places(texts, window, settings)
    known_shifts = texts[texts["shift"].isin(settings["shifts"])]
    rows = []
    for theme, group in mentions.groupby("theme", sort=False):
        rate = rates.loc[theme]
        category = group["category"].dropna()
        rows.append({
            "theme": theme, "volume": len(group),
            "complaints": int((group["source"] == "complaints").sum()),
            "feedback": int((group["source"] == "feedback").sum()),
            "category": category.mode().iloc[0] if not category.empty else None,
            "category_share": category.value_counts(normalize=True).iloc[0] if not category.empty else None,
            "mean_sentiment": group["rating_score"].mean(),
            "recent_mentions": int(rate["recent"]), "earlier_mentions": int(rate["earlier"]),
            "recent_rate": rate["recent_share"], "earlier_rate": rate["earlier_share"],
            "recent_per_month": rate["recent"] / window.recent_months,
            "earlier_per_month": rate["earlier"] / window.earlier_months if window.earlier_months else None,
            "trend": _trend(rate["ratio"], float(thresholds["emerging_theme_ratio"])),
            "emerging_in": _places_text(emerging[emerging["theme"] == theme]),
            "monthly": group.groupby("month").size().sort_index().to_dict(),
            "top_teams": _concentration(texts, theme, "team"),
            "top_shifts": _concentration(known_shifts, theme, "shift"),
            "examples": _examples(group),
        })
    return pd.DataFrame(rows, columns=_TABLE_COLUMNS).sort_values("volume", ascending=False, ignore_index=True)


def theme_findings(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> list[Finding]:
    """Emerging themes: each complaint category rising on a team or across a service (the provider's own reading,
    `rising_categories`), and each theme of the texts rising clearly in a team, or in a service where no team
    stands out. One finding per subject and place: a text theme about a category already found rising at the place
    is left out where the category rose service-wide, and a category is left out where a text theme about it is
    found at the same place (the theme holds complaints and comments alike)."""
    categories = category_findings(con, scope, settings)
    themes = _text_theme_findings(con, scope, settings)
    wide = {(f.service, f.subject) for f in categories if f.team is None}
    themes = [(f, category) for f, category in themes if f.team is None or (f.service, category) not in wide]
    covered = {(f.service, f.team, category) for f, category in themes}
    return [f for f in categories if (f.service, f.team, f.subject) not in covered] + [f for f, _ in themes]


def _text_theme_findings(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]
                         ) -> list[tuple[Finding, str | None]]:
    """Each text theme rising clearly in a team, or a service where no team stands out, with the complaint category
    commonest in the theme."""
    texts = _themed(con, scope, settings)
    if texts["theme"].isna().all():
        return []
    window = _Window.of(texts, scope.end(con), int(settings["thresholds"]["emerging_recent_months"]))
    places = _emerging_places(texts, window, settings)
    if places.empty:
        return []
    local = _Places(texts)
    categories = texts.dropna(subset=["theme", "category"]).groupby("theme")["category"] \
        .agg(lambda values: values.mode().iloc[0])
    return [(_finding(texts, place, window, settings, local), categories.get(place.theme))
            for place in places.itertuples(index=False)]


class _Places:
    """The texts of each place, found by one grouping per set of columns rather than a scan per place."""

    def __init__(self, texts: pd.DataFrame) -> None:
        self.texts = texts
        self._positions: dict[tuple[str, ...], dict] = {}

    def at(self, where: dict[str, str]) -> pd.DataFrame:
        """`_at(texts, where)`."""
        columns = tuple(where)
        if columns not in self._positions:
            self._positions[columns] = self.texts.groupby(list(columns), sort=False).indices
        key = tuple(where.values())
        positions = self._positions[columns].get(key[0] if len(key) == 1 else key)
        return self.texts.iloc[positions if positions is not None else []]


def _themed(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any]) -> pd.DataFrame:
    """Every informative text in scope with its theme (None where it has no word the themes know)."""
    texts = _texts(con, scope)
    # The category is the provider's free text too ("Complaint about nurse Jane Smith"): a theme is never fitted on
    # the personal data in it, so a name never becomes a theme's label.
    model_texts = pd.Series(map(_with_category, _without_personal_data(texts["text"]),
                                _without_personal_data(texts["category"])), index=texts.index, dtype=object)
    return texts.assign(theme=theme_model(model_texts, int(settings["thresholds"]["theme_count"])).assignment)


# ----------------------------------------------------------------------------------------------- the texts

def _texts(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """Complaint summaries and feedback comments up to the scope's end, informative ones only."""
    end = scope.end(con)
    if end is None:
        return pd.DataFrame(columns=_TEXT_COLUMNS)
    services, values = scope.service_filter()
    # A wide survey export may repeat one comment on every question row of a response: keep it once.
    # The order is total (date, source, place, category, text, rating), so the texts a large model samples
    # do not depend on how DuckDB's threads happened to return rows with the same date.
    texts = con.cursor().execute(f"""
        SELECT 'complaints' AS source, received_date AS date, date_trunc('month', received_date)::DATE AS month,
               service, team, shift, category, summary AS text, NULL::DOUBLE AS rating_score
        FROM complaints
        WHERE received_date <= ? AND summary IS NOT NULL AND {services}
        UNION ALL
        SELECT 'feedback', min(feedback_date), date_trunc('month', min(feedback_date))::DATE, service, team,
               shift, NULL, comment, avg(rating_score)
        FROM feedback
        WHERE feedback_date <= ? AND comment IS NOT NULL AND {services}
        GROUP BY service, team, shift, comment, coalesce(response_id, row_key::VARCHAR)
        ORDER BY 2, 1, 4, 5, 6, 7, 8, 9""", [end, *values, end, *values]).df()
    return texts[_keys(texts["text"]).notna()].reset_index(drop=True)


def _without_personal_data(texts: pd.Series) -> pd.Series:
    """Each text with its names, numbers and addresses taken out (masked, then the placeholders dropped)."""
    codes, uniques = pd.factorize(texts)
    cleaned = mask_series(pd.Series(uniques, dtype=object)).map(strip_placeholders)
    return pd.Series(np.array([*cleaned, None], dtype=object)[codes], index=texts.index, dtype=object)


def _keys(texts: pd.Series) -> pd.Series:
    """`_key` of each text, worked out once per distinct text."""
    codes, uniques = pd.factorize(texts)
    keyed = np.array([None, *map(_key, uniques)], dtype=object)
    return pd.Series(keyed[codes + 1], index=texts.index, dtype=object)


def _key(text: object) -> str | None:
    """The text lower-cased with its spacing tidied, or None when it says nothing."""
    if not isinstance(text, str):
        return None
    lowered = " ".join(text.lower().replace("\u2019", "'").split())
    words = " ".join(re.findall(r"[a-z0-9]+", lowered.replace("'", "")))
    return lowered if words and not NON_INFORMATIVE.fullmatch(words) else None


def _with_category(text: str, category: object) -> str:
    """A complaint's text with the provider's category added to each sentence, so the category shapes its theme."""
    if not isinstance(category, str) or not category.strip():
        return text
    return " ".join(f"{sentence.strip()} ({category})." for sentence in _SENTENCE_END.split(text) if sentence.strip())


def _singular(word: str) -> str:
    """A plural folded onto its singular, roughly: calls -> call, activities -> activity, clothes -> clothe."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def _words(sentence: str) -> list[str]:
    """The content words of a sentence, plurals folded."""
    return [folded for _, folded in _content(sentence)]


def _content(sentence: str) -> list[tuple[str, str]]:
    """The content words of a sentence as written and folded."""
    return [(word, folded) for word in _WORD.findall(sentence) if (folded := _folded(word))]


@lru_cache(maxsize=200_000)
def _folded(word: str) -> str | None:
    """The word with its plural folded, or None for a stop word."""
    folded = _singular(word)
    return None if word in STOP_WORDS or folded in STOP_WORDS else folded


def _terms(text: str) -> list[str]:
    """The words and two-word phrases of each sentence of a text: what TF-IDF counts."""
    terms: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        words = _words(sentence)
        terms += words + [f"{first} {second}" for first, second in zip(words, words[1:])]
    return terms


def _distinct_sentences(texts: pd.Index) -> pd.Index:
    """One sentence per distinct set of content words, leaving out those too short to say what they are about."""
    sentences = pd.Series([s.strip() for text in texts for s in _SENTENCE_END.split(text)])
    content = sentences.map(lambda sentence: " ".join(_words(sentence)))
    long_enough = (content != "") & (content.str.count(" ") >= MIN_SENTENCE_WORDS - 1)
    return pd.Index(sentences[long_enough].groupby(content[long_enough]).first().to_numpy())


def _surface_forms(sentences: pd.Index) -> dict[str, str]:
    """The commonest written form of each term, so a label reads "late calls" where people wrote that."""
    seen: dict[str, Counter] = {}
    for sentence in sentences:
        words = _content(sentence)
        for (word, folded), (next_word, next_folded) in zip(words, words[1:]):
            seen.setdefault(f"{folded} {next_folded}", Counter())[f"{word} {next_word}"] += 1
        for word, folded in words:
            seen.setdefault(folded, Counter())[word] += 1
    return {term: forms.most_common(1)[0][0] for term, forms in seen.items()}


# ----------------------------------------------------------------------------------------------- labels


def _label(terms: list[str], surface: dict[str, str], size: int = LABEL_TERMS) -> str:
    """Two or three top terms joined, a phrase standing in for the words it holds ("late calls / missed")."""
    chosen: list[str] = []
    for term in terms:
        words = set(term.split())
        if any(words <= set(c.split()) for c in chosen):
            continue
        chosen = [c for c in chosen if not set(c.split()) <= words] + [term]
        if len(chosen) >= size or (len(chosen) == size - 1 and any(" " in c for c in chosen)):
            break
    return " / ".join(surface.get(term, term) for term in chosen)


def _unique_labels(top_terms: list[list[str]], surface: dict[str, str]) -> tuple[str, ...]:
    """A label per theme; a theme whose label another already has gets one more term."""
    labels: list[str] = []
    for terms in top_terms:
        size = LABEL_TERMS
        label = _label(terms, surface, size)
        while label in labels and size < len(terms):
            size += 1
            label = _label(terms, surface, size)
        labels.append(label if label not in labels else f"{label} ({len(labels) + 1})")
    return tuple(labels)


# ----------------------------------------------------------------------------------------------- rates


@dataclass(frozen=True)
class _Window:
    """The recent months and the months before them, back to the first text."""

    first: date
    recent_start: date
    end: date
    recent_months: int
    earlier_months: int

    @staticmethod
    def of(texts: pd.DataFrame, end: date, recent_months: int) -> _Window:
        recent_start = months_back(end, recent_months - 1)
        first = min(month_start(texts["month"].min().date()), recent_start)
        earlier = (recent_start.year - first.year) * 12 + recent_start.month - first.month
        return _Window(first, recent_start, end, recent_months, earlier)

    def is_recent(self, months: pd.Series) -> pd.Series:
        """True for the months in the recent window."""
        return months >= pd.Timestamp(self.recent_start)

    @property
    def recent_label(self) -> str:
        return period_label(self.recent_start, self.end)

    @property
    def earlier_label(self) -> str:
        return period_label(self.first, self.recent_start - timedelta(days=1))


def _rates(texts: pd.DataFrame, keys: tuple[str, ...], window: _Window) -> pd.DataFrame:
    """Per place (`keys`) and theme: recent and earlier mentions, their share of all texts there, and the ratio."""
    recent = window.is_recent(texts["month"])
    flagged = texts[[*keys, "theme"]].assign(recent=recent, earlier=~recent, everywhere="")
    by = list(keys) or ["everywhere"]
    totals = flagged.groupby(by)[["recent", "earlier"]].sum()
    rates = (flagged.dropna(subset=["theme"]).groupby([*by, "theme"])[["recent", "earlier"]].sum().reset_index()
             .merge(totals.add_suffix("_total").reset_index(), on=by))
    rates["recent_share"] = rates["recent"] / rates["recent_total"].where(rates["recent_total"] > 0)
    rates["earlier_share"] = rates["earlier"] / rates["earlier_total"].where(rates["earlier_total"] > 0)
    # No earlier mention where there were earlier texts: as new as a theme can be.
    rates["ratio"] = np.where((rates["earlier"] == 0) & (rates["earlier_total"] > 0) & (rates["recent"] > 0),
                              np.inf, rates["recent_share"] / rates["earlier_share"])
    return rates.drop(columns="everywhere", errors="ignore")


def _is_rising(rates: pd.DataFrame, thresholds: dict[str, Any]) -> pd.Series:
    """The emerging rule: recent share at least `emerging_theme_ratio` times the earlier, on enough mentions,
    and more mentions than the earlier share would give by chance (a one-sided binomial test)."""
    # The earlier share gets one mention and one non-mention added, so a theme new on a handful of texts is not
    # taken to have had no chance of appearing.
    earlier = (rates["earlier"] + 1) / (rates["earlier_total"] + 2)
    by_chance = binom.sf(rates["recent"] - 1, rates["recent_total"], earlier)
    return (rates["recent"] >= thresholds["emerging_theme_min_mentions"]) \
        & (rates["ratio"] >= thresholds["emerging_theme_ratio"]) \
        & (by_chance <= thresholds.get("emerging_theme_max_chance", 0.01))


def _emerging_places(texts: pd.DataFrame, window: _Window, settings: dict[str, Any]) -> pd.DataFrame:
    """Where each theme is emerging: each team where it meets the rule in complaints or feedback, else its service;
    with the shift, where it meets the rule on one named shift there and is up on no other. Columns theme, service,
    team, shift."""
    columns = ["theme", "service", "team", "shift"]
    if not window.earlier_months:
        return pd.DataFrame(columns=columns)
    thresholds = settings["thresholds"]
    teams = _judged(texts, ("service", "team"), window, thresholds)
    teams = teams.loc[teams["meets"], ["theme", "service", "team"]].drop_duplicates()
    services = _judged(texts, ("service",), window, thresholds)
    services = services.loc[services["meets"], ["theme", "service"]].drop_duplicates()
    with_teams = teams.set_index(["theme", "service"]).index
    services = services[~services.set_index(["theme", "service"]).index.isin(with_teams)]
    named = texts[texts["shift"].isin(settings["shifts"])]
    shifts = pd.concat([_judged(named, ("service", "team", "shift"), window, thresholds),
                        _judged(named, ("service", "shift"), window, thresholds).assign(team=None)], ignore_index=True)
    shifts = shifts[shifts["up"]]
    shifts_up = shifts.groupby(["theme", "service", "team"], dropna=False)["shift"].transform("nunique")
    located = shifts.loc[shifts["meets"] & (shifts_up == 1), columns].drop_duplicates()
    places = pd.concat([teams, services.assign(team=None)], ignore_index=True)
    return places.merge(located, on=["theme", "service", "team"], how="left")[columns]


def _judged(texts: pd.DataFrame, keys: tuple[str, ...], window: _Window, thresholds: dict[str, Any]) -> pd.DataFrame:
    """The rates per source, place and theme, with whether each meets the emerging rule and whether it is up at all."""
    rates = _rates(texts, ("source", *keys), window)
    return rates.assign(meets=_is_rising(rates, thresholds), up=rates["ratio"] >= thresholds["emerging_theme_ratio"])


def _trend(ratio: float, rising: float) -> str:
    """Rising, falling or stable by the recent-to-earlier ratio; new when it had no earlier mention."""
    if np.isnan(ratio):
        return "stable"
    if np.isinf(ratio):
        return "new"
    return "rising" if ratio >= rising else "falling" if ratio <= 1 / rising else "stable"


# ----------------------------------------------------------------------------------------------- table parts


def _places_text(places: pd.DataFrame) -> str:
    """Where a theme is emerging, for the table: "Town Team (Riverside Homecare); Oakwood House"."""
    return "; ".join(" ".join(filter(None, (f"{p.team} ({p.service})" if p.team else p.service,
                                            f"{p.shift} shifts" if isinstance(p.shift, str) else None)))
                     for p in places.itertuples(index=False))


def _concentration(texts: pd.DataFrame, theme: str, column: str, top: int = 2) -> str:
    """Where the theme is over-represented: up to `top` places with the most mentions above their fair share."""
    places = texts.groupby(["service", column]).size().rename("texts").to_frame()
    places["mentions"] = texts[texts["theme"] == theme].groupby(["service", column]).size()
    places = places.fillna({"mentions": 0})
    mentions = places["mentions"].sum()
    places["of_texts"] = places["texts"] / places["texts"].sum()
    places["of_mentions"] = places["mentions"] / max(mentions, 1)
    places["excess"] = places["mentions"] - places["of_texts"] * mentions
    best = places[places["excess"] > 0].sort_values("excess", ascending=False).head(top)
    return "; ".join(f"{place} ({service}): {percent(row.of_mentions)} of mentions, {percent(row.of_texts)} of texts"
                     for (service, place), row in best.iterrows())


def _examples(group: pd.DataFrame) -> list[str]:
    """Two or three short, different texts from the theme, the most recent first."""
    texts = group.sort_values("date", ascending=False)["text"].str.strip()
    short = texts[texts.str.len() <= EXAMPLE_LENGTH].drop_duplicates()
    return (short if len(short) >= 2 else texts.drop_duplicates().str.slice(0, EXAMPLE_LENGTH)).head(EXAMPLES).tolist()


# ----------------------------------------------------------------------------------------------- findings


def _finding(texts: pd.DataFrame, place: Any, window: _Window, settings: dict[str, Any],
             places: _Places | None = None) -> Finding:
    """The emerging_theme finding for one theme in one team (or service), with the evidence of each source."""
    thresholds = settings["thresholds"]
    theme = place.theme
    where = {"service": place.service, **({"team": place.team} if isinstance(place.team, str) else {})}
    shift = place.shift if isinstance(place.shift, str) else None
    at = places.at if places is not None else lambda where: _at(texts, where)
    local = at(where)
    by_source = _of_theme(_rates(local, ("source",), window), theme).set_index("source")
    rising = by_source[by_source["ratio"] >= thresholds["emerging_theme_ratio"]]
    recent = local[(local["theme"] == theme) & window.is_recent(local["month"])]
    rating = recent["rating_score"].mean()
    # Complaints are negative by nature; feedback says how it feels through its ratings.
    negative = rating < thresholds["feedback_good_score"] if not np.isnan(rating) else \
        bool((recent["source"] == "complaints").any())
    summary = _summary(theme, where, shift, by_source, rising.index, rating, window)
    evidence = tuple(_share_evidence(source, rate, where, theme, window) for source, rate in by_source.iterrows())
    if shift:
        on_shift = _of_theme(_rates(at({**where, "shift": shift}), ("source",), window), theme)
        evidence += tuple(_share_evidence(source, rate, {**where, "shift": shift}, theme, window)
                          for source, rate in on_shift.set_index("source").loc[rising.index.intersection(
                              on_shift["source"])].iterrows())
    if not np.isnan(rating):
        evidence += (Evidence(source="feedback", measure="mean rating of the theme's recent comments",
                              value=float(rating), comparison=float(thresholds["feedback_good_score"]),
                              period=window.recent_label,
                              rows=f"feedback{_filters(where)}, feedback_date {window.recent_start} to {window.end}, "
                                   f"comment in theme '{theme}'",
                              detail=f"{int(recent['rating_score'].notna().sum())} rated comments"),)
    category = recent["category"].dropna()
    key_question = (classify(category.mode().iloc[0] if not category.empty else None, settings["key_questions"])
                    or classify(theme, settings["key_questions"]))
    return Finding(
        kind="emerging_theme", service=place.service, team=where.get("team"), shift=shift,
        key_question=key_question[0] if key_question else None,
        quality_statement=key_question[1] if key_question else None,
        subject=theme, status="concern" if negative else "fragile",
        confidence=confidence_from_sources(set(rising.index), agree=True), period_start=window.recent_start,
        period_end=window.end, summary=summary, evidence=evidence)


def _of_theme(rates: pd.DataFrame, theme: str) -> pd.DataFrame:
    """The rates of one theme (`rates.query("theme == @theme")` without the expression engine)."""
    return rates[rates["theme"] == theme]


def _summary(theme: str, where: dict[str, str], shift: str | None, by_source: pd.DataFrame, rising: pd.Index,
             rating: float, window: _Window) -> str:
    """One sentence: which sources rise about the theme where, by how much, and how comments on it rate."""
    place = f"in {where['team']} at {where['service']}" if "team" in where else f"across {where['service']}"
    return (f"{' and '.join(_SOURCE_WORDS[s] for s in rising).capitalize()} about '{theme}' are rising {place}"
            f"{f', most of all on {shift} shifts' if shift else ''}: "
            + " and ".join(_share_phrase(source, by_source.loc[source], window) for source in rising)
            + "".join(f", while {_SOURCE_WORDS[source]} on it make {percent(rate['recent_share'])} against "
                      f"{percent(_float(rate['earlier_share']))} before"
                      for source, rate in by_source.drop(index=rising).iterrows())
            + (f"; comments on it rate {percent(rating)} on average." if not np.isnan(rating) else "."))


def _at(texts: pd.DataFrame, where: dict[str, str]) -> pd.DataFrame:
    """The texts of one place: a service, a team of it, or a shift of that team."""
    return texts[(texts[list(where)] == pd.Series(where)).all(axis=1)]


def _filters(where: dict[str, str]) -> str:
    return "".join(f", {key} = '{value}'" for key, value in where.items())


def _share_evidence(source: str, rate: pd.Series, where: dict[str, str], theme: str, window: _Window) -> Evidence:
    """The theme's share of one source's texts at a place, recent against earlier."""
    return Evidence(
        source=source, measure=f"share of {_SOURCE_WORDS[source]} in the theme", value=float(rate["recent_share"]),
        comparison=_float(rate["earlier_share"]), period=f"{window.recent_label} against {window.earlier_label}",
        rows=f"{source}{_filters(where)}, {_DATE_COLUMN[source]} {window.first} to {window.end}, "
             f"{_TEXT_COLUMN[source]} in theme '{theme}'",
        detail=f"{int(rate['recent'])} of {int(rate['recent_total'])} in the last {window.recent_months} months; "
               f"{int(rate['earlier'])} of {int(rate['earlier_total'])} before")


def _share_phrase(source: str, rate: pd.Series, window: _Window) -> str:
    """E.g. "12 of 16 complaints in Jul 2026 to Oct 2026 (75%), against 1 of 6 (17%) in the 14 months before"."""
    return (f"{int(rate['recent'])} of {int(rate['recent_total'])} {_SOURCE_WORDS[source]} in {window.recent_label} "
            f"({percent(rate['recent_share'])}), against {int(rate['earlier'])} of {int(rate['earlier_total'])} "
            f"({percent(_float(rate['earlier_share']))}) in the {window.earlier_months} months before")


def _float(value: float) -> float | None:
    return None if pd.isna(value) else float(value)
