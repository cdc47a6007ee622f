"""Long lists on a page: one element for a list of sentences, and the first rows of a long table or set of cards
with a toggle for the rest (pages.common.show_listed, how_many_shown)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _listed(count: int) -> None:
    from pages.common import show_listed

    show_listed(range(count), lambda n: f"Item {n} failed")


def _shown(total: int) -> None:
    import streamlit as st

    from pages.common import how_many_shown

    st.markdown(f"shown {how_many_shown(total, 12, 'all_places', 'places', 'Gaps come first.')}")


def test_sentences_are_one_list_however_many():
    app = AppTest.from_function(_listed, args=(3,)).run()
    assert [m.value for m in app.markdown] == ["- Item 0 failed\n- Item 1 failed\n- Item 2 failed"]


def test_a_long_list_shows_its_first_hundred_and_says_how_to_see_the_rest():
    app = AppTest.from_function(_listed, args=(150,)).run()
    [text] = [m.value for m in app.markdown]
    lines = text.split("\n")
    assert lines[99] == "- Item 99 failed" and "- Item 100 failed" not in lines
    assert lines[-1] == "_The first 100 of 150. Choose a service, team or shift in the filters to see the rest._"


def test_a_short_set_is_shown_whole_without_a_toggle():
    app = AppTest.from_function(_shown, args=(12,)).run()
    assert app.markdown[0].value == "shown 12" and not app.toggle and not app.caption


def test_a_long_set_shows_its_first_items_until_asked_for_all():
    app = AppTest.from_function(_shown, args=(30,)).run()
    assert app.markdown[0].value == "shown 12"
    assert [c.value for c in app.caption] == ["The first 12 of 30 places. Gaps come first."]
    assert app.toggle(key="all_places").label == "Show all 30 places"
    app.toggle(key="all_places").set_value(True).run()
    assert app.markdown[0].value == "shown 30" and not app.caption
