"""The stack's floor: the least any `dlrescue history` or `stats` built on dlrescue's stack
does around its SQL, with none of dlrescue's own code.

A parser of the command's options (argparse), the history's path (platformdirs), the
SELECTs (sqlite3), the rows as objects and one JSON array of them (json). Its ratio to the
same SQL is the lowest a command on this stack can reach: what it costs beyond the SQL is
what argparse, platformdirs and json cost.

history_scale.py times it beside the command and the SQL, in process (`floor()`) and as a
process (`python -I bench/stack_floor.py SPEC`, which imports only what the floor needs).
SPEC is JSON: {"prog": ..., "options": ["--since", ...], "argv": [...], "statements": [...]}.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys

from platformdirs import user_data_dir

TYPE_CHECKING = False  # typing itself would add 5 ms to the floor's start
if TYPE_CHECKING:
    from typing import Any, TextIO


def floor(spec: dict[str, Any], out: TextIO) -> None:
    parser = argparse.ArgumentParser(prog=spec["prog"])
    for option in spec["options"]:
        parser.add_argument(option)
    parser.parse_args(spec["argv"])
    db = sqlite3.connect(user_data_dir("dlrescue", appauthor=False) + "/history.sqlite3")
    try:
        items: list[dict[str, Any]] = []
        for sql in spec["statements"]:
            cursor = db.execute(sql)
            names = [column[0] for column in cursor.description]
            items += [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        db.close()
    out.write(json.dumps(items) + "\n")


if __name__ == "__main__":
    floor(json.loads(sys.argv[1]), sys.stdout)
