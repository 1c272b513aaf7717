"""Conformance: the catalogue, the policy, the error codes and the docs cannot drift apart."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from native_host.errors import ERROR_CODES
from native_host.fields import KINDS
from native_host.policy import (
    DEFAULT_5XX,
    DEFAULT_CATEGORIES,
    DEFAULT_REASONS,
    DEFAULT_STATUSES,
    LIMITS,
    RULE_KEYS,
)
from native_host.reasons import CATEGORIES, KNOWN_REASONS, category_of
from native_host.sites import DEFAULT_SITE, SITE_KEYS, SITE_LIMITS

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL = (ROOT / "PROTOCOL.md").read_text(encoding="utf-8")


def section(heading: str, text: str = PROTOCOL) -> str:
    """The text under a heading of PROTOCOL.md (`## X` or `### X`), up to the next heading of
    the same or a higher level."""
    level = heading.split(" ", 1)[0]
    start = text.index(f"\n{heading}\n") + len(heading) + 2
    ends = [text.find(f"\n{'#' * n} ", start) for n in range(2, len(level) + 1)]
    ends = [end for end in ends if end != -1]
    return text[start : min(ends)] if ends else text[start:]


def tables(text: str) -> list[list[list[str]]]:
    """Every Markdown table in text, as rows of cells (the header row included, the
    |---| row left out)."""
    found: list[list[list[str]]] = []
    previous = ""
    for line in text.splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|(-+\|)+", line):
            if not previous.startswith("|"):
                found.append([])
            found[-1].append([cell.strip() for cell in line.strip("|").split(" | ")])
        previous = line
    return found


def names(cell: str) -> list[str]:
    """The backticked names in a table cell, without a value or metavar (`--since WHEN`)."""
    return [name.split(" ", 1)[0] for name in re.findall(r"`([^`]+)`", cell)]


def test_every_reason_has_a_category_and_a_policy_entry() -> None:
    """Each known reason maps to a category that has a rule, and is listed in the policy."""
    for reason in KNOWN_REASONS:
        assert category_of(reason) in DEFAULT_CATEGORIES
        assert reason in DEFAULT_REASONS
    assert set(DEFAULT_CATEGORIES) == set(CATEGORIES)


def test_every_error_code_is_documented_in_the_protocol_doc_and_nothing_else_is() -> None:
    """PROTOCOL.md's error table lists exactly the codes in errors.ERROR_CODES, in order."""
    table = section("## Errors")
    documented = re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.M)
    assert documented == list(ERROR_CODES)


def test_each_error_record_says_what_protocol_md_says() -> None:
    """Each code's record in errors.ERRORS holds the table's meaning word for word, and is
    `retried` exactly when the table says the extension keeps the event queued."""
    rows = re.findall(r"^\| `([a-z_]+)` \| (.*) \| (.*) \|$", section("## Errors"), flags=re.M)
    assert [(code, meaning) for code, meaning, _does in rows] == [
        (error.code, error.meaning) for error in ERROR_CODES.values()
    ]
    for code, _meaning, does in rows:
        assert ERROR_CODES[code].retried == does.startswith("keep it queued"), code


def test_the_extension_retries_exactly_the_codes_the_catalogue_marks_retried() -> None:
    """extension/modules/host_errors.js's errorDisposition retries the `retried` codes only."""
    errors_js = (ROOT / "extension" / "modules" / "host_errors.js").read_text(encoding="utf-8")
    body = errors_js[errors_js.index("export function errorDisposition") :]
    body = body[: body.index("\n}\n")]
    retried = re.findall(r'code === "([a-z_]+)"', body)
    assert retried == [error.code for error in ERROR_CODES.values() if error.retried]


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

    for kind in REQUESTS:
        assert f"| `{kind}` |" in PROTOCOL


#: Fields every request may carry, documented once under "## Requests".
COMMON_FIELDS = {"type", "rid", "browser"}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_request_field_has_a_row_and_no_row_is_stale(kind: str) -> None:
    """The first table under each request's heading names exactly the fields its model
    takes (beyond type, rid and browser); `download.x` rows name the download's fields."""
    from native_host.messages import REQUESTS

    model = REQUESTS[kind]
    rows = tables(section(f"### {kind}"))[0][1:]
    documented = {name for row in rows for name in names(row[0])}
    top = {name.split(".", 1)[0] for name in documented}
    assert top == set(model.model_fields) - COMMON_FIELDS
    nested = {name.split(".", 1)[1] for name in documented if "." in name}
    if nested:
        assert nested == set(model.model_fields["download"].annotation.model_fields)
    common = {names(row[0])[0] for row in tables(section("## Requests"))[0][1:]}
    assert common == COMMON_FIELDS


def test_every_downloaditem_field_the_host_reads_has_a_row_with_its_requiredness() -> None:
    """The DownloadItem table under `interrupted` lists exactly messages.DownloadItem's
    fields, and says `yes` in its required column exactly for the required ones."""
    from native_host.messages import DownloadItem

    item_table = tables(section("### interrupted"))[1]
    assert item_table[0][:3] == ["field", "type", "required"]
    documented = {names(row[0])[0]: row[2] for row in item_table[1:]}
    fields = DownloadItem.model_fields
    assert set(documented) == set(fields)
    for name, required in documented.items():
        assert (required == "yes") == fields[name].is_required(), name


def test_history_items_table_lists_the_item_keys_in_order() -> None:
    """PROTOCOL.md's history item keys are store.HISTORY_FIELDS (what `history --format
    csv` prints as columns), in the same order."""
    from native_host.store import HISTORY_FIELDS

    rows = tables(section("### History items"))[0][1:]
    assert [names(row[0])[0] for row in rows] == list(HISTORY_FIELDS)


def test_stats_reply_table_lists_what_the_store_returns() -> None:
    """Every key of a stats reply has a row (plus `truncated`, added when by_reason is cut)."""
    from native_host.store import Store

    store = Store(Path(":memory:"))
    try:
        keys = set(store.stats())
    finally:
        store.close()
    rows = tables(section("### stats"))[1][1:]
    assert {names(row[0])[0] for row in rows} == keys | {"truncated"}


def test_every_cli_command_and_option_is_documented() -> None:
    """Each `dlrescue` command has its "### `dlrescue X`" section, every option its parser
    takes appears in that section's table, and no section or row names one that is gone."""
    from native_host.cli import COMMANDS, build_parser

    cli = section("## Command line")
    headed = re.findall(r"^### `dlrescue ([a-z-]+)`$", cli, flags=re.M)
    assert headed == list(COMMANDS)
    for name in COMMANDS:
        options = {
            option
            for action in build_parser(name)._actions
            for option in action.option_strings
            if option.startswith("--") and option != "--help"
        }
        rows = tables(section(f"### `dlrescue {name}`", cli))[0][1:]
        assert {names(row[0])[0] for row in rows} == options, name


def test_policy_keys_table_matches_the_rule_limits_and_category_defaults() -> None:
    """One row per rule key: its range is policy.LIMITS's, and each category's column holds
    DEFAULT_CATEGORIES's value; the columns are the six categories in order."""
    table = next(t for t in tables(section("## Policy file")) if t[0][0] == "key")
    assert table[0][3:] == list(CATEGORIES)
    rows = {names(row[0])[0]: row for row in table[1:]}
    assert list(rows) == list(RULE_KEYS)
    for key, row in rows.items():
        if key in LIMITS:
            low, high = LIMITS[key]
            assert row[2] == f"{low} to {high}", key
        for category, cell in zip(CATEGORIES, row[3:], strict=True):
            value = getattr(DEFAULT_CATEGORIES[category], key)
            shown = str(value).lower() if isinstance(value, bool) else str(value)
            assert cell == shown, (key, category)


def test_policy_reason_overrides_table_matches_the_built_in_ones() -> None:
    """The built-in reason overrides, written as TOML inline tables, are exactly
    DEFAULT_REASONS's non-empty entries."""
    table = next(t for t in tables(section("## Policy file")) if t[0][0] == "reason")
    documented = {
        names(row[0])[0]: tomllib.loads("x = " + row[1].strip("`"))["x"] for row in table[1:]
    }
    assert documented == {r: dict(o) for r, o in DEFAULT_REASONS.items() if o}


def test_policy_example_is_a_valid_policy_file() -> None:
    """The example policy.toml in PROTOCOL.md parses without a problem."""
    from native_host.policy_schema import parse_policy

    example = re.search(r"```toml\n(.*?)```", section("## Policy file"), flags=re.S)
    assert example is not None
    parsed = parse_policy(example.group(1).encode())
    assert not isinstance(parsed, list), parsed
    assert parsed.reasons["SERVER_NO_RANGE"] == {"action": "restart", "max_attempts": 1}


def test_protocol_status_overrides_table_is_the_built_in_one() -> None:
    """PROTOCOL.md's "Built-in status overrides" are DEFAULT_STATUSES and DEFAULT_5XX."""
    table = next(t for t in tables(section("## Policy file")) if t[0][0] == "status")
    documented = {
        names(row[0])[0]: tomllib.loads("x = " + row[1].split("` ")[0].strip("`"))["x"]
        for row in table[1:]
    }
    assert documented == {
        **{str(k): dict(v) for k, v in DEFAULT_STATUSES.items()},
        "5xx": dict(DEFAULT_5XX),
    }


def test_protocol_site_keys_table_is_the_site_limits_and_defaults() -> None:
    """The `site key` table lists SITE_KEYS in order, each with SITE_LIMITS and DEFAULT_SITE."""
    table = next(t for t in tables(section("## Policy file")) if t[0][0] == "site key")
    rows = {names(row[0])[0]: row for row in table[1:]}
    assert list(rows) == list(SITE_KEYS)
    for key, row in rows.items():
        low, high = SITE_LIMITS[key]
        assert row[2].startswith(f"{low} to {high}"), key
        assert row[3] == str(getattr(DEFAULT_SITE, key)), key
