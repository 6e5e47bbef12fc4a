"use strict";
// The bridge's CONFIG file: a small JSON reader that keeps each value's line and column, and
// the validation of every key, so that an error names FILE:LINE:COLUMN and the key path.

/// A bad CONFIG; message() is the whole text after "error\t".
class ConfigError extends Error {
  constructor(file, where, path, what) {
    const place = where ? `${file}:${where.line}:${where.column}` : file;
    super(path ? `${place}: ${path}: ${what}` : `${place}: ${what}`);
  }
}

/// Parses JSON text into plain values, recording the place of every value: returns
/// { value, places } where places maps a key path ("subscribe[0].node") to {line, column}.
/// Throws { offset, what } on a syntax error. Nesting is bounded (64 levels).
function parseJsonWithPlaces(text) {
  let i = 0;
  const places = new Map();
  const fail = (what, at = i) => {
    throw { offset: at, what };
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const describe = () => (i >= text.length ? "the end of the file" : JSON.stringify(text[i]));
  const parseString = () => {
    const start = i;
    i++;  // the opening quote
    let out = "";
    for (;;) {
      if (i >= text.length) fail("a string that does not end", start);
      const c = text[i];
      if (c === '"') {
        i++;
        return out;
      }
      if (c < " ") fail("a control character inside a string (write it as \\n, \\t, ...)");
      if (c === "\\") {
        const e = text[i + 1];
        const simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else {
          fail("an invalid escape in a string");
        }
      } else {
        out += c;
        i++;
      }
    }
  };
  const parseValue = (path, depth) => {
    ws();
    if (depth > 64) fail("nesting deeper than 64 levels");
    places.set(path, i);
    const c = text[i];
    if (c === "{") {
      i++;
      const obj = Object.create(null);
      ws();
      if (text[i] === "}") {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a key in quotes, got ${describe()}`);
        const keyAt = i;
        const key = parseString();
        const sub = path ? `${path}.${key}` : key;
        if (Object.prototype.hasOwnProperty.call(obj, key)) fail(`the key "${key}" appears twice`, keyAt);
        places.set(sub + "#key", keyAt);
        ws();
        if (text[i] !== ":") fail(`expected ":" after the key "${key}", got ${describe()}`);
        i++;
        obj[key] = parseValue(sub, depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return obj;
        }
        fail(`expected "," or "}", got ${describe()}`);
      }
    }
    if (c === "[") {
      i++;
      const arr = [];
      ws();
      if (text[i] === "]") {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(`${path}[${arr.length}]`, depth + 1));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return arr;
        }
        fail(`expected "," or "]", got ${describe()}`);
      }
    }
    if (c === '"') return parseString();
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (m && m[0].length > 0) {
      i += m[0].length;
      return Number(m[0]);
    }
    for (const [word, value] of [["true", true], ["false", false], ["null", null]]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    fail(`expected a value, got ${describe()}`);
  };
  const value = parseValue("", 0);
  ws();
  if (i < text.length) fail(`unexpected text after the end of the JSON value: ${describe()}`);
  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text[k] === "\n") lineStarts.push(k + 1);
  const placeOf = (offset) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo] + 1 };
  };
  const located = new Map();
  for (const [k, off] of places) located.set(k, placeOf(off));
  return { value, places: located, placeOf };
}

function typeName(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? v.slice(0, 60) + "..." : v);
  return String(v);
}

/// Reads and checks a CONFIG file. Returns
///   { serve: {host, port, name, epoch_s} | null, subscribe: [{endpoint, node, target,
///     sampling_ms}], pki_dir: string | null }
/// or throws ConfigError. `resolveNodeId` turns a node id string into a NodeId or throws.
function loadConfig(file, text, resolveNodeId) {
  let parsed;
  try {
    parsed = parseJsonWithPlaces(text);
  } catch (e) {
    if (e && typeof e.offset === "number") {
      const lineStarts = text.slice(0, e.offset).split("\n");
      const where = { line: lineStarts.length, column: lineStarts[lineStarts.length - 1].length + 1 };
      throw new ConfigError(file, where, "", `not valid JSON: ${e.what}`);
    }
    throw e;
  }
  const { value: root, places } = parsed;
  const bad = (path, what) => {
    throw new ConfigError(file, places.get(path), path, what);
  };
  const keysOf = (obj, path, allowed) => {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) {
        const sub = path ? `${path}.${k}` : k;
        throw new ConfigError(file, places.get(sub + "#key"), sub,
                              `unknown key (expected one of: ${allowed.join(", ")})`);
      }
    }
  };
  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const text_ = (obj, path, key, { required = true, fallback } = {}) => {
    const sub = path ? `${path}.${key}` : key;
    if (!(key in obj)) {
      if (required) bad(path, `missing key "${key}"`);
      return fallback;
    }
    const v = obj[key];
    if (typeof v !== "string" || v.length === 0) bad(sub, `expected a non-empty string, got ${typeName(v)}`);
    if (v.length > 4096) bad(sub, "longer than 4096 characters");
    return v;
  };

  if (!isObject(root)) bad("", `expected an object with "serve" and "subscribe", got ${typeName(root)}`);
  keysOf(root, "", ["serve", "subscribe", "pki_dir"]);

  let serve = null;
  if (root.serve !== undefined && root.serve !== null) {
    const s = root.serve;
    if (!isObject(s)) bad("serve", `expected an object (host, port, name) or null, got ${typeName(s)}`);
    keysOf(s, "serve", ["host", "port", "name", "epoch_s"]);
    const host = text_(s, "serve", "host");
    if (/[\s/]/.test(host)) bad("serve.host", `expected a host name or IP address, got ${typeName(host)}`);
    if (!("port" in s)) bad("serve", 'missing key "port"');
    if (!Number.isInteger(s.port) || s.port < 0 || s.port > 65535) {
      bad("serve.port", `expected a TCP port, an integer from 0 (any free port) to 65535, got ${typeName(s.port)}`);
    }
    const name = text_(s, "serve", "name", { required: false, fallback: "plantwin twin" });
    let epoch_s = null;
    if ("epoch_s" in s && s.epoch_s !== null) {
      if (typeof s.epoch_s !== "number" || s.epoch_s < 0 || s.epoch_s > 253402300799) {
        bad("serve.epoch_s", `expected Unix seconds (a number from 0 to 253402300799) or null, got ${typeName(s.epoch_s)}`);
      }
      epoch_s = s.epoch_s;
    }
    serve = { host, port: s.port, name, epoch_s };
  }

  const subscribe = [];
  if (root.subscribe !== undefined) {
    if (!Array.isArray(root.subscribe)) bad("subscribe", `expected an array, got ${typeName(root.subscribe)}`);
    const targets = new Map();
    root.subscribe.forEach((item, k) => {
      const path = `subscribe[${k}]`;
      if (!isObject(item)) bad(path, `expected an object (endpoint, node, target, sampling_ms), got ${typeName(item)}`);
      keysOf(item, path, ["endpoint", "node", "target", "sampling_ms"]);
      const endpoint = text_(item, path, "endpoint");
      const m = /^opc\.tcp:\/\/(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+)(?::([0-9]{1,5}))?(\/[^\s]*)?$/.exec(endpoint);
      if (!m || (m[2] !== undefined && Number(m[2]) > 65535)) {
        bad(`${path}.endpoint`, `expected an OPC UA endpoint such as "opc.tcp://127.0.0.1:4840", got ${typeName(endpoint)}`);
      }
      const node = text_(item, path, "node");
      try {
        resolveNodeId(node);
      } catch {
        bad(`${path}.node`, `expected an OPC UA node id such as "ns=1;s=Press2.Temperature" or "i=2258", got ${typeName(node)}`);
      }
      const target = text_(item, path, "target");
      if (targets.has(target)) {
        bad(`${path}.target`, `"${target}" is already the target of subscribe[${targets.get(target)}]`);
      }
      targets.set(target, k);
      let sampling_ms = 100;
      if ("sampling_ms" in item) {
        const v = item.sampling_ms;
        if (typeof v !== "number" || v < 0 || v > 3600000) {
          bad(`${path}.sampling_ms`, `expected milliseconds from 0 (as fast as the server can) to 3600000, got ${typeName(v)}`);
        }
        sampling_ms = v;
      }
      subscribe.push({ endpoint, node, target, sampling_ms });
    });
  }

  let pki_dir = null;
  if (root.pki_dir !== undefined && root.pki_dir !== null) pki_dir = text_(root, "", "pki_dir");
  return { serve, subscribe, pki_dir };
}

module.exports = { ConfigError, loadConfig, parseJsonWithPlaces };
