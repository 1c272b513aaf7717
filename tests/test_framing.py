"""Framing: byte fixtures, one-byte reads, odd Unicode, caps, end of input."""

from __future__ import annotations

import io
import json
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from native_host import framing
from native_host.framing import MAX_FRAME, Oversize, TruncatedFrame, encode_frame, read_frame


class OneByte(io.RawIOBase):
    """A stream that returns at most one byte per read, like a slow pipe."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        return self.data.read(min(n, 1) if n >= 0 else 1)


class CountingReads(io.BytesIO):
    """Records the largest single read request, to prove bounded skipping."""

    largest = 0

    def read(self, n: int | None = -1) -> bytes:
        self.largest = max(self.largest, n if n is not None and n >= 0 else 1 << 62)
        return super().read(n)


def test_header_is_native_order_uint32_of_encoded_bytes_not_characters() -> None:
    """The length counts UTF-8 bytes: 'é' is 2 bytes, '😀' is 4."""
    body = json.dumps({"s": "é😀"}, ensure_ascii=False).encode()
    data = encode_frame(body)
    assert data[:4] == struct.pack("=I", len(body))
    assert len(body) == len('{"s": "é😀"}') + 1 + 3


def test_clean_end_of_input_between_frames_returns_none() -> None:
    """No bytes at all is a clean end, not an error."""
    assert read_frame(io.BytesIO(b"")) is None


@pytest.mark.parametrize("cut", [1, 2, 3])
def test_input_ending_inside_the_header_raises_truncated(cut: int) -> None:
    """1 to 3 header bytes then end of input is a truncated frame."""
    with pytest.raises(TruncatedFrame, match="header"):
        read_frame(io.BytesIO(struct.pack("=I", 10)[:cut]))


def test_input_ending_inside_the_body_raises_truncated() -> None:
    """A header promising 10 bytes followed by 5 is a truncated frame."""
    with pytest.raises(TruncatedFrame, match="5 of 10"):
        read_frame(io.BytesIO(struct.pack("=I", 10) + b"12345"))


def test_one_byte_reads_assemble_whole_frames() -> None:
    """A pipe that delivers a byte at a time still yields exact frames."""
    stream = OneByte(encode_frame(b'{"a":1}') + encode_frame(b"[]"))
    assert read_frame(stream) == b'{"a":1}'  # type: ignore[arg-type]
    assert read_frame(stream) == b"[]"  # type: ignore[arg-type]
    assert read_frame(stream) is None  # type: ignore[arg-type]


def test_frame_of_exactly_the_cap_is_accepted() -> None:
    """MAX_FRAME bytes is allowed; the cap is inclusive."""
    body = b"x" * MAX_FRAME
    assert read_frame(io.BytesIO(encode_frame(body))) == body


def test_oversize_frame_is_skipped_in_bounded_chunks_and_the_next_frame_is_read() -> None:
    """A 5 MB declared frame is skipped without one read larger than SKIP_CHUNK."""
    big = MAX_FRAME * 5
    stream = CountingReads(struct.pack("=I", big) + b"y" * big + encode_frame(b"{}"))
    assert read_frame(stream) == Oversize(big)
    assert stream.largest <= framing.SKIP_CHUNK
    assert read_frame(stream) == b"{}"


def test_oversize_frame_cut_short_raises_truncated() -> None:
    """An oversize frame whose bytes never all arrive is a truncated frame."""
    with pytest.raises(TruncatedFrame, match="oversize"):
        read_frame(io.BytesIO(struct.pack("=I", MAX_FRAME + 10) + b"z" * 100))


def test_outbound_frames_over_the_cap_are_refused() -> None:
    """Host to browser: never more than 1 MiB (a larger frame breaks the port)."""
    with pytest.raises(framing.FrameTooLarge):
        encode_frame(b"x" * (MAX_FRAME + 1))


@settings(max_examples=300)
@given(
    st.lists(
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(),
            lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
            max_leaves=8,
        ),
        max_size=6,
    )
)
def test_round_trip_of_any_json_with_odd_unicode_through_one_byte_reads(
    values: list[object],
) -> None:
    """Any sequence of JSON values survives encode -> one-byte reads -> decode, in order."""
    data = b"".join(
        encode_frame(json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        for v in values
    )
    stream = OneByte(data)
    out = []
    while (body := read_frame(stream)) is not None:  # type: ignore[arg-type]
        assert isinstance(body, bytes)
        out.append(json.loads(body.decode("utf-8", "surrogatepass")))
    assert out == values
