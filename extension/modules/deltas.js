// Pure helpers for `downloads.onChanged` deltas and DownloadItems. No browser API here.
//
// The two browsers shape a delta differently (docs/BROWSERS.md, "Download deltas"):
//   Chrome omits `previous` when a field first appears and `current` when it disappears
//          ({error: {previous: "NETWORK_FAILED"}} on a resume);
//   Firefox sends both keys, with null for "none" ({error: {previous: null, current: "..."}}).
// readDelta() turns either into one shape: for each field it says whether it changed and
// what it is now (undefined when the field went away or was never reported).

/** The fields an onChanged delta can carry that this extension cares about. */
export const DELTA_FIELDS = Object.freeze([
  "state", "error", "paused", "canResume", "exists", "endTime", "filename", "url", "finalUrl",
]);

function hasOwn(obj, key) {
  return obj !== null && typeof obj === "object" && Object.prototype.hasOwnProperty.call(obj, key);
}

/** Null (Firefox) and absence (Chrome) both mean "no value". */
function present(value) {
  return value === null ? undefined : value;
}

/**
 * Normalise one delta.
 * @returns {{id: number, changes: Record<string, {previous: any, current: any}>}}
 *   only fields that really changed appear in `changes`; `previous`/`current` are
 *   undefined for "no value", whatever the browser wrote.
 */
export function readDelta(delta) {
  const changes = {};
  for (const field of DELTA_FIELDS) {
    if (!hasOwn(delta, field)) continue;
    const d = delta[field];
    if (d === null || typeof d !== "object") continue;
    const previous = hasOwn(d, "previous") ? present(d.previous) : undefined;
    const current = hasOwn(d, "current") ? present(d.current) : undefined;
    if (previous === current) continue; // Firefox sometimes reports a non-change
    changes[field] = { previous, current };
  }
  return { id: delta?.id, changes };
}

/** The new state when this delta moved the download into one, else undefined. */
export function enteredState(delta) {
  return readDelta(delta).changes.state?.current;
}

/** True when the delta says the download just became `interrupted`. */
export function becameInterrupted(delta) {
  return enteredState(delta) === "interrupted";
}

/**
 * Firefox reports a user's pause as `state: "interrupted"`, `error: "USER_CANCELED"`,
 * `paused: true` (docs/BROWSERS.md, "Firefox"). That is a pause, not a failure.
 */
export function isPause(item) {
  return Boolean(item && item.paused === true && item.state === "interrupted"
    && (item.error === "USER_CANCELED" || item.error === undefined || item.error === null));
}

/** A whole DownloadItem that is a real interruption the host should hear about. */
export function isInterruption(item) {
  return Boolean(item && item.state === "interrupted" && !isPause(item));
}

/** Only http(s) downloads can be fetched again from their URL (blob:, data: cannot). */
export function isRefetchable(url) {
  return typeof url === "string" && /^https?:\/\//i.test(url);
}

/** Base name of a download's file, for people (the popup, notifications). */
export function displayName(item) {
  const path = item?.filename || "";
  const base = path.split(/[\\/]/).pop();
  if (base) return base;
  const url = item?.finalUrl || item?.url || "";
  try {
    const last = new URL(url).pathname.split("/").filter(Boolean).pop();
    if (last) return decodeURIComponent(last);
  } catch {
    // not a URL: fall through
  }
  return url.slice(0, 80);
}
