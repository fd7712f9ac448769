"""Vega-Lite specs as plain dicts: built once, filled with a little data per rerun.

Building an Altair chart and validating it against the schema costs tens of
milliseconds per chart, on every rerun of every session. Pages instead keep a spec
template (built with Altair once, or written by hand) and only swap in the few rows
that changed; the tests validate the templates against the schema once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd
import pyarrow as pa
import streamlit as st

from ui.palette import Ink, ink

Rows = Sequence[Mapping[str, Any]]


def clean(value: Any) -> Any:
    """JSON-safe copy: non-finite floats become None (drawn as gaps, never as 'NaN')."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def with_data(template: Mapping[str, Any], datasets: Mapping[str, Rows]) -> dict:
    """A copy of ``template`` whose named datasets hold ``datasets`` (rows as dicts)."""
    spec = dict(template)
    spec["datasets"] = {**template.get("datasets", {}), **{k: clean(list(v)) for k, v in datasets.items()}}
    return spec


def arrow_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as an Arrow IPC stream, the form ``st.vega_lite_chart`` passes straight on to
    the browser for a named dataset (anything else it converts itself, on every rerun).

    Float columns go as float32: 7 significant digits, more than any tooltip shows, at half
    the bytes. The index is left out: no chart draws it.
    """
    small = frame.astype({c: "float32" for c in frame.columns if frame[c].dtype == "float64"})
    table = pa.Table.from_pandas(small, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def frozen(chart: alt.TopLevelMixin) -> dict:
    """An Altair chart as a spec dict, unvalidated (validation happens in the tests)."""
    return chart.to_dict(validate=False)


SCRUB_LINE_HEIGHT = 16
"""Pixels of the one-line readout under a scrubbed chart."""


def text_line(chart: alt.Chart) -> dict:
    """A one-line text panel: ``chart`` computes the field ``line`` (the scrubbed epoch's
    numbers, updated in the browser with no rerun); this draws it, left-aligned and bold,
    as a view spec to stack under the chart."""
    text = (chart.mark_text(align="left", baseline="middle", fontSize=12, fontWeight="bold",
                            clip=True)
            .encode(x=alt.value(0), y=alt.value(SCRUB_LINE_HEIGHT / 2), text="line:N"))
    spec = frozen(text.properties(height=SCRUB_LINE_HEIGHT))
    return {**{k: spec[k] for k in ("data", "mark", "encoding", "transform", "height")},
            "view": {"stroke": None}}


def theme_config(colours: Ink) -> dict:
    """The Vega config that makes a chart's text read on ``colours.background``.

    Streamlit's own chart theme draws axis labels in a grey of 3.7:1 on white; this sets
    every text colour a chart uses (axes, legends, titles, text marks) to the theme's ink,
    at least 4.5:1 on its background.
    """
    text, muted = colours.text, colours.muted
    return {
        "axis": {"labelColor": muted, "titleColor": text, "domainColor": muted,
                 "tickColor": muted, "gridColor": colours.grid},
        "legend": {"labelColor": muted, "titleColor": text},
        "header": {"labelColor": muted, "titleColor": text},
        "title": {"color": text, "subtitleColor": muted},
        "text": {"color": text},
    }


def themed(spec: Mapping[str, Any], colours: Ink) -> dict:
    """A shallow copy of ``spec`` whose config carries :func:`theme_config` on top of its own."""
    config = {**spec.get("config", {})}
    for key, values in theme_config(colours).items():
        config[key] = {**config.get(key, {}), **values}
    return {**spec, "config": config}


def table(rows: Any) -> Any:
    """A dataset of rows (dicts) as a pyarrow Table, which Streamlit serializes directly;
    anything else as it is.

    Why: given rows, Streamlit builds a pandas DataFrame and converts that to Arrow, about
    four times the work (1 ms for the finite-difference sweep's 240 rows), on every rerun of
    every chart. The columns are the rows' keys in order of appearance, a missing key a null,
    as pandas makes them. A column pyarrow cannot type (mixed numbers and text) keeps the
    pandas path, which turns it into text.
    """
    if not isinstance(rows, list) or not rows or not all(isinstance(r, Mapping) for r in rows):
        return rows
    keys = list(dict.fromkeys(k for r in rows for k in r))
    try:
        return pa.table({str(k): [r.get(k) for r in rows] for k in keys})
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return rows


def show(spec: Mapping[str, Any], where: Any = None, **kwargs: Any) -> Any:
    """Draw a spec dict stretched to its container (charts never make a phone pan), its
    text in the ink of the learner's theme, its datasets handed over as Arrow tables."""
    target = where if where is not None else st
    drawn = themed(spec, ink())
    if "datasets" in drawn:
        drawn["datasets"] = {name: table(rows) for name, rows in drawn["datasets"].items()}
    return target.vega_lite_chart(spec=drawn, width="stretch", **kwargs)


def validate(spec: Mapping[str, Any]) -> None:
    """Check a spec against the Vega-Lite schema Altair ships (for tests); raises if bad."""
    from altair.utils.schemapi import validate_jsonschema
    from altair.vegalite.v6.schema.core import load_schema

    validate_jsonschema(dict(spec), load_schema())
