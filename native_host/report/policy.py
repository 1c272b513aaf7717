"""`dlrescue policy` as text: the effective policy (policy_view.py) as tables, each value
marked with where it came from: `*` the user's file, `~` the system-wide file, `!` set by
the administrator (the browser's managed policy); unmarked, the built-in default."""

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


#: The mark of a value from the system-wide file, and of one set by the administrator.
SYSTEM, MANAGED = "~", "!"


def _mark(source: str, view: Mapping[str, Any]) -> str:
    """A value's mark: "" for a default, SYSTEM, MANAGED, or `*` for the user's file."""
    if source == "default":
        return ""
    if source == "managed":
        return MANAGED
    return SYSTEM if source == view.get("system_file") else "*"


def _rows(section: Section, keys: Sequence[str], view: Mapping[str, Any]) -> list[list[str]]:
    out = []
    for name, rule in section.items():
        cells = [escape(name)]
        for key in keys:
            value, source = rule[key]["value"], rule[key]["source"]
            cells.append(_value(key, value) + _mark(source, view))
        out.append(cells)
    return out


def _grid(
    name: str, section: Section, keys: list[str], width: int, view: Mapping[str, Any]
) -> Iterator[str]:
    """One table of rules; reason names give way before the numbers do."""
    cells = _rows(section, keys, view)
    headers = [Column(_HEADERS[k], right=k != "action") for k in keys]
    values = sum(
        max([text_width(h.header), *(text_width(r[i + 1]) for r in cells)]) + SEP
        for i, h in enumerate(headers)
    )
    cap = max(12, min(30, width - values))
    yield from table([Column(name, cap=cap), *headers], cells, width)


def _header(view: Mapping[str, Any]) -> list[str]:
    """Where the values come from, a sentence each."""
    file, lines = escape(view["file"]), []
    managed, system = view.get("managed"), view.get("system_file")
    if managed:
        lines.append(
            f"Values marked {MANAGED} are set by your administrator (the managed policy "
            f"{escape(managed['browser'])} sent on {escape(managed['received'])}); your "
            "policy.toml cannot change them."
        )
    if system and view.get("system_file_exists"):
        lines.append(f"Values marked {SYSTEM} come from the system-wide {escape(system)}.")
    if view["problems"] and not lines:
        lines.append(f"Policy: built-in defaults, because {file} has problems (see above).")
    elif view["problems"]:
        lines.append(f"Policy: what applies despite the problems above; your file: {file}.")
    elif view["file_exists"]:
        lines.append(f"Policy: {file}; values marked * come from it, the rest are defaults.")
    else:
        lines.append(f"Policy: built-in defaults (no {file}).")
    return lines


def policy_table(view: Mapping[str, Any], *, width: int = 80) -> Iterator[str]:
    """The effective policy as two tables; values from the user's file are marked `*`."""
    for line in _header(view):
        yield from textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)
    if view.get("browser"):
        yield f"Decisions for {escape(view['browser'])}, with its own rules applied."
    keys = _keys(view["categories"], view["reasons"])
    yield ""
    yield from _grid("CATEGORY", view["categories"], keys, width, view)
    yield ""
    yield "Reasons with a rule of their own (every other reason follows its category):"
    yield from _grid("REASON", view["reasons"], keys, width, view)
    for browser, differs in (view.get("browsers") or {}).items():
        both = {**differs["categories"], **differs["reasons"]}
        if both:
            yield ""
            yield f"In {escape(browser)}, decided differently (`--browser {escape(browser)}`):"
            yield from _grid("NAME", both, _keys(both), width, view)
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
                f"{key} = {_value(key, v['value'])}" + _mark(v["source"], view)
                for key, v in keys.items()
            )
            yield from wrap(escape(status), shown or "(the reason's rule)", width)
    sites = view.get("sites") or {}
    if sites:
        yield ""
        yield "Sites (one backoff per domain):"
        for name, keys in sites.items():
            window, after, pause = (keys[k] for k in ("window_ms", "pause_after", "pause_ms"))
            mark = {k: _mark(keys[k]["source"], view) for k in keys}
            text = (
                f"shared schedule within {short_duration(window['value'])}{mark['window_ms']}, "
                f"pause after {after['value']}{mark['pause_after']} failures in a row for "
                f"{short_duration(pause['value'])}{mark['pause_ms']}"
            )
            yield from wrap("every site" if name == "*" else escape(name), text, width)
