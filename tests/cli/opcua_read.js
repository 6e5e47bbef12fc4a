"use strict";
// An OPC UA client for tests/cli/opcua_live_test.py:
//   node opcua_read.js SOURCE_DIR URL [--until NODE=MIN] NODE...
// Connects to the twin's server at URL, with --until waits (at most 30 s) until NODE's value is
// at least MIN, browses the Objects folder and each object under it,
// reads the given node ids in one Read request (so they come from one frame), and prints one
// JSON line: {"objects": {NAME: [CHILD, ...]}, "values": {NODE: {value, status, source_ms}}}.
const path = require("node:path");
const os = require("node:os");
const fs = require("node:fs");

const [source, url, ...rest] = process.argv.slice(2);
let until = null;
if (rest[0] === "--until") {
  const eq = rest[1].lastIndexOf("=");
  until = { node: rest[1].slice(0, eq), min: Number(rest[1].slice(eq + 1)) };
  rest.splice(0, 2);
}
const nodes = rest;
const opcua = require(path.join(source, "bridge", "opcua", "node_modules", "node-opcua"));
for (const level of ["log", "info", "debug", "warn"]) console[level] = (...a) => console.error(...a);

async function children(session, nodeId) {
  const r = await session.browse({
    nodeId,
    browseDirection: opcua.BrowseDirection.Forward,
    referenceTypeId: "HierarchicalReferences",
    includeSubtypes: true,
    resultMask: 63,
  });
  return r.references.map((x) => ({ name: x.browseName.name, nodeId: x.nodeId.toString(), nodeClass: x.nodeClass }));
}

async function main() {
  const pki = fs.mkdtempSync(path.join(os.tmpdir(), "plantwin-opcua-read-"));
  const client = opcua.OPCUAClient.create({
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 3, initialDelay: 100, maxDelay: 500 },
    clientCertificateManager: new opcua.OPCUACertificateManager({ rootFolder: pki, automaticallyAcceptUnknownCertificate: true }),
  });
  try {
    await client.connect(url);
    const session = await client.createSession();
    if (until) {
      const deadline = Date.now() + 30000;
      for (;;) {
        const dv = await session.read({ nodeId: until.node, attributeId: opcua.AttributeIds.Value });
        if (typeof dv.value.value === "number" && dv.value.value >= until.min) break;
        if (Date.now() > deadline) throw new Error(`${until.node} still ${dv.toString()} after 30 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const objects = {};
    for (const o of await children(session, "ObjectsFolder")) {
      if (o.nodeClass !== opcua.NodeClass.Object || o.name === "Server") continue;
      objects[o.name] = (await children(session, o.nodeId)).map((c) => c.name);
    }
    const dvs = await session.read(nodes.map((nodeId) => ({ nodeId, attributeId: opcua.AttributeIds.Value })));
    const values = {};
    nodes.forEach((n, k) => {
      const dv = dvs[k];
      values[n] = {
        value: typeof dv.value.value === "number" ? dv.value.value : String(dv.value.value),
        status: dv.statusCode.name,
        source_ms: dv.sourceTimestamp ? dv.sourceTimestamp.getTime() : null,
      };
    });
    process.stdout.write(JSON.stringify({ objects, values }) + "\n");
    await session.close();
  } finally {
    await client.disconnect().catch(() => {});
    fs.rmSync(pki, { recursive: true, force: true });
  }
  process.exit(0);
}

setTimeout(() => process.exit(3), 60000).unref();
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
