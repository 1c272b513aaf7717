// The administrator's policy for dlrescue: what the browser's enterprise policy sets for this
// extension (Chrome and Edge: the `3rdparty` extension policy, validated against
// managed_schema.json; Firefox: policies.json `3rdparty.Extensions`), read from
// `storage.managed` before every hello and sent in it (`managed_policy`, PROTOCOL.md). The
// host validates it as it does policy.toml and applies it above every policy file, so a user
// cannot loosen it; it keeps the last one for `dlrescue policy` and the settings page.
// Chromium answers storage.managed only seconds after it starts: a hello then carries the
// last policy read (managedForHello), and the host gets a new hello when the answer differs.

/**
 * The managed policy, or null when there is none: Chrome answers {} without a policy,
 * Firefox throws ("Managed storage manifest not found"), a browser without the area has none.
 * @param {object} api chrome or browser namespace
 * @returns {Promise<object|null>}
 */
export async function readManagedPolicy(api) {
  const area = api?.storage?.managed;
  if (typeof area?.get !== "function") return null;
  try {
    const data = await area.get(null);
    if (!data || typeof data !== "object" || Array.isArray(data)) return null;
    return Object.keys(data).length ? data : null;
  } catch {
    return null;
  }
}

/** storage.local: the last managed policy storage.managed gave, `{policy}` (null: none). */
export const LAST_MANAGED_KEY = "lastManagedPolicy";

/**
 * How long a hello waits for storage.managed before it goes with the last policy read.
 * Firefox answers in ~6 ms and Chromium, once started, in ~1 ms; Chromium answers its first
 * calls only ~2.8 s after it starts (docs/BROWSERS.md), and the host starts meanwhile anyway.
 */
export const MANAGED_WAIT_MS = 250;

/** The same policy, whatever the order of keys (as policy_file.managed_json compares). Pure. */
export function sameManaged(a, b) {
  return canonical(a ?? null) === canonical(b ?? null);
}

function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * The managed policy for a hello without waiting for a slow storage.managed: its answer when
 * it comes within `waitMs`, else the last one it gave (kept in storage.local) with `later`,
 * the promise of its answer, which the caller hands on when it comes (HostPort.managedRead).
 * Every answer is kept for the next start. Nothing kept (the extension's first start): it
 * waits for the answer, so a policy is never assumed, only the last one read.
 * @returns {Promise<{policy: object|null, later: Promise<object|null>|null, kept: boolean}>}
 *   kept: the policy is the last one read, not storage.managed's answer to this call
 */
export async function managedForHello(api, { storage = api?.storage?.local, timers = globalThis, waitMs = MANAGED_WAIT_MS } = {}) {
  const read = readManagedPolicy(api).then(async (policy) => {
    await keepManaged(storage, policy);
    return policy;
  });
  let timer;
  const late = Symbol("late");
  const first = await Promise.race([read, new Promise((ok) => {
    timer = timers.setTimeout(() => ok(late), waitMs);
  })]);
  timers.clearTimeout(timer);
  if (first !== late) return { policy: first, later: null, kept: false };
  const last = await lastManaged(storage);
  if (last === undefined) return { policy: await read, later: null, kept: false };
  return { policy: last, later: read, kept: true };
}

/** The last policy kept: an object, null (none), or undefined (nothing kept, or unreadable). */
async function lastManaged(storage) {
  try {
    const got = await storage?.get(LAST_MANAGED_KEY);
    const entry = got?.[LAST_MANAGED_KEY];
    if (!entry || typeof entry !== "object" || !("policy" in entry)) return undefined;
    const { policy } = entry;
    return policy && typeof policy === "object" && !Array.isArray(policy) ? policy : null;
  } catch {
    return undefined;
  }
}

async function keepManaged(storage, policy) {
  try {
    const last = await lastManaged(storage);
    if (last !== undefined && sameManaged(last, policy)) return;
    await storage?.set({ [LAST_MANAGED_KEY]: { policy } });
  } catch {
    // not kept: the next start waits for storage.managed, as without a kept policy
  }
}
