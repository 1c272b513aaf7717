#!/usr/bin/env python3
"""Load the extension in a real Chromium or Firefox ESR and watch one rescue, by hand.

    python3 tests/js/smoke/smoke.py chromium|firefox [--fr] [--keep]

Starts a local server whose file's first response is cut (chunked body cut short: both
browsers report NETWORK_FAILED) and whose Range requests get the rest; registers
fake_host.py as org.dlrescue.host in a throwaway profile/HOME; starts the browser on the
file's URL; then prints what the host heard: hello, interrupted, outcome(s). Chromium also
screenshots popup.html opened as a tab. Exit 0 when the download was interrupted, resumed
by the extension and completed. Not part of CI: tests/e2e is the real-browser suite.
"""

import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import ClassVar

HERE = Path(__file__).resolve().parent
EXT = HERE.parents[2] / "extension"
CHROME_ID = "gjccldfdjgdpkjgmhcahflepmbmohjjc"
GECKO_ID = "dlrescue@dlrescue.org"
BODY = bytes(range(256)) * 2048  # 512 KiB
ETAG = '"smoke-1"'


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    cuts = 0
    requests: ClassVar[list[str]] = []
    mode = "chromium"

    def log_message(self, *args):
        pass

    def do_GET(self):
        rng = self.headers.get("Range")
        Handler.requests.append(f"{rng or 'full'} if-range={self.headers.get('If-Range')}")
        if rng:
            start = int(rng.split("=")[1].split("-")[0])
            part = BODY[start:]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(BODY) - 1}/{len(BODY)}")
            self.send_header("Content-Length", str(len(part)))
            self.send_header("ETag", ETAG)
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            self.wfile.write(part)
            return
        # First request, cut after ~1.5 s of trickle. Chromium: chunked (a Content-Length cut is
        # resumed by Chrome itself, unseen); Firefox: Content-Length (Firefox refuses to resume
        # a chunked body: NS_ERROR_ENTITY_CHANGED).
        Handler.cuts += 1
        chunked = Handler.mode == "chromium"
        self.send_response(200)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(BODY)))
        self.send_header("ETag", ETAG)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Disposition", 'attachment; filename="smoke.bin"')
        self.end_headers()
        for i in range(15):
            chunk = BODY[i * 8192 : (i + 1) * 8192]
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk)
            self.wfile.flush()
            time.sleep(0.1)
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True


def serve():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def host_manifest(allowed):
    return {
        "name": "org.dlrescue.host",
        "description": "dlrescue smoke host",
        "type": "stdio",
        "path": str(HERE / "fake_host.py"),
        **allowed,
    }


def read_log(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait(pred, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.2)
    return False


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else "chromium"
    keep = "--keep" in sys.argv
    work = Path(tempfile.mkdtemp(prefix=f"dlrescue-smoke-{which}-"))
    log_path = work / "host.jsonl"
    downloads = work / "Downloads"
    downloads.mkdir()
    Handler.mode = which
    server = serve()
    url = f"http://127.0.0.1:{server.server_address[1]}/smoke.bin"
    env = dict(
        os.environ,
        DLRESCUE_SMOKE_LOG=str(log_path),
        TMPDIR=str(work / "tmp"),
        HOME=str(work / "home"),
    )
    (work / "tmp").mkdir()
    if which == "chromium":
        profile = work / "profile"
        (profile / "Default").mkdir(parents=True)
        (profile / "NativeMessagingHosts").mkdir()
        (profile / "NativeMessagingHosts" / "org.dlrescue.host.json").write_text(
            json.dumps(host_manifest({"allowed_origins": [f"chrome-extension://{CHROME_ID}/"]}))
        )
        (profile / "Default" / "Preferences").write_text(
            json.dumps(
                {
                    "download": {"default_directory": str(downloads), "prompt_for_download": False},
                    "safebrowsing": {"enabled": False},
                }
            )
        )
        cmd = [
            "/usr/lib/chromium/chromium",
            "--headless=new",
            "--no-sandbox",
            f"--user-data-dir={profile}",
            f"--load-extension={EXT}",
            f"--disable-extensions-except={EXT}",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--remote-debugging-port=0",
            *(["--lang=fr"] if "--fr" in sys.argv else []),
            url,
        ]
    else:
        home = work / "home"
        (home / ".mozilla" / "native-messaging-hosts").mkdir(parents=True)
        (home / ".mozilla" / "native-messaging-hosts" / "org.dlrescue.host.json").write_text(
            json.dumps(host_manifest({"allowed_extensions": [GECKO_ID]}))
        )
        profile = work / "profile"
        (profile / "extensions").mkdir(parents=True)
        with zipfile.ZipFile(profile / "extensions" / f"{GECKO_ID}.xpi", "w") as z:
            for p in sorted(EXT.rglob("*")):
                if p.is_file():
                    z.write(p, p.relative_to(EXT).as_posix())
        prefs = {
            "xpinstall.signatures.required": False,
            "extensions.autoDisableScopes": 0,
            "extensions.enabledScopes": 15,
            "browser.download.dir": str(downloads),
            "browser.download.folderList": 2,
            "browser.download.useDownloadDir": True,
            "browser.download.always_ask_before_handling_new_types": False,
            "browser.download.start_downloads_in_tmp_dir": False,
            "browser.shell.checkDefaultBrowser": False,
            "datareporting.policy.dataSubmissionEnabled": False,
            "devtools.console.stdout.content": True,
            "devtools.console.stdout.chrome": True,
        }
        (profile / "user.js").write_text(
            "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items())
        )
        if "--fr" in sys.argv:
            prefs["intl.locale.requested"] = "fr"
            (profile / "user.js").write_text(
                "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items())
            )
        cmd = ["firefox-esr", "--headless", "--no-remote", "--profile", str(profile), url]
    print("work dir:", work)
    out = open(work / "browser.out", "w")  # noqa: SIM115 (closed after the browser)
    browser = subprocess.Popen(
        cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        done = wait(
            lambda: any(
                m.get("type") == "outcome" and m["download"]["state"] == "complete"
                for m in read_log(log_path)
            ),
            60,
        )
        if which == "chromium" and done:
            # popup.html opened as a tab, rendered, screenshotted; the background's debug state
            shot = work / "popup.png"
            port = (work / "profile" / "DevToolsActivePort").read_text().split()[0]
            cdp = subprocess.run(
                ["node", "--experimental-websocket", str(HERE / "cdp_popup.mjs"), port, str(shot)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            print(cdp.stdout, cdp.stderr[-2000:])
            print("popup screenshot:", shot)
    finally:
        os.killpg(browser.pid, 15)
        browser.wait(10)
        out.close()
    msgs = read_log(log_path)
    for m in msgs:
        print(json.dumps(m)[:300])
    files = sorted(p.name + f" ({p.stat().st_size} bytes)" for p in downloads.iterdir())
    print(
        "downloads:",
        files[:6],
        "first responses cut:",
        Handler.cuts,
        "requests:",
        Handler.requests[:6],
    )
    ok = done and any(m.get("type") == "interrupted" for m in msgs)
    print("RESULT:", "ok" if ok else "FAILED")
    if not keep and ok:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
