"""native_host.report.prune: what `dlrescue prune` says it removed."""

from __future__ import annotations

from historyfill import NOW

from native_host.report.prune import prune_lines


def test_prune_lines_say_what_went_or_would_go() -> None:
    """prune reports downloads and events removed, with the cut-off date, or that nothing was."""
    assert list(prune_lines({"episodes": 1, "events": 3}, NOW, dry_run=False)) == [
        "Removed 1 download that ended before 2026-11-23 12:00 UTC, and 3 events in all."
    ]
    assert list(prune_lines({"episodes": 2000, "events": 1}, NOW, dry_run=True)) == [
        "Would remove 2,000 downloads that ended before 2026-11-23 12:00 UTC, and 1 event in all."
    ]
    assert list(prune_lines({"episodes": 0, "events": 0}, NOW, dry_run=False)) == [
        "Nothing to prune: no download ended before 2026-11-23 12:00 UTC."
    ]
