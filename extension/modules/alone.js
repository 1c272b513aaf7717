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

/**
 * The decision for a queued `interrupted` message, made here (`local: true`), under the
 * administrator's policy `managed` (managed.js; null: none).
 */
export function decideQueued(message, rec, jitter = Math.random(), managed = null) {
  return decideAlone({
    managed,
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

/** A local record's outcome as the host's history says it (null: still open). */
function outcomeOf(rec, byRestartOf) {
  if (rec.status === "closed") return rec.outcome === "complete" ? "complete" : "given_up";
  if (rec.status === "left") return rec.error === "USER_CANCELED" ? "cancelled" : "given_up";
  const restart = rec.status === "replaced" ? byRestartOf.get(rec.key) : undefined;
  return restart ? outcomeOf(restart, byRestartOf) : null;
}

/**
 * What the extension decided while alone, as rows shaped like the host's history items
 * (event_id null, `decided_by`), newest first: for the popup while no host can show its
 * history. `records`: the ledger's records.
 */
export function localHistory(records, limit) {
  const byRestartOf = new Map(records.filter((r) => r.restartOf).map((r) => [r.restartOf, r]));
  return records
    .filter((r) => r.decision && r.error)
    .sort((a, b) => (b.updatedAt ?? 0) - (a.updatedAt ?? 0))
    .slice(0, Math.max(0, limit))
    .map((r) => ({
      event_id: null, at: new Date(r.occurredAt ?? r.updatedAt ?? 0).toISOString(), download_id: r.id, url: r.url,
      filename: r.filename ?? null, reason: r.decision.reason ?? r.error, category: r.decision.category ?? null,
      known: r.decision.cause !== "unknown_reason", action: r.decision.action, delay_ms: r.decision.delay_ms ?? 0,
      attempt: r.decision.attempt ?? null, max_attempts: r.decision.max_attempts ?? null,
      outcome: outcomeOf(r, byRestartOf), http_status: r.decision.http_status ?? null,
      incognito: Boolean(r.incognito), decided_by: r.decidedBy ?? "companion",
    }));
}
