"""`doctor`: what `dlrescue doctor` checks, for the settings page: every registration of the
host for this user's browsers (manifests, the host they name, the allowed extension ids),
without the hello round trips (the page's host is answering already). Loaded on first use."""

from __future__ import annotations

from ..record import TYPE_CHECKING
from ..registration.doctor import examine, summary

if TYPE_CHECKING:
    from typing import Any

    from ..messages import Doctor

#: At most this many registrations (and as many problems) are sent: a page, not a report.
MAX_ROWS = 64


def doctor(request: Doctor) -> dict[str, Any]:
    """{registrations: [{browser, scope, where, status, details}], problems, summary}."""
    del request  # no field of its own
    rows, broken = examine(talk=False)
    return {
        "registrations": [
            {
                "browser": r.browser,
                "scope": r.scope,
                "where": r.where,
                "status": r.status,
                "details": r.details,
            }
            for r in rows[:MAX_ROWS]
        ],
        "problems": broken[:MAX_ROWS],
        "summary": summary(rows) if not broken else f"{broken[0]}; {summary(rows)}",
    }
