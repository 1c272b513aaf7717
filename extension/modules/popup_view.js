// What the popup shows above its list, as plain data and strings: the mode (companion or
// alone), what dlrescue did, the companion's problems, and the numbers' formats. Pure: `t` is
// i18n.getMessage (or a fake), times and clocks come in as arguments. popup.js makes the DOM;
// the rows of the list are popup_rows.js.

import { formatBytes } from "./units.js";

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
 * Which mode the extension is in, for the header's badge and its sentences: `companion` (the
 * host answered), `alone` (the background's status says `mode: "alone"`: it decides by itself
 * with the built-in rules), or `waiting` (no host, and a background that cannot decide alone:
 * interruptions wait for the companion). `adds` says what the companion brings; `decided`, how
 * many decisions made alone wait for it. `quiet`: alone because the companion is simply not
 * installed, so the port's details, its fix and next try are noise beside `adds`.
 */
export function modeView(reply, t) {
  const status = reply?.host?.status ?? "idle";
  const mode = status === "connected" ? "companion" : reply?.mode === "alone" ? "alone" : "waiting";
  const view = { mode, text: "", adds: "", decided: "", quiet: false };
  if (mode === "companion") return { ...view, tone: "ok", badge: t("modeCompanionBadge") };
  if (mode === "alone") {
    const decided = Number(reply?.localDecisions) || 0;
    return {
      ...view, tone: "info", badge: t("modeAloneBadge"), text: t("modeAlone"), adds: t("modeCompanionAdds"),
      decided: decided ? t("modeAloneDecided", [String(decided)]) : "", quiet: ["idle", "connecting", "host_missing"].includes(status),
    };
  }
  const tone = ["idle", "connecting"].includes(status) ? "warn" : "error";
  return { ...view, tone, badge: t("modeWaitingBadge"), adds: t("modeCompanionAdds") };
}

/**
 * What dlrescue did, from the host's `stats` reply, as figures with their labels: "4 of 7"
 * interrupted downloads rescued and, when the host counts it (`bytes_kept`), "1.2 GB" kept
 * instead of downloaded again. Null without figures (no companion, or one without `stats`).
 */
export function summaryView(stats, t, formatNumber = String) {
  if (!stats || !Number.isFinite(stats.episodes)) return null;
  if (stats.episodes === 0) return { empty: t("summaryNothingYet"), figures: [] };
  const figures = [{
    value: t("summaryRescued", [formatNumber(stats.rescued ?? 0), formatNumber(stats.episodes)]),
    label: t("summaryRescuedLabel"),
  }];
  if (Number(stats.bytes_kept) > 0) figures.push({ value: formatBytes(stats.bytes_kept, t, formatNumber), label: t("summaryKept") });
  return { empty: "", figures };
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
 * The note under the list when the history could not be read: the host's own sentence when
 * it answered with an error (store_unavailable ...), else why it is not connected (the
 * port's reason), else the general sentence.
 */
export function historyNote(reply, t) {
  if (reply?.ok) return "";
  const error = reply?.error;
  if (error?.message && error.code && !PORT_ERRORS.includes(error.code)) return t("historyHostSaid", [String(error.message)]);
  const why = reply?.host?.status !== "connected" ? reply?.host?.detail || error?.message : error?.message;
  return why ? t("historyNotConnected", [String(why)]) : t("historyUnavailable");
}

/** 40 ms, 2.5 s, 40 s, 3 min, 2 h. `formatNumber` is the locale's (2,5 s in French). */
export function formatDelay(ms, t, formatNumber = String) {
  const seconds = (Number(ms) || 0) / 1000;
  if (seconds < 1) return t("durationMilliseconds", [formatNumber(Math.round(seconds * 1000))]);
  if (seconds >= 7200) return t("durationHours", [formatNumber(Math.round(seconds / 360) / 10)]);
  if (seconds >= 120) return t("durationMinutes", [formatNumber(Math.round(seconds / 60))]);
  const shown = seconds < 10 ? Math.round(seconds * 10) / 10 : Math.round(seconds);
  return t("durationSeconds", [formatNumber(shown)]);
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
