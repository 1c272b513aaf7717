// The popup (also works as a normal tab: chrome-extension://<id>/popup.html). It never talks
// to the host: it asks the background, which owns the port, with runtime.sendMessage.

import { browserApi, translator, uiLang, uiLocale } from "./modules/env.js";
import {
  droppedText, historyNote, historyRows, hostProblemText, retryResultText, statusView,
} from "./modules/popup_view.js";
import { startResume } from "./modules/resume_check.js";
import { SIGNAL_PERMISSIONS } from "./modules/server_signals.js";
import { MSG } from "./modules/ui_messages.js";

const api = browserApi();
const t = translator(api);
const lang = uiLang(api);
const locale = uiLocale(api);
const formatTime = (ms) => (Number.isFinite(ms)
  ? new Date(ms).toLocaleString(locale, { dateStyle: "short", timeStyle: "medium" })
  : "");
const formatNumber = (n) => n.toLocaleString(locale, { maximumFractionDigits: 1 });

const $ = (id) => document.getElementById(id);

function send(message) {
  return api.runtime.sendMessage(message).catch((e) => ({ ok: false, error: { code: "internal", message: String(e?.message ?? e) } }));
}

/** Text with `code` spans (commands in the fix sentences) as DOM nodes. */
function richText(el, text) {
  el.replaceChildren();
  String(text).split("`").forEach((part, i) => {
    if (!part) return;
    if (i % 2) {
      const code = document.createElement("code");
      code.textContent = part;
      el.append(code);
    } else {
      el.append(document.createTextNode(part));
    }
  });
}

function show(el, text, rich = false) {
  el.hidden = !text;
  if (rich) richText(el, text ?? "");
  else el.textContent = text ?? "";
}

function localize() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
}

function renderStatus(reply) {
  const view = statusView(reply?.host, t, Date.now());
  const status = $("host-status");
  status.textContent = view.text;
  status.dataset.tone = view.tone;
  status.dataset.state = reply?.host?.status ?? "unknown";
  show($("host-fix"), view.fix, true);
  show($("host-detail"), view.detail);
  show($("host-retry"), view.retry);
  show($("host-said"), hostProblemText(reply?.hostProblem, t, formatTime));
  show($("queued"), reply?.queued ? t("queuedCount", [String(reply.queued)]) : "");
  show($("dropped"), droppedText(reply?.dropped, t, formatTime));
  $("reconnect").hidden = view.tone === "ok";
  if (reply?.meta) {
    $("footer").textContent = t("footerVersion", [reply.meta.browser, reply.meta.version]);
  }
}

function field(dl, label, value, className) {
  if (!value) return;
  const dt = document.createElement("dt");
  dt.textContent = label;
  const dd = document.createElement("dd");
  dd.textContent = value;
  if (className) dd.className = className;
  dl.append(dt, dd);
}

function renderRow(row) {
  const li = document.createElement("li");
  li.dataset.eventId = String(row.eventId ?? "");
  li.dataset.downloadId = String(row.downloadId ?? "");
  li.dataset.key = String(row.key ?? "");

  const when = document.createElement("span");
  when.className = "when";
  when.textContent = row.when;
  const name = document.createElement("div");
  name.className = "name";
  name.textContent = row.name;
  name.title = row.url ?? "";
  li.append(when, name);

  const dl = document.createElement("dl");
  field(dl, t("labelReason"), row.reason);
  field(dl, t("labelAction"), row.action);
  field(dl, t("labelAttempt"), row.attempt);
  field(dl, t("labelOutcome"), row.outcome);
  li.append(dl);

  if (row.explanation) {
    const p = document.createElement("p");
    p.className = "explanation";
    p.textContent = row.explanation;
    li.append(p);
  }
  if (row.local) {
    const p = document.createElement("p");
    p.className = "local";
    p.textContent = row.local;
    li.append(p);
  }
  if (row.canAct) li.append(buttons(row));
  return li;
}

function buttons(row) {
  const box = document.createElement("div");
  box.className = "buttons";
  const retry = document.createElement("button");
  retry.type = "button";
  retry.className = "retry";
  retry.textContent = t("buttonRetry");
  const giveUp = document.createElement("button");
  giveUp.type = "button";
  giveUp.className = "give-up";
  giveUp.textContent = t("buttonGiveUp");
  const result = document.createElement("span");
  result.className = "result";
  result.setAttribute("role", "status");
  box.append(retry, giveUp, result);

  retry.addEventListener("click", async () => {
    retry.disabled = true;
    giveUp.disabled = true;
    const resumedInPopup = await resumeWithGesture(row);
    const reply = await send({ type: MSG.RETRY, key: row.key, resumedInPopup });
    result.textContent = retryResultText(reply, t);
    setTimeout(refresh, 1500);
  });
  giveUp.addEventListener("click", async () => {
    retry.disabled = true;
    giveUp.disabled = true;
    const reply = await send({ type: MSG.GIVE_UP, key: row.key });
    result.textContent = reply?.ok ? t("gaveUp") : retryResultText(reply, t);
    setTimeout(refresh, 1500);
  });
  return box;
}

/**
 * Resume from the popup itself when the item is still there and resumable: this click is a
 * user gesture, so Chrome's silent 5-resume cap does not apply. The background then watches.
 */
async function resumeWithGesture(row) {
  // the download the extension knows (liveId, liveUrl), not the host's scrubbed copy
  if (!api.downloads?.resume || !Number.isInteger(row.liveId)) return false;
  try {
    const [item] = await api.downloads.search({ id: row.liveId });
    if (!item || item.url !== row.liveUrl || item.state !== "interrupted" || !item.canResume) return false;
    // never awaited to the end: Firefox's resume() settles only when the download does
    const { refused } = await startResume(api.downloads, item.id);
    return !refused;
  } catch {
    return false; // the background restarts it instead
  }
}

function renderHistory(reply) {
  const list = $("history-list");
  const note = $("history-note");
  if (!reply?.ok) {
    list.replaceChildren();
    note.textContent = historyNote(reply, t);
    note.hidden = false;
    return;
  }
  const rows = historyRows(reply.items, t, formatTime, formatNumber);
  list.replaceChildren(...rows.map(renderRow));
  note.textContent = rows.length ? (reply.truncated ? t("historyTruncated") : "") : t("historyEmpty");
  note.hidden = !note.textContent;
}

async function refresh() {
  renderStatus(await send({ type: MSG.STATUS }));
  const reply = await send({ type: MSG.HISTORY });
  renderStatus(reply);
  renderHistory(reply);
  document.body.dataset.ready = "true"; // for screenshots and end-to-end tests
}

/**
 * The optional permissions (webRequest, all sites): the server's status and Retry-After.
 * Asked for only on the button's click (permissions.request needs a user gesture); without
 * them everything works as before. The sentence and the button go once they are granted.
 */
async function renderConsent() {
  const section = $("consent");
  if (!api.permissions?.contains) {
    section.hidden = true;
    return;
  }
  try {
    section.hidden = await api.permissions.contains({ ...SIGNAL_PERMISSIONS });
  } catch {
    section.hidden = true;
  }
}

$("consent-allow").addEventListener("click", async () => {
  try {
    // no await before this call: the click's user gesture must still hold
    await api.permissions.request({ permissions: [...SIGNAL_PERMISSIONS.permissions], origins: [...SIGNAL_PERMISSIONS.origins] });
  } catch (e) {
    console.warn("[dlrescue] permissions.request failed", e);
  }
  renderConsent();
});

localize();
renderConsent();
$("reconnect").addEventListener("click", async () => {
  renderStatus(await send({ type: MSG.RECONNECT }));
  refresh();
});
refresh();
