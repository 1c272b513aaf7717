import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import { errorDisposition } from "../../extension/modules/host_errors.js";

describe("what an error reply does to the queued message (PROTOCOL.md, Errors)", () => {
  test("store_unavailable is retried; refusals (invalid_reason, invalid_message, unknown) are dropped", () => {
    assert.equal(errorDisposition("store_unavailable"), "retry");
    for (const code of ["invalid_reason", "invalid_message", "invalid_json", "unknown_type", "too_large", "new_code"]) {
      assert.equal(errorDisposition(code), "drop", code);
    }
  });

  test("every error code PROTOCOL.md lists is handled as its table says (internal_error included)", () => {
    const doc = readFileSync(new URL("../../PROTOCOL.md", import.meta.url), "utf8");
    const errors = doc.split("\n## Errors\n")[1].split("\n## ")[0];
    const rows = [...errors.matchAll(/^\| `([a-z_]+)` \| .* \| ([^|]+) \|$/gm)];
    assert.ok(rows.length >= 7, "the error table was not found");
    for (const [, code, what] of rows) {
      const documented = what.startsWith("keep it queued") ? "retry" : "drop";
      assert.equal(errorDisposition(code), documented, code);
    }
  });
});
