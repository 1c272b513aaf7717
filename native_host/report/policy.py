"""`dlrescue policy` as text: the effective policy (policy_view.py) as tables, the values
from the user's file marked `*`."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Mapping, Sequence

from ..policy import RULE_KEYS
from ..record import TYPE_CHECKING
from ..textsafe import escape
from .cells import short_duration, text_width
from .tables import SEP, Column, table, wrap

if TYPE_CHECKING:
    from typing import Any

    Section = Mapping[str, Mapping[str, Any]]

_HEADERS = {
    "action": "ACTION",
    "max_attempts": "TRIES",
    "initial_delay_ms": "WAIT",
    "max_delay_ms": "MAX WAIT",
    "backoff_factor": "BACKOFF",
    "notify": "NOTIFY",
    "no_progress_attempts": "STUCK",
}


def _value(key: str, value: object) -> str:
    if key in ("initial_delay_ms", "max_delay_ms"):
        return short_duration(int(value))  # type: ignore[call-overload]
    if key == "backoff_factor":
        return f"x{float(value):g}"  # type: ignore[arg-type]
    if key == "notify":
        return "yes" if value else "no"
    return str(value)


def _keys(*parts: Section) -> list[str]:
    """The columns shown: STUCK (no_progress_attempts) only where a rule turns it on."""
    used = any(r["no_progress_attempts"]["value"] for part in parts for r in part.values())
    return [k for k in RULE_KEYS if k != "no_progress_attempts" or used]


def _rows(section: Section, keys: Sequence[str]) -> list[list[str]]:
    out = []
    for name, rule in section.items():
        cells = [escape(name)]
        for key in keys:
            value, source = rule[key]["value"], rule[key]["source"]
            cells.append(_value(key, value) + ("*" if source != "default" else ""))
        out.append(cells)
    return out


def _grid(name: str, section: Section, keys: list[str], width: int) -> Iterator[str]:
    """One table of rules; reason names give way before the numbers do."""
    cells = _rows(section, keys)
    headers = [Column(_HEADERS[k], right=k != "action") for k in keys]
    values = sum(
        max([text_width(h.header), *(text_width(r[i + 1]) for r in cells)]) + SEP
        for i, h in enumerate(headers)
    )
    cap = max(12, min(30, width - values))
    yield from table([Column(name, cap=cap), *headers], cells, width)


def _header(view: Mapping[str, Any]) -> str:
    file = escape(view["file"])
    if view["problems"]:
        return f"Policy: built-in defaults, because {file} has problems (see above)."
    if view["file_exists"]:
        return f"Policy: {file}; values marked * come from it, the rest are defaults."
    return f"Policy: built-in defaults (no {file})."


def policy_table(view: Mapping[str, Any], *, width: int = 80) -> Iterator[str]:
    """The effective policy as two tables; values from the user's file are marked `*`."""
    yield from textwrap.wrap(_header(view), width, break_long_words=False, break_on_hyphens=False)
    if view.get("browser"):
        yield f"Decisions for {escape(view['browser'])}, with its own rules applied."
    keys = _keys(view["categories"], view["reasons"])
    yield ""
    yield from _grid("CATEGORY", view["categories"], keys, width)
    yield ""
    yield "Reasons with a rule of their own (every other reason follows its category):"
    yield from _grid("REASON", view["reasons"], keys, width)
    for browser, differs in (view.get("browsers") or {}).items():
        both = {**differs["categories"], **differs["reasons"]}
        if both:
            yield ""
            yield f"In {escape(browser)}, decided differently (`--browser {escape(browser)}`):"
            yield from _grid("NAME", both, _keys(both), width)
    yield from _statuses_and_sites(view, width)
    yield ""
    yield from wrap(
        "Keys",
        "TRIES is max_attempts, WAIT initial_delay_ms, MAX WAIT max_delay_ms, BACKOFF "
        "backoff_factor, STUCK no_progress_attempts; edit them in policy.toml under "
        "[categories.X] or [reasons.X], or for one browser under [browsers.B.categories.X] "
        "or [browsers.B.reasons.X] (B: chrome or firefox); for one HTTP status under "
        "[status.N]; a site's schedule under [sites.\"example.org\"] (every site's: see "
        "PROTOCOL.md)",
        width,
    )


def _statuses_and_sites(view: Mapping[str, Any], width: int) -> Iterator[str]:
    """What each HTTP status changes over its reason's rule, and each site's schedule."""
    statuses = view.get("statuses") or {}
    if statuses:
        yield ""
        yield "HTTP statuses, when the extension sees them (over the reason's rule):"
        for status, keys in statuses.items():
            shown = ", ".join(
                f"{key} = {_value(key, v['value'])}" + ("*" if v["source"] != "default" else "")
                for key, v in keys.items()
            )
            yield from wrap(escape(status), shown or "(the reason's rule)", width)
    sites = view.get("sites") or {}
    if sites:
        yield ""
        yield "Sites (one backoff per domain):"
        for name, keys in sites.items():
            window, after, pause = (keys[k] for k in ("window_ms", "pause_after", "pause_ms"))
            mark = {k: "*" if keys[k]["source"] != "default" else "" for k in keys}
            text = (
                f"shared schedule within {short_duration(window['value'])}{mark['window_ms']}, "
                f"pause after {after['value']}{mark['pause_after']} failures in a row for "
                f"{short_duration(pause['value'])}{mark['pause_ms']}"
            )
            yield from wrap("every site" if name == "*" else escape(name), text, width)
