// Without the host (issue 19): what Delivery needs to decide an interruption by itself and,
// once the host is there, to let the host decide it again. Pure.
//
// The decision is local_policy.js's, over the very `interrupted` message the host will get
// (the item, `reachable`, the server's answer) and the download's episode: its earlier
// interruptions, kept on the ledger record (`episode`, the last EPISODE_MAX), carried over to
// the download that restarts it (the host keys its episode by URL, so it continues too).

import { decideAlone } from "./local_policy.js";

/** The earlier interruptions a record keeps for the local decision. */
export const EPISODE_MAX = 50;

/**
 * The host port statuses in which interruptions are decided here: the host is not
 * registered (host_missing), not for this extension (host_forbidden), failed to start or
 * closed (host_failed, host_closed), or speaks another protocol (incompatible).
 */
export const ALONE_STATES = Object.freeze(["host_missing", "host_forbidden", "host_failed", "host_closed", "incompatible"]);

/** The decision for a queued `interrupted` message, made here (`local: true`). */
export function decideQueued(message, rec, jitter = Math.random()) {
  return decideAlone({
    item: message.download,
    browser: message.browser,
    earlier: Array.isArray(rec?.episode) ? rec.episode : [],
    reachable: message.reachable,
    server: { http_status: message.http_status, retry_after_ms: message.retry_after_ms },
    jitter,
  });
}

/** The record's episode with this interruption (what it was, what was decided) added. */
export function withInterruption(rec, decision) {
  const entry = {
    reason: rec.error ?? decision.reason ?? null,
    bytes_received: Number.isFinite(rec.lastBytes) ? rec.lastBytes : null,
    reachable: typeof rec.reachable === "boolean" ? rec.reachable : null,
    action: decision.action ?? null,
  };
  return [...(Array.isArray(rec.episode) ? rec.episode : []), entry].slice(-EPISODE_MAX);
}

/**
 * Whether the host's decision, for an interruption decided here before it was there, is
 * carried out: only while the download is still interrupted and nothing was done to it
 * (its record `decided`, an action still waiting, or `left`); never for one that runs again,
 * completed or was replaced. `item`: the live DownloadItem (undefined when gone).
 */
export function hostDecidesAgain(rec, item) {
  return Boolean(rec && item && item.state === "interrupted" && ["decided", "left"].includes(rec.status));
}
