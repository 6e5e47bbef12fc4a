#!/usr/bin/env node
"use strict";
require("./lib/compat");  // before node-opcua: globalThis.crypto on Node 18
// plantwin's OPC UA bridge: `node bridge.js CONFIG.json`. It subscribes to OPC UA nodes of the
// plant and forwards their values to plantwin, and serves the twin's signals as an OPC UA
// server, speaking lines on stdin and stdout (docs/opcua_bridge.md has the whole protocol).
//
// Exit codes: 0 when stdin closes (plantwin ended), 1 after a fatal "error" line, 2 for a bad
// CONFIG. stdout carries the protocol only: node-opcua's own log lines go to stderr.

for (const level of ["log", "info", "debug", "warn"]) console[level] = (...args) => console.error(...args);

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { formatNumber, escapeText, LineSplitter } = require("./lib/protocol");
const { ConfigError, loadConfig } = require("./lib/config");
const { TwinInput } = require("./lib/twin_input");

/// The longest the bridge takes to close its server and sessions at the end.
const kShutdownLimitMs = 5000;

let stdoutBroken = false;
function send(...fields) {
  if (stdoutBroken) return;
  process.stdout.write(fields.join("\t") + "\n");
}
process.stdout.on("error", () => {
  stdoutBroken = true;  // plantwin is gone; its stdin end follows
});

function usageOrConfig(text) {
  send("error", text);
  process.exit(2);
}

function fatal(text) {
  send("error", escapeText(text));
  process.exit(1);
}

function main() {
  if (process.argv.length !== 3) usageOrConfig("usage: node bridge.js CONFIG.json");
  const file = process.argv[2];
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    usageOrConfig(escapeText(`${file}: cannot read the file: ${e.code === "ENOENT" ? "no such file" : e.message}`));
  }
  let config;
  try {
    config = loadConfig(file, text, (id) => {
      const nodeId = require("node-opcua-nodeid").resolveNodeId(id);
      if (nodeId.value === "") throw new Error("an empty string id");
      return nodeId;
    });
  } catch (e) {
    if (e instanceof ConfigError) usageOrConfig(escapeText(e.message));
    throw e;
  }
  // node-opcua takes a second to load: only once the CONFIG is known to be good.
  const opcua = require("node-opcua");
  const { TwinServer } = require("./lib/twin_server");
  const { connectionsFor } = require("./lib/plant_client");

  const pkiDir = config.pki_dir ||
    path.join(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), ".config"), "plantwin", "opcua-pki");
  const warn = (t) => send("warning", escapeText(t));
  const report = {
    value: (target, number, timeMs) => send("value", escapeText(target), formatNumber(number), (timeMs / 1000).toFixed(3)),
    status: (endpoint, state, detail) => send("status", escapeText(endpoint), state, escapeText(detail)),
    warning: warn,
  };

  let server = null;
  let serverInitialized = null;  // a promise
  let connections = [];
  let pendingFrame = null;  // the last frame that came before the address space was built
  let built = false;
  let ending = false;

  const startClients = () => {
    if (ending || config.subscribe.length === 0) return;
    const certificateManager = new opcua.OPCUACertificateManager({
      rootFolder: path.join(pkiDir, "client"),
      automaticallyAcceptUnknownCertificate: true,
    });
    connections = connectionsFor(config.subscribe, certificateManager, report);
    for (const c of connections) c.start();
  };

  if (config.serve) {
    server = new TwinServer(config.serve, pkiDir, warn);
    serverInitialized = server.initialize().catch((e) => fatal(`OPC UA server: cannot start: ${e.message}`));
  } else {
    send("ready", "-");
    startClients();
  }

  const onGreeting = async (greeting) => {
    if (!server) return;
    await serverInitialized;
    if (ending) return;
    server.build(greeting);
    built = true;
    if (pendingFrame) server.applyFrame(pendingFrame);
    pendingFrame = null;
    let url;
    try {
      url = await server.start();
    } catch (e) {
      const where = `${config.serve.host}:${config.serve.port}`;
      fatal(`OPC UA server: cannot listen on ${where}: ${e.message}`);
    }
    if (ending) return;
    send("ready", escapeText(url));
    startClients();
  };

  const input = new TwinInput({
    onGreeting: (g) => onGreeting(g).catch((e) => fatal(`OPC UA server: ${e.stack || e.message}`)),
    onFrame: (frame) => {
      if (!server) return;
      if (built) server.applyFrame(frame);
      else pendingFrame = frame;
    },
    onFatal: fatal,
  });
  const splitter = new LineSplitter((line) => input.line(line), () => input.overlongLine());

  const shutdown = async () => {
    if (ending) return;
    ending = true;
    input.end(splitter.finish());
    const problems = input.problems();
    if (problems) warn(problems);
    setTimeout(() => process.exit(0), kShutdownLimitMs).unref();
    await Promise.allSettled(connections.map((c) => c.stop()));
    if (server) {
      await serverInitialized;
      await server.shutdown().catch(() => {});
    }
    process.exit(0);
  };

  process.stdin.on("data", (chunk) => {
    if (!ending) splitter.push(chunk);
  });
  process.stdin.on("end", shutdown);
  process.stdin.on("error", shutdown);
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

process.on("uncaughtException", (e) => fatal(`internal error: ${e.stack || e.message}`));
process.on("unhandledRejection", (e) => console.error("bridge: unhandled rejection:", e));
main();
