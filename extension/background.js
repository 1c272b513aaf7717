// dlrescue background: wiring only. Chrome runs it as a module service worker, Firefox as
// a module background script (event page). Listeners are registered synchronously at the
// top level, as MV3 requires; the logic lives in modules/.
//
// For debugging and end-to-end tests: `globalThis.dlrescue` in the background console, or
// runtime.sendMessage({type: "dlrescue:debug"}) from any extension page (popup.html as a tab).

import { handleCommand } from "./modules/commands.js";
import { browserApi, browserName, translator, uiLang } from "./modules/env.js";
import { HostPort } from "./modules/host_port.js";
import { Ledger } from "./modules/ledger.js";
import { managedForHello } from "./modules/managed.js";
import { createLog } from "./modules/log.js";
import { Outbox } from "./modules/outbox.js";
import { Rescuer } from "./modules/rescuer.js";

const api = browserApi();
const log = createLog();
const meta = {
  browser: browserName(api),
  lang: uiLang(api),
  version: api.runtime.getManifest().version,
};

const port = new HostPort({
  api,
  log,
  helloFields: async () => {
    // Chromium answers storage.managed seconds after it starts: the last policy read meanwhile
    const managed = await managedForHello(api);
    if (managed.kept) {
      log.info("hello with the last managed policy read; storage.managed has not answered yet");
      managed.later.then(() => log.info("storage.managed answered"));
    }
    return {
      browser: meta.browser, extensionVersion: meta.version, lang: meta.lang,
      managedPolicy: managed.policy, managedLater: managed.later,
    };
  },
});

const rescuer = new Rescuer({
  api,
  port,
  log,
  browser: meta.browser,
  t: translator(api),
  outbox: new Outbox({ storage: api.storage.local, log }),
  ledger: new Ledger({ storage: api.storage.local }),
  online: () => globalThis.navigator?.onLine !== false,
  iconUrl: api.runtime.getURL("icons/icon-128.png"),
});

api.downloads.onChanged.addListener((delta) => rescuer.onChanged(delta));
api.downloads.onCreated.addListener((item) => rescuer.onCreated(item));
api.alarms.onAlarm.addListener((alarm) => rescuer.onAlarm(alarm));
api.runtime.onStartup.addListener(() => log.info("browser started"));
api.runtime.onInstalled.addListener((details) => log.info(`installed (${details?.reason})`));
api.notifications.onClicked.addListener((id) => rescuer.onNotificationClicked(id));
api.notifications.onButtonClicked?.addListener((id, button) => rescuer.onNotificationClicked(id, button));
// the server's answers (status, Retry-After), only once the user granted webRequest (popup)
rescuer.signals.start();
api.permissions?.onAdded?.addListener(() => rescuer.onPermissionsChanged());
api.permissions?.onRemoved?.addListener(() => rescuer.onPermissionsChanged());
globalThis.addEventListener?.("online", () => rescuer.onOnline());

api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (typeof msg?.type !== "string" || !msg.type.startsWith("dlrescue:")) return false;
  if (sender?.id !== api.runtime.id) return false;
  handleCommand(msg, { rescuer, port, log, meta }).then(sendResponse, (e) => {
    log.error(`command ${msg.type} failed`, e?.stack ?? String(e));
    sendResponse({ ok: false, error: { code: "internal", message: String(e?.message ?? e) } });
  });
  return true; // the response comes asynchronously
});

globalThis.dlrescue = { api, log, meta, port, rescuer, debug: () => ({ meta, ...rescuer.debugState(), log: log.lines() }) };

log.info(`background started: ${meta.browser}, lang ${meta.lang}, version ${meta.version}`);
rescuer.start("worker start");
