"""`Record`: typing.NamedTuple, without importing typing at run time.

Importing typing takes 4 to 7 ms, and nothing else the host or `dlrescue history` import
needs it. Measured A/B with the bench's cold start (spawn to the first decision, 25 runs
interleaved with the reference host, 2 cores): a host that imports typing answers in 57.5 ms
against 51.8 ms, 2.20x the reference against 1.98x. So:
- to type checkers `Record` is typing.NamedTuple (they take TYPE_CHECKING as true);
- at run time `class Name(Record): field: type = default` makes the class typing would make:
  a collections.namedtuple with the fields in order, their defaults, the annotations, and
  the body's docstring, methods and properties. tests/test_record.py holds the two side by
  side.

The modules on those paths import names from typing under `if TYPE_CHECKING:` only.
"""

from __future__ import annotations

from collections import namedtuple

__all__ = ["TYPE_CHECKING", "Record"]

TYPE_CHECKING = False  # true to mypy and ruff, which go by the name

if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:
    _MADE_BY_NAMEDTUPLE = frozenset({"__module__", "__qualname__", "__annotations__"})

    class _RecordType(type):
        def __new__(cls, name: str, bases: tuple[type, ...], body: dict[str, object]) -> type:
            annotations = dict(body.get("__annotations__", {}))
            fields = tuple(annotations)
            defaults = [body[field] for field in fields if field in body]
            if any(field not in body for field in fields[len(fields) - len(defaults) :]):
                raise TypeError(f"{name}: a field without a default follows one with a default")
            made = namedtuple(name, fields, defaults=defaults, module=str(body["__module__"]))
            made.__qualname__ = str(body["__qualname__"])
            made.__annotations__ = annotations
            for key, value in body.items():
                if key not in _MADE_BY_NAMEDTUPLE and key not in fields:
                    setattr(made, key, value)
            return made

    Record = type.__new__(_RecordType, "Record", (), {})
