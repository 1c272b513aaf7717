"""native_host.report.formats: JSON with safe Unicode, JSON Lines, CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from historyfill import NOW
from hostio import CONTRACT_ITEM_KEYS
from hypothesis import example, given
from hypothesis import strategies as st
from report_support import items, visibly_safe

from native_host.report.formats import csv_lines, json_array, json_lines, to_json
from native_host.store import EXPORT_FIELDS, HISTORY_FIELDS


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), st.lists, max_leaves=8))
def test_to_json_round_trips_and_is_visibly_safe(value: Any) -> None:
    """to_json output decodes to the same value and holds no raw control characters."""
    for indent in (None, 2):
        text = to_json(value, indent=indent)
        assert json.loads(text) == value
        assert visibly_safe(text.replace("\n", ""))


@given(st.lists(st.dictionaries(st.text(), st.none() | st.integers() | st.text()), max_size=4))
@example([{"\x7f": None}])  # DEL: ASCII, yet a control character
@example([{"a": "},\x00{", "}, {": "\x00"}, {}, {"\n": '"},\n  {'}])  # the cuts, in text
def test_json_array_is_one_item_per_line_and_round_trips(items: list[dict[str, Any]]) -> None:
    """History JSON is one array, an item per line, that decodes to the same items and holds
    no raw control characters; text that looks like the cut between items stays whole."""
    lines = list(json_array(items))
    assert json.loads("\n".join(lines)) == items
    assert [json.loads(line.strip().rstrip(",")) for line in lines[1:-1]] == items
    assert len(lines) == (1 if not items else len(items) + 2)
    assert all(visibly_safe(line) for line in lines)


def test_json_array_of_many_items_is_cut_right_across_encoder_calls() -> None:
    """Items are encoded a hundred at a time: the lines read the same across the seams."""
    items = [{"n": n, "text": "}, {" * (n % 3)} for n in range(250)]
    lines = list(json_array(items))
    assert len(lines) == 252 and lines[100] == '  {"n": 99, "text": ""},'
    assert [json.loads(line.strip().rstrip(",")) for line in lines[1:-1]] == items
    assert all(line.endswith(",") for line in lines[1:-2]) and not lines[-2].endswith(",")


@given(st.text())
def test_json_lines_are_ascii_one_line_and_round_trip(text: str) -> None:
    """Each exported event is one ASCII line that decodes back to the same item."""
    (line,) = json_lines([{"url": text}])
    assert line.isascii() and "\n" not in line
    assert json.loads(line) == {"url": text}


@given(st.lists(items, max_size=5))
def test_history_csv_round_trips_through_the_csv_module(rows: list[dict[str, Any]]) -> None:
    """CSV has the contract's columns first, quotes newlines and commas, writes booleans as
    true/false and None as empty, and reads back to the same text."""
    rows = [{**r, "explanation": "x"} for r in rows]
    text = "\n".join(csv_lines(rows, HISTORY_FIELDS)) + "\n"
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(parsed[0]) == HISTORY_FIELDS
    assert HISTORY_FIELDS[:13] == CONTRACT_ITEM_KEYS
    assert len(parsed) == len(rows) + 1
    for row, record in zip(rows, parsed[1:], strict=True):
        values = dict(zip(HISTORY_FIELDS, record, strict=True))
        assert values["url"] == (row["url"] or "")
        assert values["filename"] == (row["filename"] or "")
        assert values["known"] == "true"
        assert values["outcome"] == (row["outcome"] or "")


def test_export_fields_match_what_the_store_yields(tmp_path: Any) -> None:
    """The export's CSV header lists exactly the keys Store.events() gives each event."""
    from historyfill import interrupt

    from native_host.store import Store

    store = Store(tmp_path / "h.sqlite3")
    interrupt(store, NOW)
    (event,) = store.events()
    assert tuple(event) == EXPORT_FIELDS
