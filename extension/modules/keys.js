// Keys that identify a download across worker restarts and browser sessions. Pure.
//
// Firefox restarts download ids from 1 every session (BROWSER_FACTS section 3), so the id
// alone would make a new download look like an old one. id + url + startTime does not
// collide: a new session's download 1 has another startTime (and usually another URL).

/** Stable key of one browser download (not of an episode: a restart makes a new key). */
export function downloadKey(item) {
  const id = item?.id;
  const url = item?.url ?? "";
  const start = item?.startTime ?? "";
  return `${id}|${start}|${url}`;
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
