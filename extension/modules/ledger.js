// What the extension knows about each download it has seen interrupted, keyed by
// recordKey() (id + url; see keys.js for why that is enough), kept in storage.local. Reconciliation reads it to
// forward only what was never decided; the scheduler keeps pending actions in it.
//
// A record's `status`:
//   queued    interrupted event waiting in the outbox (or sent, awaiting the decision)
//   decided   decision received; `pending` holds the action to run and when
//   acted     we resumed it (verifying while `verifyAt` is set) or started it as a restart;
//             a later interruption of it is a new event; its completion is an outcome
//   left      the decision was `none`: nothing to do unless the user retries
//   replaced  a restart replaced it with a new download (`replacedBy`); final
//   closed    complete, given up, erased; final
//   refused   the host refused the event (invalid_reason, invalid_message); final

export const LEDGER_KEY = "records";
export const MAX_RECORDS = 1000;
export const FINAL_STATUSES = Object.freeze(["left", "replaced", "closed", "refused"]);

export class Ledger {
  constructor({ storage, now = () => Date.now(), storageKey = LEDGER_KEY, maxRecords = MAX_RECORDS }) {
    this.storage = storage;
    this.now = now;
    this.storageKey = storageKey;
    this.maxRecords = maxRecords;
    this.records = {};
  }

  async load() {
    const got = await this.storage.get(this.storageKey);
    const saved = got?.[this.storageKey];
    this.records = saved && typeof saved === "object" ? saved : {};
    return this;
  }

  get(key) {
    const r = this.records[key];
    return r ? structuredClone(r) : undefined;
  }

  /** The first record for which pred(record) is true (pred must not change it), or undefined. */
  find(pred) {
    for (const r of Object.values(this.records)) if (pred(r)) return structuredClone(r);
    return undefined;
  }

  all() {
    return Object.values(this.records).map((r) => structuredClone(r));
  }

  /** Records for one download id in this session, newest first (ids repeat across Firefox sessions). */
  byId(id) {
    return this.all().filter((r) => r.id === id).sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** Records for one URL, newest first (an episode: the host keys episodes by URL). */
  byUrl(url) {
    return this.all().filter((r) => r.url === url).sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** Create or merge into a record and persist it. Returns the new record. */
  async put(key, patch) {
    const before = this.records[key] ?? { key, createdAt: this.now() };
    const rec = { ...before, ...patch, key, updatedAt: this.now() };
    this.records[key] = rec;
    this._prune();
    await this._save();
    return structuredClone(rec);
  }

  /** Records of private-browsing downloads stay in memory only: no trace on disk. */
  async _save() {
    const kept = {};
    for (const [k, r] of Object.entries(this.records)) if (!r.incognito) kept[k] = r;
    await this.storage.set({ [this.storageKey]: kept });
  }

  /** Replace a record whole (a new download that reuses a stale record's key). */
  async reset(key, fields) {
    delete this.records[key];
    return this.put(key, fields);
  }

  async remove(key) {
    if (!(key in this.records)) return;
    delete this.records[key];
    await this._save();
  }

  _prune() {
    const keys = Object.keys(this.records);
    if (keys.length <= this.maxRecords) return;
    const rank = (r) => (FINAL_STATUSES.includes(r.status) ? 0 : 1);
    const order = keys.map((k) => this.records[k])
      .sort((a, b) => rank(a) - rank(b) || a.updatedAt - b.updatedAt);
    for (const r of order.slice(0, keys.length - this.maxRecords)) delete this.records[r.key];
  }
}
