"""native_host.report.stats: the summary and the bar charts of `dlrescue stats`."""

from __future__ import annotations

from typing import Any

from native_host.report.cells import text_width
from native_host.report.stats import bar, stats_table


def stats(**fields: Any) -> dict[str, Any]:
    row = {
        "interruptions": 12,
        "episodes": 5,
        "ended": 4,
        "complete": 3,
        "given_up": 1,
        "cancelled": 0,
        "retried": 4,
        "rescued": 3,
        "rescue_share": 0.75,
        "median_recovery_ms": 42_000,
    }
    base = {
        "since": None,
        **row,
        "by_category": [{"category": "NETWORK", **row}],
        "by_reason": [
            {"reason": "NETWORK_FAILED", "category": "NETWORK", **row, "interruptions": 8},
            {"reason": "SERVER_CONTENT_LENGTH_MISMATCH", "category": "SERVER", **row},
        ],
        "by_domain": [{"domain": "example.org", "interruptions": 12}],
        "bytes_kept": 2_100_000,
    }
    base.update(fields)
    return base


# -- stats ----------------------------------------------------------------------------------


def test_bars_are_proportional_with_eighths_or_hashes() -> None:
    """A bar is value/top of the columns, in eighth blocks (or # in ASCII); none for 0."""
    assert bar(10, 10, 8) == "█" * 8
    assert bar(5, 10, 8) == "█" * 4
    assert bar(1, 16, 8) == "▌"
    assert bar(0, 10, 8) == ""
    assert bar(1, 1000, 8) == "▏"  # something shows for any non-zero count
    assert bar(5, 10, 8, unicode=False) == "####"


def test_stats_table_has_a_summary_bars_and_shares() -> None:
    """The summary says how many downloads retrying rescued and how much data resuming kept
    (said only when there is some); each section has bars scaled to its largest count, the
    share rescued and the median recovery."""
    lines = list(stats_table(stats()))
    assert lines[0] == "All recorded history:"
    assert "12 interruptions in 5 downloads: 3 complete, 1 given up" in lines[1]
    assert lines[2] == (
        "Retrying rescued 3 of 4 ended downloads (75%); median time to recovery 42s."
    )
    assert lines[3] == "Resuming kept 2.1 MB already on disk instead of downloading it again."
    assert not any("Resuming kept" in line for line in stats_table(stats(bytes_kept=0)))
    network = next(line for line in lines if line.startswith("NETWORK "))
    assert network.split()[-3:] == ["5", "75%", "42s"] and "█" in network
    failed = next(line for line in lines if line.startswith("NETWORK_FAILED "))
    mismatch = next(line for line in lines if line.startswith("SERVER_CONTENT_LENGTH_MISMATCH"))
    assert failed.count("█") < mismatch.count("█")
    assert any(line.startswith("NETWORK: A network problem") for line in lines)


def test_stats_table_fits_80_columns_and_can_be_ascii() -> None:
    """Every line fits 80 columns; without Unicode the bars are # and the table is ASCII."""
    many = stats(
        by_domain=[
            {"domain": f"host{i}." + "x" * 60 + ".org", "interruptions": i} for i in range(9)
        ]
    )
    for unicode in (True, False):
        lines = list(stats_table(many, unicode=unicode))
        assert all(text_width(line) <= 80 for line in lines), lines
    assert all(line.isascii() for line in stats_table(many, unicode=False))


def test_stats_table_with_nothing_recorded_is_just_the_summary() -> None:
    """An empty history gives the summary with zeros and no empty tables."""
    zero = dict.fromkeys(("interruptions", "episodes", "ended", "complete", "given_up"), 0)
    empty = stats(**zero, by_category=[], by_reason=[], by_domain=[], bytes_kept=0)
    lines = list(stats_table(empty))
    assert lines == [
        "All recorded history:",
        "0 interruptions in 0 downloads: 0 complete, 0 given up, 0 cancelled, 0 open.",
    ]
