// The settings page as data (tested in node): the host's policy view -> blocks of fields,
// each value with where it comes from; what a person typed -> a value for the host, or why
// not; the host's refusal -> the field it names. No DOM, no browser API.

// The keys of one rule, and of a site, in the order policy.toml and `dlrescue policy` list
// them (policy.RULE_KEYS and sites.SITE_KEYS, generated).
import { ruleKeys as RULE_KEYS, siteKeys as SITE_KEYS } from "./policy_data.js";

/** A field's name as the host's `set_policy` refusal names it: table path and key, dotted. */
export function fieldName(table, key) {
  return [...table, key].join(".");
}

/**
 * Where a value comes from, in words: the built-in default, your policy.toml, the system's
 * policy file, or your administrator (a managed value, which the page does not let you edit).
 */
export function sourceText(source, view, t) {
  if (source === "default") return t("sourceDefault");
  if (source === "managed") return t("sourceManaged");
  if (view?.file && source === view.file) return t("sourceFile");
  if (view?.system_file && source === view.system_file) return t("sourceSystem", [source]);
  return String(source ?? "");
}

/** Whether policy.toml itself sets `key` in `table` (the host's `file_values`). */
export function setInFile(fileValues, table, key) {
  let node = fileValues;
  for (const part of table) node = node?.[part];
  return Boolean(node) && typeof node === "object" && Object.hasOwn(node, key);
}

function fields(rule, keys, table, view, t, fileValues) {
  return keys.filter((key) => rule?.[key]).map((key) => {
    const { value, source } = rule[key];
    const locked = source === "managed"; // the administrator's: neither edited nor reset here
    return {
      key, table, name: fieldName(table, key), value, source, locked,
      sourceText: sourceText(source, view, t),
      mine: !locked && setInFile(fileValues, table, key),
    };
  });
}

/**
 * The page's blocks, in order: each category then the reasons of it that have a rule of their
 * own (and those the person added on this page, `added`: reason -> category, shown with the
 * values they get now), then HTTP statuses and sites.
 * `fileValues`: what policy.toml itself sets (a field there can be reset). Block: {id, kind:
 * "category"|"reason"|"status"|"site", title, table, fields}; a reason's `open` when the file
 * or the page gives it a rule (the others are shown folded).
 */
export function policyBlocks(view, t, added = {}, fileValues = {}) {
  const blocks = [];
  const reasons = { ...(view?.reasons ?? {}) };
  for (const [reason, category] of Object.entries(added)) {
    if (!reasons[reason] && view?.categories?.[category]) reasons[reason] = { category, ...view.categories[category] };
  }
  for (const [category, rule] of Object.entries(view?.categories ?? {})) {
    const table = ["categories", category];
    blocks.push({ id: table.join("."), kind: "category", title: category, table, fields: fields(rule, RULE_KEYS, table, view, t, fileValues) });
    for (const [reason, own] of Object.entries(reasons).sort(([a], [b]) => a.localeCompare(b))) {
      if (own.category !== category) continue;
      const rtable = ["reasons", reason];
      blocks.push({ id: rtable.join("."), kind: "reason", title: reason, category, table: rtable, fields: fields(own, RULE_KEYS, rtable, view, t, fileValues), open: Boolean(added[reason]) || Boolean(fileValues?.reasons?.[reason]) });
    }
  }
  for (const [status, keys] of Object.entries(view?.statuses ?? {})) {
    if (status === "5xx") continue; // every other server error: not a table policy.toml has
    const table = ["status", status];
    blocks.push({ id: table.join("."), kind: "status", title: `HTTP ${status}`, table, fields: fields(keys, RULE_KEYS, table, view, t, fileValues) });
  }
  for (const [site, keys] of Object.entries(view?.sites ?? {})) {
    const table = ["sites", site];
    blocks.push({ id: table.join("."), kind: "site", title: site === "*" ? t("siteEvery") : site, table, fields: fields(keys, SITE_KEYS, table, view, t, fileValues) });
  }
  return blocks;
}

/** The reasons of `category` the person may add a rule for: known, without one yet. */
export function addableReasons(knownReasons, view, category, added = {}) {
  return Object.entries(knownReasons ?? {})
    .filter(([reason, cat]) => cat === category && !view?.reasons?.[reason] && !added[reason])
    .map(([reason]) => reason)
    .sort();
}

/**
 * What a person typed, as the value the host takes: {value} or {error} (the allowed values,
 * in the host's own words). Only the kind is checked here (a number, a whole number, one of
 * the choices); the range is the host's to check, with the same models as policy.toml.
 */
export function parseInput(raw, spec, t) {
  const text = String(raw ?? "").trim();
  const bad = { error: t("inputAllowed", [spec?.text ?? ""]) };
  switch (spec?.type) {
    case "bool":
      return text === "true" ? { value: true } : text === "false" ? { value: false } : bad;
    case "choice":
      return (spec.values ?? []).includes(text) ? { value: text } : bad;
    case "int":
      return /^-?\d{1,16}$/.test(text) ? { value: Number(text) } : bad;
    case "float": {
      const n = Number(text);
      return text && Number.isFinite(n) ? { value: n } : bad;
    }
    default:
      return bad;
  }
}

/** A value as the page's input shows it. */
export function inputText(value) {
  return typeof value === "boolean" ? String(value) : String(value ?? "");
}

/**
 * The changes to send for the page's inputs: `inputs` is [{table, key, raw, value}] (value:
 * what the view said). Returns {changes, errors: {fieldName: text}}: only fields whose text
 * differs from the view's value, and the errors of those that cannot be sent.
 */
export function changesFrom(inputs, allowed, t) {
  const changes = [];
  const errors = {};
  for (const { table, key, raw, value } of inputs) {
    if (String(raw ?? "").trim() === inputText(value)) continue;
    const parsed = parseInput(raw, allowed?.[key], t);
    if ("error" in parsed) errors[fieldName(table, key)] = parsed.error;
    else changes.push({ table, key, value: parsed.value });
  }
  return { changes, errors };
}

/**
 * The host's answer to a save, for the page: {ok: true} or {field, text}: `field` the field
 * the refusal names (null when it names none: the text goes at the top), `text` its message.
 * A host older than the settings page answers `unknown_type`: the page says to update it.
 */
export function saveProblem(reply, t) {
  if (reply?.ok) return { ok: true };
  const error = reply?.error ?? {};
  if (error.code === "unknown_type") return { field: null, text: t("settingsOldHost") };
  if (error.code === "policy_refused") return { field: error.field ?? null, text: String(error.message ?? "") };
  return { field: null, text: t("settingsNoHost", [String(error.message ?? error.code ?? "")]) };
}

/**
 * The saved changes this browser does not get as saved (`blocks` made from the host's new
 * view): a layer above the one edited decides them, such as a [browsers.B...] table of
 * policy.toml, or a rule the browser has built in. Returns their field names.
 */
export function notApplied(changes, blocks) {
  const shown = new Map(blocks.flatMap((b) => b.fields).map((f) => [f.name, f.value]));
  return changes
    .filter((c) => c.value !== null && shown.has(fieldName(c.table, c.key)) && shown.get(fieldName(c.table, c.key)) !== c.value)
    .map((c) => fieldName(c.table, c.key));
}

/**
 * The companion's checks (the host's `doctor` reply) as lines: the summary, then one row per
 * registration that is there or broken ("not installed" browsers are left out), each with
 * its details (a fix for a broken one). Null when the host could not answer (an older one:
 * the page shows the command instead).
 */
export function doctorView(reply) {
  if (!reply?.ok) return null;
  const rows = (reply.registrations ?? [])
    .filter((r) => r.status !== "not installed")
    .map((r) => ({ text: `${r.browser} (${r.scope}): ${r.status}`, where: String(r.where ?? ""), broken: r.status === "BROKEN", details: (r.details ?? []).map(String) }));
  return { summary: String(reply.summary ?? ""), rows, problems: (reply.problems ?? []).map(String) };
}
