"use strict";
require("./compat");  // before node-opcua: globalThis.crypto on Node 18
// The twin as an OPC UA server: one object per component under the Objects folder, one
// read-only Double variable per signal, and plant.time / plant.status, updated from the frames
// plantwin pushes on stdin. Node ids: a signal's variable is ns=1;s=<signal name>, a
// component's object ns=1;s=<component name>.

const path = require("node:path");
const opcua = require("node-opcua");

/// plantwin's units as OPC UA EngineeringUnits: the UNECE common code (EUInformation.unitId),
/// the display name and the description. A unit not listed keeps its text and unitId -1
/// ("no unit id", OPC 10000-8 5.6.3).
const kUnits = {
  C: ["CEL", "°C", "degree Celsius"],
  degC: ["CEL", "°C", "degree Celsius"],
  "°C": ["CEL", "°C", "degree Celsius"],
  K: ["KEL", "K", "kelvin"],
  W: ["WTT", "W", "watt"],
  kW: ["KWT", "kW", "kilowatt"],
  MW: ["MAW", "MW", "megawatt"],
  Wh: ["WHR", "W·h", "watt hour"],
  kWh: ["KWH", "kW·h", "kilowatt hour"],
  MWh: ["MWH", "MW·h", "megawatt hour"],
  J: ["JOU", "J", "joule"],
  kJ: ["KJO", "kJ", "kilojoule"],
  s: ["SEC", "s", "second"],
  ms: ["C26", "ms", "millisecond"],
  min: ["MIN", "min", "minute"],
  h: ["HUR", "h", "hour"],
  d: ["DAY", "d", "day"],
  "m/s": ["MTS", "m/s", "metre per second"],
  "mm/s": ["C16", "mm/s", "millimetre per second"],
  m: ["MTR", "m", "metre"],
  mm: ["MMT", "mm", "millimetre"],
  kg: ["KGM", "kg", "kilogram"],
  g: ["GRM", "g", "gram"],
  bar: ["BAR", "bar", "bar"],
  Pa: ["PAL", "Pa", "pascal"],
  kPa: ["KPA", "kPa", "kilopascal"],
  A: ["AMP", "A", "ampere"],
  V: ["VLT", "V", "volt"],
  Hz: ["HTZ", "Hz", "hertz"],
  rpm: ["RPM", "r/min", "revolutions per minute"],
  "%": ["P1", "%", "percent"],
  share: ["C62", "1", "one (a share, from 0 to 1)"],
  parts: ["H87", "parts", "piece"],
};

function unitIdOf(code) {
  let id = 0;
  for (const c of code.slice(0, 4)) id = id * 256 + c.charCodeAt(0);
  return id;
}

function euInformation(unit) {
  const known = kUnits[unit];
  const eu = opcua.makeEUInformation(known ? known[0] : "", known ? known[1] : unit, known ? known[2] : unit);
  eu.namespaceUri = "http://www.opcfoundation.org/UA/units/un/cefact";
  eu.unitId = known ? unitIdOf(known[0]) : -1;
  return eu;
}

/// Which object a signal goes under: the longest component name that prefixes it with a dot
/// (the variable's browse name is the rest); else the object "plant" (browse name: the whole
/// signal name).
function placeSignal(signal, componentNames) {
  let best = null;
  for (let dot = signal.indexOf("."); dot > 0; dot = signal.indexOf(".", dot + 1)) {
    const prefix = signal.slice(0, dot);
    if (componentNames.has(prefix) && dot + 1 < signal.length) best = prefix;
  }
  return best === null ? { object: "plant", browseName: signal } : { object: best, browseName: signal.slice(best.length + 1) };
}

class TwinServer {
  /// serve: {host, port, name, epoch_s}; pkiDir: the bridge's PKI folder (the server keeps its
  /// certificate in server/, the user certificates it would check in user/);
  /// warn(text) reports what the twin cannot serve.
  constructor(serve, pkiDir, warn) {
    this.serve = serve;
    this.pkiDir = pkiDir;
    this.warn = warn;
    this.variables = [];  // per signal: the UAVariable, or null
    this.epochMs = serve.epoch_s === null ? null : serve.epoch_s * 1000;
  }

  /// Loads the standard address space; what can be done before the greeting arrives.
  async initialize() {
    const certificateManager = new opcua.OPCUACertificateManager({
      rootFolder: path.join(this.pkiDir, "server"),
      automaticallyAcceptUnknownCertificate: true,
    });
    // Listening on every interface, the endpoint URL names this machine instead.
    const wildcard = ["0.0.0.0", "::", "[::]"].includes(this.serve.host);
    this.server = new opcua.OPCUAServer({
      host: this.serve.host,
      hostname: wildcard ? require("node:os").hostname() : this.serve.host,
      port: this.serve.port,
      resourcePath: "/plantwin",
      serverCertificateManager: certificateManager,
      // Else node-opcua keeps one for user certificates under ~/.config/node-opcua-default-nodejs.
      userCertificateManager: new opcua.OPCUACertificateManager({
        rootFolder: path.join(this.pkiDir, "user"),
        automaticallyAcceptUnknownCertificate: true,
      }),
      securityModes: [opcua.MessageSecurityMode.None],
      securityPolicies: [opcua.SecurityPolicy.None],
      allowAnonymous: true,
      registerServerMethod: opcua.RegisterServerMethod.HIDDEN,
      nodeset_filename: [opcua.nodesets.standard],
      serverInfo: {
        applicationName: { text: this.serve.name },
        applicationUri: "urn:plantwin:twin",
        productUri: "urn:plantwin",
      },
      buildInfo: { productName: "plantwin OPC UA bridge", manufacturerName: "plantwin" },
      maxConnections: 64,
    });
    await this.server.initialize();
  }

  /// Builds the address space from the greeting.
  build(greeting) {
    const addressSpace = this.server.engine.addressSpace;
    const ns = addressSpace.getOwnNamespace();
    const usedIds = new Set();
    const nodeId = (id, what) => {
      if (usedIds.has(id)) {
        this.warn(`OPC UA server: the node id ns=1;s=${id} of ${what} is taken; it gets a numeric id`);
        return undefined;
      }
      usedIds.add(id);
      return `s=${id}`;
    };
    const objects = new Map();
    const addObject = (name, description) => {
      const obj = ns.addObject({
        organizedBy: addressSpace.rootFolder.objects,
        browseName: name,
        nodeId: nodeId(name, `the object ${JSON.stringify(name)}`),
        description,
      });
      objects.set(name, obj);
      return obj;
    };
    for (const c of greeting.components) addObject(c.name, `component of type ${c.type}`);
    const plant = () => objects.get("plant") || addObject("plant", "the simulation as a whole");

    const componentNames = new Set(greeting.components.map((c) => c.name));
    const readOnly = opcua.makeAccessLevelFlag("CurrentRead");
    const waiting = opcua.StatusCodes.BadWaitingForInitialData;
    const addUnits = (variable, unit) =>
      ns.addVariable({
        propertyOf: variable,
        browseName: { name: "EngineeringUnits", namespaceIndex: 0 },
        typeDefinition: "PropertyType",
        dataType: "EUInformation",
        accessLevel: readOnly,
        userAccessLevel: readOnly,
        minimumSamplingInterval: -1,
        value: new opcua.Variant({ dataType: opcua.DataType.ExtensionObject, value: euInformation(unit) }),
      });
    const browseNames = new Map();  // object name -> the browse names under it
    const claim = (object, browseName) => {
      if (!browseNames.has(object)) browseNames.set(object, new Set());
      const names = browseNames.get(object);
      if (names.has(browseName)) return false;
      names.add(browseName);
      return true;
    };
    this.variables = greeting.signals.map((signal) => {
      const { object, browseName } = placeSignal(signal.name, componentNames);
      if (!claim(object, browseName)) {
        this.warn(`OPC UA server: the signal ${JSON.stringify(signal.name)} appears twice in the greeting; the second is not served`);
        return null;
      }
      const owner = object === "plant" ? plant() : objects.get(object);
      try {
        const variable = ns.addVariable({
          componentOf: owner,
          browseName,
          nodeId: nodeId(signal.name, `the signal ${JSON.stringify(signal.name)}`),
          dataType: "Double",
          accessLevel: readOnly,
          userAccessLevel: readOnly,
          minimumSamplingInterval: 0,  // exception-based: every change is reported
          value: new opcua.Variant({ dataType: opcua.DataType.Double, value: NaN }),
        });
        variable.setValueFromSource({ dataType: opcua.DataType.Double, value: NaN }, waiting);
        if (signal.unit !== "") addUnits(variable, signal.unit);
        return variable;
      } catch (e) {
        this.warn(`OPC UA server: the signal ${JSON.stringify(signal.name)} cannot be served: ${e.message}`);
        return null;
      }
    });

    // The simulated clock and the run's status, unless a signal already has the name.
    const addClock = (name, dataType, initial, description) => {
      if (!claim("plant", name) || usedIds.has(`plant.${name}`)) {
        this.warn(`OPC UA server: a signal is named plant.${name}; it is served instead of the bridge's own plant.${name}`);
        return null;
      }
      const id = nodeId(`plant.${name}`, `the variable plant.${name}`);  // free, checked above
      const variable = ns.addVariable({
        componentOf: plant(),
        browseName: name,
        nodeId: id,
        dataType,
        description,
        accessLevel: readOnly,
        userAccessLevel: readOnly,
        minimumSamplingInterval: 0,
        value: new opcua.Variant({ dataType: opcua.DataType[dataType], value: initial }),
      });
      variable.setValueFromSource({ dataType: opcua.DataType[dataType], value: initial }, waiting);
      return variable;
    };
    this.timeVariable = addClock("time", "Double", NaN, "simulated seconds since the start of the run");
    if (this.timeVariable) addUnits(this.timeVariable, "s");
    this.statusVariable = addClock("status", "String", "", "running, or complete when the run is over");
  }

  /// Starts listening; returns the endpoint URL.
  async start() {
    await this.server.start();
    return this.server.getEndpointUrl();
  }

  /// Applies a frame: values and plant.time / plant.status, stamped with the frame's time on
  /// the wall clock (epoch_s + simulated seconds; without epoch_s, the first frame's time is
  /// now).
  applyFrame(frame) {
    const now = Date.now();
    if (this.epochMs === null) this.epochMs = now - frame.time * 1000;
    const sourceTime = new Date(Math.round(this.epochMs + frame.time * 1000));
    const good = opcua.StatusCodes.Good;
    if (frame.values) {
      // Only the values that changed (to the bit; NaN equals NaN): a variable's SourceTimestamp
      // is the time of the frame that last changed it, and a frame costs little where few change.
      if (!this.lastValues) this.lastValues = new Float64Array(this.variables.length).fill(NaN);
      for (let k = 0; k < this.variables.length; k++) {
        const v = frame.values[k];
        if (!this.variables[k] || (this.appliedOnce && Object.is(v, this.lastValues[k]))) continue;
        this.lastValues[k] = v;
        this.variables[k].setValueFromSource({ dataType: opcua.DataType.Double, value: v }, good, sourceTime);
      }
      this.appliedOnce = true;
    }
    if (this.timeVariable) {
      this.timeVariable.setValueFromSource({ dataType: opcua.DataType.Double, value: frame.time }, good, sourceTime);
    }
    if (this.statusVariable) {
      const status = frame.complete ? "complete" : "running";
      this.statusVariable.setValueFromSource({ dataType: opcua.DataType.String, value: status }, good, sourceTime);
    }
  }

  async shutdown() {
    if (this.server) await this.server.shutdown(0);
  }
}

module.exports = { TwinServer, placeSignal, euInformation, kUnits };
