// A restart: the URL started afresh under the same name (the host keys the episode by URL,
// so it continues), the interrupted item's partial data discarded first, outside a Firefox
// container that is refused; when the URL cannot be fetched again, or a private download
// would leave private browsing, a notification instead (Clicks).

import { isRefetchable } from "./deltas.js";
import { recordKey } from "./keys.js";
import { isContainerRefusal, isTruncated, restartOptions, withoutContainer } from "./restart_plan.js";

export class Restarter {
  /**
   * @param {object} o
   * @param {object} o.api       the browser API (downloads: download, cancel, removeFile)
   * @param {object} o.ledger    the Ledger
   * @param {object} o.records   Records (the new item; the session tag)
   * @param {object} o.notifier  a Notifier (a download that cannot be retried)
   * @param {object} o.clicks    Clicks (ask for a click instead)
   * @param {string} o.browser   "chrome" | "firefox"
   */
  constructor({ api, ledger, records, notifier, clicks, browser, log = console, now = () => Date.now() }) {
    Object.assign(this, { api, ledger, records, notifier, clicks, browser, log, now });
  }

  /**
   * Start the URL afresh (the host keys the episode by URL, so it continues). Falls back to a
   * notification the user can click when the URL cannot be fetched again.
   */
  async restart(item, rec, why) {
    const url = rec.url ?? item.url;
    if (!isRefetchable(url)) {
      await this.clicks.askForClick(item, rec, `${why}; ${String(url).split(":")[0]}: URLs cannot be downloaded again`);
      return;
    }
    const incognito = Boolean(item.incognito ?? rec.incognito);
    if (incognito && this.browser !== "firefox") {
      // Chrome's downloads.download() cannot target the incognito profile: it would leak
      // a private download into the normal one. Ask the user instead.
      await this.clicks.askForClick(item, rec, `${why}; a private download is not restarted outside private browsing`);
      return;
    }
    const discarded = await this._clearForRestart(item);
    const options = restartOptions({ item, url, incognito, browser: this.browser });
    let started;
    try {
      started = await this._download(options);
    } catch (e) {
      this.log.error(`downloads.download(${url}) failed: ${e?.message ?? e}`);
      await this.ledger.put(rec.key, { status: "left", pending: null });
      await this.notifier.cannotRetry(rec, e?.message ?? String(e));
      return;
    }
    const { newId, filename } = started;
    this.log.info(`restarted download ${item.id} as ${newId} (${why}): ${rec.name}`
      + `${filename ? ` as ${filename}` : ""}`);
    await this.ledger.put(rec.key, { status: "replaced", pending: null, replacedBy: newId, verifyAt: null, discarded });
    const fresh = (await this.records.item(newId)) ?? { id: newId, url };
    await this.ledger.reset(recordKey(fresh), {
      id: newId, url, name: rec.name, incognito, startTime: fresh.startTime, session: this.records.session,
      status: "acted", actedAt: this.now(), actedBy: "restart",
      restartOf: rec.key, eventId: rec.eventId ?? null, interruptions: 0, verifyAt: null,
      episode: rec.episode ?? [], // the host's episode (the URL's) goes on; so does the local one
    });
  }

  /**
   * Before a restart: a truncated file's bytes are wrong and it holds the chosen name, so it
   * goes; an interrupted item's partial data is never used again, and in Firefox a resumable
   * item keeps an empty placeholder under the chosen name (the restart would become
   * "name(1).bin"): cancel() discards both. The item stays in the list until the restart
   * completes. True when the partial data was discarded.
   */
  async _clearForRestart(item) {
    if (isTruncated(item)) {
      try {
        await this.api.downloads.removeFile(item.id);
        this.log.info(`removed the truncated file of download ${item.id} before restarting it`);
      } catch (e) {
        this.log.warn(`downloads.removeFile(${item.id}) failed: ${e?.message ?? e}`);
      }
    }
    if (item.state !== "interrupted" || !Number.isInteger(item.id)) return false;
    try {
      await this.api.downloads.cancel(item.id);
      return true;
    } catch (e) {
      this.log.info(`downloads.cancel(${item.id}) before the restart refused: ${e?.message ?? e}`);
      return false;
    }
  }

  /** downloads.download(options); outside the container when Firefox refuses it. Throws. */
  async _download(options) {
    try {
      return { newId: await this.api.downloads.download(options), filename: options.filename };
    } catch (e) {
      if (!options.cookieStoreId || !isContainerRefusal(e)) throw e;
      this.log.warn(`downloads.download refused the container ${options.cookieStoreId} (${e?.message ?? e});`
        + " restarting outside it (keeping a container needs the \"cookies\" permission)");
      const outside = withoutContainer(options);
      return { newId: await this.api.downloads.download(outside), filename: outside.filename };
    }
  }
}
