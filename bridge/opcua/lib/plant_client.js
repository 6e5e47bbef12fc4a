"use strict";
require("./compat");  // before node-opcua: globalThis.crypto on Node 18
// The plant side: one OPC UA client per endpoint, one session and one subscription on it, one
// monitored item per subscribed node. node-opcua's client reconnects with back-off when the
// server goes away and restores the session and its subscription (or makes new ones) when it
// comes back; this module reports the connection's state and every data change.

const opcua = require("node-opcua");

const kRetryInitialMs = 200;
const kRetryMaxMs = 5000;

/// A data value as a number: a number for numeric and Boolean scalars (true is 1), NaN for a
/// bad status, undefined for a value that is not a number (a string, an array, no value).
function numberOf(dataValue) {
  const code = dataValue.statusCode ? dataValue.statusCode.value : 0;
  if ((code & 0x80000000) !== 0) return NaN;
  const variant = dataValue.value;
  if (!variant || variant.arrayType !== opcua.VariantArrayType.Scalar) return undefined;
  const v = variant.value;
  switch (variant.dataType) {
    case opcua.DataType.Double:
    case opcua.DataType.Float:
    case opcua.DataType.SByte:
    case opcua.DataType.Byte:
    case opcua.DataType.Int16:
    case opcua.DataType.UInt16:
    case opcua.DataType.Int32:
    case opcua.DataType.UInt32:
      return typeof v === "number" ? v : undefined;
    case opcua.DataType.Int64:  // [high, low] words; high is signed
      return Array.isArray(v) ? (v[0] | 0) * 4294967296 + (v[1] >>> 0) : undefined;
    case opcua.DataType.UInt64:
      return Array.isArray(v) ? (v[0] >>> 0) * 4294967296 + (v[1] >>> 0) : undefined;
    case opcua.DataType.Boolean:
      return v ? 1 : 0;
    default:
      return undefined;
  }
}

/// When a value was true, in Unix milliseconds: its SourceTimestamp, else its ServerTimestamp,
/// else now. OPC UA's null DateTime (1601) counts as absent.
function timeOf(dataValue, nowMs) {
  for (const t of [dataValue.sourceTimestamp, dataValue.serverTimestamp]) {
    if (t instanceof Date) {
      const ms = t.getTime();
      if (Number.isFinite(ms) && ms > -11644473600000) return ms;
    }
  }
  return nowMs;
}

function describeType(dataValue) {
  const variant = dataValue.value;
  if (!variant || variant.dataType === opcua.DataType.Null) return "no value";
  const type = opcua.DataType[variant.dataType] || `type ${variant.dataType}`;
  return variant.arrayType === opcua.VariantArrayType.Scalar ? `a ${type}` : `an array of ${type}`;
}

class PlantConnection {
  /// items: [{node, target, sampling_ms}] for this endpoint; report: {value(target, number,
  /// timeMs), status(endpoint, state, detail), warning(text)}.
  constructor(endpoint, items, certificateManager, report) {
    this.endpoint = endpoint;
    this.items = items;
    this.report = report;
    this.state = null;
    this.stopped = false;
    this.notNumber = new Set();  // targets warned about, until a number arrives again
    this.client = opcua.OPCUAClient.create({
      applicationName: "plantwin OPC UA bridge",
      applicationUri: "urn:plantwin:bridge",
      clientCertificateManager: certificateManager,
      securityMode: opcua.MessageSecurityMode.None,
      securityPolicy: opcua.SecurityPolicy.None,
      endpointMustExist: false,
      keepSessionAlive: true,
      requestedSessionTimeout: 60000,
      connectionStrategy: { initialDelay: kRetryInitialMs, maxDelay: kRetryMaxMs, maxRetry: Number.MAX_SAFE_INTEGER },
    });
    this.client.on("connection_lost", () => this.setState("disconnected", "connection lost"));
    this.client.on("start_reconnection", () => this.setState("reconnecting", "the server went away; retrying with back-off"));
    this.client.on("backoff", (count, delayMs) => {
      if (this.state !== "connected") {
        this.setState("reconnecting", `cannot connect (attempt ${count + 1}); retrying with back-off`);
      }
    });
    this.client.on("after_reconnection", (err) => {
      if (!err && this.session) this.setState("connected", "reconnected");
    });
  }

  setState(state, detail) {
    if (this.stopped || state === this.state) return;
    this.state = state;
    this.report.status(this.endpoint, state, detail);
  }

  /// Connects, retrying with back-off until it succeeds or stop() is called, then subscribes.
  async start() {
    let delay = kRetryInitialMs;
    while (!this.stopped) {
      try {
        await this.client.connect(this.endpoint);
        if (this.stopped) return;
        this.session = await this.client.createSession();
        if (this.stopped) return;
        this.session.on("session_restored", () => this.setState("connected", "session restored"));
        await this.subscribe();
        this.setState("connected", "subscribed to " + this.items.length + " node(s)");
        return;
      } catch (e) {
        if (this.stopped) return;
        this.setState("reconnecting", `cannot connect: ${e.message}; retrying with back-off`);
        try {
          await this.client.disconnect();
        } catch {
          // already down
        }
        this.session = null;
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, kRetryMaxMs);
      }
    }
  }

  async subscribe() {
    // The fastest item's interval; 1 ms rather than 0, which some servers (node-opcua) read as
    // "your default" (100 ms) instead of "your fastest".
    const fastest = Math.max(1, Math.min(...this.items.map((i) => i.sampling_ms)));
    this.subscription = await this.session.createSubscription2({
      requestedPublishingInterval: fastest,
      requestedLifetimeCount: 600,
      requestedMaxKeepAliveCount: 20,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 10,
    });
    for (const item of this.items) {
      const monitored = opcua.ClientMonitoredItem.create(
        this.subscription,
        { nodeId: opcua.resolveNodeId(item.node), attributeId: opcua.AttributeIds.Value },
        { samplingInterval: item.sampling_ms, discardOldest: true, queueSize: 1000 },
        opcua.TimestampsToReturn.Both,
      );
      monitored.on("changed", (dataValue) => this.changed(item, dataValue));
      monitored.on("err", (message) => {
        this.report.warning(`${this.endpoint}: node ${item.node} (target ${item.target}): ${message}; it sends no values`);
      });
    }
  }

  changed(item, dataValue) {
    const value = numberOf(dataValue);
    if (value === undefined) {
      if (!this.notNumber.has(item.target)) {
        this.notNumber.add(item.target);
        this.report.warning(`${this.endpoint}: node ${item.node} (target ${item.target}): ${describeType(dataValue)} is not a number; skipped until a number arrives`);
      }
      return;
    }
    this.notNumber.delete(item.target);
    this.report.value(item.target, value, timeOf(dataValue, Date.now()));
  }

  /// Closes the subscription and the session, and stops reconnecting.
  async stop() {
    this.stopped = true;
    try {
      await this.client.disconnect();
    } catch {
      // going away anyway
    }
  }
}

/// Groups the configured subscriptions by endpoint, one connection each.
function connectionsFor(subscribe, certificateManager, report) {
  const byEndpoint = new Map();
  for (const item of subscribe) {
    if (!byEndpoint.has(item.endpoint)) byEndpoint.set(item.endpoint, []);
    byEndpoint.get(item.endpoint).push(item);
  }
  return [...byEndpoint].map(([endpoint, items]) => new PlantConnection(endpoint, items, certificateManager, report));
}

module.exports = { PlantConnection, connectionsFor, numberOf, timeOf };
