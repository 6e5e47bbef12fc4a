"use strict";
require("../lib/compat");  // before node-opcua: globalThis.crypto on Node 18
// The client side: a node-opcua server plays the plant on a free loopback port and the bridge
// forwards its data changes as value lines; the plant server goes away and comes back.

const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const { BridgeProcess, startPlantServer, freePort, scratchDir, sleep } = require("../test_support/helpers");

const dir = scratchDir("subscribe");
const pki = path.join(dir, "pki");

const isValue = (target) => (f) => f[0] === "value" && f[1] === target;
const isStatus = (endpoint, state) => (f) => f[0] === "status" && f[1] === endpoint && f[2] === state;

test("values of the plant's nodes arrive as value lines with the target, the number and the source time", async (t) => {
  const port = await freePort();
  const endpoint = `opc.tcp://127.0.0.1:${port}`;
  const plant = await startPlantServer(port, path.join(pki, "plant"));
  t.after(() => plant.stop());
  const bridge = BridgeProcess.start({
    serve: null,
    pki_dir: path.join(pki, "bridge"),
    subscribe: [
      { endpoint, node: "ns=1;s=Press2.Temperature", target: "press2.temperature", sampling_ms: 0 },
      { endpoint, node: "ns=1;s=Press2.Running", target: "press2.running", sampling_ms: 0 },
      { endpoint, node: "ns=1;s=Press2.Count", target: "press2.count", sampling_ms: 0 },
    ],
  }, dir);
  t.after(() => bridge.kill());

  assert.deepEqual(bridge.lines()[0] ?? (await bridge.waitFor(() => true, 30000), bridge.lines()[0]), ["ready", "-"]);
  await bridge.waitFor(isStatus(endpoint, "connected"), 30000);
  // The initial values come first (20, false, 0); then the changes, each with its source time.
  await bridge.waitFor(isValue("press2.temperature"), 10000);
  await bridge.waitFor(isValue("press2.running"), 10000);
  const base = Date.UTC(2026, 0, 1, 6, 0, 0, 123);
  const changes = [21.5, -0.25, 1e-7, 123456.78901234567, 0.1 + 0.2];
  let from = bridge.out.length;
  for (let k = 0; k < changes.length; k++) {
    plant.set("Temperature", changes[k], { sourceTime: new Date(base + k * 1000) });
    from = (await bridge.waitFor((f) => isValue("press2.temperature")(f) && f[3] === ((base + k * 1000) / 1000).toFixed(3), 10000, from)) + 1;
  }
  const temps = bridge.lines().filter(isValue("press2.temperature")).slice(-changes.length);
  assert.deepEqual(temps.map((f) => f[2]), ["21.5", "-0.25", "9.9999999999999995e-08", "123456.78901234567", "0.30000000000000004"]);
  assert.deepEqual(temps.map((f) => f[3]), ["1767247200.123", "1767247201.123", "1767247202.123", "1767247203.123", "1767247204.123"]);
  for (const f of temps) assert.equal(Number(f[2]), changes[temps.indexOf(f)], "17 significant digits give the double back");

  // Booleans and integers are numbers; a bad status is nan.
  plant.set("Running", true, { sourceTime: new Date(base) });
  await bridge.waitFor((f) => isValue("press2.running")(f) && f[2] === "1", 10000);
  plant.set("Count", 42, { sourceTime: new Date(base) });
  await bridge.waitFor((f) => isValue("press2.count")(f) && f[2] === "42", 10000);
  const { StatusCodes } = require("node-opcua");
  plant.set("Temperature", 99, { status: StatusCodes.BadSensorFailure, sourceTime: new Date(base + 9000) });
  await bridge.waitFor((f) => isValue("press2.temperature")(f) && f[2] === "nan" && f[3] === "1767247209.123", 10000);

  assert.deepEqual(await bridge.close(), { code: 0, signal: null });
  assert.equal(bridge.lines().filter((f) => f[0] === "warning" || f[0] === "error").length, 0, bridge.out.join("\n"));
});

test("a node that does not exist and a value that is not a number give warnings, and the bridge goes on", async (t) => {
  const port = await freePort();
  const endpoint = `opc.tcp://127.0.0.1:${port}`;
  const plant = await startPlantServer(port, path.join(pki, "plant"));
  t.after(() => plant.stop());
  const bridge = BridgeProcess.start({
    serve: null,
    pki_dir: path.join(pki, "bridge"),
    subscribe: [
      { endpoint, node: "ns=1;s=Press2.NoSuchThing", target: "press2.ghost", sampling_ms: 0 },
      { endpoint, node: "ns=1;s=Press2.Label", target: "press2.label", sampling_ms: 0 },
      { endpoint, node: "ns=1;s=Press2.Temperature", target: "press2.temperature", sampling_ms: 0 },
    ],
  }, dir);
  t.after(() => bridge.kill());

  const ghost = await bridge.waitFor((f) => f[0] === "warning" && f[1].includes("ns=1;s=Press2.NoSuchThing"), 30000);
  assert.equal(bridge.out[ghost], `warning\t${endpoint}: node ns=1;s=Press2.NoSuchThing (target press2.ghost): BadNodeIdUnknown (0x80340000); it sends no values`);
  const label = await bridge.waitFor((f) => f[0] === "warning" && f[1].includes("press2.label"), 10000);
  assert.equal(bridge.out[label], `warning\t${endpoint}: node ns=1;s=Press2.Label (target press2.label): a String is not a number; skipped until a number arrives`);
  // The string changes again: no second warning. The temperature still arrives.
  plant.set("Label", "busy");
  const from = bridge.out.length;
  plant.set("Temperature", 55.5);
  await bridge.waitFor((f) => isValue("press2.temperature")(f) && f[2] === "55.5", 10000, from);
  await sleep(300);
  assert.equal(bridge.lines().filter((f) => f[0] === "warning").length, 2, bridge.out.join("\n"));
  assert.equal(bridge.lines().filter((f) => f[0] === "value" && (f[1] === "press2.ghost" || f[1] === "press2.label")).length, 0);
  assert.deepEqual(await bridge.close(), { code: 0, signal: null });
});

test("the plant server stopped and restarted gives status lines, and values resume", async (t) => {
  const port = await freePort();
  const endpoint = `opc.tcp://127.0.0.1:${port}`;
  let plant = await startPlantServer(port, path.join(pki, "plant"));
  t.after(() => plant.stop());
  const bridge = BridgeProcess.start({
    serve: null,
    pki_dir: path.join(pki, "bridge"),
    subscribe: [{ endpoint, node: "ns=1;s=Press2.Temperature", target: "press2.temperature", sampling_ms: 50 }],
  }, dir);
  t.after(() => bridge.kill());
  await bridge.waitFor(isStatus(endpoint, "connected"), 30000);
  plant.set("Temperature", 30);
  await bridge.waitFor((f) => isValue("press2.temperature")(f) && f[2] === "30", 10000);

  await plant.stop();
  const lost = await bridge.waitFor((f) => f[0] === "status" && f[2] !== "connected", 30000);
  await bridge.waitFor(isStatus(endpoint, "reconnecting"), 30000, lost);
  await sleep(1000);  // a few attempts fail against a closed port
  plant = await startPlantServer(port, path.join(pki, "plant"));
  const back = await bridge.waitFor(isStatus(endpoint, "connected"), 60000, lost);
  // The new server starts at 20; its changes reach the bridge through the restored subscription.
  for (let k = 1; k <= 3; k++) {
    plant.set("Temperature", 40 + k);
    await bridge.waitFor((f) => isValue("press2.temperature")(f) && f[2] === String(40 + k), 30000, back);
  }
  const states = bridge.lines().filter((f) => f[0] === "status").map((f) => f[2]);
  assert.deepEqual(states[0], "connected");
  assert.ok(states.indexOf("reconnecting") > 0 && states.lastIndexOf("connected") > states.indexOf("reconnecting"), states.join(" "));
  assert.deepEqual(await bridge.close(), { code: 0, signal: null });
});

test("a plant server that is not there yet is retried until it comes", async (t) => {
  const port = await freePort();
  const endpoint = `opc.tcp://127.0.0.1:${port}`;
  const bridge = BridgeProcess.start({
    serve: null,
    pki_dir: path.join(pki, "bridge"),
    subscribe: [{ endpoint, node: "ns=1;s=Press2.Temperature", target: "t", sampling_ms: 100 }],
  }, dir);
  t.after(() => bridge.kill());
  const first = await bridge.waitFor((f) => f[0] === "status", 30000);
  assert.equal(bridge.lines()[first][2], "reconnecting");
  const plant = await startPlantServer(port, path.join(pki, "plant"));
  t.after(() => plant.stop());
  await bridge.waitFor(isStatus(endpoint, "connected"), 30000);
  await bridge.waitFor((f) => isValue("t")(f) && f[2] === "20", 10000);
  assert.deepEqual(await bridge.close(), { code: 0, signal: null });
});
