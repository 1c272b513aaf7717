// The ledger's records seen through the browser's live download list: which live item a
// record is, which record a live item is (Firefox renumbers its downloads every session),
// and this browser session's tag. The tag is owned here; every part asks `session`.

import { isRenumbered, recordKey, sameDownload } from "./keys.js";

/** The key under which storage.session keeps this browser session's tag. */
export const SESSION_KEY = "session";

/**
 * A tag for this browser session: storage.session is emptied at every browser start, so a
 * new tag means a new session (where Firefox has renumbered its downloads).
 */
export async function loadSession(area, random = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`) {
  try {
    const got = await area.get(SESSION_KEY);
    if (typeof got?.[SESSION_KEY] === "string") return got[SESSION_KEY];
    const tag = random();
    await area.set({ [SESSION_KEY]: tag });
    return tag;
  } catch {
    return random(); // no storage.session: this worker's life is the session
  }
}

export class Records {
  /**
   * @param {object} o
   * @param {object} o.api        the browser API (downloads.search)
   * @param {object} o.ledger     a Ledger
   * @param {object} o.outbox     an Outbox (entries follow a renumbered download)
   */
  constructor({ api, ledger, outbox, log = console }) {
    Object.assign(this, { api, ledger, outbox, log });
    this.session = undefined; // this browser session's tag, once load() ran
  }

  /** Read (or make) this browser session's tag from storage.session. */
  async load(sessionArea) {
    this.session = await loadSession(sessionArea);
    return this.session;
  }

  /** The live item with this id, or undefined. */
  async item(id) {
    if (!Number.isInteger(id)) return undefined;
    try {
      const found = await this.api.downloads.search({ id });
      return found?.[0];
    } catch (e) {
      this.log.warn(`downloads.search({id: ${id}}) failed`, e);
      return undefined;
    }
  }

  /** The live item for a record, only if it is still the same download (Firefox reuses ids). */
  async itemFor(rec) {
    const item = await this.item(rec.id);
    return sameDownload(rec, item, this.session) ? item : undefined;
  }

  /**
   * The record for a live item, or undefined. A record under the item's key that belongs to
   * another download (an id reused by a new Firefox session) does not count; a record from an
   * earlier session that is this item under a new id is moved to the new key. The record
   * learns the item's current startTime and this session's tag.
   */
  async find(item) {
    const key = recordKey(item);
    let rec = this.ledger.get(key);
    if (rec && !sameDownload(rec, item, this.session)) rec = undefined;
    if (!rec) {
      // only an interrupted item can be an earlier session's record we still care about
      if (item.state !== "interrupted") return undefined;
      const moved = this.ledger.find((r) => isRenumbered(r, item, this.session));
      if (!moved) return undefined;
      this.log.info(`download ${item.id} is ${moved.id} of an earlier session (${moved.name})`);
      await this.ledger.reset(key, { ...moved, id: item.id });
      await this.ledger.remove(moved.key);
      await this.outbox.rekeyRef(moved.key, key);
      rec = this.ledger.get(key);
    }
    if (rec.session !== this.session || rec.startTime !== item.startTime) {
      rec = await this.ledger.put(key, { session: this.session, startTime: item.startTime });
    }
    return rec;
  }
}
