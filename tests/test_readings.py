"""The readings type, the parser of a learner's text, links and the generated sets.

Expected values are written from the inputs by hand (row/column counted in the text), and
the generated sets are rebuilt here with their own torch.Generator, not through the module.
"""

from __future__ import annotations

import pickle
import time

import pytest
import torch
from reference import T_C, T_U_BOOK

import thermo_core as tc
from thermo_core import readings as R


def _codes(text: str) -> list[tuple[str, int | None, int | None]]:
    return [(p.code, p.row, p.column) for p in tc.parse_text(text).problems]


def test_book_readings_are_the_chapters():
    t_u, t_c = tc.book().tensors()
    assert t_u.dtype == torch.float32
    assert t_u.tolist() == [float(torch.tensor(x)) for x in T_U_BOOK]
    assert t_c.tolist() == T_C
    assert tc.book().values() == (tuple(T_U_BOOK), tuple(T_C))


def test_readings_hash_fast_and_pickle_at_the_row_limit():
    big = tc.Readings.from_values("own", [float(i) for i in range(R.MAX_ROWS)], [1.0] * R.MAX_ROWS)
    start = time.perf_counter()
    for _ in range(100):
        hash(tc.Readings(big.name, big.t_u, big.t_c))
    assert time.perf_counter() - start < 0.1
    assert pickle.loads(pickle.dumps(big)) == big


def test_header_no_header_and_tsv_give_the_same_readings():
    plain = tc.parse_text("35.7,0.5\n55.9,14\n58.2,15\n")
    header = tc.parse_text("t_u,t_c\n35.7,0.5\n55.9,14\n58.2,15\n")
    tsv = tc.parse_text("t_u\tt_c\n35.7\t0.5\n55.9\t14\n58.2\t15")
    assert plain.readings == header.readings == tsv.readings
    assert plain.readings.values() == ((35.7, 55.9, 58.2), (0.5, 14.0, 15.0))
    assert [(n.code, n.row) for n in header.notes] == [("header", 1)]
    assert plain.notes == ()


def test_decimal_comma_is_read_with_semicolons_or_tabs_and_reported_with_commas():
    semi = tc.parse_text("35,7;0,5\n55,9;14\n58,2;15")
    assert semi.readings.values() == ((35.7, 55.9, 58.2), (0.5, 14.0, 15.0))
    assert [(n.code, n.row) for n in semi.notes] == [("decimal_comma_read", 1)]
    assert tc.parse_text("35,7\t0,5\n55,9\t14\n58,2\t15").readings == semi.readings
    assert _codes("1,2\n35,7,0,5\n3,4\n5,6") == [("decimal_comma", 2, None)]


def test_blank_lines_are_skipped_and_named():
    parsed = tc.parse_text("1,2\n\n3,4\n  \n5,7\n\n\n")
    assert parsed.readings.n == 3
    assert [(n.code, n.row) for n in parsed.notes] == [("blank", 2), ("blank", 4)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,2\n3,x\n5,6", [("not_a_number", 2, 2)]),
        ("1,2\nabc,4\n5,6", [("not_a_number", 2, 1)]),
        ("1,2\n3,nan\n5,6", [("not_finite", 2, 2)]),
        ("1,2\n-inf,4\n5,6", [("not_finite", 2, 1)]),
        ("1,2\n3,4\n5,1e400", [("out_of_range", 3, 2)]),
        ("1,2\n3,4\n5,-2e16", [("out_of_range", 3, 2)]),
        ("1,2\n3,4,5\n6,7\n8,9", [("columns", 2, None)]),
        ("1,2\n3,4", [("too_few_rows", None, None)]),
        ("1,2\n3,4\n1,5", [("duplicate_x", 3, 1)]),
        ("2,1\n2,2\n2,3", [("all_equal_x", None, 1)]),
        ("", [("empty", None, None)]),
        ("x,y\n1,oops\nnan,2\n3,4\n3,5",
         [("not_a_number", 2, 2), ("not_finite", 3, 1), ("duplicate_x", 5, 1)]),
    ],
)
def test_each_problem_is_reported_with_its_row_and_column(text, expected):
    parsed = tc.parse_text(text)
    assert parsed.readings is None
    assert _codes(text) == expected


def test_a_duplicate_names_the_row_it_repeats():
    (problem,) = tc.parse_text("1,2\n3,4\n1,5").problems
    assert (problem.row, problem.other_row, problem.text) == (3, 1, "1")


def test_row_and_size_limits():
    rows = "\n".join(f"{i},{i % 7}" for i in range(R.MAX_ROWS + 1))
    assert _codes(rows) == [("too_many_rows", None, None)]
    assert tc.parse_text("\n".join(rows.splitlines()[: R.MAX_ROWS])).readings.n == R.MAX_ROWS
    huge = b"1,2\n" * (R.MAX_BYTES // 4 + 1)
    assert [p.code for p in tc.parse_bytes(huge).problems] == ["too_big"]
    assert [(p.code, p.row) for p in tc.parse_bytes(b"1,2\n3,4\n\xff,5").problems] == [("encoding", 3)]
    assert tc.parse_bytes("\ufeffa,b\n1,2\n3,4\n5,6".encode()).readings.n == 3


def test_links_round_trip_and_are_checked_like_text():
    for readings in (tc.book(), tc.generated("second_thermometer"), tc.generated("outlier")):
        url = tc.to_url(readings)
        assert set(url) <= set("0123456789.-e_~")
        assert tc.from_url(url).readings == readings
    own = tc.parse_text("1,2\n3,4.5\n-6e-7,8").readings
    assert tc.from_url(tc.to_url(own)).readings == own
    assert tc.from_url("1_2~1_3").readings is None
    assert [p.code for p in tc.from_url("1_2~3_4~<b>_5").problems] == ["bad_link"]
    assert [p.code for p in tc.from_url("1_2~3_x~5_6").problems] == ["bad_link"]
    assert [(p.code, p.row, p.column) for p in tc.from_url("1_2~3_e~5_6").problems] == [
        ("not_a_number", 2, 2)
    ]
    fifty_one = tc.Readings.from_values("own", list(range(51)), [0.0] * 51)
    assert tc.to_url(fifty_one) is None


def test_a_link_names_known_readings():
    assert tc.from_url(tc.to_url(tc.book())).readings.is_book
    assert tc.from_url("1_2~3_4~5_7").readings.name == "own"


def test_generated_sets_rebuild_from_their_seeds():
    gen = torch.Generator().manual_seed(tc.GENERATED_SEEDS["second_thermometer"])
    t_c = -10.0 + 45.0 * torch.rand(20, generator=gen, dtype=torch.float64)
    t_u = 0.8 * t_c + 0.5 * torch.randn(20, generator=gen, dtype=torch.float64)
    t_u_got, t_c_got = tc.generated("second_thermometer").values()
    assert t_u_got == tuple(round(v, 1) + 0.0 for v in t_u.tolist())
    assert t_c_got == tuple(round(v, 1) + 0.0 for v in t_c.tolist())

    outlier_u, outlier_c = tc.generated("outlier").values()
    assert outlier_u == tuple(T_U_BOOK)
    changed = [i for i, (a, b) in enumerate(zip(outlier_c, T_C, strict=True)) if a != b]
    assert len(changed) == 1 and 25 <= outlier_c[changed[0]] - T_C[changed[0]] <= 35
    assert tc.generated("outlier") == tc.generated("outlier")
    with pytest.raises(ValueError, match="unknown generated readings"):
        tc.generated("nope")
