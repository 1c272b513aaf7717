// What the popup and the settings page share (popup.js, options.js): a message to the
// background that always answers, text whose `code` spans become <code> nodes, and the
// page's data-i18n texts. The API object comes as an argument, as everywhere.

/** A message to the background; a failure comes back as a reply with ok: false. */
export function sendTo(api, message) {
  return api.runtime.sendMessage(message).catch((e) => ({ ok: false, error: { code: "internal", message: String(e?.message ?? e) } }));
}

/** Text with `code` spans (commands in the fix sentences) as the node's children. */
export function codeText(node, text) {
  node.replaceChildren(...String(text ?? "").split("`").flatMap((part, i) => {
    if (!part) return [];
    if (!(i % 2)) return [document.createTextNode(part)];
    const code = document.createElement("code");
    code.textContent = part;
    return [code];
  }));
}

/** The page's language, and every [data-i18n] element's text in it. */
export function localizePage(t, lang) {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
}
