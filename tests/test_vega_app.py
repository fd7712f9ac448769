"""Charts hand Streamlit their datasets as Arrow tables (ui.vega.table), which it serializes
directly instead of building a pandas DataFrame per dataset per rerun; the data the browser
gets is what Streamlit's own pandas path makes of the same rows."""

from __future__ import annotations

import math

import pyarrow as pa
import pytest
from conftest import run_page
from streamlit import dataframe_util

from ui.catalog import PAGES
from ui.vega import table

ROWS = [
    {"w": 1, "loss": 2.5, "what": "start", "flag": True},
    {"w": 2, "loss": None, "what": None, "flag": False},
    {"w": 3, "loss": 0.125, "what": "end", "extra": 7.0},
]


def _read(data: bytes) -> list[dict]:
    return pa.ipc.open_stream(data).read_all().to_pandas().to_dict("records")


def _same(a: object, b: object) -> bool:
    both_missing = all(x is None or (isinstance(x, float) and math.isnan(x)) for x in (a, b))
    return both_missing or a == b


def test_a_table_carries_what_streamlits_pandas_path_carries():
    ours = _read(dataframe_util.convert_anything_to_arrow_bytes(table(ROWS)))
    theirs = _read(dataframe_util.convert_anything_to_arrow_bytes(ROWS))
    assert [list(r) for r in ours] == [list(r) for r in theirs]  # same columns, same order
    for mine, pandas in zip(ours, theirs, strict=True):
        assert all(_same(mine[k], pandas[k]) for k in pandas), (mine, pandas)


def test_what_arrow_cannot_type_keeps_the_pandas_path():
    mixed = [{"x": 1}, {"x": "one"}]
    assert table(mixed) is mixed
    assert table([]) == [] and table(b"arrow bytes") == b"arrow bytes"


@pytest.mark.parametrize("stem", [p.stem for p in PAGES])
def test_every_chart_dataset_reaches_streamlit_as_arrow(stem, monkeypatch):
    from streamlit.elements import vega_charts

    kinds: list[type] = []  # an empty dataset has nothing to convert: it may stay a list
    marshall = vega_charts._marshall_chart_data

    def spy(proto, spec, data=None):
        kinds.extend(type(v) for v in spec.get("datasets", {}).values() if len(v))
        return marshall(proto, spec, data)

    monkeypatch.setattr(vega_charts, "_marshall_chart_data", spy)
    run_page(f"pages/{stem}.py")
    assert kinds, "no chart dataset drawn"
    assert set(kinds) <= {pa.Table, bytes}, kinds
