// The background's answers to runtime messages from the popup (and from tests). Takes the
// rescuer and the port as arguments; the only host requests here go through the port.

import { localHistory } from "./alone.js";
import { MSG } from "./ui_messages.js";

export const HISTORY_LIMIT = 30;

/**
 * @param {object} msg      {type: MSG.*, ...}
 * @param {object} ctx      {rescuer, port, log, meta: {browser, lang, version}}
 * @returns {Promise<object>} the response for sendResponse
 */
export async function handleCommand(msg, { rescuer, port, log, meta }) {
  switch (msg?.type) {
    case MSG.STATUS:
      await rescuer.init();
      return status(rescuer, port, meta);
    case MSG.RECONNECT:
      await port.connect({ force: true });
      rescuer.flush();
      return status(rescuer, port, meta);
    case MSG.HISTORY:
      return history(msg, { rescuer, port, log, meta });
    case MSG.POLICY:
      return askHost({ type: "policy", browser: meta.browser }, { rescuer, port, log, meta });
    case MSG.DOCTOR:
      return askHost({ type: "doctor" }, { rescuer, port, log, meta });
    case MSG.SET_POLICY:
      return askHost({ type: "set_policy", browser: meta.browser, changes: policyChanges(msg.changes) }, { rescuer, port, log, meta });
    case MSG.RETRY:
      return rescuer.retryNow({ key: String(msg.key ?? ""), resumedInPopup: Boolean(msg.resumedInPopup) });
    case MSG.GIVE_UP:
      return rescuer.giveUp({ key: String(msg.key ?? "") });
    case MSG.DEBUG:
      await rescuer.init();
      return { ok: true, meta, ...rescuer.debugState(), log: log.lines() };
    case MSG.RECONCILE:
      await rescuer.reconcile("debug request");
      await rescuer.idle();
      return { ok: true, meta, ...rescuer.debugState(), log: log.lines() };
    default:
      return { ok: false, error: { code: "unknown_command", message: `unknown command ${JSON.stringify(msg?.type)}` } };
  }
}

/**
 * The popup's status block: the port, the mode ("companion": the host decides and keeps the
 * history; "alone": the extension decides by itself, and `localDecisions` of its decisions
 * wait to be sent to the host), the queue, what the host last refused, what was dropped.
 */
function status(rescuer, port, meta) {
  const host = port.status();
  return {
    ok: true, meta, host, mode: host.mode, localDecisions: rescuer.delivery.localDecisions(), queued: rescuer.outbox.size,
    hostProblem: rescuer.hostProblem ?? null, dropped: rescuer.outbox.droppedInfo(),
  };
}

/** Without a host: what the extension decided alone, as history rows with their local state. */
function localItems(rescuer, limit) {
  return localHistory(rescuer.ledger.all(), limit)
    .map((item) => ({ ...item, local: rescuer.localState(null, item.download_id, item.url) }));
}

async function history(msg, { rescuer, port, log, meta }) {
  await rescuer.init();
  const limit = Math.min(500, Math.max(1, Number(msg.limit) || HISTORY_LIMIT));
  // Opening the popup is a person asking: try the host now, whatever the backoff says.
  await port.connect({ force: true });
  let reply;
  try {
    reply = await port.request({ type: "history", limit });
  } catch (e) {
    log.warn(`history: ${e.message}`);
    const local = port.status().mode === "alone" ? { localItems: localItems(rescuer, limit) } : {};
    return { ...status(rescuer, port, meta), ok: false, error: { code: e.code ?? "unavailable", message: e.message }, ...local };
  }
  if (!reply.ok) {
    return { ...status(rescuer, port, meta), ok: false, error: reply.error };
  }
  const items = (reply.items ?? []).map((item) => ({ ...item, local: rescuer.localState(item.event_id, item.download_id, item.url) }));
  return { ...status(rescuer, port, meta), ok: true, items, truncated: Boolean(reply.truncated), stats: await summary(port, log) };
}

/** What dlrescue did, for the popup's header: the host's `stats` totals (null if it cannot tell). */
async function summary(port, log) {
  try {
    const reply = await port.request({ type: "stats" });
    if (!reply.ok) return null;
    const { episodes, ended, rescued, bytes_kept: bytesKept = null } = reply;
    return { episodes, ended, rescued, bytes_kept: bytesKept };
  } catch (e) {
    log.warn(`stats: ${e.message}`);
    return null;
  }
}

/** The settings page's changes as the host takes them: at most 32, each {table, key, value}. */
export function policyChanges(changes) {
  return (Array.isArray(changes) ? changes : []).slice(0, 32).map((c) => ({
    table: Array.isArray(c?.table) ? c.table.map(String) : [],
    key: String(c?.key ?? ""),
    value: c?.value ?? null,
  }));
}

/** One request to the host for the settings page (policy, set_policy): its reply with the status. */
async function askHost(request, { rescuer, port, log, meta }) {
  await rescuer.init();
  await port.connect({ force: true });
  let reply;
  try {
    reply = await port.request(request);
  } catch (e) {
    log.warn(`${request.type}: ${e.message}`);
    return { ...status(rescuer, port, meta), ok: false, error: { code: e.code ?? "unavailable", message: e.message } };
  }
  const { rid: _rid, ...rest } = reply;
  return { ...status(rescuer, port, meta), ...rest };
}
