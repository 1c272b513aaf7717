"""native_host.handlers.history over real pipes: the popup's `history` request."""

from __future__ import annotations

import sys

import pytest
from hostio import Host, frame, interrupted, run_host, unframe

from native_host import framing

pytestmark = pytest.mark.usefixtures("terminal")


def test_history_message_returns_items_newest_first(host: Host) -> None:
    """The popup's history request lists what was recorded, filtered, with explanations."""
    host.ask(interrupted(1, error="SERVER_FORBIDDEN", url="https://a.example/x"))
    host.ask(interrupted(2, error="NETWORK_FAILED", url="https://b.example/y"))
    reply = host.ask({"type": "history", "rid": 3, "limit": 10})
    assert [i["reason"] for i in reply["items"]] == ["NETWORK_FAILED", "SERVER_FORBIDDEN"]
    assert reply["truncated"] is False and all(i["explanation"] for i in reply["items"])
    only = host.ask({"type": "history", "category": "SERVER"})
    assert [i["reason"] for i in only["items"]] == ["SERVER_FORBIDDEN"]


# -- the popup's history message ----------------------------------------------------------------


def test_history_message_takes_the_new_filters(host: Host) -> None:
    """The popup can filter by domain (any case), outcome and until, as well as category,
    reason and since."""
    host.ask(interrupted(1, url="https://A.example/x"))
    host.ask(interrupted(2, "USER_CANCELED", url="https://b.example/y", id=5))
    by_domain = host.ask({"type": "history", "domain": "A.EXAMPLE"})
    assert [i["domain"] for i in by_domain["items"]] == ["a.example"]
    cancelled = host.ask({"type": "history", "outcome": "cancelled"})
    assert [i["reason"] for i in cancelled["items"]] == ["USER_CANCELED"]
    pending = host.ask({"type": "history", "outcome": "pending"})
    assert [i["reason"] for i in pending["items"]] == ["NETWORK_FAILED"]
    none_yet = host.ask({"type": "history", "until": "2000-01-01T00:00:00Z"})
    assert none_yet["ok"] is True and none_yet["items"] == []
    bad = host.ask({"type": "history", "outcome": "done", "rid": 9})
    assert bad["ok"] is False and bad["error"]["field"] == "outcome" and bad["rid"] == 9


def test_history_message_shrinks_a_reply_that_would_pass_1_mib(xdg: dict[str, str]) -> None:
    """500 items with long file names would be several MiB: the reply drops the oldest
    items, says truncated: true, and its frame stays within the browsers' 1 MiB."""
    long_name = "/home/u/Downloads/" + "n" * 6000 + ".bin"
    messages = [
        interrupted(i, id=i, url=f"https://example.org/{i}", filename=long_name) for i in range(500)
    ]
    messages.append({"type": "history", "rid": "h", "limit": 500})
    proc = run_host(b"".join(frame(m) for m in messages), env=xdg)
    body_sizes = []
    data = proc.stdout
    while data:
        size = int.from_bytes(data[:4], sys.byteorder)
        body_sizes.append(size)
        data = data[4 + size :]
    reply = unframe(proc.stdout)[-1]
    assert reply["rid"] == "h" and reply["truncated"] is True
    assert 0 < len(reply["items"]) < 500
    assert max(body_sizes) <= framing.MAX_FRAME
    ids = [i["download_id"] for i in reply["items"]]
    assert ids == list(range(499, 499 - len(ids), -1))
