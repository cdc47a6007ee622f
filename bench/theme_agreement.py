"""Theme agreement: do our themes group real comments as people did, better than plain TF-IDF + NMF?

Run: .venv/bin/python bench/theme_agreement.py [--themes 10]

The comments are 5,096 real NHS Friends and Family Test comments from one ambulance trust, with people's theme
labels (../shared/real-data/, read there, never copied into the project). The trust has three services. Each split
fits both models on some services and scores them on the others, so no comment scored was seen in fitting: each
service held out in turn (fitted on the other two), and each service alone fitted (scored on the other two).

Scored comments are those people gave exactly one theme other than "Labelling not possible" and "Not assigned".
Agreement is the normalised mutual information (arithmetic mean) between people's theme and the model's (a comment
given no theme counts as one more group, for both models). The baseline is TF-IDF (English stop words, words seen
in at least two comments, in at most half) and NMF (Frobenius loss), each comment in its strongest component, at the
same number of themes as ours gives, fitted and scored on the same split in the same run. Ours is
`analytics.theme_model.theme_model` as the store fits it: personal data out, `--themes` subjects split into praise
and problems by the comment's words and its rating.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import normalized_mutual_info_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.theme_model import theme_model, without_personal_data

REAL = Path(__file__).resolve().parents[2] / "shared" / "real-data" / "nhs-fft-comments-trust-a.csv"
NOT_THEMES = ("Labelling not possible", "Not assigned")
FFT_SCORES = {1: 1.0, 2: 0.75, 3: 0.5, 4: 0.25, 5: 0.0}  # very good .. very poor; 6 "don't know" is no rating


def load(path: Path = REAL) -> pd.DataFrame:
    """The comments with service, text, rating (0 to 1) and people's single theme (None where not one)."""
    frame = pd.read_csv(path, dtype=str)
    labels = list(frame.columns[frame.columns.get_loc("Comment sentiment") + 1:])
    marked = frame[labels].fillna("0").astype(float).astype(bool)
    themes = [label for label in labels if label not in NOT_THEMES]
    single = marked[themes].sum(axis=1) == 1
    return pd.DataFrame({
        "service": frame["Service type 1"].str.split().str.join(" "),
        "text": frame["FFT answer"],
        "rating": pd.to_numeric(frame["FFT categorical answer"], errors="coerce").map(FFT_SCORES),
        "human": marked[themes].idxmax(axis=1).where(single),
    })


def ours(fit: pd.DataFrame, scored: pd.DataFrame, subjects: int) -> pd.Series:
    """Our themes, fitted on `fit`, for the comments of `scored` ("(none)" where a comment gets none)."""
    written = without_personal_data(fit["text"])
    model = theme_model(written, subjects, ratings=fit["rating"], written=written)
    return model.assign(without_personal_data(scored["text"]), scored["rating"]).fillna("(none)")


def baseline(fit: pd.DataFrame, scored: pd.DataFrame, themes: int) -> np.ndarray:
    """TF-IDF + NMF at `themes` components, each comment in its strongest (-1 where it has no known word)."""
    vectorizer = TfidfVectorizer(stop_words="english", min_df=2, max_df=0.5)
    nmf = NMF(themes, init="nndsvd", max_iter=400, random_state=0).fit(vectorizer.fit_transform(fit["text"].fillna("")))
    weights = nmf.transform(vectorizer.transform(scored["text"].fillna("")))
    return np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)


def splits(comments: pd.DataFrame) -> list[tuple[str, list[str], list[str]]]:
    """(name, services fitted, services scored): each held out in turn, then each alone fitted."""
    services = sorted(comments["service"].dropna().unique())
    held_out = [(f"held out: {s}", [o for o in services if o != s], [s]) for s in services]
    alone = [(f"fitted alone: {s}", [s], [o for o in services if o != s]) for s in services]
    return held_out + alone


def measure(comments: pd.DataFrame, subjects: int) -> pd.DataFrame:
    """One row per split: comments scored, themes, NMI ours and baseline."""
    rows = []
    for name, fitted, scored_services in splits(comments):
        fit = comments[comments["service"].isin(fitted)]
        scored = comments[comments["service"].isin(scored_services) & comments["human"].notna()]
        started = time.perf_counter()
        mine = ours(fit, scored, subjects)
        count = mine[mine != "(none)"].nunique()
        rows.append({"split": name, "fitted": len(fit), "scored": len(scored), "themes": count,
                     "ours": normalized_mutual_info_score(scored["human"], mine),
                     "baseline": normalized_mutual_info_score(scored["human"], baseline(fit, scored, count)),
                     "seconds": time.perf_counter() - started})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--themes", type=int, default=10, help="subjects asked of our model (the theme_count default)")
    args = parser.parse_args()
    if not REAL.exists():
        sys.exit(f"real data not found at {REAL}")
    table = measure(load(), args.themes)
    table["gain"] = table["ours"] - table["baseline"]
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    for kind in ("held out", "fitted alone"):
        part = table[table["split"].str.startswith(kind)]
        print(f"mean, {kind}: ours {part['ours'].mean():.3f}, baseline {part['baseline'].mean():.3f}, "
              f"gain {part['gain'].mean():+.3f}")


if __name__ == "__main__":
    main()
