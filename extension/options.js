// The settings page (options_ui; also works as a tab: <extension>/options.html). Like the
// popup, it never talks to the host: it asks the background, which owns the port. What it
// shows is computed by modules/options_view.js (tested in node); this file makes the DOM.

import { browserApi, translator, uiLang } from "./modules/env.js";
import { codeText, localizePage, sendTo } from "./modules/page.js";
import { addableReasons, changesFrom, doctorView, fieldName, inputText, notApplied, policyBlocks, saveProblem } from "./modules/options_view.js";
import { statusView } from "./modules/popup_view.js";
import { askForSignals, signalsGranted } from "./modules/server_signals.js";
import { MSG } from "./modules/ui_messages.js";

const api = browserApi();
const t = translator(api);
const $ = (id) => document.getElementById(id);
const page = { reply: null, added: {} }; // the host's last policy reply; reasons added here

const send = (message) => sendTo(api, message);

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** Text with `code` spans (commands in the fix sentences) as DOM nodes. */
function richText(node, text) {
  codeText(node, text);
  node.hidden = !text;
}

function localize() {
  localizePage(t, uiLang(api));
  $("language-text").textContent = t("settingsLanguageText", [t("langName")]);
  richText($("doctor"), t("settingsDoctor"));
}

function renderCompanion(reply) {
  const view = statusView(reply?.host, t, Date.now());
  $("host-status").textContent = view.text;
  $("host-status").dataset.tone = view.tone;
  richText($("host-fix"), view.fix);
  richText($("host-detail"), view.detail);
}

/** The doctor's checks, from the host; an older host leaves the command to run instead. */
function renderDoctor(reply) {
  const view = doctorView(reply);
  if (!view) return;
  const summary = $("doctor-summary");
  richText(summary, view.summary);
  summary.dataset.tone = view.rows.some((r) => r.broken) || view.problems.length ? "error" : "ok";
  $("doctor-rows").replaceChildren(...view.rows.map((r) => {
    const li = el("li", { textContent: r.text, title: r.where });
    if (r.broken) li.className = "error";
    li.append(...r.details.map((d) => { const p = el("p", { className: "detail" }); richText(p, d); return p; }));
    return li;
  }), ...view.problems.map((p) => el("li", { className: "error", textContent: p })));
}

/** One field: label, input (a list for choices and true/false), its source, reset, error. */
function renderField(field, allowed) {
  const spec = allowed?.[field.key] ?? {};
  const id = `f-${field.name}`;
  const choices = spec.type === "bool" ? ["true", "false"] : spec.type === "choice" ? spec.values ?? [] : null;
  const input = choices
    ? el("select", { id }, ...choices.map((c) => el("option", { value: c, textContent: c })))
    : el("input", { id, type: "text", inputMode: spec.type === "int" ? "numeric" : "decimal", title: spec.text ?? "" });
  input.value = inputText(field.value);
  input.disabled = field.locked;
  input.dataset.table = JSON.stringify(field.table);
  input.dataset.key = field.key;
  const error = el("p", { className: "error", id: `${id}-error`, hidden: true });
  error.setAttribute("role", "alert");
  input.setAttribute("aria-describedby", `${id}-source ${id}-error`);
  const source = el("span", { className: "source", id: `${id}-source`, textContent: field.sourceText });
  if (field.mine) {
    const reset = el("button", { type: "button", className: "reset", textContent: t("buttonReset") });
    reset.addEventListener("click", () => save([{ table: field.table, key: field.key, value: null }]));
    source.append(" ", reset);
  }
  const wrap = el("div", { className: "field" }, el("label", { htmlFor: id, textContent: field.key }), input, source, error);
  wrap.dataset.field = field.name;
  wrap.style.display = "contents";
  return wrap;
}

function renderAdd(block, reply) {
  const reasons = addableReasons(reply.known_reasons, reply.view, block.title, page.added);
  if (!reasons.length) return null;
  const select = el("select", {}, ...reasons.map((r) => el("option", { value: r, textContent: r })));
  select.setAttribute("aria-label", t("settingsAddReason", [block.title]));
  const button = el("button", { type: "button", textContent: t("buttonAddRule") });
  button.addEventListener("click", () => {
    page.added[select.value] = block.title;
    renderPolicy(page.reply);
  });
  return el("div", { className: "add" }, el("span", { textContent: t("settingsAddReason", [block.title]) }), select, button);
}

function renderPolicy(reply) {
  page.reply = reply;
  const form = $("policy-form");
  const note = $("policy-note");
  if (!reply?.ok) {
    form.hidden = true;
    note.textContent = saveProblem(reply, t).text;
    return;
  }
  const { view, allowed } = reply;
  $("policy-file").textContent = view.file_exists ? t("settingsFile", [view.file]) : t("settingsNoFile", [view.file]);
  $("policy-problems").replaceChildren(...(view.problems ?? []).map((p) => el("li", { textContent: p })));
  const blocks = policyBlocks(view, t, page.added, reply.file_values).map((block) => {
    const fields = el("div", { className: "fields" }, ...block.fields.map((f) => renderField(f, allowed)));
    const node = block.kind === "reason"
      ? el("details", { className: "block", open: block.open }, el("summary", {}, el("h3", { textContent: block.title })), fields)
      : el("div", { className: "block" }, el("h3", { textContent: block.title }), fields, block.kind === "category" ? renderAdd(block, reply) : null);
    node.dataset.kind = block.kind;
    node.dataset.table = block.id;
    return node;
  });
  $("policy-blocks").replaceChildren(...blocks);
  note.textContent = t("settingsPolicyNote");
  form.hidden = false;
}

function showErrors(errors) {
  for (const node of document.querySelectorAll(".field .error")) node.hidden = true;
  let first = null;
  for (const [name, text] of Object.entries(errors)) {
    const error = document.getElementById(`f-${name}-error`);
    if (!error) continue;
    error.textContent = text;
    error.hidden = false;
    first ??= document.getElementById(`f-${name}`);
  }
  first?.focus();
  return Boolean(first);
}

async function save(changes) {
  const result = $("save-result");
  result.textContent = t("settingsSaving");
  const reply = await send({ type: MSG.SET_POLICY, changes });
  const problem = saveProblem(reply, t);
  if (problem.ok) {
    renderPolicy(reply);
    result.textContent = reply.written ? t("settingsSaved") : t("settingsUnchanged");
    const above = notApplied(changes, policyBlocks(reply.view, t, page.added, reply.file_values));
    showErrors(Object.fromEntries(above.map((name) => [name, t("settingsOverridden", [reply.view.browser ?? ""])])));
    return;
  }
  const shown = problem.field && showErrors({ [problem.field]: problem.text });
  result.textContent = shown ? t("settingsRefused") : problem.text;
}

$("policy-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const inputs = [...document.querySelectorAll("#policy-blocks [data-key]")].filter((i) => !i.disabled).map((input) => {
    const table = JSON.parse(input.dataset.table);
    const field = policyBlocks(page.reply.view, t, page.added, page.reply.file_values).flatMap((b) => b.fields).find((f) => f.name === fieldName(table, input.dataset.key));
    return { table, key: input.dataset.key, raw: input.value, value: field?.value };
  });
  const { changes, errors } = changesFrom(inputs, page.reply.allowed, t);
  if (showErrors(errors)) {
    $("save-result").textContent = t("settingsRefused");
    return;
  }
  if (!changes.length) {
    $("save-result").textContent = t("settingsUnchanged");
    return;
  }
  save(changes);
});

/** The optional permissions of the server's answers (webRequest, all sites), as the popup asks. */
async function renderSignals() {
  const granted = await signalsGranted(api);
  $("signals-state").textContent = granted ? t("signalsAllowed") : t("signalsNotAllowed");
  $("consent-allow").hidden = granted || !api.permissions?.request;
}

$("consent-allow").addEventListener("click", async () => {
  await askForSignals(api); // first: the click's user gesture must still hold
  renderSignals();
});

async function start() {
  localize();
  renderSignals();
  renderCompanion(await send({ type: MSG.STATUS }));
  const reply = await send({ type: MSG.POLICY });
  renderCompanion(reply);
  renderPolicy(reply);
  renderDoctor(await send({ type: MSG.DOCTOR }));
  document.body.dataset.ready = "true"; // for screenshots and end-to-end tests
}

start();
