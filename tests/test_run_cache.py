"""Answers shared within one run of the analytics (analytics.run_cache): the same as asking afresh."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics import measures, pooled_items
from analytics.repeat_findings import repeat_findings, repeat_table
from analytics.run_cache import run_services, shared, shared_run
from analytics.scope import Scope
from analytics.settings import load_settings

OAK, RIVER = "Oakwood House", "Riverside Homecare"
GROUPINGS = {"audits": [("service",), ("service", "team", "shift"), ("service", "audit_type", "item", "team")],
             "rota": [("service",), ("service", "team", "shift")], "complaints": [("service",), ("service", "team")],
             "feedback": [("service",), ("service", "team", "question")]}


@pytest.mark.parametrize("measure_id", list(measures.MEASURES))
def test_a_measure_for_one_service_in_a_run_is_the_one_asked_alone(demo_con, measure_id):
    """Inside a run of both services, one service's monthly rows come from the question about both, sliced: they
    must be exactly what asking about the one service alone gives."""
    settings = load_settings(demo_con)
    source = measures.measure(measure_id).source
    for by in GROUPINGS[source]:
        for start, end in ((None, None), (date(2026, 1, 1), date(2026, 9, 30))):
            for service in (OAK, RIVER):
                alone = measures.monthly(demo_con, Scope((service,)), measure_id, by, start, end, settings)
                with shared_run((OAK, RIVER)):
                    shared_answer = measures.monthly(demo_con, Scope((service,)), measure_id, by, start, end,
                                                     settings)
                # Rows, groups and types exactly; sums to the last bits DuckDB's parallel sums vary in between
                # two askings of the same question.
                pd.testing.assert_frame_equal(shared_answer, alone, check_exact=False, rtol=1e-12, atol=0)


def test_an_answer_is_worked_out_once_a_run_and_each_caller_gets_its_own_copy():
    calls = []

    @shared
    def table(con, scope, settings, by=("service",)):
        calls.append(scope)
        return pd.DataFrame({"service": ["a", "b"], "value": [1.0, 2.0]})

    settings = {"thresholds": {"x": 1}}
    with shared_run(("a", "b")):
        first = table(None, Scope(("a",)), settings)
        first["value"] = 0.0  # a caller changing its frame changes nobody else's
        again = table(None, Scope(("a",)), {"thresholds": {"x": 1}}, ("service",))  # the same, passed otherwise
        assert run_services() == ("a", "b")
    assert calls == [Scope(("a",))]
    assert list(again["value"]) == [1.0, 2.0]
    table(None, Scope(("a",)), settings)
    table(None, Scope(("a",)), settings)
    assert len(calls) == 3  # outside a run, asked afresh every time
    assert run_services() == ()


def test_the_pooled_item_check_runs_once_a_run(demo_con, monkeypatch):
    settings = load_settings(demo_con)
    scope = Scope((OAK, RIVER))
    alone = (repeat_findings(demo_con, scope, settings), repeat_table(demo_con, scope, settings),
             pooled_items.failing_across_services(demo_con, scope, settings))
    calls = []
    real = pooled_items.pooled_items
    monkeypatch.setattr(pooled_items, "pooled_items", lambda *a: calls.append(a) or real(*a))
    with shared_run((OAK, RIVER)):
        together = (repeat_findings(demo_con, scope, settings), repeat_table(demo_con, scope, settings),
                    pooled_items.failing_across_services(demo_con, scope, settings))
    assert len(calls) == 1
    assert together[0] == alone[0]
    pd.testing.assert_frame_equal(together[1], alone[1])
    assert [p.row for p in together[2]] == [p.row for p in alone[2]]
