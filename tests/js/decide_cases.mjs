// Reads a JSON list of cases on stdin ({item, browser, earlier, reachable, server, jitter}),
// writes local_policy.decideAlone's decision for each as a JSON list on stdout.
// tests/test_policy_in_extension.py runs it and compares with the host's decide().

import { decideAlone } from "../../extension/modules/local_policy.js";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
process.stdout.write(JSON.stringify(JSON.parse(input).map((c) => decideAlone(c))));
