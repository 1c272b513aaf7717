import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";

import { downloadRows, stateChanges, stateOf } from "../../extension/modules/popup_rows.js";
import {
  droppedText, historyNote, hostProblemText, modeView, retryResultText, statusView, summaryView,
} from "../../extension/modules/popup_view.js";
import { EXTENSION_DIR, makeGetMessage } from "./fakes.js";

const en = makeGetMessage("en");
const fr = makeGetMessage("fr");
const time = (ms) => new Date(ms).toISOString();

const item = (extra = {}) => ({
  event_id: 7, at: "2026-01-15T12:00:00Z", browser: "chrome", download_id: 3, url: "https://example.org/a/big.iso",
  filename: "/home/u/Downloads/big.iso", reason: "NETWORK_FAILED", category: "NETWORK", known: true,
  action: "resume", delay_ms: 4000, attempt: 2, max_attempts: 5, outcome: null, explanation: "The connection dropped.",
  local: { key: "3|https://example.org/a/big.iso?X-Amz-Signature=real", id: 3, url: "https://example.org/a/big.iso?X-Amz-Signature=real", status: "decided", pending: null },
  ...extra,
});

describe("popup: host status", () => {
  test("connected shows the host version", () => {
    const v = statusView({ status: "connected", hostVersion: "0.1.0" }, en, 0);
    assert.equal(v.tone, "ok");
    assert.equal(v.text, "Connected to dlrescue 0.1.0.");
    assert.equal(v.fix, "");
  });

  test("a missing host says to run `dlrescue register`, with the browser's detail and next try", () => {
    const v = statusView({ status: "host_missing", detail: "Specified native messaging host not found.", nextRetryAt: 8000 }, en, 0);
    assert.equal(v.tone, "error");
    assert.match(v.fix, /`dlrescue register`/);
    assert.match(v.detail, /not found/);
    assert.equal(v.retry, "Next automatic try in 8 s.");
  });

  test("every problem state has its own sentence and fix, in French too", () => {
    for (const status of ["host_missing", "host_forbidden", "host_failed", "host_closed", "incompatible"]) {
      const v = statusView({ status }, fr, 0);
      assert.ok(v.text && v.fix, status);
      assert.doesNotMatch(v.text, /^[a-z]+[A-Z]/, `${status}: a raw key leaked`);
    }
    assert.match(statusView({ status: "host_missing" }, fr, 0).fix, /`dlrescue register`/);
  });
});

describe("popup: one row per download, its state in words", () => {
  const NOW = Date.parse("2026-01-15T12:00:30Z");
  const pending = (extra = {}) => item({ local: { key: "k", id: 3, url: "u", status: "decided", pending: { action: "resume", dueAt: NOW + 40_000, ...extra } } });
  const state = (it, t = en) => stateOf(it, NOW, t).text;

  test("a row shows the name, the reason with the HTTP status and the attempt, and the countdown", () => {
    const [row] = downloadRows([pending(), item({ event_id: 6, attempt: 1 })], NOW, en, time);
    assert.equal(row.name, "big.iso");
    assert.equal(row.detail, "NETWORK_FAILED · attempt 2 of 5");
    assert.deepEqual(row.state, { kind: "scheduled", tone: "active", text: "Resumes in 40 s", dueAt: NOW + 40_000 });
    assert.equal(row.canAct, true);
    assert.equal(downloadRows([item({ http_status: 503 })], NOW, en, time)[0].detail, "NETWORK_FAILED · HTTP 503 · attempt 2 of 5");
  });

  test("the same in French, with the locale's numbers", () => {
    const fmt = (n) => n.toLocaleString("fr", { maximumFractionDigits: 1 });
    assert.equal(stateOf(pending({ dueAt: NOW + 2500 }), NOW, fr, fmt).text, "Reprise dans 2,5 s");
    assert.equal(state(pending({ action: "restart", dueAt: NOW + 180_000 }), fr), "Repart de zéro dans 3 min");
    assert.equal(state(pending({ dueAt: NOW + 3 * 3600_000 }), en), "Resumes in 3 h");
    assert.equal(downloadRows([item({ outcome: "complete" })], NOW, fr, time)[0].detail, "NETWORK_FAILED · essai 2 sur 5");
  });

  test("each state in words: completed, given up, cancelled, left with the reason's explanation", () => {
    assert.equal(state(item({ outcome: "complete" })), "Completed");
    assert.equal(state(item({ local: { key: "k", status: "closed", outcome: "complete" } })), "Completed");
    assert.equal(state(item({ outcome: "given_up" })), "Given up: it will not be retried");
    assert.equal(state(item({ outcome: "cancelled", reason: "USER_CANCELED" })), "Cancelled");
    assert.equal(state(item({ action: "none", explanation: "The server refused it." })), "Left: The server refused it.");
    assert.equal(state(item({ action: "none", explanation: "Le serveur l'a refusé." }), fr), "Laissé : Le serveur l'a refusé.");
    assert.equal(stateOf(item({ action: "none", outcome: "given_up" }), NOW, en).tone, "error", "left by the rules, not by a person");
  });

  test("what the extension is waiting for: the network, the site, disk space, the decision, a click", () => {
    assert.equal(state(item({ local: { status: "decided", pending: { action: "resume", dueAt: 0 }, waitingForNetwork: true } })), "Waiting for the network to come back.");
    assert.equal(state(pending({ wait: "site" })), "Waiting for the site: another download from it is tried first.");
    const pausedProbe = item({ local: { status: "decided", decision: { cause: "site_paused" }, pending: { action: "resume", wait: "site", dueAt: NOW + 600_000 } } });
    assert.equal(state(pausedProbe), "Resumes in 10 min", "a paused site's probe waits for no other download");
    assert.equal(state(item({ local: { status: "decided", serverDown: true, pending: { action: "resume", dueAt: NOW + 8000 } } })), "Waiting for the site to answer again.");
    assert.equal(state(pending({ wait: "space", bytesNeeded: 1_234_000_000 })), "Waiting for disk space: free 1.2 GB.");
    assert.equal(state(item({ local: { status: "queued" } })), "Waiting for the companion program's decision.");
    assert.match(state(item({ local: { status: "left", needsClick: true } })), /Retry now/);
    assert.equal(state(pending({ dueAt: NOW - 1 })), "Being retried now…");
    assert.equal(state(item({ local: { status: "acted" } })), "Resumed; being watched.");
    assert.equal(state(item({ local: null })), "Decided: resume after 4 s");
  });

  test("one row per download: the newest event of each episode (the list comes newest first)", () => {
    const rows = downloadRows([
      item({ event_id: 9, attempt: 3, episode_id: 1 }),
      item({ event_id: 8, attempt: 2, episode_id: 1 }),
      item({ event_id: 5, url: "https://example.org/done.zip", filename: "", episode_id: 2, outcome: "complete" }),
      item({ event_id: 4, url: "https://example.org/dropped", filename: "", episode_id: 3, outcome: "given_up" }),
      item({ event_id: 3, url: null, filename: null, incognito: true, episode_id: null }),
      item({ event_id: 2, url: null, filename: null, incognito: true, episode_id: null }),
    ], NOW, en, time);
    assert.deepEqual(rows.map((r) => r.name), ["big.iso", "done.zip", "dropped", "Private download", "Private download"]);
    assert.deepEqual(rows.map((r) => r.canAct), [true, false, false, true, true]);
    assert.equal(rows[0].detail, "NETWORK_FAILED · attempt 3 of 5");
  });

  test("a row carries the extension's ledger key and the real download; rows the extension no longer knows get no buttons", () => {
    const [row] = downloadRows([item({ url: "https://example.org/a/big.iso?X-Amz-Signature=REDACTED" })], NOW, en, time);
    assert.equal(row.key, "3|https://example.org/a/big.iso?X-Amz-Signature=real");
    assert.equal(row.liveId, 3);
    assert.equal(row.liveUrl, "https://example.org/a/big.iso?X-Amz-Signature=real");
    assert.equal(row.canAct, true);
    const [unknown] = downloadRows([item({ local: null })], NOW, en, time);
    assert.equal(unknown.canAct, false);
    assert.equal(unknown.key, null);
    const [done] = downloadRows([item({ local: { key: "k", status: "closed" } })], NOW, en, time);
    assert.equal(done.canAct, false, "the extension finished with it (completed, erased)");
    const [givenUp] = downloadRows([item({ local: { key: "k", status: "left", givenUp: true } })], NOW, en, time);
    assert.equal(givenUp.canAct, false, "given up in this popup, before the host's row says so");
  });

  test("an unknown reason is marked as such", () => {
    const [row] = downloadRows([item({ reason: "LOCAL_DOWNLOAD_BLOCKED", category: "UNKNOWN", known: false, action: "none" })], NOW, en, time);
    assert.equal(row.detail, "LOCAL_DOWNLOAD_BLOCKED (not in the catalogue)");
  });

  test("what changed between two renderings is announced, a countdown ticking is not", () => {
    const before = downloadRows([pending()], NOW, en, time);
    const ticked = downloadRows([pending()], NOW + 5000, en, time);
    assert.deepEqual(stateChanges(before, ticked), []);
    const after = downloadRows([item({ outcome: "complete", local: pending().local })], NOW, en, time);
    assert.deepEqual(stateChanges(before, after), ["big.iso: Completed"]);
  });

  test("retry results read as sentences", () => {
    assert.equal(retryResultText({ ok: true, did: "restarted" }, en), "Started again from zero.");
    assert.equal(retryResultText({ ok: false, error: { message: "no host" } }, en), "Could not retry: no host");
  });
});

describe("popup: the mode and what dlrescue did", () => {
  test("with the companion: its badge; alone: what works and what the companion adds", () => {
    const companion = modeView({ host: { status: "connected" }, mode: "companion" }, en);
    assert.deepEqual([companion.mode, companion.tone, companion.badge, companion.adds], ["companion", "ok", "Companion", ""]);
    const alone = modeView({ host: { status: "host_missing" }, mode: "alone" }, en);
    assert.equal(alone.badge, "Working alone");
    assert.equal(alone.text, "Interrupted downloads are rescued with the built-in rules.");
    assert.match(alone.adds, /history, the settings and the statistics.*`dlrescue register`/);
    assert.equal(alone.quiet, true, "not installed: the port's details and fix are noise");
    assert.equal(alone.decided, "");
    assert.match(modeView({ host: { status: "host_missing" }, mode: "alone", localDecisions: 3 }, en).decided, /: 3$/);
    assert.equal(modeView({ host: { status: "host_failed" }, mode: "alone" }, en).quiet, false, "a broken companion still says what to do");
    assert.equal(modeView({ host: { status: "host_missing" }, mode: "alone" }, fr).badge, "Autonome");
  });

  test("without a mode from the background, no host means waiting for it", () => {
    const view = modeView({ host: { status: "host_missing" } }, en);
    assert.deepEqual([view.mode, view.tone, view.badge, view.quiet], ["waiting", "error", "Not connected", false]);
    assert.equal(modeView({ host: { status: "connecting" } }, en).tone, "warn");
  });

  test("the header: rescued N of M downloads and the data kept instead of downloaded again", () => {
    const fmt = (n) => n.toLocaleString("fr", { maximumFractionDigits: 1 });
    assert.deepEqual(summaryView({ episodes: 7, rescued: 4, bytes_kept: 1_234_000_000 }, en), { empty: "", figures: [
      { value: "4 of 7", label: "interrupted downloads rescued" },
      { value: "1.2 GB", label: "kept instead of downloaded again" }] });
    assert.deepEqual(summaryView({ episodes: 7, rescued: 4, bytes_kept: 1_234_000_000 }, fr, fmt).figures, [
      { value: "4 sur 7", label: "téléchargements interrompus sauvés" },
      { value: "1,2 Go", label: "gardés au lieu d'être téléchargés à nouveau" }]);
    assert.equal(summaryView({ episodes: 2, rescued: 0, bytes_kept: null }, en).figures.length, 1, "an older host does not count it");
    assert.equal(summaryView({ episodes: 0, rescued: 0 }, en).empty, "No interrupted download yet: dlrescue is watching.");
    assert.equal(summaryView(null, en), null);
  });
});

describe("popup: what is wrong, in the host's words", () => {
  const said = "The history database is locked by another program; dlrescue will try again.";

  test("a store that cannot write now shows the host's sentence, in English and French", () => {
    const problem = { kind: "retry", code: "store_unavailable", message: said, at: 0 };
    assert.equal(hostProblemText(problem, en, time),
      `The companion program cannot record now (it is tried again automatically). It said: ${said}`);
    assert.match(hostProblemText(problem, fr, time), /^Le programme compagnon ne peut pas enregistrer/);
    assert.ok(hostProblemText(problem, fr, time).endsWith(said));
  });

  test("a refused message shows the code, the host's sentence and when", () => {
    const text = hostProblemText({ kind: "drop", code: "invalid_reason", message: "download.error \"X\" is not a reason", at: 5000 }, en, time);
    assert.equal(text, `The companion program refused a message (invalid_reason): download.error "X" is not a reason (${time(5000)})`);
    assert.equal(hostProblemText(null, en, time), "");
  });

  test("a full queue says how many messages it dropped", () => {
    assert.equal(droppedText({ count: 12, lastAt: 0 }, en, time),
      `The waiting list was full: the 12 oldest messages were dropped and will not reach the companion program (last at ${time(0)}).`);
    assert.match(droppedText({ count: 12, lastAt: 0 }, fr, time), /les 12 messages les plus anciens/);
    assert.equal(droppedText(null, en, time), "");
  });

  test("the history note gives the host's sentence, or the port's reason, not 'once connected'", () => {
    const hostError = historyNote({ ok: false, host: { status: "connected" }, error: { code: "store_unavailable", message: said } }, en);
    assert.equal(hostError, `The companion program could not give the history: ${said}`);
    const gone = historyNote({
      ok: false, host: { status: "host_failed", detail: "Native host has exited." }, error: { code: "unavailable", message: "the host is not available" },
    }, en);
    assert.equal(gone, "The history is kept by the companion program, which is not connected: Native host has exited.");
    assert.match(historyNote({ ok: false, host: { status: "host_failed", detail: "Native host has exited." } }, fr), /qui n'est pas connecté : Native host has exited\.$/);
    assert.equal(historyNote({ ok: false }, en), en("historyUnavailable"));
    assert.equal(historyNote({ ok: true }, en), "");
  });
});

describe("popup.css: readable in light and dark", () => {
  const css = readFileSync(join(EXTENSION_DIR, "popup.css"), "utf8");
  const colours = (block) => Object.fromEntries([...block.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})/g)].map((m) => [m[1], m[2]]));
  const light = colours(css.slice(css.indexOf(":root {"), css.indexOf("@media (prefers-color-scheme: dark)")));
  const dark = { ...light, ...colours(css.slice(css.indexOf("@media (prefers-color-scheme: dark)"))) };
  const luminance = (hex) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };

  test("every text colour has at least 4.5:1 on the page and on the panel (WCAG AA), in both schemes", () => {
    for (const [scheme, c] of [["light", light], ["dark", dark]]) {
      assert.ok(Object.keys(c).length >= 10, `${scheme}: the colours were not found`);
      for (const text of ["fg", "muted", "ok", "active", "warn", "error"]) {
        for (const ground of ["bg", "panel"]) {
          const ratio = contrast(c[text], c[ground]);
          assert.ok(ratio >= 4.5, `${scheme}: --${text} on --${ground} is ${ratio.toFixed(2)}:1`);
        }
      }
      assert.ok(contrast(c.bg, c.active) >= 4.5, `${scheme}: the primary button's text`);
    }
    assert.notEqual(dark.bg, light.bg);
  });
});
