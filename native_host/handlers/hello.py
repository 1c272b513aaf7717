"""`hello`: the port's language and browser, the administrator's managed policy; the host's
version; the policy's problems."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .. import PROTOCOL, __version__
from ..explanations import normalize_lang
from ..record import TYPE_CHECKING
from .port import Port

if TYPE_CHECKING:
    from typing import Any

    from ..messages import Hello

#: At most this many of policy.toml's problems reach the log and `hello`'s warnings, each at
#: most WARNING_CHARS long: a file with thousands of mistakes, or one huge value, must not
#: make a `hello` reply larger than a frame (then every hello would fail).
MAX_WARNINGS = 20
WARNING_CHARS = 1000


def hello(port: Port, request: Hello, manage: Callable[[object], Sequence[str]]) -> dict[str, Any]:
    """Set the port's language and browser, then apply the managed policy the hello sent
    (`manage`, which gives the policy's problems); the reply names the host, and the
    problems of the policy files and of the managed policy (`warnings`) when there are any."""
    port.lang = normalize_lang(request.lang)
    port.browser = request.browser or port.browser
    warned = manage(request.managed_policy)
    reply: dict[str, Any] = {"host_version": __version__, "protocol": PROTOCOL}
    if warned:
        reply["warnings"] = list(warned)
    return reply


def warnings(problems: Sequence[object]) -> list[str]:
    """The first MAX_WARNINGS problems, each cut to WARNING_CHARS with its control and bidi
    characters escaped (as `dlrescue history` shows URLs), then how many more there are.
    Only a host with a policy file has problems, so textsafe (whose pattern takes 5 ms to
    compile) is imported here, not on every host's way to its first decision."""
    from ..textsafe import escape, shorten

    shown = [
        shorten(escape(shorten(str(problem), WARNING_CHARS)), WARNING_CHARS)
        for problem in problems[:MAX_WARNINGS]
    ]
    if len(problems) > MAX_WARNINGS:
        shown.append(
            f"... and {len(problems) - MAX_WARNINGS:,} more problems in the policy file "
            "(`dlrescue policy` lists them all); the default policy is used until they are fixed"
        )
    return shown
