"use strict";
require("../lib/compat");  // before node-opcua: globalThis.crypto on Node 18
// The server side: the test plays plantwin, writing a greeting and frames on the bridge's
// stdin, and an OPC UA client browses the bridge's server and reads what it serves.

const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const opcua = require("node-opcua");
const { BridgeProcess, scratchDir } = require("../test_support/helpers");

const dir = scratchDir("serve");
const pki = path.join(dir, "pki");
const epoch_s = 1767225600;  // 2026-01-01T00:00:00Z is simulated time 0

const greeting = [
  "PLANTWIN 1",
  "title Press shop",
  "component press2\tmachine\t1\t2\tnan",
  "component wip\tbuffer\tnan\tnan\t8",
  "link wip\tpress2",
  "signal press2.temperature\tC",
  "signal press2.power\tkW",
  "signal wip.level\tparts",
  "signal line.throughput\tparts/h",
  "signal press2.odd\\tname\t",
  "end",
].join("\n") + "\n";

function frame(time, status, values, events = []) {
  return [`time ${time}`, `status ${status}`, `values ${values.join(" ")}`, ...events, "end"].join("\n") + "\n";
}

async function connect(url, t) {
  const client = opcua.OPCUAClient.create({
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 3, initialDelay: 100, maxDelay: 500 },
    clientCertificateManager: new opcua.OPCUACertificateManager({ rootFolder: path.join(pki, "client"), automaticallyAcceptUnknownCertificate: true }),
  });
  await client.connect(url);
  const session = await client.createSession();
  t.after(async () => {
    await session.close().catch(() => {});
    await client.disconnect().catch(() => {});
  });
  return session;
}

async function children(session, nodeId) {
  const result = await session.browse({
    nodeId,
    browseDirection: opcua.BrowseDirection.Forward,
    referenceTypeId: "HierarchicalReferences",
    includeSubtypes: true,
    resultMask: 63,
  });
  assert.equal(result.statusCode.value, 0, result.statusCode.toString());
  return new Map(result.references.map((r) => [r.browseName.name, r]));
}

async function waitForValue(session, nodeId, pred, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const dv = await session.read({ nodeId, attributeId: opcua.AttributeIds.Value });
    if (pred(dv)) return dv;
    if (Date.now() > deadline) assert.fail(`${nodeId}: still ${dv.toString()} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("an OPC UA client browses one object per component and one variable per signal, with values, units and timestamps", async (t) => {
  const bridge = BridgeProcess.start({ serve: { host: "127.0.0.1", port: 0, name: "press shop twin", epoch_s }, subscribe: [], pki_dir: pki }, dir);
  t.after(() => bridge.kill());
  await bridge.write(greeting);
  await bridge.write(frame(0, "running", [20, 0, 3, "nan", 1]));
  const ready = await bridge.waitFor((f) => f[0] === "ready", 60000);
  assert.equal(ready, 0, "ready is the first line");
  const url = bridge.lines()[0][1];
  assert.match(url, /^opc\.tcp:\/\/127\.0\.0\.1:[0-9]+\/plantwin$/);
  await bridge.write(frame(90.5, "running", [81.25, 12.5, 7, 417.6, "-0"]));

  const session = await connect(url, t);
  const objects = await children(session, "ObjectsFolder");
  for (const name of ["press2", "wip", "plant", "Server"]) assert.ok(objects.has(name), `Objects has ${name}: ${[...objects.keys()]}`);
  assert.equal(objects.get("press2").nodeId.toString(), "ns=1;s=press2");
  assert.equal(objects.get("press2").nodeClass, opcua.NodeClass.Object);

  const press2 = await children(session, "ns=1;s=press2");
  assert.deepEqual([...press2.keys()].sort(), ["odd\tname", "power", "temperature"]);
  assert.equal(press2.get("temperature").nodeId.toString(), "ns=1;s=press2.temperature");
  assert.deepEqual([...(await children(session, "ns=1;s=wip")).keys()], ["level"]);
  // A signal whose prefix is no component goes under "plant", with the bridge's clock.
  assert.deepEqual([...(await children(session, "ns=1;s=plant")).keys()].sort(), ["line.throughput", "status", "time"]);

  const temperature = await waitForValue(session, "ns=1;s=press2.temperature", (dv) => dv.value.value === 81.25, 10000);
  assert.equal(temperature.value.dataType, opcua.DataType.Double);
  assert.equal(temperature.statusCode.value, 0);
  assert.equal(temperature.sourceTimestamp.getTime(), (epoch_s + 90.5) * 1000);
  const expect = { "ns=1;s=press2.power": 12.5, "ns=1;s=wip.level": 7, "ns=1;s=line.throughput": 417.6, "ns=1;s=plant.time": 90.5 };
  for (const [nodeId, value] of Object.entries(expect)) {
    const dv = await session.read({ nodeId, attributeId: opcua.AttributeIds.Value });
    assert.equal(dv.value.value, value, nodeId);
    assert.equal(dv.sourceTimestamp.getTime(), (epoch_s + 90.5) * 1000, nodeId);
  }
  const odd = await session.read({ nodeId: "ns=1;s=press2.odd\tname", attributeId: opcua.AttributeIds.Value });
  assert.ok(Object.is(odd.value.value, -0), "-0 arrives as -0");
  const status = await session.read({ nodeId: "ns=1;s=plant.status", attributeId: opcua.AttributeIds.Value });
  assert.equal(status.value.value, "running");

  // EngineeringUnits from the signal's unit: UNECE codes where plantwin's unit has one.
  const units = async (nodeId) => {
    const refs = await children(session, nodeId);
    if (!refs.has("EngineeringUnits")) return null;
    const dv = await session.read({ nodeId: refs.get("EngineeringUnits").nodeId, attributeId: opcua.AttributeIds.Value });
    return dv.value.value;
  };
  const celsius = await units("ns=1;s=press2.temperature");
  assert.equal(celsius.displayName.text, "°C");
  assert.equal(celsius.unitId, 0x43454c);  // "CEL"
  assert.equal(celsius.namespaceUri, "http://www.opcfoundation.org/UA/units/un/cefact");
  assert.equal((await units("ns=1;s=press2.power")).displayName.text, "kW");
  assert.equal((await units("ns=1;s=plant.time")).displayName.text, "s");
  const perHour = await units("ns=1;s=line.throughput");
  assert.deepEqual([perHour.displayName.text, perHour.unitId], ["parts/h", -1]);
  assert.equal(await units("ns=1;s=press2.odd\tname"), null, "no unit, no EngineeringUnits");

  // Read-only: a write is refused.
  const written = await session.write({
    nodeId: "ns=1;s=press2.temperature",
    attributeId: opcua.AttributeIds.Value,
    value: { value: { dataType: opcua.DataType.Double, value: 1 } },
  });
  assert.equal(written.name, "BadNotWritable");

  // A value that did not change keeps the SourceTimestamp of the frame that last changed it.
  await bridge.write(frame(95, "running", [81.25, 13, 7, 417.6, "-0"]));
  const power = await waitForValue(session, "ns=1;s=press2.power", (dv) => dv.value.value === 13, 10000);
  assert.equal(power.sourceTimestamp.getTime(), (epoch_s + 95) * 1000);
  const same = await session.read({ nodeId: "ns=1;s=press2.temperature", attributeId: opcua.AttributeIds.Value });
  assert.equal(same.sourceTimestamp.getTime(), (epoch_s + 90.5) * 1000);

  // The last frame says the run is complete; the frame without a values line keeps the values.
  await bridge.write("time 100\nstatus complete\nend\n");
  await waitForValue(session, "ns=1;s=plant.status", (dv) => dv.value.value === "complete", 10000);
  const time = await session.read({ nodeId: "ns=1;s=plant.time", attributeId: opcua.AttributeIds.Value });
  assert.equal(time.value.value, 100);
  const kept = await session.read({ nodeId: "ns=1;s=press2.temperature", attributeId: opcua.AttributeIds.Value });
  assert.equal(kept.value.value, 81.25);

  assert.deepEqual(await bridge.close(), { code: 0, signal: null });
  assert.deepEqual(bridge.lines().filter((f) => f[0] !== "ready"), []);
});

test("a subscribing client gets each frame's values as data changes", async (t) => {
  const bridge = BridgeProcess.start({ serve: { host: "127.0.0.1", port: 0, name: "twin" }, pki_dir: pki }, dir);
  t.after(() => bridge.kill());
  await bridge.write("PLANTWIN 1\ntitle t\ncomponent oven\tthermal\tnan\tnan\tnan\nsignal oven.temperature\tC\nend\n");
  await bridge.waitFor((f) => f[0] === "ready", 60000);
  const session = await connect(bridge.lines()[0][1], t);
  const before = Date.now();
  const subscription = await session.createSubscription2({ requestedPublishingInterval: 50, publishingEnabled: true });
  const item = await subscription.monitor({ nodeId: "ns=1;s=oven.temperature", attributeId: opcua.AttributeIds.Value },
                                          { samplingInterval: 0, queueSize: 100, discardOldest: true }, opcua.TimestampsToReturn.Both);
  const seen = [];
  item.on("changed", (dv) => seen.push(dv));
  // Each frame once the client has seen the last, as a paced run pushes them: a client sees
  // changes at its sampling interval, so frames closer together than that would be coalesced to
  // the latest (and a fixed gap would not do on a loaded machine).
  const good = () => seen.filter((dv) => dv.statusCode.value === 0);
  for (let k = 0; k < 5; k++) {
    await bridge.write(frame(k * 10, "running", [100 + k]));
    const deadline = Date.now() + 15000;
    while (good().length < k + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(good().map((dv) => dv.value.value), [100, 101, 102, 103, 104]);
  // Without epoch_s, the first frame's simulated time is the wall clock when it arrived.
  const t0 = good()[0].sourceTimestamp.getTime();
  assert.ok(t0 >= before - 1 && t0 <= Date.now(), `${t0} in [${before}, ${Date.now()}]`);
  assert.deepEqual(good().map((dv) => dv.sourceTimestamp.getTime() - t0), [0, 10000, 20000, 30000, 40000]);
  await subscription.terminate();
  assert.deepEqual(await bridge.close(), { code: 0, signal: null });
});

test("a port already taken is a fatal error with exit code 1", async (t) => {
  const net = require("node:net");
  const blocker = net.createServer();
  await new Promise((r) => blocker.listen(0, "127.0.0.1", r));
  t.after(() => blocker.close());
  const port = blocker.address().port;
  const bridge = BridgeProcess.start({ serve: { host: "127.0.0.1", port, name: "twin" }, pki_dir: pki }, dir);
  t.after(() => bridge.kill());
  await bridge.write("PLANTWIN 1\nend\n");
  const { code } = await bridge.waitExit(60000);
  assert.equal(code, 1);
  assert.equal(bridge.out.length, 1, bridge.out.join("\n"));
  assert.match(bridge.out[0], new RegExp(`^error\tOPC UA server: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
});
