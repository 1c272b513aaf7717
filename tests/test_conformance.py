"""Conformance: the catalogue, the policy, the error codes and the docs cannot drift apart."""

from __future__ import annotations

import re
from pathlib import Path

from native_host.policy import DEFAULT_CATEGORIES, DEFAULT_REASONS
from native_host.reasons import CATEGORIES, KNOWN_REASONS, category_of
from native_host.wire import ERROR_CODES

ROOT = Path(__file__).resolve().parents[1]


def test_every_reason_has_a_category_and_a_policy_entry() -> None:
    """Each known reason maps to a category that has a rule, and is listed in the policy."""
    for reason in KNOWN_REASONS:
        assert category_of(reason) in DEFAULT_CATEGORIES
        assert reason in DEFAULT_REASONS
    assert set(DEFAULT_CATEGORIES) == set(CATEGORIES)


def test_every_error_code_is_documented_in_the_protocol_doc_and_nothing_else_is() -> None:
    """PROTOCOL.md's error table lists exactly the codes in wire.ERROR_CODES, in order."""
    text = (ROOT / "PROTOCOL.md").read_text()
    table = text.split("## Errors", 1)[1]
    documented = re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.M)
    assert documented == list(ERROR_CODES)


def test_contract_error_codes_are_all_present_in_order() -> None:
    """The contract's six codes come first, unchanged (the list is append-only)."""
    contract = [
        "invalid_json",
        "invalid_message",
        "unknown_type",
        "invalid_reason",
        "too_large",
        "store_unavailable",
    ]
    assert list(ERROR_CODES)[: len(contract)] == contract


def test_every_request_type_is_documented() -> None:
    """Each request type the host accepts has a row in PROTOCOL.md."""
    from native_host.messages import REQUESTS

    text = (ROOT / "PROTOCOL.md").read_text()
    for kind in REQUESTS:
        assert f"| `{kind}` |" in text
