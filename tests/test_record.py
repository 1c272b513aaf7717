"""native_host.record.Record against typing.NamedTuple: the classes they make behave alike."""

from __future__ import annotations

import pickle
from typing import NamedTuple

import pytest

from native_host.record import Record


class Typed(NamedTuple):
    """A record with a method and a property."""

    name: str
    size: int = 0
    tags: tuple[str, ...] = ()

    def twice(self) -> int:
        return self.size * 2

    @property
    def label(self) -> str:
        return f"{self.name}:{self.size}"


class Ours(Record):
    """A record with a method and a property."""

    name: str
    size: int = 0
    tags: tuple[str, ...] = ()

    def twice(self) -> int:
        return self.size * 2

    @property
    def label(self) -> str:
        return f"{self.name}:{self.size}"


class Bare(Record):
    x: int


def test_a_record_class_is_what_typing_namedtuple_makes() -> None:
    """Fields, defaults, annotations, docstring, names, methods, properties, tuple behaviour,
    _replace and _asdict are the same as typing.NamedTuple's."""
    for attribute in ("_fields", "_field_defaults", "__doc__"):
        assert getattr(Ours, attribute) == getattr(Typed, attribute), attribute
    assert list(Ours.__annotations__) == list(Typed.__annotations__)
    assert Ours.__qualname__ == "Ours" and Ours.__module__ == __name__
    assert Ours.__mro__[1:] == Typed.__mro__[1:] == (tuple, object)
    ours, typed = Ours("a", 2), Typed("a", 2)
    assert tuple(ours) == tuple(typed) == ("a", 2, ())
    assert repr(ours) == "Ours(name='a', size=2, tags=())"
    assert ours.twice() == typed.twice() == 4 and ours.label == typed.label == "a:2"
    assert ours._replace(size=5) == ("a", 5, ()) and ours._asdict() == typed._asdict()
    assert hash(ours) == hash(typed) and tuple(ours) == tuple(typed)
    with pytest.raises(AttributeError):
        ours.size = 3  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(ours)) == ours
    assert Bare.__doc__ == NamedTuple("Bare", [("x", int)]).__doc__  # namedtuple's own
    assert Bare(1).x == 1


def test_a_field_without_a_default_after_one_with_a_default_is_refused() -> None:
    """As typing.NamedTuple does, rather than giving the defaults to the wrong fields."""
    with pytest.raises(TypeError, match="without a default follows one with a default"):

        class Wrong(Record):
            first: int = 0
            second: int  # type: ignore[misc]
