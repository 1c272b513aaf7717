// What a person asks for: "retry now" and "give up" from the popup, and the local state
// shown beside each history row. The rescuer starts up before it calls these.

import { isRefetchable } from "./deltas.js";
import { isTruncated } from "./restart_plan.js";
import { VERIFY_AFTER_MS } from "./resume_check.js";

/** The answer to a popup action for a download the ledger no longer knows. */
function unknownDownload(key) {
  return {
    ok: false, did: "none",
    error: { code: "unknown_download", message: `the extension no longer knows this download (${JSON.stringify(String(key))}); nothing was done` },
  };
}

export class UserActions {
  /**
   * @param {object} o
   * @param {object} o.ledger    the Ledger
   * @param {object} o.records   Records (the live item of a record)
   * @param {object} o.waits     Waits (timers dropped; the wake alarm)
   * @param {object} o.resumer   the Resumer (resume, then check)
   * @param {object} o.restarter the Restarter (start the URL afresh)
   * @param {object} o.delivery  Delivery (outcome `given_up`; sent at once)
   * @param {object} o.notifier  the Notifier (the row's notification is past once acted on)
   * @param {object} o.serial    the rescuer's Serial
   * @param {() => boolean} [o.online]  navigator.onLine
   */
  constructor({
    ledger, records, waits, resumer, restarter, delivery, notifier, serial, log = console, now = () => Date.now(), online = () => true,
  }) {
    Object.assign(this, { ledger, records, waits, resumer, restarter, delivery, notifier, serial, log, now, online });
  }

  /**
   * The ledger record behind a history row. The host's row carries the URL it stored, which
   * is scrubbed (tokens redacted, no user-info, no fragment, cut at 2,048 characters), so it
   * cannot name the download: the row's event id can (the record keeps the event id of its
   * latest interruption, and a restart's record the one it replaced). Among several records
   * of one event (the dead download and its restart), the one still in play wins.
   */
  _recordForRow(eventId, downloadId, url) {
    const all = this.ledger.all().sort((a, b) => b.updatedAt - a.updatedAt);
    const byEvent = eventId === null || eventId === undefined ? [] : all.filter((r) => r.eventId === eventId);
    if (byEvent.length) return byEvent.find((r) => r.status !== "replaced") ?? byEvent[0];
    return all.find((r) => r.id === downloadId && r.url === url);
  }

  /** What the extension itself is doing about a history row (for the popup), with its key. */
  localState(eventId, downloadId, url) {
    const rec = this._recordForRow(eventId, downloadId, url);
    return rec ? this._local(rec) : null;
  }

  _local(rec) {
    return {
      key: rec.key, id: rec.id, url: rec.url,
      status: rec.status, pending: rec.pending ?? null, needsClick: Boolean(rec.needsClick),
      waitingForNetwork: Boolean(rec.pending?.waitOnline && !this.online()),
      serverDown: (rec.serverWaits ?? 0) > 0, givenUp: Boolean(rec.givenUp), outcome: rec.outcome ?? null,
    };
  }

  /**
   * "Retry now" from the popup, for the download of ledger record `key`: its pending action
   * runs now (its timer cancelled), on that download; without one, a resume if it can, else
   * a restart. When the popup already resumed the item itself (its click is a user gesture,
   * which Chrome's resume cap respects), we only watch it. Never a second download: a
   * record already replaced by a restart starts nothing.
   */
  async retryNow({ key, resumedInPopup = false }) {
    const result = await this.serial.run(async () => {
      const rec = this.ledger.get(key);
      if (!rec) return unknownDownload(key);
      this.waits.clearAction(key);
      if (rec.status === "replaced") return { ok: true, did: "restarted" };
      const item = await this.records.itemFor(rec);
      if (item && resumedInPopup) {
        await this.ledger.put(key, {
          status: "acted", pending: null, actedBy: "user", actedAt: this.now(),
          verifyAt: this.now() + VERIFY_AFTER_MS, sawInProgress: false, needsClick: false,
        });
        this.waits.verifyIn(key, VERIFY_AFTER_MS);
        return { ok: true, did: "resumed" };
      }
      if (item?.state === "in_progress") return { ok: true, did: "running" };
      if (item?.state === "complete" && !(rec.truncated && isTruncated(item))) return { ok: true, did: "complete" };
      return this._retry(rec, item);
    });
    if (result.ok) await this.notifier.dismiss(this.ledger.get(key));
    await this.waits.updateWakeAlarm();
    await this.delivery.flush();
    return result;
  }

  /** Resume if it can, else restart: what "retry now" does to a download that needs it. */
  async _retry(rec, item) {
    const action = rec.pending?.action ?? (item?.canResume ? "resume" : "restart");
    if (item && action === "resume" && item.canResume) {
      await this.resumer.resume(item, rec);
      return { ok: true, did: "resumed" };
    }
    if (!isRefetchable(rec.url)) return { ok: false, did: "none", error: { code: "not_refetchable", message: "this download cannot be fetched again from its address" } };
    await this.restarter.restart(item ?? { id: rec.id, url: rec.url }, rec, "retry now");
    const after = this.ledger.get(rec.key);
    return after?.status === "replaced" ? { ok: true, did: "restarted" } : { ok: false, did: "none", error: { code: "not_restarted", message: "the browser did not start it again" } };
  }

  /**
   * "Give up" from the popup, for the download of ledger record `key`: its pending action and
   * timers are dropped, the record is left alone, and the host hears outcome `given_up` with
   * the download's real URL (which closes its episode).
   */
  async giveUp({ key }) {
    const result = await this.serial.run(async () => {
      const rec = this.ledger.get(key);
      if (!rec) return unknownDownload(key);
      this.waits.clear(key);
      await this.ledger.put(key, { status: "left", givenUp: true, pending: null, verifyAt: null, needsClick: false });
      await this.delivery.queueGivenUp(rec);
      this.log.info(`given up: download ${rec.id} (${rec.name})`);
      return { ok: true };
    });
    if (result.ok) await this.notifier.dismiss(this.ledger.get(key));
    await this.waits.updateWakeAlarm();
    await this.delivery.flush();
    return result;
  }
}
