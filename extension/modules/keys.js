// Keys that identify a download across worker restarts and browser sessions. Pure.
//
// What the browsers do (docs/BROWSERS.md, "Firefox"; seen in Firefox ESR 153):
//   - Firefox restarts download ids from 1 every session: the id alone is not an identity;
//   - Firefox moves `startTime` on every resume: id + startTime is not stable either;
//   - Chrome keeps ids and startTime across sessions and resumes.
// So the ledger is keyed by id + url (unique among one session's downloads), and a record
// matches an item when it was made in this browser session (the session tag lives in
// storage.session, which both browsers clear at browser start) or, from an earlier
// session, when the item still has the startTime the record last saw.

/** The ledger key of a download: id + url. */
export function recordKey(item) {
  return `${item?.id}|${item?.url ?? ""}`;
}

/**
 * id|startTime|url of an item as it is now. Names one interruption (outbox keys) and the
 * notifications about it (the end-to-end suite recomputes notification ids from it).
 */
export function downloadKey(item) {
  const id = item?.id;
  const url = item?.url ?? "";
  const start = item?.startTime ?? "";
  return `${id}|${start}|${url}`;
}

/** id|startTime|url of the item a ledger record was made for (notification ids). */
export function snapshotKey(rec) {
  return downloadKey({ id: rec.id, startTime: rec.startTime, url: rec.url });
}

/** Is `item` the download `rec` was made for? See the header. */
export function sameDownload(rec, item, session) {
  return Boolean(rec && item && rec.id === item.id && rec.url === item.url
    && ((session && rec.session === session) || (rec.startTime !== undefined && rec.startTime === item.startTime)));
}

/** A record from an earlier session that is this item under a new id (Firefox renumbers). */
export function isRenumbered(rec, item, session) {
  return Boolean(rec && item && rec.session !== session && rec.id !== item.id
    && rec.url === item.url && rec.startTime !== undefined && rec.startTime === item.startTime);
}

/** Short, stable, non-cryptographic hash (FNV-1a 32-bit) for alarm and notification ids. */
export function shortHash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}
