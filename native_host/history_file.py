"""The history file as the host holds it: opened at start, opened again after it failed, and
moved aside when damaged (kept, never deleted) so that the next request starts a new one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .errors import HostError
from .store import Store, StoreUnavailable, is_damage


class HistoryFile:
    """The host's one connection to the history, or why it has none."""

    def __init__(self, path: Path, log: Callable[[str], None]) -> None:
        self.path = path
        self.log = log
        self._store: Store | None = None
        self._error: str | None = None
        self._open()

    def _open(self) -> Store | None:
        if self._store is None:
            try:
                self._store = Store(self.path, log=self.log)
                self._error = None
            except StoreUnavailable as exc:
                if str(exc) != self._error:
                    self.log(str(exc))  # once per cause, not once per request
                self._error = str(exc)
        return self._store

    def store(self) -> Store:
        """The store, reopened if it failed before; HostError store_unavailable if it cannot."""
        store = self._open()
        if store is None:
            raise HostError("store_unavailable", self._error)
        return store

    def set_aside(self, exc: BaseException) -> str | None:
        """When exc says the history file is damaged, move it aside so the next request starts
        a new one; returns what to tell the caller, else None."""
        store = self._store
        if store is None or not is_damage(exc):
            return None
        self._store = None
        aside = store.set_aside()
        moved = f"moved it to {aside}" if aside else "another dlrescue host moved it aside"
        message = (
            f"the history {store.path} was damaged; {moved} and starts a new one: "
            "send the request again"
        )
        self.log(message)
        return message

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
