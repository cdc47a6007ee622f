"""Tests for analytics.register's sentences: why a key question reads as fragile, from the figure that is weak."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.register import COMPLAINTS_MEASURE, Window, _weak_sentence

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
