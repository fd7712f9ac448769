"""The readings every page trains on: the book's eleven, a generated teaching set, or a
learner's own, as one value type, and the one parser that lets a learner's text in.

Pages pass a :class:`Readings` to every lesson function instead of each reaching for the
book's numbers, so a learner's data reach every page. The values are kept as float64 bytes:
a frozen dataclass of a short string and two ``bytes`` fields compares, hashes and passes
through ``st.cache_data``'s hasher in microseconds even at 10,000 rows (a tuple of 20,000
floats would be hashed float by float on every cached call).

The parser reports every problem it finds as a :class:`Problem` (a code with its row and
column); the sentences a learner reads are built from them in ``ui/``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

BOOK_T_C: tuple[float, ...] = (0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0)
BOOK_T_U: tuple[float, ...] = (35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4)

MIN_ROWS = 3
"""A line through two points fits exactly; three is the least that leaves something to learn."""
MAX_ROWS = 10_000
MAX_BYTES = 1_000_000
MAX_ABS = 1e15
"""Largest |value| accepted: squared errors of such readings still fit float32 (max ≈ 3.4e38)."""
URL_ROWS = 50
"""Datasets of at most this many rows travel in a link's ``data=`` parameter."""
_URL_CHARS = 40 * URL_ROWS
_DTYPE = "<f8"


@dataclass(frozen=True)
class Readings:
    """(t_u, t_c) pairs with a name: ``"book"``, a key of :data:`GENERATED`, or ``"own"``.

    ``t_u`` and ``t_c`` hold the values as given (float64, little-endian); the pages train on
    them rounded to float32, as the book's tensors are.
    """

    name: str
    t_u: bytes
    t_c: bytes

    @classmethod
    def from_values(cls, name: str, t_u: Sequence[float], t_c: Sequence[float]) -> Readings:
        """Build from two equally long sequences of floats."""
        if len(t_u) != len(t_c):
            raise ValueError(f"t_u has {len(t_u)} values, t_c {len(t_c)}")
        return cls(name, _pack(t_u), _pack(t_c))

    @property
    def n(self) -> int:
        """The number of readings."""
        return len(self.t_u) // 8

    @property
    def is_book(self) -> bool:
        """True for the chapter's eleven readings, whose numbers the prose quotes."""
        return self.name == "book"

    def values(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """(t_u, t_c) as Python floats, exactly as given (for code panels to write out)."""
        return tuple(_unpack(self.t_u).tolist()), tuple(_unpack(self.t_c).tolist())

    def tensors(self, dtype: torch.dtype = torch.float32) -> tuple[Tensor, Tensor]:
        """(t_u, t_c) as new tensors, float32 unless asked (float32 is what the book trains on)."""
        t_u = torch.from_numpy(_unpack(self.t_u).astype(np.float32)).to(dtype)
        t_c = torch.from_numpy(_unpack(self.t_c).astype(np.float32)).to(dtype)
        return t_u, t_c


def _pack(values: Sequence[float]) -> bytes:
    return np.asarray(values, dtype=_DTYPE).tobytes()


def _unpack(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=_DTYPE)


def book() -> Readings:
    """The chapter's eleven readings, in the book's order."""
    return Readings.from_values("book", BOOK_T_U, BOOK_T_C)


def load_readings() -> tuple[Tensor, Tensor]:
    """The book's (t_u, t_c) as float32 tensors: the default for notebooks and scripts."""
    return book().tensors()


# ---- generated teaching sets ---------------------------------------------------------------
def second_thermometer(seed: int = 4, n: int = 20) -> Readings:
    """A second thermometer in Réaumur (t_u = 0.8·t_c) read to 0.1 with noise of sd 0.5.

    t_c is drawn uniformly in [-10, 35] °C and both columns are rounded to one decimal, as a
    hand-written log would be. A seeded ``torch.Generator`` makes it the same set every time.
    """
    gen = torch.Generator().manual_seed(int(seed))
    t_c = -10.0 + 45.0 * torch.rand(n, generator=gen, dtype=torch.float64)
    t_u = 0.8 * t_c + 0.5 * torch.randn(n, generator=gen, dtype=torch.float64)
    return Readings.from_values("second_thermometer", _tenths(t_u), _tenths(t_c))


def with_outlier(seed: int = 3) -> Readings:
    """The book's readings with one t_c miswritten: off by 25-35 °C, at a seeded index."""
    gen = torch.Generator().manual_seed(int(seed))
    index = int(torch.randint(len(BOOK_T_C), (1,), generator=gen))
    shift = 25.0 + 10.0 * float(torch.rand(1, generator=gen, dtype=torch.float64))
    t_c = list(BOOK_T_C)
    t_c[index] = round(t_c[index] + shift, 1)
    return Readings.from_values("outlier", BOOK_T_U, t_c)


def _tenths(values: Tensor) -> list[float]:
    return [round(v, 1) + 0.0 for v in values.tolist()]


GENERATED_SEEDS: dict[str, int] = {"second_thermometer": 4, "outlier": 3}
"""Each generated set's seed, stated so a teacher can name and rebuild it."""


def generated(name: str) -> Readings:
    """A generated teaching set by name (a key of :data:`GENERATED_SEEDS`), from its seed."""
    if name == "second_thermometer":
        return second_thermometer(GENERATED_SEEDS[name])
    if name == "outlier":
        return with_outlier(GENERATED_SEEDS[name])
    raise ValueError(f"unknown generated readings {name!r}; allowed: {sorted(GENERATED_SEEDS)}")


def named(readings: Readings) -> Readings:
    """The same values under their known name (book or generated), else as they are."""
    for known in (book(), *(generated(k) for k in GENERATED_SEEDS)):
        if (known.t_u, known.t_c) == (readings.t_u, readings.t_c):
            return known
    return readings


# ---- the parser ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One thing wrong with (or done to) the input. ``row`` and ``column`` count from 1, as
    the learner's text does: row = line of the input, column 1 = t_u, column 2 = t_c.

    Codes: too_big, encoding, empty, columns, decimal_comma, not_a_number, not_finite,
    out_of_range, too_few_rows, too_many_rows, duplicate_x, all_equal_x, bad_link; as notes:
    header, blank, decimal_comma_read.
    """

    code: str
    row: int | None = None
    column: int | None = None
    text: str = ""
    other_row: int | None = None
    limit: float | None = None


@dataclass(frozen=True)
class Parsed:
    """The readings if the input was usable, every problem, and what was done on the way."""

    readings: Readings | None
    problems: tuple[Problem, ...]
    notes: tuple[Problem, ...]


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_NOT_FINITE = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE)
_INTEGER = re.compile(r"[+-]?\d+")


def parse_bytes(data: bytes) -> Parsed:
    """Parse an uploaded file: at most :data:`MAX_BYTES`, UTF-8 (a BOM is allowed)."""
    if len(data) > MAX_BYTES:
        return Parsed(None, (Problem("too_big", text=str(len(data)), limit=MAX_BYTES),), ())
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        row = data[: err.start].count(b"\n") + 1
        return Parsed(None, (Problem("encoding", row=row),), ())
    return parse_text(text)


def _delimiter(lines: Sequence[str]) -> str | None:
    """Tab, then semicolon, then comma, whichever the text uses first in that order; else
    any run of spaces (None)."""
    for mark in ("\t", ";", ","):
        if any(mark in line for line in lines):
            return mark
    return None


def _fields(line: str, mark: str | None) -> list[str]:
    return [f.strip() for f in (line.split(mark) if mark else line.split())]


def _value(field: str, row: int, column: int, comma_decimal: bool) -> tuple[float | None, Problem | None]:
    text = field.replace(",", ".") if comma_decimal else field
    if _NOT_FINITE.fullmatch(text):
        return None, Problem("not_finite", row, column, field)
    if not _NUMBER.fullmatch(text):
        return None, Problem("not_a_number", row, column, field)
    value = float(text)
    if not abs(value) <= MAX_ABS:
        return None, Problem("out_of_range", row, column, field, limit=MAX_ABS)
    return value, None


def parse_text(text: str) -> Parsed:
    """Parse pasted two-column text (x = t_u, y = t_c): CSV, semicolon- or tab-separated.

    An optional header is the first non-blank line if none of its fields is a number. Blank
    lines are skipped. With tabs or semicolons between columns a decimal comma is read as a
    point; with commas between columns it cannot be told from a column break and is reported.
    Every problem is reported, not just the first.
    """
    if len(text.encode("utf-8")) > MAX_BYTES:
        return Parsed(None, (Problem("too_big", text=str(len(text.encode())), limit=MAX_BYTES),), ())
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    used = [line for line in lines if line.strip()]
    if not used:
        return Parsed(None, (Problem("empty"),), ())
    mark = _delimiter(used)
    comma_decimal = mark in ("\t", ";")
    problems: list[Problem] = []
    notes: list[Problem] = []
    rows: list[tuple[int, float, float]] = []
    first = True
    comma_noted = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            notes.append(Problem("blank", number))
            continue
        fields = _fields(line, mark)
        if first and len(fields) == 2 and not any(
            _NUMBER.fullmatch(f.replace(",", ".")) or _NOT_FINITE.fullmatch(f) for f in fields
        ):
            notes.append(Problem("header", number, text=line.strip()))
            first = False
            continue
        first = False
        if len(fields) != 2:
            # "35,7,0,5": two decimals written with commas, in a comma-separated text.
            split_decimals = mark == "," and len(fields) == 4
            code = "decimal_comma" if split_decimals and all(_INTEGER.fullmatch(f) for f in fields) else "columns"
            problems.append(Problem(code, number, text=line.strip(), limit=2))
            continue
        if comma_decimal and not comma_noted and any("," in f for f in fields):
            notes.append(Problem("decimal_comma_read", number))
            comma_noted = True
        parsed = [_value(f, number, col, comma_decimal) for col, f in enumerate(fields, start=1)]
        bad = [p for _, p in parsed if p is not None]
        problems += bad
        if not bad:
            rows.append((number, parsed[0][0], parsed[1][0]))
    data_rows = sum(1 for line in lines if line.strip()) - sum(n.code == "header" for n in notes)
    problems += _check_rows(rows, data_rows)
    if problems:
        in_order = sorted(problems, key=lambda p: (p.row is None, p.row or 0, p.column or 0))
        return Parsed(None, tuple(in_order), tuple(notes))
    readings = Readings.from_values("own", [r[1] for r in rows], [r[2] for r in rows])
    return Parsed(named(readings), (), tuple(notes))


def _check_rows(rows: Sequence[tuple[int, float, float]], count: int) -> list[Problem]:
    """Row count (all data rows, usable or not) and the x column's spread (judged only
    when every row was usable: two good rows among bad ones say nothing about the slope)."""
    problems = []
    if count < MIN_ROWS:
        problems.append(Problem("too_few_rows", text=str(count), limit=MIN_ROWS))
    if count > MAX_ROWS:
        problems.append(Problem("too_many_rows", text=str(count), limit=MAX_ROWS))
    xs32 = np.asarray([r[1] for r in rows], dtype=np.float32)
    if len(rows) == count >= 2 and bool((xs32 == xs32[0]).all()):
        return [*problems, Problem("all_equal_x", column=1, text=f"{rows[0][1]!r}")]
    seen: dict[float, int] = {}
    for (row, x, _), x32 in zip(rows, xs32.tolist(), strict=True):
        if x32 in seen:
            problems.append(Problem("duplicate_x", row, 1, _short(x), other_row=seen[x32]))
        else:
            seen[x32] = row
    return problems


# ---- links ---------------------------------------------------------------------------------
def _short(value: float) -> str:
    """The shortest text that reads back as ``value``: '35.7', '-4', '1e-05', '2e20'."""
    text = repr(float(value)).replace("e+", "e")
    return text[:-2] if text.endswith(".0") else text


def to_url(readings: Readings) -> str | None:
    """The readings as one URL-safe string ("35.7_0.5~55.9_14~…"), or None above
    :data:`URL_ROWS` rows. Only digits, '.', '-', 'e', '_' and '~': nothing a URL escapes."""
    if readings.n > URL_ROWS:
        return None
    t_u, t_c = readings.values()
    return "~".join(f"{_short(x)}_{_short(y)}" for x, y in zip(t_u, t_c, strict=True))


_URL_TEXT = re.compile(r"[0-9eE.\-_~]*")


def from_url(text: str) -> Parsed:
    """Read a ``data=`` value back, through the same checks as pasted text."""
    if len(text) > _URL_CHARS or not _URL_TEXT.fullmatch(text):
        return Parsed(None, (Problem("bad_link", limit=URL_ROWS),), ())
    parsed = parse_text("\n".join(row.replace("_", ",") for row in text.split("~")))
    if parsed.readings is not None and parsed.readings.n > URL_ROWS:
        return Parsed(None, (Problem("bad_link", limit=URL_ROWS),), ())
    return parsed
