"use strict";
// A node-opcua server playing the plant for tests/cli/opcua_live_test.py:
//   node opcua_plant.js SOURCE_DIR PORT PKI_DIR
// It serves ns=1;s=Press2.{Temperature,Running,Count,Label} on 127.0.0.1:PORT (the bridge's own
// test plant, bridge/opcua/test_support/helpers.js), prints "ready" and then obeys one command a
// line on stdin, answering "ok" to each:
//   set NAME VALUE         a Good value (Temperature, Count: numbers; Label: text)
//   bad NAME               the same value with the status Bad
// It stops at "quit" or at the end of stdin.
const path = require("node:path");
const readline = require("node:readline");

const [source, port, pki] = process.argv.slice(2);
const bridgeDir = path.join(source, "bridge", "opcua");
const { startPlantServer } = require(path.join(bridgeDir, "test_support", "helpers.js"));
const opcua = require(path.join(bridgeDir, "node_modules", "node-opcua"));

async function main() {
  const plant = await startPlantServer(Number(port), pki);
  const last = { Temperature: 20, Count: 0, Label: "idle", Running: false };
  process.stdout.write("ready\n");
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    const [cmd, name, value] = line.trim().split(/\s+/);
    if (cmd === "quit") break;
    if (cmd === "set") {
      last[name] = name === "Label" ? value : Number(value);
      plant.set(name, last[name]);
    } else if (cmd === "bad") {
      plant.set(name, last[name], { status: opcua.StatusCodes.Bad });
    }
    process.stdout.write("ok\n");
  }
  await plant.stop();
  process.exit(0);
}

setTimeout(() => process.exit(3), 120000).unref();  // never outlive a stuck test
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
