// Does the server answer at all? A cheap look before an attempt is spent.
//
// After an interruption that added no bytes, the extension cannot tell a server that is
// down (refused, no route, DNS) from one that answers with a refusal (Firefox reports a
// resumed request answered 403 as NETWORK_FAILED). One HEAD request without credentials,
// in no-cors mode (no host permission needed; the answer is opaque, but an answer), tells
// the two apart: the host spends no attempt while the server is down, and the extension
// waits until it answers before it resumes. A connection that is refused costs the server
// nothing.

import { isRefetchable } from "./deltas.js";

/** A probe that has not answered by then counts as "no answer". */
export const PROBE_TIMEOUT_MS = 4000;

/** Waits between probes while a server does not answer: 1 s doubling to 60 s. */
export function serverWaitMs(tries, { initialMs = 1000, maxMs = 60_000 } = {}) {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, Math.min(tries, 16)));
}

/** The URL to probe: no user-info (fetch refuses it) and no fragment; null if not http(s). */
export function probeUrl(url) {
  if (!isRefetchable(url)) return null;
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.hash = "";
    return u.href;
  } catch {
    return null;
  }
}

/**
 * @returns {Promise<boolean|undefined>} true: the server answered (any status); false: no
 *   answer (refused, DNS, timeout); undefined: not probed (not http(s), no fetch).
 */
export async function probe(url, { fetch = globalThis.fetch, timers = globalThis, timeoutMs = PROBE_TIMEOUT_MS } = {}) {
  const target = probeUrl(url);
  if (!target || typeof fetch !== "function") return undefined;
  const controller = new AbortController();
  const timer = timers.setTimeout(() => controller.abort(), timeoutMs);
  try {
    // no redirect option: a no-cors request must follow redirects (the Fetch standard;
    // Chromium 156 rejects `redirect: "manual"` with "Failed to fetch" before sending)
    await fetch(target, {
      method: "HEAD", mode: "no-cors", credentials: "omit", cache: "no-store",
      referrerPolicy: "no-referrer", signal: controller.signal,
    });
    return true;
  } catch {
    return false;
  } finally {
    timers.clearTimeout(timer);
  }
}
