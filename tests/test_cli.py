"""native_host.cli: every command and option has its help."""

from __future__ import annotations

import argparse

import pytest
from hostio import run_cli

from native_host.cli import COMMANDS, build_parser

pytestmark = pytest.mark.usefixtures("terminal")


# -- help -------------------------------------------------------------------------------------


def test_every_command_and_option_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    """Each command answers --help with exit 0 and a description, and every option of
    history, stats, policy, export and prune says what it does."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in COMMANDS:
        assert run_cli(capsys, name, "--help")[0] == 0
        command = sub.choices[name]
        assert command.description
        if name in ("history", "stats", "policy", "export", "prune"):
            for action in command._actions:
                assert action.help, f"{name} {action.option_strings} has no help"
