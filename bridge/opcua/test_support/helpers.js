"use strict";
// What the bridge's tests share: a bridge process with its stdout read line by line, a
// node-opcua server playing the plant, free loopback ports and scratch folders. Every wait is
// bounded in time; every server and process a test starts is stopped by the test.

// Node 18 (Debian 12) lacks globalThis.crypto in CommonJS: node-opcua needs it before it loads.
require("../lib/compat");

const { spawn } = require("node:child_process");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");

const kBridge = path.join(__dirname, "..", "bridge.js");

for (const level of ["log", "info", "debug", "warn"]) console[level] = (...args) => console.error(...args);

/// A scratch folder, removed when the process exits.
function scratchDir(tag) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `plantwin-opcua-${tag}-`));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/// A running `node bridge.js CONFIG`: lines() is what it wrote on stdout so far (split at tabs),
/// waitFor(pred, ms) the first line (from `from` on) that pred accepts, exited a promise of
/// {code, signal}.
class BridgeProcess {
  constructor(configPath, args = [configPath]) {
    this.started = process.hrtime.bigint();
    this.child = spawn(process.execPath, [kBridge, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    this.out = [];
    this.stamps = [];  // hrtime (ns) when each line arrived
    this.stderr = "";
    this.waiters = [];
    let pending = "";
    this.child.stdout.setEncoding("utf8");
    this.child.stdout.on("data", (chunk) => {
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf("\n")) >= 0) {
        this.out.push(pending.slice(0, nl));
        this.stamps.push(process.hrtime.bigint());
        pending = pending.slice(nl + 1);
      }
      this.wake();
    });
    this.child.stderr.setEncoding("utf8");
    this.child.stderr.on("data", (chunk) => {
      if (this.stderr.length < 1 << 20) this.stderr += chunk;
    });
    this.child.stdin.on("error", () => {});  // the bridge may be gone when a test writes
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => {
      this.done = true;
      if (process.env.BRIDGE_TEST_VERBOSE) console.error(`bridge stdout (exit ${code}):\n${this.out.join("\n")}`);
      resolve({ code, signal });
      this.wake();
    }));
  }

  static start(config, dir) {
    const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, typeof config === "string" ? config : JSON.stringify(config, null, 2));
    return new BridgeProcess(file);
  }

  lines() {
    return this.out.map((l) => l.split("\t"));
  }

  wake() {
    for (const w of this.waiters.slice()) w();
  }

  /// The index of the first stdout line at or after `from` that pred(fields) accepts; rejects
  /// after ms, or when the bridge exits first, with what it wrote.
  waitFor(pred, ms, from = 0) {
    return new Promise((resolve, reject) => {
      let timer = null;
      const check = () => {
        for (let k = from; k < this.out.length; k++) {
          if (pred(this.out[k].split("\t"))) {
            finish();
            resolve(k);
            return true;
          }
        }
        if (this.done) {
          finish();
          reject(new Error(`the bridge exited before the line we wait for; stdout:\n${this.out.join("\n")}\nstderr:\n${this.stderr.slice(-4000)}`));
          return true;
        }
        return false;
      };
      const finish = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      if (check()) return;
      this.waiters.push(check);
      timer = setTimeout(() => {
        finish();
        reject(new Error(`no such line within ${ms} ms; stdout so far:\n${this.out.join("\n")}\nstderr:\n${this.stderr.slice(-4000)}`));
      }, ms);
    });
  }

  write(text) {
    return new Promise((resolve) => this.child.stdin.write(text, resolve));
  }

  /// Closes stdin (plantwin ended) and waits at most ms for the exit.
  async close(ms = 15000) {
    this.child.stdin.end();
    return this.waitExit(ms);
  }

  async waitExit(ms = 15000) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the bridge did not exit within ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill() {
    if (!this.done) this.child.kill("SIGKILL");
  }
}

/// A node-opcua server playing the plant on 127.0.0.1:port, with the variables
/// ns=1;s=Press2.Temperature (Double), ns=1;s=Press2.Running (Boolean), ns=1;s=Press2.Count
/// (Int32) and ns=1;s=Press2.Label (String). set(name, value, {status, sourceTime}) changes one.
async function startPlantServer(port, pkiDir) {
  const opcua = require("node-opcua");
  const server = new opcua.OPCUAServer({
    host: "127.0.0.1",
    hostname: "127.0.0.1",
    port,
    serverCertificateManager: new opcua.OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: true }),
    userCertificateManager: new opcua.OPCUACertificateManager({ rootFolder: path.join(pkiDir, "user"), automaticallyAcceptUnknownCertificate: true }),
    securityModes: [opcua.MessageSecurityMode.None],
    securityPolicies: [opcua.SecurityPolicy.None],
    allowAnonymous: true,
    registerServerMethod: opcua.RegisterServerMethod.HIDDEN,
    nodeset_filename: [opcua.nodesets.standard],
    buildInfo: { productName: "test plant" },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  const ns = addressSpace.getOwnNamespace();
  const press = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: "Press2" });
  const types = { Temperature: ["Double", 20], Running: ["Boolean", false], Count: ["Int32", 0], Label: ["String", "idle"] };
  const variables = {};
  for (const [name, [dataType, initial]] of Object.entries(types)) {
    variables[name] = ns.addVariable({
      componentOf: press,
      browseName: name,
      nodeId: `s=Press2.${name}`,
      dataType,
      minimumSamplingInterval: 0,
      value: new opcua.Variant({ dataType: opcua.DataType[dataType], value: initial }),
    });
  }
  await server.start();
  return {
    server,
    set(name, value, { status = opcua.StatusCodes.Good, sourceTime } = {}) {
      const dataType = opcua.DataType[types[name][0]];
      variables[name].setValueFromSource({ dataType, value }, status, sourceTime);
    },
    async stop() {
      await server.shutdown(0);
    },
  };
}

module.exports = { BridgeProcess, startPlantServer, freePort, scratchDir, sleep, kBridge };
