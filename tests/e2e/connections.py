"""Every TCP connection attempt to a port on the loopback interface, refused ones included.

A server that is down cannot log the requests it refuses; the kernel still sees each SYN.
`ConnectionLog` reads them from a raw packet socket on `lo` (AF_PACKET: Linux, with
CAP_NET_RAW, which CI's root has), so a test can count what a browser tried while nothing
listened. `available()` says why it cannot run elsewhere.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

ETH_P_ALL = 0x0003
ETH_P_IP = b"\x08\x00"
TCP = 6
SYN, ACK = 0x02, 0x10


def available() -> str | None:
    """None when a ConnectionLog can run here, else why not."""
    if not hasattr(socket, "AF_PACKET"):
        return "no AF_PACKET sockets on this system (Linux only)"
    try:
        socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(ETH_P_ALL)).close()
    except PermissionError:
        return "reading packets on lo needs CAP_NET_RAW (run as root)"
    return None


def syn_port(frame: bytes) -> int | None:
    """The destination port of a frame that opens a TCP connection (SYN without ACK) over
    IPv4, else None. Frames on lo carry an Ethernet header of 14 bytes."""
    if len(frame) < 14 + 20 or frame[12:14] != ETH_P_IP:
        return None
    ip = frame[14:]
    if ip[9] != TCP:
        return None
    tcp = ip[(ip[0] & 0x0F) * 4 :]
    if len(tcp) < 14 or not tcp[13] & SYN or tcp[13] & ACK:
        return None
    return int.from_bytes(tcp[2:4], "big")


class ConnectionLog:
    """The times (time.monotonic()) of the connection attempts to `port` while it runs."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(ETH_P_ALL))
        self._sock.bind(("lo", 0))
        self._sock.settimeout(0.2)
        self._lock = threading.Lock()
        self._times: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ConnectionLog:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                frame, address = self._sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            # each frame on lo is seen leaving (PACKET_OUTGOING) and arriving: count arrivals
            if address[2] == socket.PACKET_OUTGOING or syn_port(frame) != self.port:
                continue
            with self._lock:
                self._times.append(time.monotonic())

    def between(self, start: float, end: float) -> list[float]:
        """The attempts from `start` to `end` (time.monotonic() values)."""
        with self._lock:
            return [t for t in self._times if start <= t <= end]


def requests_among(attempts: list[float]) -> list[float]:
    """The requests among connection attempts: an attempt within 50 ms of the one before
    is the same request (Firefox connects twice before it gives up on a refused connection;
    seen with ESR 153: every probe is two SYNs 1 ms apart)."""
    return [t for i, t in enumerate(attempts) if i == 0 or t - attempts[i - 1] > 0.05]
