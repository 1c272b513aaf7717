"""Where dlrescue keeps its files: the only module that asks platformdirs.

On Linux the XDG variables are honoured (platformdirs reads them), so tests and users can
move everything with XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_STATE_HOME and
XDG_CACHE_HOME.
"""

from __future__ import annotations

from pathlib import Path

APP = "dlrescue"


def data_dir() -> Path:
    """The folder of the history database."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    """The folder of policy.toml and extensions.json."""
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP, appauthor=False))


def log_dir() -> Path:
    """The folder of the host's log file."""
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP, appauthor=False))


def cache_dir() -> Path:
    """The folder of files dlrescue can rebuild (the compiled request schema)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP, appauthor=False))


def system_config_dir() -> Path:
    """The folder of the system-wide policy.toml, which the administrator writes:
    /etc/xdg/dlrescue on Linux (the first folder of XDG_CONFIG_DIRS when set),
    /Library/Application Support/dlrescue on macOS, C:\\ProgramData\\dlrescue on Windows."""
    from platformdirs import site_config_dir

    return Path(site_config_dir(APP, appauthor=False))


def db_path() -> Path:
    return data_dir() / "history.sqlite3"


def policy_path() -> Path:
    return config_dir() / "policy.toml"


def system_policy_path() -> Path:
    """The system-wide policy file, beneath the user's (see policy.py, "stacked")."""
    return system_config_dir() / "policy.toml"


def managed_path(browser: str) -> Path:
    """The last managed policy (the administrator's, through the browser) the host received
    from `browser` ("chrome", "firefox" or "other"), for `dlrescue policy` to show."""
    return data_dir() / f"managed-{browser}.json"


def extensions_path() -> Path:
    """Extension ids allowed to talk to the host, written by `dlrescue register`.

    JSON: {"allowed_origins": ["chrome-extension://ID/", ...], "allowed_extensions": ["id", ...]}
    """
    return config_dir() / "extensions.json"


def log_path() -> Path:
    return log_dir() / "host.log"


def policy_cache_path() -> Path:
    """policy.toml as validated, with its problems, for the next host (see policy_file.py)."""
    return cache_dir() / "policy.json"


def schema_cache_path() -> Path:
    """The request models' core schema, compiled once by pydantic (see schema_cache.py)."""
    return cache_dir() / "request-schema.json"
