// A console logger that also keeps the last lines in memory, so the popup's debug view and
// the end-to-end tests can read what the background did (runtime message "dlrescue:debug").

export function createLog({ sink = console, max = 300, now = () => Date.now(), prefix = "[dlrescue]" } = {}) {
  const lines = [];
  function write(level, args) {
    const text = args.map((a) => (typeof a === "string" ? a : safeJson(a))).join(" ");
    lines.push({ at: new Date(now()).toISOString(), level, text });
    if (lines.length > max) lines.splice(0, lines.length - max);
    const fn = sink[level] ?? sink.log;
    fn.call(sink, prefix, ...args);
  }
  return {
    info: (...a) => write("info", a),
    warn: (...a) => write("warn", a),
    error: (...a) => write("error", a),
    lines: () => lines.slice(),
  };
}

function safeJson(value) {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
