import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  droppedText, historyNote, historyRows, hostProblemText, retryResultText, statusView,
} from "../../extension/modules/popup_view.js";
import { makeGetMessage } from "./fakes.js";

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

describe("popup: history rows", () => {
  test("a row shows reason with category, action with delay, attempt of max, outcome, explanation", () => {
    const [row] = historyRows([item()], en, time);
    assert.equal(row.name, "big.iso");
    assert.equal(row.reason, "NETWORK_FAILED (network)");
    assert.equal(row.action, "resume after 4 s");
    assert.equal(row.attempt, "2 of 5");
    assert.equal(row.outcome, "pending");
    assert.equal(row.explanation, "The connection dropped.");
    assert.equal(row.canAct, true);
  });

  test("the same row in French", () => {
    const [row] = historyRows([item({ outcome: "complete", action: "restart", delay_ms: 180_000 })], fr, time);
    assert.equal(row.reason, "NETWORK_FAILED (réseau)");
    assert.equal(row.action, "relancer depuis le début après 3 min");
    assert.equal(row.attempt, "2 sur 5");
    assert.equal(row.outcome, "terminé");
  });

  test("sub-second delays in ms, short ones with one decimal, in the locale's format", () => {
    const [row] = historyRows([item({ delay_ms: 300 })], en, time);
    assert.equal(row.action, "resume after 300 ms");
    assert.equal(historyRows([item({ delay_ms: 1500 })], en, time)[0].action, "resume after 1.5 s");
    const [frRow] = historyRows([item({ delay_ms: 2500 })], fr, time, (n) => n.toLocaleString("fr", { maximumFractionDigits: 1 }));
    assert.equal(frRow.action, "reprendre après 2,5 s");
  });

  test("only the newest row of an episode not yet finished gets retry and give-up buttons", () => {
    const rows = historyRows([
      item({ event_id: 9, attempt: 3 }),
      item({ event_id: 8, attempt: 2 }),
      item({ event_id: 5, url: "https://example.org/done", outcome: "complete" }),
      item({ event_id: 4, url: "https://example.org/dropped", outcome: "given_up" }),
    ], en, time);
    assert.deepEqual(rows.map((r) => r.canAct), [true, false, false, false]);
  });

  test("a row carries the extension's ledger key and the real download; rows the extension no longer knows get no buttons", () => {
    const [row] = historyRows([item({ url: "https://example.org/a/big.iso?X-Amz-Signature=REDACTED" })], en, time);
    assert.equal(row.key, "3|https://example.org/a/big.iso?X-Amz-Signature=real");
    assert.equal(row.liveId, 3);
    assert.equal(row.liveUrl, "https://example.org/a/big.iso?X-Amz-Signature=real");
    assert.equal(row.canAct, true);
    const [unknown] = historyRows([item({ local: null })], en, time);
    assert.equal(unknown.canAct, false);
    assert.equal(unknown.key, null);
    const [done] = historyRows([item({ local: { key: "k", status: "closed" } })], en, time);
    assert.equal(done.canAct, false, "the extension finished with it (completed, erased)");
  });

  test("an unknown reason is marked as such; the extension's own state is shown", () => {
    const [row] = historyRows([item({ reason: "LOCAL_DOWNLOAD_BLOCKED", category: "UNKNOWN", known: false, action: "none", local: { status: "left", needsClick: true } })], en, time);
    assert.equal(row.reason, "LOCAL_DOWNLOAD_BLOCKED – not in the catalogue (unknown)");
    assert.equal(row.action, "none");
    assert.match(row.local, /Retry now/);
    const [waiting] = historyRows([item({ local: { status: "decided", pending: { action: "resume", dueAt: 0 }, waitingForNetwork: true } })], en, time);
    assert.equal(waiting.local, "Waiting for the network to come back.");
  });

  test("retry results read as sentences", () => {
    assert.equal(retryResultText({ ok: true, did: "restarted" }, en), "Started again from zero.");
    assert.equal(retryResultText({ ok: false, error: { message: "no host" } }, en), "Could not retry: no host");
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
