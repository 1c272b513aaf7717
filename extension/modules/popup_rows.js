// The popup's list: one compact row per download, its state in words ("resume in 40 s",
// "waiting for the network", "completed", "left: why") and whether it can be acted on. Pure:
// `t` is i18n.getMessage (or a fake); clocks and formats come in as arguments.

import { formatDelay } from "./popup_view.js";
import { formatBytes } from "./units.js";

const ACTION_NAMES = { resume: (t) => t("actionResume"), restart: (t) => t("actionRestart"), none: (t) => t("actionNone") };

/** Outcomes after which there is nothing left to retry or give up. */
export const FINAL_OUTCOMES = Object.freeze(["complete", "given_up", "cancelled"]);

/** Ledger statuses after which the extension has nothing left to do for a download. */
const DONE_STATUSES = Object.freeze(["closed", "refused"]);

export function actionName(action, t) {
  return ACTION_NAMES[action]?.(t) ?? String(action ?? "?");
}

/**
 * A row's state: `kind` (what it is, for announcing changes), `tone` (ok, active, warn, error,
 * muted: its colour and icon), `text`, and `dueAt` when the text counts down.
 * The extension's own record (`local`) knows more than the host's row: it comes first.
 */
export function stateOf(item, now, t, formatNumber = String) {
  const local = item.local ?? null;
  const pending = local?.pending ?? null;
  const s = (kind, tone, text, extra = {}) => ({ kind, tone, text, ...extra });
  if (item.outcome === "complete" || (local?.status === "closed" && local.outcome === "complete")) {
    return s("complete", "ok", t("stateComplete"));
  }
  if (item.outcome === "cancelled") return s("cancelled", "muted", t("stateCancelled"));
  // a download the rules left (its episode closes given_up) says why; one a person gave up, not
  if (item.action === "none") {
    return s("left", "error", item.explanation ? t("stateLeftWhy", [String(item.explanation)]) : t("stateLeft"));
  }
  if (item.outcome === "given_up" || local?.givenUp) return s("given_up", "muted", t("stateGivenUp"));
  if (local?.needsClick) return s("click", "warn", t("stateNeedsClick"));
  if (local?.status === "left") return s("left", "error", t("stateLeft"));
  if (pending?.wait === "space") {
    return s("space", "warn", t("stateWaitingSpace", [formatBytes(pending.bytesNeeded, t, formatNumber)]));
  }
  if (local?.waitingForNetwork) return s("network", "warn", t("stateWaitingNetwork"));
  // a paused site's probe (cause site_paused) is nobody's follower: its countdown below
  if (pending?.wait === "site" && local?.decision?.cause !== "site_paused") return s("site", "warn", t("stateWaitingSiteTurn"));
  if (pending && local?.serverDown) return s("site", "warn", t("stateWaitingSite"));
  if (pending) {
    if (Number(pending.dueAt) > now) {
      const delay = [formatDelay(pending.dueAt - now, t, formatNumber)];
      const text = pending.action === "restart" ? t("stateRestartIn", delay) : t("stateResumeIn", delay);
      return s("scheduled", "active", text, { dueAt: pending.dueAt });
    }
    return s("due", "active", t("stateActingNow"));
  }
  if (local?.status === "queued") return s("queued", "active", t("stateQueued"));
  if (local?.status === "replaced") return s("replaced", "active", t("stateRestarted"));
  if (local?.status === "acted" || item.outcome === "in_progress") return s("resumed", "active", t("stateResumed"));
  return s("decided", "muted", t("stateDecided", [actionText(item, t, formatNumber)]));
}

/** "resume after 4 s", "restart from zero", "none". */
export function actionText(item, t, formatNumber = String) {
  const name = actionName(item.action, t);
  if (item.action === "none" || !item.delay_ms) return name;
  return t("actionAfter", [name, formatDelay(item.delay_ms, t, formatNumber)]);
}

function baseName(item, t) {
  if (item.incognito && !item.url) return t("namePrivate");
  const path = String(item.filename || "");
  const base = path.split(/[\\/]/).pop();
  if (base) return base;
  try {
    return decodeURIComponent(new URL(item.url).pathname.split("/").filter(Boolean).pop() || item.url);
  } catch {
    return String(item.url ?? "?");
  }
}

/** The download an item belongs to: its episode, else its URL, else the event alone. */
function downloadOf(item) {
  if (item.episode_id !== null && item.episode_id !== undefined) return `episode:${item.episode_id}`;
  if (item.url) return `url:${item.url}`;
  return `event:${item.event_id}`;
}

/** "NETWORK_FAILED · HTTP 503 · attempt 2 of 8": the row's small print. */
function detailText(item, t) {
  const reason = item.known === false ? `${item.reason} (${t("reasonUnknownMark")})` : String(item.reason ?? "?");
  const parts = [reason];
  if (item.http_status) parts.push(`HTTP ${item.http_status}`);
  if (item.max_attempts && item.action !== "none") parts.push(t("attemptOf", [String(item.attempt), String(item.max_attempts)]));
  return parts.join(" · ");
}

/**
 * One row per download, newest first: its newest event (the list comes newest first) and
 * what the extension knows of it. A row gets "retry now" and "give up" while its download
 * is not finished and the extension still knows it (`local.key`, its ledger record): the
 * actions address that download, never the URL the host stored (scrubbed, not fetchable).
 */
export function downloadRows(items, now, t, formatTime, formatNumber = String) {
  const seen = new Set();
  const rows = [];
  for (const item of items ?? []) {
    const id = downloadOf(item);
    if (seen.has(id)) continue;
    seen.add(id);
    const local = item.local ?? null;
    const state = stateOf(item, now, t, formatNumber);
    rows.push({
      id,
      item,
      eventId: item.event_id ?? null,
      downloadId: item.download_id ?? null,
      url: item.url ?? "",
      key: local?.key ?? null,
      liveId: local?.id ?? null,
      liveUrl: local?.url ?? null,
      name: baseName(item, t),
      when: item.at ? formatTime(Date.parse(item.at)) : "",
      detail: detailText(item, t),
      state,
      canAct: !FINAL_OUTCOMES.includes(item.outcome) && typeof local?.key === "string" && local.key !== ""
        && !DONE_STATUSES.includes(local.status) && !["complete", "given_up"].includes(state.kind),
    });
  }
  return rows;
}

/**
 * What changed between two renderings, for the screen reader's live region: "big.iso:
 * Completed." for each row whose state kind changed (a countdown ticking is not a change).
 */
export function stateChanges(before, after) {
  const old = new Map(before.map((r) => [r.id, r.state.kind]));
  return after.filter((r) => old.has(r.id) && old.get(r.id) !== r.state.kind).map((r) => `${r.name}: ${r.state.text}`);
}
