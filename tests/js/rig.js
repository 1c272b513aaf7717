// Builds the background the way extension/background.js wires it, on fakes, and can kill it
// the way Chromium kills a service worker (timers gone, listeners gone, nothing said).

import { HostPort } from "../../extension/modules/host_port.js";
import { Ledger } from "../../extension/modules/ledger.js";
import { managedForHello } from "../../extension/modules/managed.js";
import { Outbox } from "../../extension/modules/outbox.js";
import { Rescuer } from "../../extension/modules/rescuer.js";
import { FakeClock, FakeHost, makeFakeApi, quietLog } from "./fakes.js";

/**
 * @param {object} [o]
 * @param {"chrome"|"firefox"} [o.browser]
 * @param {FakeHost|null} [o.host]  null: no host registered
 * @param {object} [o.api]  reuse the browser (same downloads and storage): a worker restart
 * @param {object} [o.managed]  {policy, answerMs}: a storage.managed that answers that late (all calls till then),
 *   read as background.js reads it (managedForHello); else managedPolicy after helloDelayMs
 */
export function makeRig({ browser = "chrome", host, api, clock, online, managedPolicy = null, helloDelayMs = 0, managed = null } = {}) {
  clock ??= new FakeClock();
  if (host === undefined) host = new FakeHost();
  api ??= makeFakeApi({ browser, host, clock });
  if (host !== undefined && api.host !== host) api.host = host;
  const log = quietLog();
  const state = { online: online ?? true };
  // as Chromium: storage.managed answers once answerMs after the start, then at once
  const managedAt = managed && clock.now() + managed.answerMs;
  const port = new HostPort({
    api, log, timers: clock, now: clock.now,
    // helloDelayMs: the hello's fields come that late (Chromium answers storage.managed ~3 s after it starts)
    helloFields: async () => {
      if (managed) {
        const answer = () => new Promise((ok) => clock.setTimeout(() => ok(managed.policy ?? {}), managedAt - clock.now()));
        api.storage.managed = { get: answer };
        const m = await managedForHello(api, { timers: clock });
        return { browser: api.browser, extensionVersion: "0.1.0", lang: "en", managedPolicy: m.policy, managedLater: m.later };
      }
      if (helloDelayMs) await new Promise((ok) => clock.setTimeout(ok, helloDelayMs));
      return { browser: api.browser, extensionVersion: "0.1.0", lang: "en", managedPolicy };
    },
  });
  const rescuer = new Rescuer({
    api, port, log, timers: clock, now: clock.now, browser: api.browser,
    t: api.i18n.getMessage,
    outbox: new Outbox({ storage: api.storage.local, now: clock.now, log }),
    ledger: new Ledger({ storage: api.storage.local, now: clock.now }),
    online: () => state.online,
    iconUrl: api.runtime.getURL("icons/icon-128.png"),
    fetch: (url, init) => api.fetch(url, init),
  });
  const listeners = [
    [api.downloads.onChanged, (d) => rescuer.onChanged(d)],
    [api.downloads.onCreated, (i) => rescuer.onCreated(i)],
    [api.alarms.onAlarm, (a) => rescuer.onAlarm(a)],
    [api.notifications.onClicked, (id) => rescuer.onNotificationClicked(id)],
  ];
  if (api.notifications.onButtonClicked) listeners.push([api.notifications.onButtonClicked, (id, button) => rescuer.onNotificationClicked(id, button)]);
  for (const [emitter, fn] of listeners) emitter.addListener(fn);
  // as background.js: the server's answers once webRequest is granted
  rescuer.signals.start();
  const onPermissions = () => rescuer.onPermissionsChanged();
  api.permissions.onAdded.addListener(onPermissions);
  api.permissions.onRemoved.addListener(onPermissions);
  listeners.push([api.permissions.onAdded, onPermissions], [api.permissions.onRemoved, onPermissions]);

  return {
    api, clock, host, port, rescuer, log, state,
    /** Start like a new worker and let everything settle. */
    async start() {
      rescuer.start("test start");
      await clock.tick(0);
      await rescuer.idle();
      await clock.tick(0);
    },
    /** Die silently: no more timers or listeners; the host sees its port close. */
    kill() {
      for (const [emitter, fn] of listeners) emitter.removeListener(fn);
      clock.timers.clear();
      if (port.port) port.port.disconnect();
    },
    setOnline(value) {
      state.online = value;
    },
  };
}

/** An item interrupted while nothing listened (the worker was dead). */
export function addInterrupted(api, fields = {}) {
  return api.downloads.add({ state: "interrupted", error: "NETWORK_FAILED", canResume: true, ...fields });
}
