"use strict";
require("../lib/compat");  // before node-opcua: globalThis.crypto on Node 18
// plantwin's side of stdin read as hostile input: garbage, a 10 MB line, values lines with the
// wrong count, stdin closed in the middle of a frame. The bridge never crashes, keeps serving
// what was valid, counts what it skipped in one final warning line and exits 0 at the end.

const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const opcua = require("node-opcua");
const { BridgeProcess, scratchDir } = require("../test_support/helpers");

const dir = scratchDir("stdin");
const pki = path.join(dir, "pki");

async function readValue(url, nodeId) {
  const client = opcua.OPCUAClient.create({
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 3, initialDelay: 100, maxDelay: 500 },
    clientCertificateManager: new opcua.OPCUACertificateManager({ rootFolder: path.join(pki, "client"), automaticallyAcceptUnknownCertificate: true }),
  });
  await client.connect(url);
  try {
    const session = await client.createSession();
    const dv = await session.read({ nodeId, attributeId: opcua.AttributeIds.Value });
    await session.close();
    return dv;
  } finally {
    await client.disconnect();
  }
}

test("garbage, a 10 MB line and values lines with the wrong count are skipped and counted; exit 0 at the end of input", async (t) => {
  const bridge = BridgeProcess.start({ serve: { host: "127.0.0.1", port: 0, name: "twin", epoch_s: 0 }, pki_dir: pki }, dir);
  t.after(() => bridge.kill());
  await bridge.write("hello?\n\x00\x01\xff binary\n");  // 2 lines before the greeting
  await bridge.write([
    "PLANTWIN 1",
    "title T",
    "component press\tmachine\tnan\tnan\tnan",
    "component press\tmachine\tnan\tnan\tnan",  // a name taken
    "component broken\tmachine\tx\tnan\tnan",  // not a number
    "link press\tnowhere",  // an unknown component
    "signal \tC",  // an empty name
    "colour blue",  // an unknown key
    "signal press.temperature\tC",
    "signal press.count\tparts",
    "end",
  ].join("\n") + "\n");
  await bridge.waitFor((f) => f[0] === "ready", 60000);
  const url = bridge.lines()[0][1];
  await bridge.write("time 5\nstatus running\nvalues 50.5 3\nend\n");
  // A 10 MB line, written in pieces as a pipe delivers it.
  const piece = "x".repeat(1 << 20);
  for (let k = 0; k < 10; k++) await bridge.write(piece);
  await bridge.write("\n");
  await bridge.write([
    "time 6", "values 1 2 3", "values 1", "values 1 zwei", "values 1 0x10", "status paused", "time nan",
    "event 6\tpress\tfailure", "event x\tpress\tfailure", "\x1b[31mred", "end",
  ].join("\n") + "\n");
  await bridge.write("time 7\nstatus running\nvalues 70.25   4\nend\n");  // runs of spaces are one separator
  await bridge.write("time 8\nvalues 99 99\n");  // no "end": cut off by the end of input
  // The server still serves the last complete frame.
  const dv = await (async () => {
    for (let tries = 0; ; tries++) {
      const v = await readValue(url, "ns=1;s=press.temperature");
      if (v.value.value === 70.25 || tries > 50) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  assert.equal(dv.value.value, 70.25);
  assert.equal(dv.sourceTimestamp.getTime(), 7000);
  assert.deepEqual(await bridge.close(), { code: 0, signal: null });
  assert.deepEqual(bridge.out.slice(1), [
    "warning\tstdin: skipped 16 line(s): 2 line(s) before the greeting's first line \"PLANTWIN 1\", " +
      "5 malformed line(s) in the greeting, 1 line(s) longer than 4 MiB, 1 values line(s) with more values than signals, " +
      "1 values line(s) with fewer values than signals, 6 malformed line(s) in frames; a frame was cut off by the end of input",
  ]);
});

test("stdin closed in the middle of a line, before the greeting ended, or at once: exit 0 and nothing served", async (t) => {
  const cases = [
    ["PLANTWIN 1\ntitle T\nsignal a.b\tC\nend\ntime 1\nvalu", "stdin: skipped 1 line(s): 1 line(s) cut off by the end of input; a frame was cut off by the end of input"],
    ["PLANTWIN 1\ntitle T\nsignal a.b\tC\n", "stdin: the greeting was cut off by the end of input"],
    ["", null],
  ];
  for (const [input, warning] of cases) {
    const bridge = BridgeProcess.start({ serve: null, pki_dir: pki }, dir);
    t.after(() => bridge.kill());
    await bridge.write(input);
    assert.deepEqual(await bridge.close(), { code: 0, signal: null });
    assert.deepEqual(bridge.out, warning ? ["ready\t-", `warning\t${warning}`] : ["ready\t-"]);
  }
});

test("a server whose greeting never ends exits 0 at the end of input without saying ready", async (t) => {
  const bridge = BridgeProcess.start({ serve: { host: "127.0.0.1", port: 0, name: "twin" }, pki_dir: pki }, dir);
  t.after(() => bridge.kill());
  await bridge.write("PLANTWIN 1\ncomponent a\tb\tnan\tnan\tnan\n");
  assert.deepEqual(await bridge.close(), { code: 0, signal: null });
  assert.deepEqual(bridge.out, ["warning\tstdin: the greeting was cut off by the end of input"]);
});

test("the end of input while a plant server is unreachable still exits 0 within seconds, and so does SIGTERM", async (t) => {
  const { freePort } = require("../test_support/helpers");
  const port = await freePort();  // nobody listens there
  const config = { serve: null, pki_dir: pki, subscribe: [{ endpoint: `opc.tcp://127.0.0.1:${port}`, node: "i=2258", target: "clock" }] };
  for (const how of ["stdin closed", "SIGTERM"]) {
    const bridge = BridgeProcess.start(config, dir);
    t.after(() => bridge.kill());
    await bridge.waitFor((f) => f[0] === "status" && f[2] === "reconnecting", 30000);
    const before = Date.now();
    if (how === "SIGTERM") bridge.child.kill("SIGTERM");
    const exit = how === "SIGTERM" ? await bridge.waitExit(15000) : await bridge.close(15000);
    assert.deepEqual(exit, { code: 0, signal: null }, how);
    // The bridge gives its sessions 5 s to close; 10 s leaves room for a loaded machine.
    assert.ok(Date.now() - before < 10000, `${how}: exited after ${Date.now() - before} ms`);
  }
});
