// When to carry out a decision, and when to try the host again. Pure: the clock and the
// decision come in as arguments.
//
// MV3 facts (docs/BROWSERS.md, "Background lifetime"): a service worker is stopped after
// about 30 s idle unless a native port is open; alarms survive that but fire at most every
// 30 s. So a short wait runs on a timer (the port keeps the worker alive) and a long one on
// an alarm, with the action persisted so a new worker can run it.

/** Waits at or above this go on alarms. */
export const ALARM_THRESHOLD_MS = 30_000;

/** Chrome fires alarms no sooner than 30 s after they are set (packed extensions). */
export const MIN_ALARM_DELAY_MS = 30_000;

/** The single alarm that wakes the background for pending actions and queued events. */
export const WAKE_ALARM = "dlrescue-wake";

/**
 * While a download runs, this periodic alarm wakes the background so a worker that died
 * silently (seen in Chromium when several downloads failed at once) is replaced and its
 * reconciliation finds what was missed, even if no other event comes.
 */
export const WATCH_ALARM = "dlrescue-watch";
export const WATCH_PERIOD_MINUTES = 1;

/** Actions that do something to the download. */
export const ACTIVE_ACTIONS = Object.freeze(["resume", "restart"]);

/** While a decision waits for disk space, the host is asked this often (`space`). */
export const SPACE_POLL_MS = 15_000;

/** The site (host name) of a URL, for `wait: "site"`; null when it has none. */
export function siteOf(url) {
  try {
    return new URL(url).hostname || null;
  } catch {
    return null;
  }
}

/**
 * The pending action for a decision, or null for `none`.
 *
 * `site` is the URL's host name: once another download of that site is verified running, the
 * site's waiting actions run at once (Waits.siteBack). `wait` (issue 18): "site" -- the site
 * fails for several downloads and this one waits for the site's probe; "space" -- nothing is done until the disk has room: the
 * host is asked every SPACE_POLL_MS (the first look then too), `bytesNeeded` more bytes must
 * be free.
 *
 * The wait counts from `from`, when the extension saw the download interrupted: the decision
 * can come seconds later (a queued event waits for a host, a host still starting), and a
 * server's Retry-After counts from its answer. So the action is due at from + delay_ms, never
 * before now. A wait for the site (`wait` "site": its probe, or its pause, cause site_paused)
 * counts from now: the host counts it from when it decides; so does a `space` wait's first look.
 * @returns {{action, dueAt, delayMs, useAlarm, waitOnline, wait?, site?, bytesNeeded?} | null}
 */
export function planAction(decision, now, url = null, from = now) {
  if (!decision || !ACTIVE_ACTIONS.includes(decision.action)) return null;
  let delayMs = Number.isFinite(decision.delay_ms) && decision.delay_ms > 0 ? decision.delay_ms : 0;
  const site = siteOf(url);
  const plan = { action: decision.action, ...(site ? { site } : {}) };
  let origin = Number.isFinite(from) ? Math.min(from, now) : now;
  if (decision.wait === "space") {
    delayMs = SPACE_POLL_MS;
    plan.wait = "space";
    plan.bytesNeeded = Number.isFinite(decision.bytes_needed) && decision.bytes_needed > 0 ? decision.bytes_needed : 0;
    origin = now;
  } else if (decision.wait === "site") {
    if (site) plan.wait = "site";
    origin = now;
  }
  const dueAt = Math.max(now, origin + delayMs);
  return {
    ...plan,
    delayMs,
    dueAt,
    useAlarm: dueAt - now >= ALARM_THRESHOLD_MS,
    // A network failure retried while offline only burns an attempt.
    waitOnline: decision.category === "NETWORK",
  };
}

/** Is a pending action due now? It is when its time has come and, if it waits for the network, we are online. */
export function isDue(pending, now, online) {
  if (!pending) return false;
  if (pending.dueAt > now) return false;
  return !pending.waitOnline || online !== false;
}

/** Backoff for a queued message the host could not take (store_unavailable, timeout). */
export function queueRetryDelay(tries, { initialMs = 2000, factor = 2, maxMs = 5 * 60_000 } = {}) {
  return Math.min(maxMs, initialMs * factor ** Math.max(0, tries));
}

/**
 * When the wake alarm should fire: the earliest of the pending actions' due times and the
 * outbox's next try, never sooner than MIN_ALARM_DELAY_MS from now. Null when nothing waits.
 * Timers handle the short waits while the worker lives; this alarm is the safety net that
 * wakes a worker that died in between.
 */
export function wakeAlarmTime({ pendingDueTimes = [], outboxDueAt = null, now }) {
  const times = pendingDueTimes.filter((t) => Number.isFinite(t));
  if (outboxDueAt !== null && outboxDueAt !== undefined) times.push(outboxDueAt);
  if (!times.length) return null;
  return Math.max(Math.min(...times), now + MIN_ALARM_DELAY_MS);
}
