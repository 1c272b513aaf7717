"""The Windows registry, behind one seam.

Browsers on Windows find a host through the default value of
`<hive>\\<browser key>\\<host name>`, which holds the manifest file's path. Only
`WinRegistry` touches `winreg`, and imports it when first used, so every other module
imports and is tested on Linux (tests pass a fake with the same three methods).
"""

from __future__ import annotations

from typing import Any, Protocol

from . import RegistrationError


class Registry(Protocol):
    def get_default(self, hive: str, key: str) -> str | None:
        """The key's default string value; None when the key or value does not exist."""

    def set_default(self, hive: str, key: str, value: str) -> None:
        """Create the key if needed and set its default value (REG_SZ)."""

    def delete_key(self, hive: str, key: str) -> None:
        """Delete the key (which has no subkeys); nothing when it does not exist."""


class WinRegistry:
    """The real registry (Windows only)."""

    def _winreg(self) -> Any:
        try:
            import winreg
        except ImportError:
            raise RegistrationError(
                "the Windows registry is only reachable on Windows; run this on Windows"
            ) from None
        return winreg

    def _hive(self, hive: str) -> Any:
        return getattr(self._winreg(), hive)

    def get_default(self, hive: str, key: str) -> str | None:
        winreg = self._winreg()
        try:
            with winreg.OpenKey(self._hive(hive), key) as k:
                value, kind = winreg.QueryValueEx(k, "")
        except OSError:
            return None
        return (
            value
            if isinstance(value, str) and kind in (winreg.REG_SZ, winreg.REG_EXPAND_SZ)
            else None
        )

    def set_default(self, hive: str, key: str, value: str) -> None:
        winreg = self._winreg()
        try:
            with winreg.CreateKeyEx(self._hive(hive), key, 0, winreg.KEY_SET_VALUE) as k:
                winreg.SetValueEx(k, "", 0, winreg.REG_SZ, value)
        except PermissionError:
            raise RegistrationError(
                f"cannot write {hive}\\{key}: permission denied; for HKEY_LOCAL_MACHINE "
                "(--system) run the command from an administrator prompt"
            ) from None
        except OSError as e:
            raise RegistrationError(f"cannot write {hive}\\{key}: {e}") from None

    def delete_key(self, hive: str, key: str) -> None:
        winreg = self._winreg()
        try:
            winreg.DeleteKey(self._hive(hive), key)
        except FileNotFoundError:
            return
        except OSError as e:
            raise RegistrationError(f"cannot delete {hive}\\{key}: {e}") from None
