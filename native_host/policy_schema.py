"""The policy file's schema: strict pydantic models of policy.toml, and its validation.

Every key is optional. An unknown table, key or reason, or a value of the wrong type or
range, is reported with the file, the key and what is allowed. policy_file.py reads the file
and keeps the result, so that a host starting does not import pydantic.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .decision_types import ACTIONS, Action
from .policy import BROWSERS, DEFAULT_POLICY, LIMITS, Policy
from .reasons import CATEGORIES, KNOWN_REASONS
from .sites import SITE_LIMITS
from .textsafe import escape, shorten


def _limit(key: str) -> Field:  # type: ignore[valid-type]
    low, high = LIMITS[key]
    return Field(default=None, ge=low, le=high)


class RuleFile(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    action: Action | None = None
    max_attempts: Annotated[int | None, _limit("max_attempts")] = None
    initial_delay_ms: Annotated[int | None, _limit("initial_delay_ms")] = None
    max_delay_ms: Annotated[int | None, _limit("max_delay_ms")] = None
    backoff_factor: Annotated[float | None, _limit("backoff_factor")] = None
    notify: bool | None = None
    no_progress_attempts: Annotated[int | None, _limit("no_progress_attempts")] = None


class BrowserFile(BaseModel):
    """[browsers.B.categories.X] and [browsers.B.reasons.X]: one browser's own layers."""

    model_config = ConfigDict(strict=True, extra="forbid")
    categories: dict[str, RuleFile] = {}
    reasons: dict[str, RuleFile] = {}


def _site_limit(key: str) -> Field:  # type: ignore[valid-type]
    low, high = SITE_LIMITS[key]
    return Field(default=None, ge=low, le=high)


class SiteFile(BaseModel):
    """[sites."example.org"] and [sites."*"]: how a domain's failures are scheduled."""

    model_config = ConfigDict(strict=True, extra="forbid")
    window_ms: Annotated[int | None, _site_limit("window_ms")] = None
    pause_after: Annotated[int | None, _site_limit("pause_after")] = None
    pause_ms: Annotated[int | None, _site_limit("pause_ms")] = None


class PolicyFile(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    categories: dict[str, RuleFile] = {}
    reasons: dict[str, RuleFile] = {}
    browsers: dict[str, BrowserFile] = {}
    status: dict[str, RuleFile] = {}
    sites: dict[str, SiteFile] = {}


_ALLOWED = {
    "action": ", ".join(f'"{a}"' for a in ACTIONS[:-1]) + f' or "{ACTIONS[-1]}"',
    "max_attempts": "a whole number from {} to {}",
    "initial_delay_ms": "a whole number of milliseconds from {} to {}",
    "max_delay_ms": "a whole number of milliseconds from {} to {}",
    "backoff_factor": "a number from {} to {}",
    "notify": "true or false",
    "no_progress_attempts": "a whole number from {} to {} (0: off)",
}

_SITE_ALLOWED = {
    "window_ms": "a whole number of milliseconds from {} to {} (0: no shared schedule)",
    "pause_after": "a whole number of failures from {} to {} (0: never pause)",
    "pause_ms": "a whole number of milliseconds from {} to {}",
}

_TABLES = (
    "[categories.X], [reasons.X], [browsers.B.categories.X], [browsers.B.reasons.X], "
    '[status.N], [sites."example.org"], [sites."*"]'
)

#: A site's name: a host name in lower case (letters, digits, `-`, `.`), or `*`.
_SITE_NAME = re.compile(
    r"\*|(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*"
)
_STATUS_NAME = re.compile(r"[1-5][0-9][0-9]")


def _allowed(key: str, site: bool = False) -> str:
    texts, limits = (_SITE_ALLOWED, SITE_LIMITS) if site else (_ALLOWED, LIMITS)
    text = texts.get(key)
    if text is None:
        return "one of " + ", ".join(texts)
    low, high = limits.get(key, (0, 0))
    return text.format(low, high)


#: How much of a key or a value a problem quotes (the rest is cut, with a mark).
SHOWN = 80


def _shown(text: str) -> str:
    """A key or value from the file as a problem quotes it: cut short, controls escaped."""
    return escape(shorten(text, SHOWN))


def parse_policy(raw: bytes, name: str = "policy.toml") -> Policy | list[str]:
    """A Policy, or the list of problems (each naming the file, the key and what is allowed).

    Keys and values are quoted at most SHOWN characters long, with control and bidi
    characters escaped (textsafe.escape); a file nested too deeply for the parser is reported
    as invalid TOML, never raised."""
    try:
        return _parse(raw, name)
    except RecursionError:
        return [
            f"{name}: is not valid TOML (nested too deeply): write plain [categories.X] and "
            "[reasons.X] tables of keys"
        ]


def _parse(raw: bytes, name: str) -> Policy | list[str]:
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return [f"{name}: is not UTF-8 text; save it as UTF-8"]
    except tomllib.TOMLDecodeError as exc:
        return [f"{name}: is not valid TOML: {_shown(str(exc))}"]
    return checked(data, name)


def parse_managed(data: object, name: str = "managed policy") -> tuple[Policy, list[str]]:
    """The administrator's policy (JSON from the browser, shaped like policy.toml): the
    Policy of its valid values, and a problem for each refused one (named as parse_policy
    names it). Unlike a file, a policy with a bad value still applies the rest: a typo in
    one value must not lift every other restriction."""
    if not isinstance(data, dict):
        return DEFAULT_POLICY, [f"{name}: must be an object of tables such as categories"]
    good: dict[str, Any] = {}
    problems: list[str] = []
    for path, value in _leaves(data, ()):
        leaf: dict[str, Any] = value
        for part in reversed(path):
            leaf = {part: leaf}
        found = checked(leaf, name)
        if isinstance(found, list):
            problems += found
            continue
        place = good
        for part in path[:-1]:
            place = place.setdefault(part, {})
        place[path[-1]] = value
    policy = checked(good, name)
    return (policy, problems) if isinstance(policy, Policy) else (DEFAULT_POLICY, policy)


def _leaves(data: dict[str, Any], path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    """Each value of a policy shaped like policy.toml with its path of table names and key
    (a value that should be a table and is not is a leaf too)."""
    depth = 5 if path[:1] == ("browsers",) else 3
    out = []
    for key, value in data.items():
        if isinstance(value, dict) and value and len(path) + 1 < depth:
            out += _leaves(value, (*path, key))
        else:
            out.append(((*path, key), value))
    return out


def checked(data: dict[str, Any], name: str = "policy.toml") -> Policy | list[str]:
    """The policy parsed TOML data holds, or its problems (as parse_policy reports them)."""
    problems = _unknown_names(data, name)
    if problems:
        return problems
    try:
        parsed = PolicyFile.model_validate(data)
    except ValidationError as exc:
        return _invalid_values(exc, name)
    return Policy(
        categories={k: v.model_dump(exclude_none=True) for k, v in parsed.categories.items()},
        reasons={k: v.model_dump(exclude_none=True) for k, v in parsed.reasons.items()},
        browsers={
            browser: {
                "categories": {
                    k: v.model_dump(exclude_none=True) for k, v in layers.categories.items()
                },
                "reasons": {k: v.model_dump(exclude_none=True) for k, v in layers.reasons.items()},
            }
            for browser, layers in parsed.browsers.items()
        },
        statuses={k: v.model_dump(exclude_none=True) for k, v in parsed.status.items()},
        sites={k: v.model_dump(exclude_none=True) for k, v in parsed.sites.items()},
    )


def _unknown_names(data: dict[str, Any], name: str) -> list[str]:
    """Problems for the tables, browsers, categories and reasons the file names that do not
    exist."""
    problems: list[str] = []
    for table in data:
        if table not in ("categories", "reasons", "browsers", "status", "sites"):
            problems.append(f"{name}: unknown table [{_shown(table)}]; allowed: {_TABLES}")
    problems += _unknown_entries(data, "", name)
    problems += _unknown_statuses_and_sites(data, name)
    browsers = data.get("browsers")
    if isinstance(browsers, dict):
        for browser, layers in browsers.items():
            if browser not in BROWSERS:
                problems.append(
                    f"{name}: unknown browser [browsers.{_shown(browser)}]; "
                    f"allowed: {', '.join(BROWSERS)}"
                )
            elif isinstance(layers, dict):
                for table in layers:
                    if table not in ("categories", "reasons"):
                        problems.append(
                            f"{name}: unknown table [browsers.{browser}.{_shown(table)}]; "
                            f"allowed: [browsers.{browser}.categories.X], "
                            f"[browsers.{browser}.reasons.X]"
                        )
                problems += _unknown_entries(layers, f"browsers.{browser}.", name)
    return problems


def _unknown_statuses_and_sites(data: dict[str, Any], name: str) -> list[str]:
    """Problems for a [status.N] that is no HTTP status, and a [sites."..."] that is no host
    name."""
    problems = []
    status, sites = data.get("status"), data.get("sites")
    for entry in status if isinstance(status, dict) else ():
        if not _STATUS_NAME.fullmatch(entry):
            problems.append(
                f"{name}: unknown [status.{_shown(entry)}]; allowed: an HTTP status from "
                "100 to 599, such as [status.429]"
            )
    for entry in sites if isinstance(sites, dict) else ():
        if not _SITE_NAME.fullmatch(entry):
            problems.append(
                f'{name}: unknown [sites."{_shown(entry)}"]; allowed: a host name in lower '
                'case, such as [sites."example.org"] (it covers its subdomains too), or '
                '[sites."*"] for every site'
            )
    return problems


def _invalid_values(exc: ValidationError, name: str) -> list[str]:
    """A problem per key pydantic refused: the table, the key, the value and what is allowed."""
    problems = []
    for err in exc.errors(include_url=False):
        loc = [_shown(str(p)) for p in err["loc"]]
        depth = 4 if loc[:1] == ["browsers"] else 2  # [browsers.B.reasons.X] or [reasons.X]
        site = loc[:1] == ["sites"]
        if site and len(loc) > 1:
            loc[1] = f'"{loc[1]}"'
        table, key = ".".join(loc[:depth]), ".".join(loc[depth:])
        if err["type"] == "extra_forbidden":
            allowed = ", ".join(_SITE_ALLOWED if site else _ALLOWED)
            problems.append(f"{name}: [{table}] unknown key '{key}'; allowed: {allowed}")
        elif key:
            problems.append(
                f"{name}: [{table}] {key} = {_shown(repr(err['input']))} is not allowed; "
                f"use {_allowed(key, site)}"
            )
        else:
            problems.append(
                f"{name}: [{table}] must be a table of keys ({_shown(str(err['msg']))})"
            )
    return problems


def _unknown_entries(data: dict[str, Any], prefix: str, name: str) -> list[str]:
    """Problems for the categories and reasons in `data` the catalogue does not know."""
    problems = []
    for key, known in (("categories", CATEGORIES), ("reasons", KNOWN_REASONS)):
        section = data.get(key)
        if not isinstance(section, dict):
            continue
        for entry in section:
            if entry not in known:
                near = difflib.get_close_matches(entry, known, n=1)
                hint = f"did you mean {near[0]}?" if near else f"allowed: {', '.join(known)}"
                problems.append(f"{name}: unknown [{prefix}{key}.{_shown(entry)}]; {hint}")
    return problems


def allowed_values() -> dict[str, dict[str, Any]]:
    """What each key of a rule and of a site may hold, from the models: {"type": "choice",
    "values": [...]} or {"type": "int" | "float", "min", "max"} or {"type": "bool"}, and
    `text`, the words a problem uses (for a settings page to show beside the field)."""
    out: dict[str, dict[str, Any]] = {}
    for model, site in ((RuleFile, False), (SiteFile, True)):
        for key, prop in model.model_json_schema()["properties"].items():
            (spec,) = [s for s in prop.get("anyOf", [prop]) if s.get("type") != "null"]
            kind = {"integer": "int", "number": "float", "boolean": "bool"}.get(
                spec.get("type", ""), "choice"
            )
            entry: dict[str, Any] = {"type": kind, "text": _allowed(key, site)}
            if "enum" in spec:
                entry["values"] = spec["enum"]
            for bound, name in (("minimum", "min"), ("maximum", "max")):
                if bound in spec:
                    entry[name] = spec[bound]
            out[key] = entry
    return out
