"""A table of results kept in the store as one Parquet blob, and read back as it was computed.

A blob written grouped by a column (`to_blob(frame, grouped_by=...)`) keeps each value's rows in row groups of their
own, with each row's place in the frame, so a reader wanting some values' rows (`from_blob(data, only=...)`) reads
only their row groups: one service's texts out of a group's, not the lot.
"""

from __future__ import annotations

import io
import json
from collections.abc import Collection

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

_AS_JSON = "__json"  # the suffix of a column of dictionaries or lists, written as JSON text
_ROW = "__row"  # a grouped blob's column: each row's place in the frame written


def to_blob(frame: pd.DataFrame, grouped_by: str | None = None) -> bytes:
    """The frame as Parquet. Columns of dictionaries or lists go as JSON text: Parquet would turn a dictionary into
    a record of every key. Grouped by a column: each of its values' rows in row groups of their own."""
    frame = frame.reset_index(drop=True)
    for column in list(frame.columns):
        if frame[column].dtype == object and frame[column].map(lambda v: isinstance(v, (dict, list, tuple))).any():
            frame = frame.assign(**{f"{column}{_AS_JSON}": [None if v is None else json.dumps(v, default=str)
                                                           for v in frame[column]]}).drop(columns=column)
    buffer = io.BytesIO()
    if grouped_by is None or grouped_by not in frame.columns or frame.empty:
        frame.to_parquet(buffer, index=False)
        return buffer.getvalue()
    keys = frame[grouped_by].astype(object).fillna("").astype(str).to_numpy()
    order = np.argsort(keys, kind="stable")
    ordered = frame.assign(**{_ROW: np.arange(len(frame), dtype=np.int64)}).iloc[order]
    table = pa.Table.from_pandas(ordered, preserve_index=False)  # one schema for every group
    keys = keys[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    with pq.ParquetWriter(buffer, table.schema) as writer:
        for start, end in zip(starts, [*starts[1:], len(ordered)]):
            writer.write_table(table.slice(start, end - start))
    return buffer.getvalue()


def _row_groups(parquet: pq.ParquetFile, column: str, values: list[object]) -> list[int] | None:
    """The row groups holding the values' rows, by each group's statistics (a grouped blob's groups each hold one
    value), or None where a group's statistics cannot say (read everything and filter). Read from the file's own
    metadata: Arrow's dataset filters cost more to set up, in a page's first view, than the read itself."""
    at = parquet.schema_arrow.get_field_index(column)
    wanted, groups = {str(v) for v in values}, []
    for group in range(parquet.metadata.num_row_groups):
        stats = parquet.metadata.row_group(group).column(at).statistics
        if stats is None or not stats.has_min_max or stats.min != stats.max:
            return None
        if str(stats.min) in wanted:
            groups.append(group)
    return groups


def from_blob(data: bytes, only: tuple[str, Collection[object]] | None = None) -> pd.DataFrame:
    """The frame `to_blob` wrote: JSON columns back as dictionaries and lists, text missing as None, as computed.
    With `only` (a column and the values wanted), just the rows with those values, in their order, indexed by their
    places in the frame written; a blob grouped by that column is read only for their row groups."""
    parquet = pq.ParquetFile(io.BytesIO(data))
    grouped = _ROW in parquet.schema_arrow.names
    if only is None:
        table = parquet.read()
    else:
        column, values = only[0], list(only[1])
        # A grouped blob skips other values' row groups; one written whole is read whole, its rows numbered first.
        groups = _row_groups(parquet, column, values) if grouped else None
        table = parquet.read() if groups is None else parquet.read_row_groups(groups)
        if not grouped:
            table = table.append_column(_ROW, pa.array(np.arange(len(table), dtype=np.int64)))
        table = table.filter(pc.is_in(table[column].cast(pa.string()), value_set=pa.array(values, pa.string())))
    places = None
    if _ROW in table.column_names:
        table = table.take(pc.sort_indices(table[_ROW]))
        places = table[_ROW].to_numpy()
        table = table.drop_columns([_ROW])
    frame = table.to_pandas()
    if only is not None:
        frame.index = pd.Index(places)
    for column, values in zip(table.column_names, table.columns):
        if column.endswith(_AS_JSON):
            frame[column] = [None if v is None else json.loads(v) for v in values.to_pylist()]
            frame = frame.rename(columns={column: column.removesuffix(_AS_JSON)})
        elif pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            # Arrow's own conversion gives text as objects with None where missing, at C speed, not per cell.
            frame[column] = pd.Series(values.to_numpy(zero_copy_only=False), index=frame.index, dtype=object)
    return frame
