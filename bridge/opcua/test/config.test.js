"use strict";
// A bad CONFIG: one line "error<TAB>FILE:LINE:COLUMN: KEY PATH: what is wrong" and exit code 2,
// before node-opcua is even loaded.

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { BridgeProcess, scratchDir } = require("../test_support/helpers");

const dir = scratchDir("config");

const sub = (fields) => JSON.stringify({ serve: null, subscribe: [{ endpoint: "opc.tcp://127.0.0.1:48400", node: "ns=1;s=X", target: "x", ...fields }] });

// [what is wrong, CONFIG text, the error after "FILE:"]
const cases = [
  ["sampling_ms not a number", sub({ sampling_ms: "fast" }),
   '1:113: subscribe[0].sampling_ms: expected milliseconds from 0 (as fast as the server can) to 3600000, got "fast"'],
  ["sampling_ms negative", sub({ sampling_ms: -5 }),
   "1:113: subscribe[0].sampling_ms: expected milliseconds from 0 (as fast as the server can) to 3600000, got -5"],
  ["a port out of range", '{"serve": {"host": "127.0.0.1", "port": 70000}}',
   "1:41: serve.port: expected a TCP port, an integer from 0 (any free port) to 65535, got 70000"],
  ["a port that is not an integer", '{"serve": {"host": "127.0.0.1", "port": 48.5}}',
   "1:41: serve.port: expected a TCP port, an integer from 0 (any free port) to 65535, got 48.5"],
  ["a missing port", '{"serve": {"host": "127.0.0.1"}}', '1:11: serve: missing key "port"'],
  ["a misspelt key", '{"serve": {"host": "127.0.0.1", "port": 4840, "nmae": "x"}}',
   "1:47: serve.nmae: unknown key (expected one of: host, port, name, epoch_s)"],
  ["an unknown top-level key", '{"serve": null, "subscribes": []}',
   "1:17: subscribes: unknown key (expected one of: serve, subscribe, pki_dir)"],
  ["serve not an object", '{"serve": 5}', "1:11: serve: expected an object (host, port, name) or null, got 5"],
  ["a host with a space", '{"serve": {"host": "my host", "port": 1}}',
   '1:20: serve.host: expected a host name or IP address, got "my host"'],
  ["a name that is not text", '{"serve": {"host": "127.0.0.1", "port": 4840, "name": 7}}',
   "1:55: serve.name: expected a non-empty string, got 7"],
  ["a negative epoch", '{"serve": {"host": "127.0.0.1", "port": 4840, "epoch_s": -1}}',
   "1:58: serve.epoch_s: expected Unix seconds (a number from 0 to 253402300799) or null, got -1"],
  ["an array at the top", "[]", '1:1: expected an object with "serve" and "subscribe", got an array'],
  ["subscribe not an array", '{"serve": null, "subscribe": {}}', "1:30: subscribe: expected an array, got an object"],
  ["a subscription that is not an object", '{"serve": null, "subscribe": [3]}',
   "1:31: subscribe[0]: expected an object (endpoint, node, target, sampling_ms), got 3"],
  ["an endpoint that is not opc.tcp", sub({ endpoint: "http://x" }),
   '1:40: subscribe[0].endpoint: expected an OPC UA endpoint such as "opc.tcp://127.0.0.1:4840", got "http://x"'],
  ["an endpoint port out of range", sub({ endpoint: "opc.tcp://h:99999" }),
   '1:40: subscribe[0].endpoint: expected an OPC UA endpoint such as "opc.tcp://127.0.0.1:4840", got "opc.tcp://h:99999"'],
  ["a node id that is none", sub({ node: "Press2.Temperature" }),
   '1:75: subscribe[0].node: expected an OPC UA node id such as "ns=1;s=Press2.Temperature" or "i=2258", got "Press2.Temperature"'],
  ["an empty string node id", sub({ node: "ns=1;s=" }),
   '1:75: subscribe[0].node: expected an OPC UA node id such as "ns=1;s=Press2.Temperature" or "i=2258", got "ns=1;s="'],
  ["an empty target", '{"serve": null,\n "subscribe": [\n   {"endpoint": "opc.tcp://h:1", "node": "i=1", "target": ""}]}',
   '3:59: subscribe[0].target: expected a non-empty string, got ""'],
  ["a missing target", '{"serve": null, "subscribe": [{"endpoint": "opc.tcp://h:1", "node": "i=1"}]}',
   '1:31: subscribe[0]: missing key "target"'],
  ["a target fed twice",
   '{"subscribe": [{"endpoint": "opc.tcp://h:1", "node": "i=1", "target": "x"}, {"endpoint": "opc.tcp://h:1", "node": "i=2", "target": "x"}]}',
   '1:132: subscribe[1].target: "x" is already the target of subscribe[0]'],
  ["an empty pki_dir", '{"pki_dir": ""}', '1:13: pki_dir: expected a non-empty string, got ""'],
  ["a JSON syntax error", '{"serve": null,\n  "subscribe": [,]}', '2:17: not valid JSON: expected a value, got ","'],
  ["a JSON file cut short", '{"serve": null', '1:15: not valid JSON: expected "," or "}", got the end of the file'],
  ["text after the JSON value", '{"serve": null} x', '1:17: not valid JSON: unexpected text after the end of the JSON value: "x"'],
  ["a key given twice", '{"serve": null, "serve": null}', '1:17: not valid JSON: the key "serve" appears twice'],
  ["an empty file", "", "1:1: not valid JSON: expected a value, got the end of the file"],
];

for (const [what, text, expected] of cases) {
  test(`a CONFIG with ${what} is refused with its place and key path, exit code 2`, async () => {
    const bridge = BridgeProcess.start(text, dir);
    const { code } = await bridge.waitExit(20000);
    assert.equal(code, 2);
    assert.deepEqual(bridge.out, [`error\t${bridge.child.spawnargs[2]}:${expected}`]);
  });
}

test("no CONFIG argument, or one that cannot be read, is refused with exit code 2", async () => {
  const none = new BridgeProcess(null, []);
  assert.equal((await none.waitExit(20000)).code, 2);
  assert.deepEqual(none.out, ["error\tusage: node bridge.js CONFIG.json"]);
  const missing = path.join(dir, "no-such.json");
  const absent = new BridgeProcess(missing);
  assert.equal((await absent.waitExit(20000)).code, 2);
  assert.deepEqual(absent.out, [`error\t${missing}: cannot read the file: no such file`]);
  const folder = new BridgeProcess(dir);
  assert.equal((await folder.waitExit(20000)).code, 2);
  assert.match(folder.out.join("\n"), /^error\t.*: cannot read the file: EISDIR/);
});

test("a good CONFIG without serve says ready - and exits 0 when stdin closes", async () => {
  fs.mkdirSync(path.join(dir, "pki"), { recursive: true });
  const bridge = BridgeProcess.start({ serve: null, subscribe: [], pki_dir: path.join(dir, "pki") }, dir);
  await bridge.waitFor((f) => f[0] === "ready", 20000);
  assert.deepEqual(await bridge.close(), { code: 0, signal: null });
  assert.deepEqual(bridge.out, ["ready\t-"]);
});
