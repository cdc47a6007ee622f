"""Tables kept as Parquet blobs: read back as written, and, for some values of the column they are grouped by, only
those values' row groups, giving what the whole read then chosen gives."""

from __future__ import annotations

import io

import pandas as pd
import pyarrow.parquet as pq
import pytest

from analytics.frame_blobs import _row_groups, from_blob, to_blob

FRAME = pd.DataFrame({"service": ["Oak", "Elm", "Oak", "Ash", "Elm"], "n": [1, 2, 3, 4, 5],
                      "text": pd.Series(["a", None, "c", "d", "e"], dtype=object),
                      "extra": [{"k": 1}, None, [1, 2], None, {"k": 2}]})


def _chosen(frame: pd.DataFrame, values: tuple) -> pd.DataFrame:
    return frame[frame["service"].isin(values)]


@pytest.mark.parametrize("values", [(), ("Oak",), ("Elm", "Ash"), ("Ash", "Elm", "Oak"), ("Beech",), ("Oak", "Beech")])
@pytest.mark.parametrize("frame", [FRAME, FRAME.assign(service=["Oak", None, "Oak", "Ash", None])],
                         ids=["every row placed", "some rows with no service"])
@pytest.mark.parametrize("grouped", [True, False])
def test_some_values_read_as_the_whole_then_chosen(frame, values, grouped):
    blob = to_blob(frame, grouped_by="service" if grouped else None)
    part = from_blob(blob, ("service", values))
    expected = _chosen(frame, values)
    assert list(part.index) == list(expected.index)  # indexed by their places in the frame written
    assert part["n"].tolist() == expected["n"].tolist()
    assert part["text"].tolist() == expected["text"].tolist()
    assert part["extra"].tolist() == expected["extra"].tolist()


def test_a_grouped_blob_is_read_for_the_values_row_groups_only():
    parquet = pq.ParquetFile(io.BytesIO(to_blob(FRAME, grouped_by="service")))
    assert parquet.metadata.num_row_groups == 3  # Ash, Elm, Oak
    assert _row_groups(parquet, "service", ["Oak"]) == [2]
    assert _row_groups(parquet, "service", ["Elm", "Ash"]) == [0, 1]
    assert _row_groups(parquet, "service", []) == []
    # A group whose statistics cannot say which value it holds (no service at all): the whole blob is read.
    mixed = pq.ParquetFile(io.BytesIO(to_blob(FRAME.assign(service=["Oak", None, "Oak", "Ash", None]),
                                              grouped_by="service")))
    assert _row_groups(mixed, "service", ["Oak"]) is None


def test_a_blob_reads_back_as_written():
    back = from_blob(to_blob(FRAME))
    assert back["text"].tolist() == ["a", None, "c", "d", "e"]
    assert back["extra"].tolist() == FRAME["extra"].tolist()
    assert back["n"].tolist() == [1, 2, 3, 4, 5]
