"""The effective policy: for each category and each reason with a rule of its own, every
value and where it came from ("default" or the user's file). Pure: `dlrescue policy` prints
it (report/policy.py, or JSON).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .policy import (
    BROWSERS,
    DEFAULT_5XX,
    DEFAULT_BROWSERS,
    DEFAULT_CATEGORIES,
    DEFAULT_REASONS,
    DEFAULT_SITE,
    DEFAULT_STATUSES,
    RULE_KEYS,
    SITE_KEYS,
    Policy,
    layers,
)
from .reasons import category_of
from .record import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    Rules = dict[str, Any]


def _sourced(policy: Policy, file: str, reason: str, category: str, browser: str | None) -> Rules:
    """Each key of the rule a reason gets, as {"value": ..., "source": "default" or file}."""
    values: dict[str, Any] = {}
    for source, layer in layers(policy, reason, category, browser):
        for key, value in layer.items():
            values[key] = {"value": value, "source": "default" if source == "default" else file}
    return {key: values[key] for key in RULE_KEYS}


def _own(policy: Policy, browser: str | None) -> list[str]:
    """The reasons with a rule of their own in `browser` (or in every browser)."""
    names = [r for r in DEFAULT_REASONS if DEFAULT_REASONS[r]] + list(policy.reasons)
    if browser is not None:
        names += list(DEFAULT_BROWSERS.get(browser, {}).get("reasons", {}))
        names += list(policy.browsers.get(browser, {}).get("reasons", {}))
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
) -> dict[str, Any]:
    """The effective policy with, for each value, where it came from ("default" or `file`).

    Categories first, then every reason that has an override of its own (built-in or in the
    user's file); other reasons follow their category. With `browser`, the policy that
    browser gets; without, the generic policy and, under `browsers`, what each browser
    decides differently (its categories, and its reasons with a rule of their own).
    """
    categories, reasons = _effective(policy, file, browser)
    view = {
        "file": file,
        "file_exists": exists,
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
    over the reason's rule, each {"value": ..., "source": ...}; the user's over the built-in."""
    out: dict[str, Any] = {}
    built_in = {**{str(k): v for k, v in DEFAULT_STATUSES.items()}, "5xx": DEFAULT_5XX}
    for name in dict.fromkeys([*built_in, *sorted(policy.statuses)]):
        keys = {k: {"value": v, "source": "default"} for k, v in built_in.get(name, {}).items()}
        for key, value in policy.statuses.get(name, {}).items():
            keys[key] = {"value": value, "source": file}
        out[name] = keys
    return out


def _sites(policy: Policy, file: str) -> Rules:
    """The schedule of every site ("*") and of each site the user names, each key with its
    source."""
    out: dict[str, Any] = {}
    every = policy.sites.get("*", {})
    for name in dict.fromkeys(["*", *sorted(policy.sites)]):
        own = policy.sites.get(name, {})
        out[name] = {
            key: {
                "value": own.get(key, every.get(key, getattr(DEFAULT_SITE, key))),
                "source": file if key in own or key in every else "default",
            }
            for key in SITE_KEYS
        }
    return out
