import assert from "node:assert/strict";
import { test } from "node:test";

import { VERIFY_AFTER_MS, isNotResumableError, resumeVerdict } from "../../extension/modules/resume_check.js";
import {
  ALARM_THRESHOLD_MS, MIN_ALARM_DELAY_MS, isDue, planAction, queueRetryDelay, wakeAlarmTime,
} from "../../extension/modules/schedule.js";

const decision = (extra) => ({ action: "resume", delay_ms: 4000, attempt: 1, max_attempts: 5, reason: "NETWORK_FAILED", category: "NETWORK", notify: false, ...extra });

test("a short wait runs on a timer, a wait of 30 s or more on an alarm", () => {
  assert.equal(planAction(decision({ delay_ms: 4000 }), 0).useAlarm, false);
  assert.equal(planAction(decision({ delay_ms: ALARM_THRESHOLD_MS - 1 }), 0).useAlarm, false);
  assert.equal(planAction(decision({ delay_ms: ALARM_THRESHOLD_MS }), 0).useAlarm, true);
});

test("the pending action is due delay_ms after the decision", () => {
  assert.deepEqual(planAction(decision({ action: "restart", delay_ms: 2500, category: "SERVER" }), 1000),
    { action: "restart", delayMs: 2500, dueAt: 3500, useAlarm: false, waitOnline: false });
});

test("the wait counts from the interruption (`from`), never ends before now, and a site's wait counts from now", () => {
  const late = planAction(decision({ delay_ms: 15_000 }), 3300, "https://a.example/f", 0);
  assert.deepEqual([late.dueAt, late.delayMs, late.useAlarm], [15_000, 15_000, false]);
  assert.equal(planAction(decision({ delay_ms: 1000 }), 3300, null, 0).dueAt, 3300, "past already: now");
  assert.equal(planAction(decision({ delay_ms: 40_000 }), 15_000, null, 0).useAlarm, false, "25 s left: a timer");
  assert.equal(planAction(decision({ delay_ms: 1000 }), 3300, null, 9000).dueAt, 4300, "a time after now is now");
  assert.equal(planAction(decision({ delay_ms: 1000 }), 3300, null, undefined).dueAt, 4300);
  const site = planAction(decision({ delay_ms: 5000, wait: "site" }), 3300, "https://a.example/f", 0);
  assert.equal(site.dueAt, 8300, "the host counts a site's wait from when it decides");
  assert.equal(planAction(decision({ delay_ms: 5000, wait: "site" }), 3300, null, 0).dueAt, 8300, "with or without a host name");
  const paused = planAction(decision({ delay_ms: 600_000, wait: "site", cause: "site_paused", notify: true }), 3300, "https://a.example/f", 0);
  assert.equal(paused.dueAt, 603_300, "a site's pause counts from the host's decision, as the host keeps it");
});

test("none plans nothing; a missing or negative delay means now", () => {
  assert.equal(planAction(decision({ action: "none" }), 0), null);
  assert.equal(planAction(decision({ delay_ms: undefined }), 50).dueAt, 50);
  assert.equal(planAction(decision({ delay_ms: -5 }), 50).dueAt, 50);
});

test("network retries wait until the browser is online; others do not", () => {
  const net = planAction(decision({ delay_ms: 0 }), 0);
  assert.equal(net.waitOnline, true);
  assert.equal(isDue(net, 0, false), false);
  assert.equal(isDue(net, 0, true), true);
  const server = planAction(decision({ delay_ms: 0, category: "SERVER" }), 0);
  assert.equal(isDue(server, 0, false), true);
});

test("nothing is due before its time", () => {
  assert.equal(isDue(planAction(decision({ delay_ms: 1000 }), 0), 999, true), false);
  assert.equal(isDue(planAction(decision({ delay_ms: 1000 }), 0), 1000, true), true);
});

test("queue retries back off 2 s, 4 s, 8 s ... up to 5 minutes", () => {
  assert.deepEqual([0, 1, 2, 3].map((n) => queueRetryDelay(n)), [2000, 4000, 8000, 16000]);
  assert.equal(queueRetryDelay(40), 300_000);
});

test("the wake alarm goes to the earliest waiting thing, never sooner than 30 s", () => {
  assert.equal(wakeAlarmTime({ pendingDueTimes: [], outboxDueAt: null, now: 0 }), null);
  assert.equal(wakeAlarmTime({ pendingDueTimes: [120_000, 90_000], now: 0 }), 90_000);
  assert.equal(wakeAlarmTime({ pendingDueTimes: [1000], now: 0 }), MIN_ALARM_DELAY_MS);
  assert.equal(wakeAlarmTime({ pendingDueTimes: [], outboxDueAt: 0, now: 10 }), 10 + MIN_ALARM_DELAY_MS);
});

test("cap detection: still interrupted and never ran after resume() means Chrome ignored it", () => {
  assert.equal(resumeVerdict({ state: "interrupted" }, false), "ignored");
  assert.equal(resumeVerdict({ state: "interrupted" }, true), "reinterrupted");
  assert.equal(resumeVerdict({ state: "in_progress" }, false), "ok");
  assert.equal(resumeVerdict({ state: "complete" }, true), "ok");
  assert.equal(resumeVerdict(undefined, false), "gone");
  assert.ok(VERIFY_AFTER_MS >= 2000 && VERIFY_AFTER_MS <= 10_000);
});

test("both browsers' 'cannot resume' errors are recognised", () => {
  assert.equal(isNotResumableError(new Error("Download 3 cannot be resumed")), true);
  assert.equal(isNotResumableError(new Error("DownloadItem.canResume must be true")), true);
  assert.equal(isNotResumableError(new Error("something else")), false);
});
