"""ui.vega's Arrow bytes: what a chart's named dataset carries to the browser."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ui.vega import arrow_bytes


def test_arrow_bytes_are_an_ipc_stream_of_the_columns_with_floats_as_float32():
    frame = pd.DataFrame({"w": [0.1, 2.5e-7, -3.0e8], "epoch": [1, 2, 3], "what": ["a", "b", "c"]},
                         index=[7, 3, 9])  # a thinned history keeps its row labels
    table = pa.ipc.open_stream(arrow_bytes(frame)).read_all()
    assert table.schema.names == ["w", "epoch", "what"]  # the index is not sent
    assert table.schema.field("w").type == pa.float32()
    assert table.schema.field("epoch").type == pa.int64()
    assert table.column("w").to_pylist() == [float(np.float32(x)) for x in (0.1, 2.5e-7, -3.0e8)]
    assert table.column("epoch").to_pylist() == [1, 2, 3]
    assert table.column("what").to_pylist() == ["a", "b", "c"]

