"""The effective policy: for each category and each reason with a rule of its own, every
value and where it came from: "default", the path of the system-wide file or of the user's
file, or MANAGED (the administrator's policy, from the browser). Pure: `dlrescue policy`
prints it (report/policy.py, or JSON).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .policy import (
    BROWSERS,
    DEFAULT_5XX,
    DEFAULT_BROWSERS,
    DEFAULT_CATEGORIES,
    DEFAULT_REASONS,
    DEFAULT_STATUSES,
    RULE_KEYS,
    Policy,
    layers,
)
from .reasons import category_of
from .record import TYPE_CHECKING
from .sites import SITE_KEYS, site_for

if TYPE_CHECKING:
    from typing import Any

    Rules = dict[str, Any]


#: The source of the values the administrator set (the browser's managed policy).
MANAGED = "managed"


def _source(name: str, file: str) -> str:
    """A layer's source as the view names it: a plain policy's is the user's `file`."""
    return file if name == "policy.toml" else name


def _files(policy: Policy, file: str) -> list[tuple[str, Policy]]:
    """The policy's files, weakest first, each with its source as the view names it."""
    return [(_source(n, file), p) for n, p in policy.files or (("policy.toml", policy),)]


def _sourced(policy: Policy, file: str, reason: str, category: str, browser: str | None) -> Rules:
    """Each key of the rule a reason gets, as {"value": ..., "source": ...}."""
    values: dict[str, Any] = {}
    for source, layer in layers(policy, reason, category, browser):
        for key, value in layer.items():
            values[key] = {"value": value, "source": _source(source, file)}
    return {key: values[key] for key in RULE_KEYS}


def _own(policy: Policy, browser: str | None) -> list[str]:
    """The reasons with a rule of their own in `browser` (or in every browser)."""
    files = [f for _, f in policy.files or (("", policy),)]
    names = [r for r in DEFAULT_REASONS if DEFAULT_REASONS[r]]
    names += [r for f in files for r in f.reasons]
    if browser is not None:
        names += list(DEFAULT_BROWSERS.get(browser, {}).get("reasons", {}))
        names += [r for f in files for r in f.browsers.get(browser, {}).get("reasons", {})]
    return list(dict.fromkeys(names))


def _effective(policy: Policy, file: str, browser: str | None) -> tuple[Rules, Rules]:
    """(categories, reasons with a rule of their own) as `browser` gets them."""
    categories = {c: _sourced(policy, file, "", c, browser) for c in DEFAULT_CATEGORIES}
    reasons = {
        r: {"category": category_of(r), **_sourced(policy, file, r, category_of(r), browser)}
        for r in _own(policy, browser)
    }
    return categories, reasons


def _values(rule: Mapping[str, Any]) -> list[object]:
    return [rule[key]["value"] for key in RULE_KEYS]


def _differences(policy: Policy, file: str, categories: Rules, reasons: Rules) -> Rules:
    """For each browser, the categories and reasons it decides differently from the generic
    policy (`categories`, `reasons`)."""
    differs: dict[str, Any] = {}
    for name in BROWSERS:
        cats, rsns = _effective(policy, file, name)
        differs[name] = {
            "categories": {
                c: rule for c, rule in cats.items() if _values(rule) != _values(categories[c])
            },
            "reasons": {
                r: rule
                for r, rule in rsns.items()
                if _values(rule) != _values(reasons.get(r) or categories[rule["category"]])
            },
        }
    return differs


def policy_view(
    policy: Policy,
    file: str,
    *,
    exists: bool,
    problems: Sequence[str] = (),
    browser: str | None = None,
    system: tuple[str, bool] | None = None,
    managed: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The effective policy with, for each value, where it came from ("default", a file's
    path, or MANAGED).

    Categories first, then every reason that has an override of its own (built-in or in a
    policy file); other reasons follow their category. With `browser`, the policy that
    browser gets; without, the generic policy and, under `browsers`, what each browser
    decides differently (its categories, and its reasons with a rule of their own).
    `system` is the system-wide file (its path, whether it exists); `managed` what is known
    of the administrator's policy (the browser that sent it, when), or None.
    """
    categories, reasons = _effective(policy, file, browser)
    view = {
        "file": file,
        "file_exists": exists,
        "system_file": system[0] if system else None,
        "system_file_exists": bool(system and system[1]),
        "managed": dict(managed) if managed is not None else None,
        "problems": list(problems),
        "browser": browser,
        "categories": categories,
        "reasons": reasons,
        "statuses": _statuses(policy, file),
        "sites": _sites(policy, file),
    }
    if browser is None:
        view["browsers"] = _differences(policy, file, categories, reasons)
    return view


def _statuses(policy: Policy, file: str) -> Rules:
    """Each HTTP status with a layer ("5xx": every other server error), as the keys it sets
    over the reason's rule, each {"value": ..., "source": ...}; a file's over the built-in,
    a stronger file's over a weaker one's."""
    out: dict[str, Any] = {}
    built_in = {**{str(k): v for k, v in DEFAULT_STATUSES.items()}, "5xx": DEFAULT_5XX}
    files = _files(policy, file)
    for name in dict.fromkeys([*built_in, *sorted(s for _, f in files for s in f.statuses)]):
        keys = {k: {"value": v, "source": "default"} for k, v in built_in.get(name, {}).items()}
        for source, layer in files:
            for key, value in layer.statuses.get(name, {}).items():
                keys[key] = {"value": value, "source": source}
        out[name] = keys
    return out


def _sites(policy: Policy, file: str) -> Rules:
    """The schedule of every site ("*") and of each site a file names, each key with its
    source (the strongest file setting it for that site or for every site)."""
    out: dict[str, Any] = {}
    files = _files(policy, file)
    for name in dict.fromkeys(["*", *sorted(s for _, f in files for s in f.sites)]):
        site = site_for(policy, None if name == "*" else name)
        sources = {key: "default" for key in SITE_KEYS}
        for source, layer in files:
            for key in SITE_KEYS:
                if key in layer.sites.get("*", {}) or key in layer.sites.get(name, {}):
                    sources[key] = source
        out[name] = {k: {"value": getattr(site, k), "source": sources[k]} for k in SITE_KEYS}
    return out
