// What the popup shows, as plain data and strings. Pure: `t` is i18n.getMessage (or a fake),
// times and clocks come in as arguments. popup.js turns these into DOM nodes.

/** Per host status: the i18n keys of the sentence and of the fix, and a tone for colour. */
const STATUS_TEXT = {
  idle: (t) => ({ tone: "warn", text: t("statusIdle"), fix: "" }),
  connecting: (t) => ({ tone: "warn", text: t("statusConnecting"), fix: "" }),
  host_missing: (t) => ({ tone: "error", text: t("statusHostMissing"), fix: t("fixHostMissing") }),
  host_forbidden: (t) => ({ tone: "error", text: t("statusHostForbidden"), fix: t("fixHostForbidden") }),
  host_failed: (t) => ({ tone: "error", text: t("statusHostFailed"), fix: t("fixHostFailed") }),
  host_closed: (t) => ({ tone: "warn", text: t("statusHostClosed"), fix: t("fixHostClosed") }),
  incompatible: (t) => ({ tone: "error", text: t("statusIncompatible"), fix: t("fixIncompatible") }),
};

/** The host status block. */
export function statusView(host, t, now) {
  if (host?.status === "connected") {
    return { tone: "ok", text: t("statusConnected", [host.hostVersion || "?"]), fix: "", detail: "", retry: "" };
  }
  const make = STATUS_TEXT[host?.status] ?? STATUS_TEXT.host_failed;
  const view = make(t);
  const detail = host?.detail ? t("statusDetail", [String(host.detail)]) : "";
  const wait = host?.nextRetryAt ? Math.max(0, Math.round((host.nextRetryAt - now) / 1000)) : null;
  const retry = wait !== null && view.tone !== "ok" && host?.status !== "connecting" ? t("nextRetry", [String(wait)]) : "";
  return { ...view, detail, retry };
}

/**
 * What the host last answered with an error, in its own words (its `message` is a sentence in
 * the language announced in hello): a store that cannot write now, or a refused message.
 */
export function hostProblemText(problem, t, formatTime) {
  if (!problem?.message) return "";
  if (problem.kind === "retry") return t("hostSaidRetry", [problem.message]);
  const at = problem.at ? ` (${formatTime(problem.at)})` : "";
  return `${t("hostSaidRefused", [String(problem.code ?? "?"), problem.message])}${at}`;
}

/** Messages the full queue dropped (outbox.droppedInfo()), or "". */
export function droppedText(dropped, t, formatTime) {
  if (!dropped?.count) return "";
  return t("queueDropped", [String(dropped.count), formatTime(dropped.lastAt)]);
}

/** Codes of the port itself (no reply from the host), as opposed to the host's error replies. */
const PORT_ERRORS = Object.freeze(["unavailable", "disconnected", "timeout", "too_large", "internal"]);

/**
 * The note under the history heading when the history could not be read: the host's own
 * sentence when it answered with an error (store_unavailable ...), else why it is not
 * connected (the port's reason), else the general sentence.
 */
export function historyNote(reply, t) {
  if (reply?.ok) return "";
  const error = reply?.error;
  if (error?.message && error.code && !PORT_ERRORS.includes(error.code)) return t("historyHostSaid", [String(error.message)]);
  const why = reply?.host?.status !== "connected" ? reply?.host?.detail || error?.message : error?.message;
  return why ? t("historyNotConnected", [String(why)]) : t("historyUnavailable");
}

/** 40 ms, 2.5 s, 40 s, 3 min. `formatNumber` is the locale's (2,5 s in French). */
export function formatDelay(ms, t, formatNumber = String) {
  const seconds = (Number(ms) || 0) / 1000;
  if (seconds < 1) return t("durationMilliseconds", [formatNumber(Math.round(seconds * 1000))]);
  if (seconds >= 120) return t("durationMinutes", [formatNumber(Math.round(seconds / 60))]);
  const shown = seconds < 10 ? Math.round(seconds * 10) / 10 : Math.round(seconds);
  return t("durationSeconds", [formatNumber(shown)]);
}

const ACTION_KEYS = { resume: (t) => t("actionResume"), restart: (t) => t("actionRestart"), none: (t) => t("actionNone") };
const CATEGORY_KEYS = {
  FILE: (t) => t("categoryFILE"), NETWORK: (t) => t("categoryNETWORK"), SERVER: (t) => t("categorySERVER"),
  USER: (t) => t("categoryUSER"), CRASH: (t) => t("categoryCRASH"), UNKNOWN: (t) => t("categoryUNKNOWN"),
};
const OUTCOME_KEYS = {
  complete: (t) => t("outcomeComplete"), interrupted: (t) => t("outcomeInterrupted"),
  in_progress: (t) => t("outcomeInProgress"), given_up: (t) => t("outcomeGivenUp"),
  pending: (t) => t("outcomePending"),
};

/** Outcomes after which there is nothing left to retry or give up. */
export const FINAL_OUTCOMES = Object.freeze(["complete", "given_up"]);

export function actionName(action, t) {
  return ACTION_KEYS[action]?.(t) ?? String(action ?? "?");
}

export function categoryName(category, t) {
  return CATEGORY_KEYS[category]?.(t) ?? String(category ?? "?");
}

export function outcomeName(outcome, t) {
  if (outcome === null || outcome === undefined || outcome === "") return t("outcomePending");
  return OUTCOME_KEYS[outcome]?.(t) ?? String(outcome);
}

export function actionText(item, t, formatNumber = String) {
  const name = actionName(item.action, t);
  if (item.action === "none" || !item.delay_ms) return name;
  return t("actionAfter", [name, formatDelay(item.delay_ms, t, formatNumber)]);
}

/** 512 bytes, 3.4 kB, 1.2 MB, 1.5 GB (decimal units, as disks are sold; French: ko, Mo, Go). */
export function formatBytes(n, t, formatNumber = String) {
  const bytes = Math.max(0, Number(n) || 0);
  const tenths = (size) => formatNumber(Math.round((bytes / size) * 10) / 10);
  if (bytes >= 1e9) return t("sizeGigabytes", [tenths(1e9)]);
  if (bytes >= 1e6) return t("sizeMegabytes", [tenths(1e6)]);
  if (bytes >= 1e3) return t("sizeKilobytes", [tenths(1e3)]);
  return t("sizeBytes", [formatNumber(Math.round(bytes))]);
}

/** What the extension itself is doing for this row (from the background's records). */
export function localText(local, t, formatTime, formatNumber = String) {
  if (!local) return "";
  if (local.needsClick) return t("localNeedsClick");
  if (local.pending?.wait === "space") return t("localWaitingSpace", [formatBytes(local.pending.bytesNeeded, t, formatNumber)]);
  if (local.waitingForNetwork) return t("localWaitingNetwork");
  if (local.status === "queued") return t("localQueued");
  if (local.pending) return t("localScheduled", [actionName(local.pending.action, t), formatTime(local.pending.dueAt)]);
  if (local.status === "acted") return t("localWatching");
  return "";
}

function baseName(item) {
  const path = String(item.filename || "");
  const base = path.split(/[\\/]/).pop();
  if (base) return base;
  try {
    return decodeURIComponent(new URL(item.url).pathname.split("/").filter(Boolean).pop() || item.url);
  } catch {
    return String(item.url ?? "?");
  }
}

/** Ledger statuses after which the extension has nothing left to do for a download. */
const DONE_STATUSES = Object.freeze(["closed", "refused"]);

/**
 * Rows for the history list. Only the newest row of each episode (URL) whose outcome is not
 * final gets the "retry now" and "give up" buttons (older rows are past attempts), and only
 * when the extension still knows the download (`local.key`, its ledger record): the actions
 * address that download, never the URL the host stored (scrubbed, so not fetchable).
 */
export function historyRows(items, t, formatTime, formatNumber = String) {
  const seen = new Set();
  return (items ?? []).map((item) => {
    const first = !seen.has(item.url);
    seen.add(item.url);
    const reason = item.known === false ? `${item.reason} – ${t("reasonUnknownMark")}` : String(item.reason ?? "?");
    const local = item.local ?? null;
    return {
      eventId: item.event_id,
      downloadId: item.download_id,
      url: item.url,
      key: local?.key ?? null,
      liveId: local?.id ?? null,
      liveUrl: local?.url ?? null,
      name: baseName(item),
      when: item.at ? formatTime(Date.parse(item.at)) : "",
      reason: t("reasonWithCategory", [reason, categoryName(item.category, t)]),
      action: actionText(item, t, formatNumber),
      attempt: item.max_attempts ? t("attemptOf", [String(item.attempt), String(item.max_attempts)]) : String(item.attempt ?? ""),
      outcome: outcomeName(item.outcome, t),
      explanation: item.explanation ? String(item.explanation) : "",
      local: localText(item.local, t, formatTime, formatNumber),
      canAct: first && !FINAL_OUTCOMES.includes(item.outcome) && typeof local?.key === "string" && local.key !== ""
        && !DONE_STATUSES.includes(local.status),
    };
  });
}

/** The message after "retry now". */
export function retryResultText(result, t) {
  switch (result?.did) {
    case "resumed": return t("retryResumed");
    case "restarted": return t("retryRestarted");
    case "running": return t("retryRunning");
    case "complete": return t("retryComplete");
    default: return t("retryFailed", [String(result?.error?.message ?? result?.error ?? "?")]);
  }
}
