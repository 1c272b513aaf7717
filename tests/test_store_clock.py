"""native_host.store.clock: the history's times as ISO 8601 UTC, in Python and in SQL."""

from __future__ import annotations

import sqlite3

from hypothesis import given
from hypothesis import strategies as st

from native_host.store import ISO_SQL, iso


@given(st.integers(min_value=0, max_value=4_102_444_800_000))
def test_iso_in_sql_writes_the_same_text_as_iso(ms: int) -> None:
    """History items take their `at` from ISO_SQL, computed by SQLite; it is iso()'s text to
    the millisecond for every instant from 1970 to 2100."""
    db = sqlite3.connect(":memory:")
    (text,) = db.execute(f"SELECT {ISO_SQL.format('?')}", (ms,)).fetchone()
    db.close()
    assert text == iso(ms)
