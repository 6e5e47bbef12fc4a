#!/usr/bin/env node
"use strict";
// The OPC UA bridge's figures, printed and not asserted (run by hand after scripts/setup.sh):
//
//   node tests/bench/opcua_bridge_bench.js [--changes 1000] [--sampling-ms 0] [--gap-ms 100]
//                                          [--starts 5]
//
// 1. Start-up: from spawning `node bridge/opcua/bridge.js CONFIG` to its `ready` line, without
//    a server (ready -) and with one (a greeting of 20 components and 200 signals written at
//    once), median and max over --starts runs, plus the first run on an empty PKI folder (the
//    certificate is made then).
// 2. Latency: a node-opcua server in this process plays the plant; one Double variable changes
//    --changes times at random gaps, uniform within +-40 % of --gap-ms (so changes do not lock
//    to the server's timers); for each change, the time from setValueFromSource to the
//    bridge's `value` line arriving on this process's end of the pipe: p50, p99 and max, and
//    how many changes arrived. An OPC UA server samples: changes closer together than its
//    revised sampling interval (node-opcua: at least 50 ms, also for sampling_ms 0) are
//    coalesced to the last one, so gaps below that lose changes by design. The publishing
//    interval (node-opcua's fastest: 50 ms) adds up to its length to each change.
// 3. A large twin: --big signals (default 10000, under 100 components): the time to `ready`
//    (building the address space), then 50 frames in which every value changes, written at
//    once: the time until the bridge has applied them and exited, against the time it takes
//    to exit without frames.

const path = require("node:path");
const helpers = require("../../bridge/opcua/test_support/helpers");
const { BridgeProcess, startPlantServer, freePort, scratchDir, sleep } = helpers;

// The helpers send console.log to stderr (node-opcua logs there); the figures go to stdout.
const print = (text) => process.stdout.write(text + "\n");

function option(name, fallback) {
  const k = process.argv.indexOf(`--${name}`);
  return k > 0 ? Number(process.argv[k + 1]) : fallback;
}
const changes = option("changes", 1000);
const samplingMs = option("sampling-ms", 0);
const gapMs = option("gap-ms", 100);
const starts = option("starts", 5);
const big = option("big", 10000);

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
const ms = (ns) => Number(ns) / 1e6;

async function startup(dir, pki, serve) {
  const bridge = BridgeProcess.start({ serve: serve ? { host: "127.0.0.1", port: 0, name: "bench" } : null, pki_dir: pki }, dir);
  if (serve) {
    const lines = ["PLANTWIN 1", "title bench"];
    for (let c = 0; c < 20; c++) lines.push(`component m${c}\tmachine\tnan\tnan\tnan`);
    for (let s = 0; s < 200; s++) lines.push(`signal m${s % 20}.s${s}\tC`);
    lines.push("end");
    await bridge.write(lines.join("\n") + "\n");
  }
  const k = await bridge.waitFor((f) => f[0] === "ready", 120000);
  const elapsed = ms(bridge.stamps[k] - bridge.started);
  await bridge.close();
  return elapsed;
}

async function main() {
  const dir = scratchDir("bench");
  const opcuaVersion = require("../../bridge/opcua/node_modules/node-opcua/package.json").version;
  const load = require("node:os").loadavg()[0].toFixed(1);
  print(`node ${process.version}, node-opcua ${opcuaVersion}, ${require("node:os").cpus().length} CPUs, load average ${load}`);

  for (const serve of [false, true]) {
    const pki = path.join(dir, serve ? "pki-serve" : "pki-plain");
    const first = await startup(dir, pki, serve);
    const times = [];
    for (let k = 0; k < starts; k++) times.push(await startup(dir, pki, serve));
    times.sort((a, b) => a - b);
    print(`start-up to ready, ${serve ? "serving 20 components / 200 signals" : "no server (ready -)"}: ` +
                `median ${quantile(times, 0.5).toFixed(0)} ms, max ${times.at(-1).toFixed(0)} ms over ${starts} runs` +
                (serve ? `; first run on an empty PKI folder (makes the certificate) ${first.toFixed(0)} ms` : ""));
  }

  const port = await freePort();
  const endpoint = `opc.tcp://127.0.0.1:${port}`;
  const plant = await startPlantServer(port, path.join(dir, "pki-plant"));
  const bridge = BridgeProcess.start({
    serve: null,
    pki_dir: path.join(dir, "pki-plain"),
    subscribe: [{ endpoint, node: "ns=1;s=Press2.Temperature", target: "t", sampling_ms: samplingMs }],
  }, dir);
  await bridge.waitFor((f) => f[0] === "status" && f[2] === "connected", 60000);
  const initial = await bridge.waitFor((f) => f[0] === "value" && f[2] === "20", 10000);  // before the changes
  const setAt = new Map();
  for (let k = 1; k <= changes; k++) {
    setAt.set(String(k), process.hrtime.bigint());
    plant.set("Temperature", k);
    await sleep(gapMs * (0.6 + 0.8 * Math.random()));
  }
  await bridge.waitFor((f) => f[0] === "value" && f[2] === String(changes), 30000).catch(() => {});
  const latencies = [];
  for (let k = initial + 1; k < bridge.out.length; k++) {
    const f = bridge.out[k].split("\t");
    if (f[0] !== "value" || !setAt.has(f[2])) continue;
    latencies.push(ms(bridge.stamps[k] - setAt.get(f[2])));
    setAt.delete(f[2]);
  }
  latencies.sort((a, b) => a - b);
  print(`latency, plant server change -> bridge value line (sampling_ms ${samplingMs}, gaps ${gapMs} ms +-40 %): ` +
              `${latencies.length} of ${changes} changes arrived; p50 ${quantile(latencies, 0.5).toFixed(1)} ms, ` +
              `p99 ${quantile(latencies, 0.99).toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms`);
  await bridge.close();
  await plant.stop();

  const bigRun = async (frames) => {
    const twin = BridgeProcess.start({ serve: { host: "127.0.0.1", port: 0, name: "big" }, pki_dir: path.join(dir, "pki-serve") }, dir);
    const lines = ["PLANTWIN 1", "title big"];
    for (let c = 0; c < 100; c++) lines.push(`component m${c}\tmachine\tnan\tnan\tnan`);
    for (let s = 0; s < big; s++) lines.push(`signal m${s % 100}.s${s}\tC`);
    lines.push("end");
    await twin.write(lines.join("\n") + "\n");
    const k = await twin.waitFor((f) => f[0] === "ready", 600000);
    const readyMs = ms(twin.stamps[k] - twin.started);
    const t0 = process.hrtime.bigint();
    for (let f = 0; f < frames; f++) {
      const values = Array.from({ length: big }, (_, i) => String(f * 1.5 + i * 0.001));
      await twin.write(`time ${f}\nstatus running\nvalues ${values.join(" ")}\nend\n`);
    }
    await twin.close(120000);
    return { readyMs, doneMs: ms(process.hrtime.bigint() - t0) };
  };
  const idle = await bigRun(0);
  const busy = await bigRun(50);
  print(`${big} signals: ready after ${busy.readyMs.toFixed(0)} ms; 50 frames of ${big} changed values applied and exited ` +
        `in ${busy.doneMs.toFixed(0)} ms (exit alone ${idle.doneMs.toFixed(0)} ms): ` +
        `${((busy.doneMs - idle.doneMs) / 50).toFixed(1)} ms a frame`);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
