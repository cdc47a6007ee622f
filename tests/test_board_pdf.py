"""The board pack as a PDF: made on the server, every section there, statuses drawn as shapes, checked by
rendering its pages to images."""

from __future__ import annotations

import pandas as pd
import pypdfium2 as pdfium
import pytest
from test_board_pack import GENERATED, MASKED, OAK, insights_before, insights_now, views

from analytics.board_pack import build_board_pack
from analytics.board_pdf import STATUS_COLOURS, board_pack_pdf, pdf_text
from analytics.insights import Insights


def pages_of(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    return [document[i].get_textpage().get_text_range() for i in range(len(document))]


@pytest.mark.parametrize(("text", "spelled"), [
    ("⚠ Concern — Willow’s night", "Concern - Willow's night"),
    ("Zoë Müller", "Zoë Müller"),            # Latin-1 kept
    ("Łódź", "?ód?"),                        # outside Latin-1: a question mark, never an error
    (None, ""), (float("nan"), ""), (0.5, "0.5"),
    ("two\nlines  spaced", "two lines spaced"),
])
def test_pdf_text(text: object, spelled: str) -> None:
    assert pdf_text(text) == spelled


def test_concern_and_fragile_colours_differ_clearly() -> None:
    concern, fragile = STATUS_COLOURS["concern"], STATUS_COLOURS["fragile"]
    assert sum(abs(a - b) for a, b in zip(concern, fragile)) > 100


def test_the_pdf_holds_every_section() -> None:
    pack = build_board_pack(insights_now(), insights_before(), None, views(), generated=GENERATED)
    data = board_pack_pdf(pack)
    assert data.startswith(b"%PDF-")
    text = " ".join(pages_of(data))
    flat = " ".join(text.split())
    for heading in ("Board report: All services", "What the board must know", "Where each key question stands",
                    "Direction of travel: since 30/09/2026", "The measures that matter", "What is a concern",
                    "What is still fragile", "What is strong, and why", "What is qualified, and why",
                    "What leaders said versus what the evidence shows"):
        assert heading in flat, heading
    assert "1. Concern - Oak House - Rowan" in flat
    assert " ".join(MASKED.split()[:6]) in flat
    assert "Evidence: agency share of hours 38% against 6%, May 2026 to Oct 2026; rows: rota lines on Rowan" in flat
    assert "Staffing is <b>stable</b> on every unit" in flat  # written as text, never markup


def test_the_first_page_renders_with_status_shapes() -> None:
    pack = build_board_pack(insights_now(), insights_before(), None, views(), generated=GENERATED)
    page = pdfium.PdfDocument(board_pack_pdf(pack))[0].render(scale=1).to_pil().convert("RGB")
    colours = {colour for _, colour in page.getcolors(maxcolors=1 << 24)}
    assert STATUS_COLOURS["concern"] in colours and STATUS_COLOURS["strong"] in colours
    assert STATUS_COLOURS["fragile"] in colours  # Elm Court's fragile cell in the grid


def test_an_empty_pack_still_makes_a_pdf() -> None:
    empty = Insights(None, [], pd.DataFrame())
    pack = build_board_pack(empty, empty, OAK, pd.DataFrame(), generated=GENERATED)
    text = " ".join(" ".join(pages_of(board_pack_pdf(pack))).split())
    assert "Nothing stands out" in text and "No key question has evidence yet." in text
