"""What one port's handlers share: what the host knows of the extension on the other end,
and the small conversions every handler makes the same way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..caller import Caller
from ..decide import Interruption
from ..privacy import digest
from ..record import TYPE_CHECKING
from ..sites import SiteState

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..messages import Request


class Port:
    """What the host knows about the extension on the other end of this port."""

    __slots__ = ("browser", "caller", "incognito", "lang", "log", "sites")

    def __init__(
        self,
        caller: Caller,
        *,
        browser: str | None = None,
        log: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.caller = caller
        #: The host's log: what a handler notes about a request it still serves.
        self.log = log
        self.lang = "en"
        self.browser = browser
        #: Incognito episodes, in memory only: URL key -> its interruptions so far.
        self.incognito: dict[str, list[Interruption]] = {}
        #: Incognito downloads' domains, in memory only: domain -> its failures.
        self.sites: dict[str, SiteState] = {}

    def browser_of(self, request: Request) -> str | None:
        """The browser a request comes from: its own `browser`, else the port's."""
        return request.browser or self.browser


def stored_key(raw: str | None) -> str | None:
    """The extension's event key as stored: hashed, so it cannot carry a URL to the disk."""
    if raw is None:
        return None
    return digest(raw)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ms(moment: datetime | None) -> int | None:
    """An aware datetime in whole ms since the epoch, rounded down, exactly: a float
    timestamp rounds 9999-12-31T23:59:59.999999Z up into year 10000."""
    if moment is None:
        return None
    return (moment - _EPOCH) // timedelta(milliseconds=1)
