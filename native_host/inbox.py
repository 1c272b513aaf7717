"""Frames read ahead on a thread, taken in batches: a reader thread turns stdin into frames
on a bounded queue; the host takes every frame waiting at once (one batch, one commit).
"""

from __future__ import annotations

import queue
import threading

from . import framing
from .record import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import BinaryIO

#: At most this many waiting frames are committed together.
MAX_BATCH = 256
#: Frames read ahead of the batch being handled. Memory for frames is bounded by
#: (MAX_QUEUE + MAX_BATCH + 1) x 1 MiB at worst: the queue, the batch, the frame being read.
MAX_QUEUE = 64

#: What next_batch() gives as `end` when input ended between frames.
END = object()

Frame = bytes | framing.Oversize


class Inbox:
    """The frames of one port's stdin, read by a daemon thread."""

    def __init__(self, stream: BinaryIO) -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=MAX_QUEUE)
        self._thread = threading.Thread(
            target=self._read, args=(stream,), daemon=True, name="frames"
        )
        self._thread.start()

    def _read(self, stream: BinaryIO) -> None:
        """Frames from stream onto the queue; then END, or the TruncatedFrame/OSError that
        ended it."""
        try:
            while True:
                frame = framing.read_frame(stream)
                if frame is None:
                    break
                self._queue.put(frame)
        except Exception as exc:  # TruncatedFrame, OSError, or a bug: the port ends either way
            self._queue.put(exc)
            return
        self._queue.put(END)

    def next_batch(self) -> tuple[list[Frame], object]:
        """Every frame waiting (blocking for the first, at most MAX_BATCH), and what ended the
        input if it ended (END or the exception), else None."""
        batch: list[Frame] = []
        item = self._queue.get()
        while isinstance(item, bytes | framing.Oversize):
            batch.append(item)
            if len(batch) >= MAX_BATCH:
                return batch, None
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, None
        return batch, item
