// The settings page's logic (issue 19): the host's policy view as blocks of fields with their
// sources, typed text as values, and refusals placed beside the field they name.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { addableReasons, changesFrom, doctorView, notApplied, parseInput, policyBlocks, saveProblem, setInFile, sourceText } from "../../extension/modules/options_view.js";
import { makeGetMessage } from "./fakes.js";

const t = makeGetMessage("en");
const tf = makeGetMessage("fr");
const FILE = "/home/u/.config/dlrescue/policy.toml";
const SYSTEM = "/etc/xdg/dlrescue/policy.toml";
const v = (value, source = "default") => ({ value, source });
const rule = (over = {}) => ({
  action: v("resume"), max_attempts: v(8), initial_delay_ms: v(2000), max_delay_ms: v(300000),
  backoff_factor: v(2.0), notify: v(false), no_progress_attempts: v(0), ...over,
});
const VIEW = {
  file: FILE, system_file: SYSTEM, file_exists: true, problems: [], browser: "chrome",
  categories: { NETWORK: rule({ max_attempts: v(12, FILE) }), USER: rule({ action: v("none", "managed") }) },
  reasons: { NETWORK_STALLED: { category: "NETWORK", ...rule({ initial_delay_ms: v(0, SYSTEM) }) } },
  statuses: { 503: { max_attempts: v(6, FILE) }, "5xx": { initial_delay_ms: v(5000) } },
  sites: { "*": { window_ms: v(60000), pause_after: v(8), pause_ms: v(600000) } },
};
const FILE_VALUES = { categories: { NETWORK: { max_attempts: 12 } }, reasons: {}, status: { 503: { max_attempts: 6 } } };
const ALLOWED = {
  action: { type: "choice", values: ["resume", "restart", "none"], text: '"resume", "restart" or "none"' },
  max_attempts: { type: "int", min: 0, max: 1000, text: "a whole number from 0 to 1000" },
  backoff_factor: { type: "float", min: 1, max: 10, text: "a number from 1.0 to 10.0" },
  notify: { type: "bool", text: "true or false" },
};

describe("where each value comes from", () => {
  test("default, your policy.toml, the system's file and the administrator, in both languages", () => {
    assert.equal(sourceText("default", VIEW, t), "built-in default");
    assert.equal(sourceText(FILE, VIEW, t), "your policy.toml");
    assert.equal(sourceText(SYSTEM, VIEW, t), `the system's policy file (${SYSTEM})`);
    assert.equal(sourceText("managed", VIEW, t), "set by your administrator");
    assert.equal(sourceText("managed", VIEW, tf), "fixé par votre administrateur");
    assert.equal(sourceText("somewhere new", VIEW, t), "somewhere new");
  });

  test("blocks: each category, then its reasons with a rule of their own; statuses but 5xx; sites", () => {
    const blocks = policyBlocks(VIEW, t, {}, FILE_VALUES);
    assert.deepEqual(blocks.map((b) => b.id), ["categories.NETWORK", "reasons.NETWORK_STALLED", "categories.USER", "status.503", "sites.*"]);
    const network = blocks[0].fields;
    assert.deepEqual(network.map((f) => f.key), ["action", "max_attempts", "initial_delay_ms", "max_delay_ms", "backoff_factor", "notify", "no_progress_attempts"]);
    const attempts = network.find((f) => f.key === "max_attempts");
    assert.deepEqual([attempts.name, attempts.value, attempts.mine, attempts.locked], ["categories.NETWORK.max_attempts", 12, true, false]);
    const managed = blocks[2].fields.find((f) => f.key === "action");
    assert.deepEqual([managed.locked, managed.mine, managed.sourceText], [true, false, "set by your administrator"]);
    assert.deepEqual(blocks[3].fields.map((f) => f.name), ["status.503.max_attempts"]);
    assert.equal(blocks[4].title, "Every site");
  });

  test("a reason added on the page shows what it gets now, from its category, under it", () => {
    const blocks = policyBlocks(VIEW, t, { NETWORK_FAILED: "NETWORK" });
    assert.deepEqual(blocks.slice(0, 3).map((b) => b.id), ["categories.NETWORK", "reasons.NETWORK_FAILED", "reasons.NETWORK_STALLED"]);
    assert.equal(blocks[1].fields.find((f) => f.key === "max_attempts").value, 12);
    const known = { NETWORK_FAILED: "NETWORK", NETWORK_STALLED: "NETWORK", NETWORK_TIMEOUT: "NETWORK", CRASH: "CRASH" };
    assert.deepEqual(addableReasons(known, VIEW, "NETWORK"), ["NETWORK_FAILED", "NETWORK_TIMEOUT"]);
    assert.deepEqual(addableReasons(known, VIEW, "NETWORK", { NETWORK_FAILED: "NETWORK" }), ["NETWORK_TIMEOUT"]);
  });
});

describe("what a person typed", () => {
  test("each kind parses to the value the host takes; the range is left to the host", () => {
    assert.deepEqual(parseInput(" 5 ", ALLOWED.max_attempts, t), { value: 5 });
    assert.deepEqual(parseInput("5000", ALLOWED.max_attempts, t), { value: 5000 });
    assert.deepEqual(parseInput("2.5", ALLOWED.backoff_factor, t), { value: 2.5 });
    assert.deepEqual(parseInput("false", ALLOWED.notify, t), { value: false });
    assert.deepEqual(parseInput("none", ALLOWED.action, t), { value: "none" });
  });

  test("text of the wrong kind is refused on the page with the allowed values", () => {
    assert.deepEqual(parseInput("five", ALLOWED.max_attempts, t), { error: "Not a value this field takes: use a whole number from 0 to 1000." });
    assert.deepEqual(parseInput("1.5", ALLOWED.max_attempts, t).error.includes("whole number"), true);
    assert.ok("error" in parseInput("retry", ALLOWED.action, t));
    assert.ok("error" in parseInput("", ALLOWED.backoff_factor, t));
    assert.ok("error" in parseInput("Infinity", ALLOWED.backoff_factor, t));
  });

  test("only changed fields become changes; a bad one is an error under its name", () => {
    const inputs = [
      { table: ["categories", "NETWORK"], key: "max_attempts", raw: "12", value: 12 },
      { table: ["categories", "NETWORK"], key: "backoff_factor", raw: "2", value: 2.0 },
      { table: ["categories", "NETWORK"], key: "notify", raw: "true", value: false },
      { table: ["reasons", "CRASH"], key: "max_attempts", raw: "x", value: 1 },
    ];
    const { changes, errors } = changesFrom(inputs, ALLOWED, t);
    assert.deepEqual(changes, [{ table: ["categories", "NETWORK"], key: "notify", value: true }]);
    assert.deepEqual(Object.keys(errors), ["reasons.CRASH.max_attempts"]);
  });
});

describe("the host's answer to a save", () => {
  test("a refusal goes beside the field it names, in the host's words", () => {
    const reply = { ok: false, error: { code: "policy_refused", field: "categories.NETWORK.max_attempts", message: "policy.toml: [categories.NETWORK] max_attempts = 5000 is not allowed; use a whole number from 0 to 1000" } };
    assert.deepEqual(saveProblem(reply, t), { field: "categories.NETWORK.max_attempts", text: reply.error.message });
  });

  test("an older host, and no host, say what to do", () => {
    assert.match(saveProblem({ ok: false, error: { code: "unknown_type", message: "x" } }, t).text, /too old.*pipx upgrade dlrescue/);
    const none = saveProblem({ ok: false, error: { code: "unavailable", message: "host_missing" } }, t);
    assert.deepEqual([none.field, /did not answer \(host_missing\)/.test(none.text)], [null, true]);
    assert.deepEqual(saveProblem({ ok: true }, t), { ok: true });
  });
});

test("only what policy.toml itself sets in that table can be reset (a reason's value from the file's category cannot)", () => {
  assert.equal(setInFile(FILE_VALUES, ["categories", "NETWORK"], "max_attempts"), true);
  assert.equal(setInFile(FILE_VALUES, ["reasons", "NETWORK_FAILED"], "max_attempts"), false);
  assert.equal(setInFile(FILE_VALUES, ["status", "503"], "max_attempts"), true);
  assert.equal(setInFile(undefined, ["sites", "*"], "pause_ms"), false);
  const view = { ...VIEW, reasons: { NETWORK_FAILED: { category: "NETWORK", ...rule({ max_attempts: v(12, FILE) }) } } };
  const reason = policyBlocks(view, t, {}, FILE_VALUES).find((b) => b.id === "reasons.NETWORK_FAILED");
  const attempts = reason.fields.find((f) => f.key === "max_attempts");
  assert.deepEqual([attempts.sourceText, attempts.mine, reason.open], ["your policy.toml", false, false]);
});

test("a saved value this browser does not get (a layer above decides) is named, the others not", () => {
  const blocks = policyBlocks({ ...VIEW, categories: { CRASH: rule({ action: v("none", "default") }) } }, t);
  const changes = [
    { table: ["categories", "CRASH"], key: "action", value: "resume" },
    { table: ["categories", "CRASH"], key: "max_attempts", value: 8 },
    { table: ["categories", "CRASH"], key: "notify", value: null },
  ];
  assert.deepEqual(notApplied(changes, blocks), ["categories.CRASH.action"]);
});

test("the companion's checks: the summary, registrations that exist or are broken with their fixes; none from an older host", () => {
  const reply = {
    ok: true, summary: "1 registration(s) broken, 1 healthy: apply the fixes above", problems: [],
    registrations: [
      { browser: "Firefox", scope: "user", where: "/h/.mozilla/native-messaging-hosts/org.dlrescue.host.json", status: "ok", details: [] },
      { browser: "Chromium", scope: "user", where: "/h/.config/chromium/NativeMessagingHosts/org.dlrescue.host.json", status: "BROKEN", details: ["the host is gone; run `dlrescue register --browser chromium` again"] },
      { browser: "Brave", scope: "user", where: "", status: "not installed", details: [] },
    ],
  };
  const view = doctorView(reply);
  assert.deepEqual(view.rows.map((r) => [r.text, r.broken]), [["Firefox (user): ok", false], ["Chromium (user): BROKEN", true]]);
  assert.match(view.rows[1].details[0], /dlrescue register --browser chromium/);
  assert.equal(doctorView({ ok: false, error: { code: "unknown_type" } }), null);
});

test("a value the administrator set over the user's own cannot be reset either (the host would refuse it)", () => {
  const fileValues = { categories: { USER: { action: "resume" } } };
  const user = policyBlocks(VIEW, t, {}, fileValues).find((b) => b.id === "categories.USER");
  const action = user.fields.find((f) => f.key === "action");
  assert.deepEqual([action.locked, action.mine], [true, false]);
});
