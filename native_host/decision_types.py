"""A decision's words, spelled once: its action, its cause and what it waits for, as the
Literal types mypy checks, and their values at run time derived from them.

This module imports typing (about 3 ms of start-up, see record.py), so the host's path never
loads it: policy.py and decide.py take these types under TYPE_CHECKING only. The models
(messages.py, policy_schema.py), which import typing anyway, and the tests use it at run time.
"""

from __future__ import annotations

from typing import Literal, get_args

Action = Literal["resume", "restart", "none"]
#: Why a decision came out as it did; explanations are written per cause.
Cause = Literal[
    "policy",
    "gave_up",
    "cannot_resume",
    "not_http",
    "unknown_reason",
    "paused",
    "no_progress",
    "sign_in",
    "gone",
    "retry_after",
    "site_wait",
    "site_paused",
    "no_space",
]
#: What a decision waits for besides its delay: room on the disk, or its site.
Wait = Literal["space", "site"]

ACTIONS: tuple[Action, ...] = get_args(Action)
CAUSES: tuple[Cause, ...] = get_args(Cause)
WAITS: tuple[Wait, ...] = get_args(Wait)
