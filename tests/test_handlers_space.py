"""native_host.handlers.space over real pipes: the free bytes at a download's folder."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from hostio import Host

MIB = 1024 * 1024


# space ---------------------------------------------------------------------------------------


def test_space_answers_the_free_bytes_of_the_nearest_existing_folder(
    host: Host, tmp_path: Path
) -> None:
    """`space` on a file not written yet, two folders below an existing one: the free bytes
    of that folder, and whether they are enough."""
    free = shutil.disk_usage(tmp_path).free
    reply = host.ask(
        {"type": "space", "rid": 1, "path": str(tmp_path / "no" / "such" / "f.iso"), "needed": 1}
    )
    assert reply["ok"] is True and reply["enough"] is True
    assert abs(reply["free"] - free) < 64 * MIB  # other programs write meanwhile
    much = host.ask({"type": "space", "rid": 2, "path": str(tmp_path), "needed": 2**53 - 1})
    assert much["enough"] is False


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"path": "Downloads/f.iso", "needed": 1}, "path"),
        ({"path": "/tmp/a\u0000b", "needed": 1}, "path"),
        ({"path": "/tmp", "needed": -1}, "needed"),
        ({"path": "/tmp"}, "needed"),
        ({"needed": 1}, "path"),
        ({"path": 7, "needed": 1}, "path"),
    ],
)
def test_a_bad_space_request_names_its_field(
    host: Host, request_fields: dict[str, Any], field: str
) -> None:
    """A relative path, a NUL, a missing or bad `needed`: invalid_message naming the field."""
    reply = host.ask({"type": "space", "rid": 1, **request_fields})
    assert reply["ok"] is False
    assert (reply["error"]["code"], reply["error"]["field"]) == ("invalid_message", field)
