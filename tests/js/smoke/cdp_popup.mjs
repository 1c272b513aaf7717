// Open popup.html as a tab in a running Chromium (DevTools port in argv), wait until it has
// rendered, screenshot it and print the background's debug state. Used by smoke.py.
//   node --experimental-websocket cdp_popup.mjs <devtools-port> <out.png>

import { writeFileSync } from "node:fs";

const [port, out] = process.argv.slice(2);
const CHROME_ID = "gjccldfdjgdpkjgmhcahflepmbmohjjc";

const version = await (await fetch(`http://127.0.0.1:${port}/json/version`)).json();
const ws = new WebSocket(version.webSocketDebuggerUrl);
await new Promise((r, j) => { ws.onopen = r; ws.onerror = j; });
let nextId = 1;
const waiting = new Map();
ws.onmessage = (e) => {
  const msg = JSON.parse(e.data);
  if (msg.id && waiting.has(msg.id)) {
    const { resolve, reject } = waiting.get(msg.id);
    waiting.delete(msg.id);
    if (msg.error) reject(new Error(JSON.stringify(msg.error)));
    else resolve(msg.result);
  }
};
function send(method, params = {}, sessionId) {
  const id = nextId++;
  ws.send(JSON.stringify({ id, method, params, sessionId }));
  return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
}

const { targetId } = await send("Target.createTarget", { url: `chrome-extension://${CHROME_ID}/popup.html` });
const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
await send("Emulation.setDeviceMetricsOverride", { width: 560, height: 640, deviceScaleFactor: 1, mobile: false }, sessionId);
const evaluate = async (expression) => (await send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true }, sessionId)).result.value;

for (let i = 0; i < 100; i += 1) {
  if (await evaluate("document.body?.dataset.ready === 'true'")) break;
  await new Promise((r) => setTimeout(r, 100));
}
await new Promise((r) => setTimeout(r, 300));
const shot = await send("Page.captureScreenshot", { format: "png" }, sessionId);
writeFileSync(out, Buffer.from(shot.data, "base64"));
const text = await evaluate("document.body.innerText");
const debug = await evaluate("chrome.runtime.sendMessage({type: 'dlrescue:debug'})");
console.log(JSON.stringify({ popupText: text, host: debug.host, outbox: debug.outbox.length, records: debug.records.map((r) => ({ id: r.id, status: r.status, outcome: r.outcome })), log: debug.log.map((l) => l.text) }, null, 1));
ws.close();
process.exit(0);
