"""The policy file, loaded: the user's policy.toml read and validated into policy data, once.

Validating is policy_schema.py's work, with pydantic. A host passes a cache file: the policy
and the problems found are kept there under the file's content (see cache.py), so that the
next host reads them back without importing pydantic. When the file has problems, the
caller serves with the defaults (a half-applied policy would surprise more than a refused
one).
"""

from __future__ import annotations

from pathlib import Path

from . import cache
from .policy import DEFAULT_POLICY, Policy

#: policy.toml is read only when it is a regular file of at most this size (a FIFO or a
#: device such as /dev/zero is never opened for reading: see cache.read_regular).
MAX_POLICY = 1024 * 1024


def load_policy(
    path: Path, cached: Path | None = None, log: cache.Log = None
) -> tuple[Policy, list[str]]:
    """The policy from `path` and the problems found; defaults when absent or broken. With
    `cached`, the result is read from (or kept in) that cache file."""
    try:
        raw = cache.read_regular(path, MAX_POLICY)
    except FileNotFoundError:
        return DEFAULT_POLICY, []
    except cache.NotRegular as exc:
        return DEFAULT_POLICY, [
            f"{path}: cannot be used ({exc}); make it a text file of at most "
            f"{MAX_POLICY // 1024} KiB; using the default policy"
        ]
    except OSError as exc:
        return DEFAULT_POLICY, [
            f"{path}: cannot be read ({exc.strerror or exc}); using the default policy"
        ]
    if cached is None:
        return _validate(raw, path)
    key = cache.key(str(path), raw, sources=("policy_schema.py", "policy.py", "reasons.py"))
    try:
        data = cache.read(cached, key)
        categories, reasons, problems = data["categories"], data["reasons"], data["problems"]
        browsers, statuses, sites = data["browsers"], data["statuses"], data["sites"]
        parts = (categories, reasons, browsers, statuses, sites)
        if not all(isinstance(part, dict) for part in parts):
            raise TypeError("it holds no policy")
        return Policy(*parts), list(problems)
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        if not isinstance(exc, FileNotFoundError) and log is not None:
            log(f"the cached policy {cached} is unusable ({exc}); reading {path} again")
    policy, problems = _validate(raw, path)
    data = {
        "categories": policy.categories,
        "reasons": policy.reasons,
        "browsers": policy.browsers,
        "statuses": policy.statuses,
        "sites": policy.sites,
        "problems": problems,
    }
    cache.write(cached, key, data, log)
    return policy, problems


def _validate(raw: bytes, path: Path) -> tuple[Policy, list[str]]:
    from .policy_schema import parse_policy

    problems = parse_policy(raw, str(path))
    if isinstance(problems, Policy):
        return problems, []
    return DEFAULT_POLICY, [*problems, f"{path}: using the default policy until this is fixed"]
