"""The policy files, loaded: the system-wide policy.toml, the user's and the administrator's
managed policy, read and validated into policy data, once.

Validating is policy_schema.py's work, with pydantic. A host passes a cache file: the policy
and the problems found are kept there under the content of every file (see cache.py), so
that the next host reads them back without importing pydantic. A policy.toml with problems
counts as absent (a half-applied file would surprise more than a refused one); a managed
policy keeps its valid values (policy_schema.parse_managed). The last managed policy each
browser sent is kept in the data folder (`keep_managed`), so that `dlrescue policy` shows it.
"""

from __future__ import annotations

from pathlib import Path

from . import cache
from .policy import DEFAULT_POLICY, Policy, stacked
from .record import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

#: policy.toml is read only when it is a regular file of at most this size (a FIFO or a
#: device such as /dev/zero is never opened for reading: see cache.read_regular).
MAX_POLICY = 1024 * 1024
#: The source of the values the administrator set (as policy_view names it).
MANAGED = "managed"
#: The key the kept managed policy is stored under (see cache.write).
_KEPT = "managed-policy-1"
_SOURCES = ("policy_schema.py", "policy.py", "reasons.py", "sites.py")


def load_policy(
    path: Path,
    cached: Path | None = None,
    log: cache.Log = None,
    *,
    system: Path | None = None,
    managed: bytes | None = None,
) -> tuple[Policy, list[str]]:
    """The policy of the user's file `path`, over the system-wide file `system` and under
    the `managed` policy (its JSON, see `managed_json`), and the problems found. With
    only the user's file, its own Policy; with more, the files stacked (policy.stacked),
    each named by its path or MANAGED. With `cached`, the result is read from (or kept in)
    that cache file, under the content of every file."""
    files: list[tuple[str, bytes]] = []
    problems: list[str] = []
    for file in (system, path):
        raw = None if file is None else _read(file, problems)
        if file is not None and raw is not None:
            files.append((str(file), raw))
    if managed is not None:
        files.append((MANAGED, managed))
    if not files:
        return DEFAULT_POLICY, problems
    key = cache.key(*(part for file in files for part in file), sources=_SOURCES)
    try:
        if cached is None:
            raise FileNotFoundError
        data = cache.read(cached, key)
        policies = [(str(s), _policy(d)) for s, d in data["files"]]
        found = [str(p) for p in data["problems"]]
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        if not isinstance(exc, FileNotFoundError) and log is not None:
            log(f"the cached policy {cached} is unusable ({exc}); reading {path} again")
        policies, found = _validate_all(files)
        if cached is not None:
            kept = {"files": [[s, p._asdict()] for s, p in policies], "problems": found}
            cache.write(cached, key, kept, log)
    problems += found
    if len(files) == 1 and files[0][0] == str(path):
        return policies[0][1], problems
    return stacked(*policies), problems


def _read(path: Path, problems: list[str]) -> bytes | None:
    """The bytes of a policy file, or None (absent, or a problem added)."""
    try:
        return cache.read_regular(path, MAX_POLICY)
    except FileNotFoundError:
        return None
    except cache.NotRegular as exc:
        problems.append(
            f"{path}: cannot be used ({exc}); make it a text file of at most "
            f"{MAX_POLICY // 1024} KiB; using the default policy"
        )
    except OSError as exc:
        problems.append(f"{path}: cannot be read ({exc.strerror or exc}); using the default policy")
    return None


def _policy(data: object) -> Policy:
    """A Policy from its cached form, or TypeError."""
    if not isinstance(data, dict):
        raise TypeError("it holds no policy")
    parts = [data[k] for k in ("categories", "reasons", "browsers", "statuses", "sites")]
    if not all(isinstance(part, dict) for part in parts):
        raise TypeError("it holds no policy")
    return Policy(*parts)


def _validate_all(files: list[tuple[str, bytes]]) -> tuple[list[tuple[str, Policy]], list[str]]:
    import json

    from .policy_schema import parse_managed, parse_policy

    policies, problems = [], []
    for source, raw in files:
        if source == MANAGED:
            policy, found = parse_managed(json.loads(raw))
        else:
            parsed = parse_policy(raw, source)
            policy, found = (
                (parsed, [])
                if isinstance(parsed, Policy)
                else (
                    DEFAULT_POLICY,
                    [*parsed, f"{source}: using the default policy until this is fixed"],
                )
            )
        policies.append((source, policy))
        problems += found
    return policies, problems


def keep_managed(path: Path, policy: object | None, now: str, log: cache.Log = None) -> None:
    """Keep the managed policy a browser sent in `path` (0600, replaced at once), or remove
    the kept one when it sent none."""
    import contextlib

    if policy is None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    cache.write(path, _KEPT, {"received": now, "policy": policy}, log)


def kept_managed(path: Path) -> tuple[bytes, str] | None:
    """The managed policy kept in `path` (as `managed_json`) and when it was received, or
    None when there is none or it is unreadable."""
    try:
        data = cache.read(path, _KEPT)
        return managed_json(data["policy"]), str(data["received"])
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None


def managed_json(policy: object) -> bytes:
    """The managed policy as one JSON text, compact with its keys sorted: the same policy is
    the same bytes (load_policy's cache key), and its length is what the host caps
    (handlers/managed.py). ValueError, TypeError or RecursionError when it is not JSON."""
    import json

    return json.dumps(policy, sort_keys=True, separators=(",", ":")).encode()


def shown(path: Path, browser: str | None) -> tuple[Policy, list[str], dict[str, Any]]:
    """The policy as `dlrescue policy` and the settings page show it: the user's file `path`
    over the system-wide file, under the managed policy the host last received from
    `browser` (without one, the latest any browser sent); its problems; and policy_view's
    `system` and `managed` arguments."""
    from . import paths
    from .policy import BROWSERS

    system = paths.system_policy_path()
    kept = [
        (name, got)
        for name in ((browser,) if browser else (*BROWSERS, "other"))
        if (got := kept_managed(paths.managed_path(name))) is not None
    ]
    latest = max(kept, key=lambda k: k[1][1], default=None)
    policy, problems = load_policy(path, system=system, managed=latest[1][0] if latest else None)
    more: dict[str, Any] = {
        "system": (str(system), system.exists()),
        "managed": {"browser": latest[0], "received": latest[1][1]} if latest else None,
    }
    return policy, problems, more
