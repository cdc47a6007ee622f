"""Tests for analytics.register's sentences: why a key question reads as fragile, from the figure that is weak."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics.findings import Finding
from analytics.register import COMPLAINTS_MEASURE, Window, _weak_sentence, build_register
from analytics.settings import default_settings

WINDOW = Window(date(2024, 6, 1), date(2024, 11, 30))


@pytest.mark.parametrize(("row", "sentence"), [
    # complaints in the window against as many months before
    ({"source": "complaints", "measure": COMPLAINTS_MEASURE, "value": 4.0, "earlier": 1},
     "Complaints rose to 4 in Jun 2024 to Nov 2024 (1 in as many months before)."),
    # the well-led register's complaints figure is a share, with no earlier count (a KeyError before)
    ({"source": "complaints", "measure": "share of complaints acknowledged within 3 days", "value": 0.0},
     "Share of complaints acknowledged within 3 days is 0% over Jun 2024 to Nov 2024, below the level set as good."),
    ({"source": "rota", "measure": "fill rate", "value": 0.9},
     "Fill rate is 90% over Jun 2024 to Nov 2024, below the level set as good."),
])
def test_a_weak_figure_is_told_as_what_it_measures(row, sentence):
    assert _weak_sentence(row, WINDOW) == sentence


def concern(team: str | None, subject: str) -> Finding:
    return Finding(kind="repeat_finding", service="Elm Court", team=team, shift=None, key_question="Safe",
                   quality_statement=None, subject=subject, status="concern", confidence="high",
                   period_start=WINDOW.start, period_end=WINDOW.end,
                   summary=f"{subject} fails on {team or 'every team'}.")


def test_a_service_s_row_is_told_by_its_own_service_wide_finding_before_one_team_s():
    # The team's finding comes first in the list; the service's row still tells the item failing on every team.
    findings = [concern("Ash", "Falls risk assessment current"), concern(None, "Controlled drugs count correct")]
    register = build_register(pd.DataFrame(columns=["service", "team", "key_question"]), findings,
                              default_settings(), WINDOW)
    safe = register[register["key_question"] == "Safe"]
    safe = safe.set_index(safe["team"].fillna("service"))
    assert safe.loc["service", "summary"] == "Controlled drugs count correct fails on every team."
    assert safe.loc["Ash", "summary"] == "Falls risk assessment current fails on Ash."
