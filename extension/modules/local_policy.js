// The decision the extension makes by itself when no host is there (issue 19): the built-in
// policy (policy_data.js, generated from native_host/policy.py) applied as the host's
// decide() applies it, for what the extension can know. Pure: the episode, the clock's
// jitter and the item come in as arguments.
//
// Faithful to native_host/decide.py (tests/test_policy_in_extension.py runs both over a table of
// cases): the layers (category, reason, browser category, browser reason, HTTP status),
// attempts judged by progress (tally), the budget per reason, backoff with equal jitter and
// a floor, Retry-After for 429/503, sign in (401/407), gone (410), a stuck Firefox resume.
// The administrator's managed policy (managed.js), when the browser has one, is applied as
// the host applies it: its layers where a policy file's sit, each value checked as the host
// checks it (a wrong one is left out, the rest applies). What only the host knows is left
// out: policy.toml (the user's layers), the free space of the download's folder (a full
// disk resumes with backoff instead of waiting for room), and one backoff per site (every
// download backs off on its own).

import { isRefetchable } from "./deltas.js";
import * as P from "./policy_data.js";

/** The category of a reason, by its prefix (reasons.category_of). */
export function categoryOf(name) {
  if (name === "CRASH") return "CRASH";
  const prefix = String(name).split("_", 1)[0];
  return P.categoryNames.includes(prefix) && prefix !== "CRASH" && prefix !== "UNKNOWN" ? prefix : "UNKNOWN";
}

/** "chrome" | "firefox" when the browser has layers of its own, else null (policy.browser_key). */
export function browserKey(browser) {
  const key = typeof browser === "string" ? browser.trim().toLowerCase() : null;
  return P.browserNames.includes(key) ? key : null;
}

function statusLayer(status) {
  if (status === null || status === undefined) return {};
  if (P.statuses[String(status)]) return P.statuses[String(status)];
  return status >= 500 && status <= 599 ? P.status5xx : {};
}

function isTable(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The keys of one managed table the host would take (policy_schema.RuleFile), others left out. */
export function validLayer(table) {
  if (!isTable(table)) return {};
  const out = {};
  for (const [key, value] of Object.entries(table)) {
    const limits = P.limits[key];
    const ok = key === "action" ? P.actions.includes(value)
      : key === "notify" ? typeof value === "boolean"
        : Boolean(limits) && typeof value === "number" && value >= limits[0] && value <= limits[1]
          && (key === "backoff_factor" || Number.isInteger(value));
    if (ok) out[key] = value;
  }
  return out;
}

/**
 * The rule for one reason in one browser, after one HTTP status (policy.rule_for): the
 * built-in layers, and the managed policy's (shaped like policy.toml) where the host puts a
 * policy file's: its category above the built-in category, its reason, status and browser
 * tables above every built-in layer.
 */
export function ruleFor(reason, category, browser = null, status = null, managed = null) {
  const key = browserKey(browser);
  const own = key ? P.browsers[key] ?? {} : {};
  const m = isTable(managed) ? managed : {};
  const mine = key && isTable(m.browsers?.[key]) ? m.browsers[key] : {};
  const hasStatus = status !== null && status !== undefined;
  const layers = [P.categories[category], validLayer(m.categories?.[category]), P.reasons[reason] ?? {}];
  if (key) layers.push(own.categories?.[category] ?? {}, own.reasons?.[reason] ?? {});
  if (hasStatus) layers.push(statusLayer(status));
  layers.push(validLayer(m.reasons?.[reason]));
  if (hasStatus) layers.push(validLayer(m.status?.[String(status)]));
  if (key) layers.push(validLayer(mine.categories?.[category]), validLayer(mine.reasons?.[reason]));
  return Object.assign({}, ...layers);
}

/** Exponential backoff with equal jitter and a floor (decide.backoff_ms). */
export function backoffMs(rule, step, jitter) {
  const exponent = Math.min(Math.max(step, 1) - 1, 64);
  const ceiling = Math.min(rule.max_delay_ms, rule.initial_delay_ms * rule.backoff_factor ** exponent);
  const delay = ceiling / 2 + (jitter * ceiling) / 2;
  return Math.trunc(Math.min(Math.max(delay, rule.initial_delay_ms), rule.max_delay_ms));
}

function progressOf(bytes, before) {
  if (bytes === null || bytes === undefined || bytes < 0) return null;
  if (!before || before.action === "restart") return bytes > 0;
  if (before.bytes_received === null || before.bytes_received === undefined || before.bytes_received < 0) return null;
  return bytes > before.bytes_received;
}

/**
 * What an episode's earlier interruptions ({reason, bytes_received, reachable, action}, oldest
 * first) mean for a new one (decide.tally): {progress, spent, streak, stuck}.
 */
export function tally(earlier, reason, bytesReceived) {
  let spent = 0;
  let streak = 0;
  let stuck = 0;
  let before = null;
  for (const event of earlier) {
    if (event.reason === P.paused) continue;
    const made = progressOf(event.bytes_received, before);
    before = event;
    if (made) {
      streak = 0;
      continue;
    }
    if (event.reason !== reason || event.reachable === false) continue;
    spent += 1;
    streak += 1;
    if (event.reachable === true) stuck += 1;
  }
  return { progress: progressOf(bytesReceived, before), spent, streak, stuck };
}

function retryAfterDelay(rule, status, retryAfterMs) {
  if (!P.retryAfter.includes(status) || retryAfterMs === null || retryAfterMs === undefined) return null;
  return Math.max(Math.min(retryAfterMs, rule.max_delay_ms, P.retryAfterCapMs), rule.initial_delay_ms);
}

/** Why the download is left, and whether the user is told; null to retry it (decide._why_left). */
function whyLeft(rule, { known, status, stuck, canResume, spent, http }) {
  if (!known) return ["unknown_reason", rule.notify];
  if (rule.action === "none") {
    if (P.signIn.includes(status)) return ["sign_in", rule.notify];
    return [status === P.gone ? "gone" : "policy", rule.notify];
  }
  if (rule.no_progress_attempts > 0 && stuck !== null && canResume !== false
    && stuck + 1 >= rule.no_progress_attempts) return ["no_progress", true];
  if (rule.max_attempts <= 0 || spent > rule.max_attempts) return ["gave_up", rule.notify];
  if (!http) return ["not_http", rule.notify];
  return null;
}

/**
 * Decide one interruption alone. `item`: the DownloadItem (error, canResume, url,
 * bytesReceived); `earlier`: the episode's earlier interruptions (see tally); `reachable`:
 * the probe after an attempt that added nothing (undefined: not probed); `server`: the
 * server's answer ({http_status, retry_after_ms}, with the user's consent); `jitter` in [0, 1);
 * `managed`: the administrator's policy (managed.js), or null.
 * Returns a decision shaped like the host's (action, delay_ms, attempt, max_attempts, reason,
 * category, notify, cause, http_status) with `local: true`.
 */
export function decideAlone({ item, browser, earlier = [], reachable = null, server = null, jitter, managed = null }) {
  const reason = String(item?.error ?? "");
  const known = P.knownReasons.includes(reason);
  const category = categoryOf(reason);
  const key = browserKey(browser);
  const attempt = Math.max(earlier.filter((e) => e.reason !== P.paused).length + 1, 1);
  const bytes = Number.isFinite(item?.bytesReceived) ? item.bytesReceived : null;
  const past = tally(earlier, reason, bytes);
  const httpStatus = Number.isInteger(server?.http_status) ? server.http_status : null;
  const rule = ruleFor(reason, category, key, httpStatus, managed);
  const status = known ? httpStatus : null;
  const canResume = typeof item?.canResume === "boolean" ? item.canResume : null;
  const reached = typeof reachable === "boolean" ? reachable : null;
  // the budget (decide._budget)
  const earlierSame = Math.min(past.spent, attempt - 1);
  const counts = past.progress !== true && reached !== false;
  const tries = earlierSame + counts;
  const limit = attempt - tries + rule.max_attempts;
  const step = counts ? Math.min(past.streak, earlierSame) + 1 : 1;
  const base = {
    attempt, max_attempts: limit, reason, category, local: true, ...(status !== null ? { http_status: status } : {}),
  };
  const left = whyLeft(rule, {
    known, status, stuck: past.progress !== true && reached === true ? past.stuck : null,
    canResume, spent: tries, http: isRefetchable(item?.url),
  });
  if (left) return { ...base, action: "none", delay_ms: 0, notify: left[1], cause: left[0] };
  let action = rule.action;
  let cause = "policy";
  if (action === "resume" && canResume === false) [action, cause] = ["restart", "cannot_resume"];
  const asked = retryAfterDelay(rule, status, Number.isInteger(server?.retry_after_ms) ? server.retry_after_ms : null);
  if (asked !== null) return { ...base, action, delay_ms: asked, notify: false, cause: cause === "policy" ? "retry_after" : cause };
  return { ...base, action, delay_ms: backoffMs(rule, step, jitter), notify: false, cause };
}
