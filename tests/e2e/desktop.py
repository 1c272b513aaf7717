"""A desktop for what only a person answers outside the browser's pages (a notification's
button, a Save As dialog): Xvfb, a virtual X display, and xdotool, which lists windows and
clicks in them with real input (XTEST). There is no window manager, so windows stay where
the browser puts them and keyboard focus cannot be given (xdotool's `key` reached nothing
in the Save As dialog): everything is a click.

Seen with Chromium 156 on Xvfb, without a D-Bus session (so no desktop notification
service): a notification is Chromium's own popup, an unnamed window at the screen's bottom
right, its button a row along the popup's bottom edge; the Save As dialog is GTK's, a window
named "Save File" with Cancel and Save at its bottom right.

Where Xvfb or xdotool is missing the test skips, and with CI=true fails (rig.unavailable).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .browsers import wait_for
from .rig import unavailable

WIDTH, HEIGHT = 1280, 900


@dataclass(frozen=True)
class Window:
    wid: str
    name: str
    x: int
    y: int
    width: int
    height: int


class Desktop:
    """One Xvfb display and the windows on it."""

    def __init__(self, display: str) -> None:
        self.display = display

    def xdotool(self, *args: str) -> str:
        done = subprocess.run(
            ["xdotool", *args],
            capture_output=True,
            text=True,
            env={**os.environ, "DISPLAY": self.display},
            check=False,
            timeout=10,
        )
        return done.stdout

    def windows(self) -> list[Window]:
        """The visible windows but the root, each with its name and geometry."""
        found = []
        for wid in self.xdotool("search", "--onlyvisible", "--name", "").split():
            shell = dict(
                line.split("=", 1)
                for line in self.xdotool("getwindowgeometry", "--shell", wid).splitlines()
                if "=" in line
            )
            if not {"X", "Y", "WIDTH", "HEIGHT"} <= shell.keys():
                continue  # closed meanwhile
            w = Window(
                wid,
                self.xdotool("getwindowname", wid).strip(),
                int(shell["X"]),
                int(shell["Y"]),
                int(shell["WIDTH"]),
                int(shell["HEIGHT"]),
            )
            if (w.width, w.height) != (WIDTH, HEIGHT):
                found.append(w)
        return found

    def wait_window(self, what: str, match: Callable[[Window], bool], timeout: float) -> Window:
        def probe() -> Window | None:
            return next((w for w in self.windows() if match(w)), None)

        try:
            return wait_for(what, probe, timeout, interval=0.3)  # type: ignore[no-any-return]
        except TimeoutError as e:
            raise AssertionError(f"{e}; windows: {self.windows()}") from None

    def click(self, x: int, y: int) -> None:
        self.xdotool("mousemove", "--sync", str(x), str(y), "click", "1")

    # -- what Chromium shows -----------------------------------------------------------

    def notification(self, timeout: float = 10) -> Window:
        """Chromium's notification popup: unnamed, at the screen's bottom right."""
        return self.wait_window(
            "Chromium's notification popup",
            lambda w: not w.name and w.x + w.width > WIDTH - 40 and w.y + w.height > HEIGHT - 40,
            timeout,
        )

    def click_notification_button(self, popup: Window) -> None:
        """The popup's one button: the row along its bottom edge."""
        self.click(popup.x + popup.width // 2, popup.y + popup.height - 28)

    def save_dialog(self, timeout: float = 15) -> Window:
        return self.wait_window("the Save As dialog", lambda w: w.name == "Save File", timeout)

    def click_save(self, dialog: Window) -> None:
        self.click(dialog.x + dialog.width - 50, dialog.y + dialog.height - 24)

    def click_cancel(self, dialog: Window) -> None:
        self.click(dialog.x + dialog.width - 140, dialog.y + dialog.height - 24)


@contextlib.contextmanager
def desktop() -> Iterator[Desktop]:
    """An Xvfb display of its own (the first free number, from -displayfd), stopped after."""
    for tool, package in (("Xvfb", "xvfb"), ("xdotool", "xdotool")):
        if shutil.which(tool) is None:
            unavailable(f"{tool} is not installed (apt-get install {package})")
    read, write = os.pipe()
    proc = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write),
            "-screen",
            "0",
            f"{WIDTH}x{HEIGHT}x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as f:
            number = f.readline().strip()
        if not number:
            unavailable(f"Xvfb did not start (exit status {proc.poll()})")
        yield Desktop(f":{number}")
    finally:
        proc.kill()
        proc.wait(timeout=10)
