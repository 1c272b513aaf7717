// The popup (also works as a normal tab: chrome-extension://<id>/popup.html). It never talks
// to the host: it asks the background, which owns the port, with runtime.sendMessage. What it
// shows is computed by popup_view.js (header) and popup_rows.js (the list); this file makes
// the DOM, keeps focus and the results of actions across refreshes, and ticks countdowns.

import { browserApi, translator, uiLang, uiLocale } from "./modules/env.js";
import { codeText, localizePage, sendTo } from "./modules/page.js";
import { downloadRows, stateChanges, stateOf } from "./modules/popup_rows.js";
import {
  droppedText, historyNote, hostProblemText, modeView, retryResultText, statusView, summaryView,
} from "./modules/popup_view.js";
import { startResume } from "./modules/resume_check.js";
import { askForSignals, SIGNAL_PERMISSIONS } from "./modules/server_signals.js";
import { MSG } from "./modules/ui_messages.js";
import { numberFormat } from "./modules/units.js";

const api = browserApi();
const t = translator(api);
const lang = uiLang(api);
const locale = uiLocale(api);
const formatTime = (ms) => {
  if (!Number.isFinite(ms)) return "";
  const today = new Date(ms).toDateString() === new Date().toDateString();
  return new Date(ms).toLocaleString(locale, today ? { timeStyle: "short" } : { dateStyle: "short", timeStyle: "short" });
};
const formatNumber = numberFormat(locale);

const $ = (id) => document.getElementById(id);

/** What the list shows now (rows by id), and the answers to actions, kept across refreshes. */
let shownRows = [];
const results = new Map(); // row id -> text
let refreshTimer = null;

const send = (message) => sendTo(api, message);

function show(el, text, rich = false) {
  el.hidden = !text;
  if (rich) codeText(el, text);
  else el.textContent = text ?? "";
}

function localize() {
  localizePage(t, lang);
}

/** The badge (companion, alone, not connected) and, when there is something to say, the panel. */
function renderStatus(reply) {
  const view = statusView(reply?.host, t, Date.now());
  const mode = modeView(reply, t);
  const badge = $("mode");
  badge.textContent = mode.badge;
  badge.dataset.tone = mode.tone;
  badge.dataset.mode = mode.mode;
  const status = $("host-status");
  status.textContent = view.text;
  status.dataset.tone = mode.quiet ? "muted" : view.tone;
  status.dataset.state = reply?.host?.status ?? "unknown";
  show($("mode-text"), mode.text);
  show($("mode-adds"), mode.adds, true);
  show($("host-fix"), mode.quiet ? "" : view.fix, true);
  show($("host-detail"), mode.quiet ? "" : view.detail);
  show($("host-retry"), mode.quiet ? "" : view.retry);
  show($("host-said"), hostProblemText(reply?.hostProblem, t, formatTime));
  const queued = reply?.queued && mode.mode !== "alone" ? t("queuedCount", [String(reply.queued)]) : "";
  show($("queued"), mode.decided || queued);
  show($("dropped"), droppedText(reply?.dropped, t, formatTime));
  $("reconnect").hidden = view.tone === "ok";
  const problems = ["host-said", "queued", "dropped"].some((id) => !$(id).hidden);
  $("host").hidden = mode.mode === "companion" && !problems;
  const version = reply?.host?.status === "connected" ? t("footerCompanion", [reply.host.hostVersion || "?"]) : "";
  if (reply?.meta) $("footer").textContent = [t("footerVersion", [reply.meta.browser, reply.meta.version]), version].filter(Boolean).join(" · ");
}

function renderSummary(stats) {
  const view = summaryView(stats, t, formatNumber);
  $("summary").hidden = !view;
  if (!view) return;
  show($("summary-empty"), view.empty);
  // a figure (dd) above its label (dt): "4 of 7" / "interrupted downloads rescued"
  $("summary-figures").replaceChildren(...view.figures.map(({ value, label }) => {
    const box = element("div", "figure");
    box.append(element("dt", "", label), element("dd", "", value));
    return box;
  }));
}

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function renderRow(row) {
  const li = element("li");
  li.tabIndex = -1; // focus lands here when its button is gone after an action
  Object.assign(li.dataset, { id: row.id, eventId: String(row.eventId ?? ""), downloadId: String(row.downloadId ?? ""), key: String(row.key ?? "") });
  const top = element("div", "row-top");
  const name = element("span", "name", row.name);
  name.title = row.url;
  top.append(name);
  if (row.when) top.append(element("span", "when", row.when));
  const state = element("p", "state", row.state.text);
  state.dataset.tone = row.state.tone;
  state.dataset.kind = row.state.kind;
  li.append(top, state, element("p", "small", row.detail));
  if (row.canAct || results.has(row.id)) li.append(buttons(row));
  return li;
}

function buttons(row) {
  const box = element("div", "buttons");
  const result = element("span", "result", results.get(row.id) ?? "");
  result.setAttribute("role", "status");
  if (!row.canAct) {
    box.append(result);
    return box;
  }
  const retry = element("button", "retry primary", t("buttonRetry"));
  const giveUp = element("button", "give-up", t("buttonGiveUp"));
  retry.type = "button";
  giveUp.type = "button";
  retry.setAttribute("aria-label", t("buttonRetryNamed", [row.name]));
  giveUp.setAttribute("aria-label", t("buttonGiveUpNamed", [row.name]));
  box.append(retry, giveUp, result);
  const answered = (text) => {
    result.textContent = text;
    results.set(row.id, text);
    scheduleRefresh(1500);
  };
  retry.addEventListener("click", async () => {
    retry.disabled = true;
    giveUp.disabled = true;
    const resumedInPopup = await resumeWithGesture(row);
    answered(retryResultText(await send({ type: MSG.RETRY, key: row.key, resumedInPopup }), t));
  });
  giveUp.addEventListener("click", async () => {
    retry.disabled = true;
    giveUp.disabled = true;
    const reply = await send({ type: MSG.GIVE_UP, key: row.key });
    answered(reply?.ok ? t("gaveUp") : retryResultText(reply, t));
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

/** Where focus was (a row's button, or the row), to put it back after the list is rebuilt. */
function focusedPlace() {
  const el = document.activeElement;
  const li = el?.closest?.("#history-list > li");
  if (!li) return null;
  return { id: li.dataset.id, button: el.matches("button") ? el.classList[0] : null };
}

function restoreFocus(place) {
  if (!place) return;
  const li = [...$("history-list").children].find((el) => el.dataset.id === place.id);
  const button = place.button ? li?.querySelector(`button.${place.button}:not(:disabled)`) : null;
  (button ?? li ?? $("history-heading")).focus?.();
}

/** The list: the host's history, else the downloads the extension knows; a note when needed. */
function renderList(reply) {
  const items = reply?.ok ? reply.items : reply?.localItems;
  const rows = downloadRows(items, Date.now(), t, formatTime, formatNumber);
  const place = focusedPlace();
  $("history-list").replaceChildren(...rows.map(renderRow));
  restoreFocus(place);
  const changes = stateChanges(shownRows, rows);
  if (changes.length) $("announce").textContent = changes.join(". ");
  shownRows = rows;
  let note = "";
  if (!reply?.ok) note = rows.length ? t("historyLocalOnly") : historyNote(reply, t);
  else if (!rows.length) note = reply.stats?.episodes === 0 ? "" : t("historyEmpty"); // the header says it
  else if (reply.truncated) note = t("historyTruncated");
  show($("history-note"), note, true);
  const nextDue = Math.min(...rows.map((r) => r.state.dueAt ?? Infinity));
  if (Number.isFinite(nextDue)) scheduleRefresh(Math.max(1000, nextDue - Date.now() + 1500));
}

/** Countdowns ("resume in 40 s") follow the clock between refreshes; nothing is announced. */
function tick() {
  const byId = new Map(shownRows.map((r) => [r.id, r]));
  for (const li of $("history-list").children) {
    const row = byId.get(li.dataset.id);
    if (!row?.state.dueAt) continue;
    const text = stateOf(row.item, Date.now(), t, formatNumber).text;
    const state = li.querySelector(".state");
    if (state.textContent !== text) state.textContent = text;
  }
}

function scheduleRefresh(ms) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, ms);
}

async function refresh() {
  renderStatus(await send({ type: MSG.STATUS }));
  const reply = await send({ type: MSG.HISTORY });
  renderStatus(reply);
  renderSummary(reply?.ok ? reply.stats : null);
  renderList(reply);
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
  await askForSignals(api); // first: the click's user gesture must still hold
  renderConsent();
});

// The settings page (options_ui): the policy, the companion's checks, the permission.
$("open-settings").addEventListener("click", () => api.runtime.openOptionsPage?.());

localize();
renderConsent();
$("reconnect").addEventListener("click", async () => {
  renderStatus(await send({ type: MSG.RECONNECT }));
  refresh();
});
refresh();
setInterval(tick, 1000);
