// Staying awake (issue 18): while a download runs or a retry waits, Chrome is asked to keep
// the system from sleeping (`power.requestKeepAwake("system")`; the screen may still turn
// off), and let go (`power.releaseKeepAwake()`) once nothing is pending. A laptop that sleeps
// during a 15 s Retry-After loses the download's connection and the wait with it.
//
// Firefox has no power API: there this does nothing. The user turns it off with
// storage.local `settings.keepAwake: false` (default true).

import { SETTINGS_KEY } from "./running.js";

/** The setting's value: anything but `false` keeps the system awake. Pure. */
export function keepAwakeWanted(settings) {
  return settings?.keepAwake !== false;
}

export class KeepAwake {
  /**
   * @param {object} o
   * @param {object} o.api  the browser API (power where the browser has it, storage.local)
   * @param {() => boolean} o.busy  whether a download runs or a retry waits
   */
  constructor({ api, busy, log = console }) {
    Object.assign(this, { api, busy, log });
    this.requested = false; // what we last asked the browser for
    this.enabled = true; // settings.keepAwake, read on each update
    this.updating = null;
    this.again = false;
  }

  /** Whether this browser can keep the system awake at all (Chrome: yes; Firefox: no). */
  get supported() {
    return typeof this.api.power?.requestKeepAwake === "function";
  }

  /** Ask for, or let go of, the system's wakefulness to match busy() and the setting. */
  update() {
    if (!this.supported) return Promise.resolve();
    if (this.updating) {
      this.again = true;
      return this.updating;
    }
    this.updating = (async () => {
      do {
        this.again = false;
        this.enabled = keepAwakeWanted(await this._settings());
        this._apply(this.enabled && Boolean(this.busy()));
      } while (this.again);
    })().finally(() => {
      this.updating = null;
    });
    return this.updating;
  }

  _apply(want) {
    if (want === this.requested) return;
    try {
      if (want) this.api.power.requestKeepAwake("system");
      else this.api.power.releaseKeepAwake();
      this.requested = want;
      this.log.info(want ? "keeping the system awake while downloads run or wait" : "the system may sleep again");
    } catch (e) {
      this.log.warn(`power.${want ? "requestKeepAwake" : "releaseKeepAwake"} failed: ${e?.message ?? e}`);
    }
  }

  async _settings() {
    try {
      return (await this.api.storage.local.get(SETTINGS_KEY))?.[SETTINGS_KEY] ?? {};
    } catch {
      return {};
    }
  }

  /** For debugging and the end-to-end tests. */
  state() {
    return { supported: this.supported, enabled: this.enabled, requested: this.requested };
  }
}
