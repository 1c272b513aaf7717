// The administrator's policy for dlrescue: what the browser's enterprise policy sets for this
// extension (Chrome and Edge: the `3rdparty` extension policy, validated against
// managed_schema.json; Firefox: policies.json `3rdparty.Extensions`), read from
// `storage.managed` before every hello and sent in it (`managed_policy`, PROTOCOL.md). The
// host validates it as it does policy.toml and applies it above every policy file, so a user
// cannot loosen it; it keeps the last one for `dlrescue policy` and the settings page.

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
