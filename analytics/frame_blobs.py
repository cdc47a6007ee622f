"""A table of results kept in the store as one Parquet blob, and read back as it was computed."""

from __future__ import annotations

import io
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

_AS_JSON = "__json"  # the suffix of a column of dictionaries or lists, written as JSON text


def to_blob(frame: pd.DataFrame) -> bytes:
    """The frame as Parquet. Columns of dictionaries or lists go as JSON text: Parquet would turn a dictionary into
    a record of every key."""
    frame = frame.reset_index(drop=True)
    for column in list(frame.columns):
        if frame[column].dtype == object and frame[column].map(lambda v: isinstance(v, (dict, list, tuple))).any():
            frame = frame.assign(**{f"{column}{_AS_JSON}": [None if v is None else json.dumps(v, default=str)
                                                           for v in frame[column]]}).drop(columns=column)
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def from_blob(data: bytes) -> pd.DataFrame:
    """The frame `to_blob` wrote: JSON columns back as dictionaries and lists, text missing as None, as computed."""
    table = pq.read_table(io.BytesIO(data))
    frame = table.to_pandas()
    for column, values in zip(table.column_names, table.columns):
        if column.endswith(_AS_JSON):
            frame[column] = [None if v is None else json.loads(v) for v in values.to_pylist()]
            frame = frame.rename(columns={column: column.removesuffix(_AS_JSON)})
        elif pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            # Arrow's own conversion gives text as objects with None where missing, at C speed, not per cell.
            frame[column] = pd.Series(values.to_numpy(zero_copy_only=False), index=frame.index, dtype=object)
    return frame
