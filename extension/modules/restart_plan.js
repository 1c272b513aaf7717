// What a restart asks of downloads.download() so that it keeps what the user chose, and what
// the browsers let us keep. Pure: the item, the ledger record and the browser name come in.
//
// What each browser accepts (checked in Chromium 156 and Firefox ESR 153, see
// tests/e2e/test_restart_keeps.py):
//   - `filename` only relative to the default downloads folder ("sub/name.iso"); an absolute
//     path or ".." is refused. The API never says where that folder is, so the old item's
//     absolute path cannot be made relative to it: the restart keeps the file's NAME (its
//     base name) and lands in the downloads folder. A file the user saved elsewhere (Save
//     As) comes back in the downloads folder under the same name.
//   - `conflictAction: "uniquify"`, never "overwrite": at the restart the chosen name is
//     free in both browsers (Chromium keeps an interrupted download's bytes in
//     `name.crdownload` and drops its reservation of `name`; Firefox keeps `name.part`), so
//     uniquify gives the same name; if a file of that name exists it is someone else's (an
//     earlier download, the user's own), and overwriting it would destroy it. A file cannot
//     be renamed afterwards through the API.
//   - Referer: Firefox accepts a `Referer` header in `headers`; Chromium refuses it (unsafe
//     header: the whole download() call fails), so it is sent to Firefox only.
//   - Firefox's container (`cookieStoreId`): download() accepts it only from an extension
//     holding the "cookies" permission ("No permission for cookieStoreId"), which dlrescue
//     does not ask for; it is sent for a real container and dropped on that refusal (see
//     withoutContainer). The default and private stores are never sent: `incognito` says
//     the latter, and the former is what download() does anyway.

/** Firefox's cookie stores that are not containers. */
const PLAIN_STORES = Object.freeze(["firefox-default", "firefox-private"]);

/** The last path segment of an absolute or relative path, "/" or "\" separated. */
export function baseName(path) {
  return String(path ?? "").split(/[\\/]/).filter(Boolean).pop() ?? "";
}

/**
 * The `filename` to give download(): the old file's base name, or undefined when there is
 * none usable (no name yet, or a name the browsers refuse: "." / "..").
 */
export function restartFilename(item) {
  const name = baseName(item?.filename);
  if (!name || name === "." || name === "..") return undefined;
  return name;
}

/**
 * The options of downloads.download() for restarting `item` (the interrupted DownloadItem;
 * may be a stand-in {id, url} when the item is gone) from `url`.
 * @param {{item: object, url: string, incognito: boolean, browser: string}} o
 */
export function restartOptions({ item, url, incognito, browser }) {
  const options = { url };
  const filename = restartFilename(item);
  if (filename) {
    options.filename = filename;
    options.conflictAction = "uniquify";
  }
  if (incognito) options.incognito = true;
  if (browser === "firefox") {
    const referrer = typeof item?.referrer === "string" ? item.referrer : "";
    if (/^https?:\/\//i.test(referrer)) options.headers = [{ name: "Referer", value: referrer }];
    const store = item?.cookieStoreId;
    if (typeof store === "string" && store && !PLAIN_STORES.includes(store)) options.cookieStoreId = store;
  }
  return options;
}

/** Is `error` download()'s refusal of a cookieStoreId (Firefox without "cookies")? */
export function isContainerRefusal(error) {
  return /cookieStoreId/i.test(String(error?.message ?? error ?? ""));
}

/** The same options without the container (after Firefox refused it). */
export function withoutContainer(options) {
  const { cookieStoreId: _dropped, ...rest } = options;
  return rest;
}

/** The reason a truncated "complete" download is reported with (the host restarts it). */
export const TRUNCATED_REASON = "SERVER_CONTENT_LENGTH_MISMATCH";

/**
 * Did the download "complete" with fewer bytes than it announced? Chromium marks a short
 * body complete when the server sent no ETag or Last-Modified; such a file is cut. The size
 * of the file on disk (`fileSize`) overrules `bytesReceived` when the browser knows it:
 * Firefox's `bytesReceived` at completion lags behind (212,992 of 262,144 bytes reported for
 * a whole file in Firefox ESR 153).
 */
export function isTruncated(item) {
  const total = Number(item?.totalBytes);
  const got = Number(item?.bytesReceived);
  if (item?.state !== "complete" || !Number.isFinite(total) || total <= 0) return false;
  if (!Number.isFinite(got) || got >= total) return false;
  const size = Number(item?.fileSize);
  return !(Number.isFinite(size) && size >= total);
}
