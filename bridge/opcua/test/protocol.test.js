"use strict";
require("../lib/compat");  // before node-opcua: globalThis.crypto on Node 18
// The pieces the protocol is built from, without processes: numbers as plantwin writes and
// reads them, escaping, the bounded line splitter, where a signal goes in the address space,
// and how an OPC UA data value becomes a number and a time.

const test = require("node:test");
const assert = require("node:assert/strict");
const { formatNumber, parseNumber, escapeText, unescapeText, LineSplitter } = require("../lib/protocol");

test("numbers are written as C's %.17g writes them, so every double arrives bit for bit", () => {
  // Expected texts from printf("%.17g") (glibc), ties included: 0.125-style exact halves round
  // to even in C where JavaScript's toExponential rounds them up.
  const table = [
    [0, "0"], [-0, "-0"], [1, "1"], [-1.5, "-1.5"], [0.1, "0.10000000000000001"],
    [0.1 + 0.2, "0.30000000000000004"], [1e-5, "1.0000000000000001e-05"], [1e-4, "0.0001"],
    [123456.78901234567, "123456.78901234567"], [1e16, "10000000000000000"], [1e17, "1e+17"],
    [127076548198983.125, "127076548198983.12"], [-642948278209461.625, "-642948278209461.62"],
    [127076548198983.375, "127076548198983.38"], [5e-324, "4.9406564584124654e-324"],
    [1.7976931348623157e308, "1.7976931348623157e+308"], [2 ** 53, "9007199254740992"],
    [NaN, "nan"], [Infinity, "nan"], [-Infinity, "nan"],
  ];
  for (const [x, text] of table) assert.equal(formatNumber(x), text, String(x));
  // Round trip on doubles spread over the whole range.
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let k = 0; k < 20000; k++) {
    words[0] = next();
    words[1] = next();
    if (!Number.isFinite(bits[0])) continue;
    assert.ok(Object.is(Number(formatNumber(bits[0])), bits[0]), formatNumber(bits[0]));
  }
});

test("a number is read only as a whole decimal token of at most 64 characters", () => {
  assert.equal(parseNumber("1.5", false), 1.5);
  assert.equal(parseNumber("-2e-3", false), -0.002);
  assert.equal(parseNumber(".5", false), 0.5);
  assert.equal(parseNumber("5.", false), 5);
  assert.ok(Object.is(parseNumber("-0", false), -0));
  assert.ok(Number.isNaN(parseNumber("nan", true)));
  for (const bad of ["nan", "", "+1", "0x10", "1e999", "inf", "Infinity", "1 ", " 1", "1,5", "1e", "--1", "1".repeat(65)]) {
    assert.equal(parseNumber(bad, false), undefined, JSON.stringify(bad));
  }
});

test("text fields escape backslash, tab, newline and carriage return, and read back as they were", () => {
  assert.equal(escapeText("a\tb\nc\rd\\e"), "a\\tb\\nc\\rd\\\\e");
  assert.equal(escapeText("plain text"), "plain text");
  for (const s of ["a\tb\nc\rd\\e", "\\\\t", "end\\", "ünïcödé ✓"]) assert.equal(unescapeText(escapeText(s)), s);
  assert.equal(unescapeText("keeps \\x and a last \\"), "keeps \\x and a last \\");
});

test("the line splitter holds at most its limit of an unfinished line and reports a longer one once", () => {
  const lines = [];
  let overlong = 0;
  const splitter = new LineSplitter((l) => lines.push(l), () => overlong++, 10);
  splitter.push(Buffer.from("short\nexactly10c\n01234"));
  splitter.push(Buffer.from("56789X"));  // passes 10 bytes without a newline
  assert.equal(overlong, 1);
  assert.ok(splitter.held <= 10);
  splitter.push(Buffer.from("more of the long line"));
  splitter.push(Buffer.from("\nnext\n\nü"));
  splitter.push(Buffer.from("\n12345678901\nlast"));  // too long inside one chunk
  assert.deepEqual(lines, ["short", "exactly10c", "next", "", "ü"]);
  assert.equal(overlong, 2);
  assert.equal(splitter.finish(), true, "a last line without a newline is reported");
  assert.equal(splitter.finish(), false);
  // A multi-byte character split across chunks arrives whole.
  const euro = Buffer.from("€\n");
  splitter.push(euro.subarray(0, 1));
  splitter.push(euro.subarray(1));
  assert.equal(lines.at(-1), "€");
});

test("a signal goes under the longest component that prefixes it, else under plant with its whole name", () => {
  const { placeSignal } = require("../lib/twin_server");
  const components = new Set(["press2", "press2.motor", "wip"]);
  assert.deepEqual(placeSignal("press2.temperature", components), { object: "press2", browseName: "temperature" });
  assert.deepEqual(placeSignal("press2.motor.current", components), { object: "press2.motor", browseName: "current" });
  assert.deepEqual(placeSignal("line.throughput", components), { object: "plant", browseName: "line.throughput" });
  assert.deepEqual(placeSignal("wip", components), { object: "plant", browseName: "wip" });
  assert.deepEqual(placeSignal("wip.", components), { object: "plant", browseName: "wip." });
});

test("a data value's number and time: numbers and Booleans, nan for a bad status, source then server time then arrival", () => {
  const opcua = require("node-opcua");
  const { numberOf, timeOf } = require("../lib/plant_client");
  const dv = (dataType, value, extra = {}) =>
    new opcua.DataValue({ value: { dataType, arrayType: opcua.VariantArrayType.Scalar, value }, ...extra });
  assert.equal(numberOf(dv(opcua.DataType.Double, 2.5)), 2.5);
  assert.equal(numberOf(dv(opcua.DataType.Float, 0.5)), 0.5);
  assert.equal(numberOf(dv(opcua.DataType.UInt16, 7)), 7);
  assert.equal(numberOf(dv(opcua.DataType.Boolean, true)), 1);
  assert.equal(numberOf(dv(opcua.DataType.Int64, [-1, 0xfffffffe])), -2);
  assert.equal(numberOf(dv(opcua.DataType.UInt64, [1, 5])), 4294967301);
  assert.equal(numberOf(dv(opcua.DataType.String, "7")), undefined);
  assert.equal(numberOf(new opcua.DataValue({ value: { dataType: opcua.DataType.Double, arrayType: opcua.VariantArrayType.Array, value: [1, 2] } })), undefined);
  assert.ok(Number.isNaN(numberOf(dv(opcua.DataType.Double, 3, { statusCode: opcua.StatusCodes.BadSensorFailure }))));
  assert.equal(numberOf(dv(opcua.DataType.Double, 3, { statusCode: opcua.StatusCodes.UncertainLastUsableValue })), 3);

  const source = new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 5));
  const server = new Date(Date.UTC(2026, 0, 1, 0, 0, 1, 7));
  assert.equal(timeOf(dv(opcua.DataType.Double, 1, { sourceTimestamp: source, serverTimestamp: server }), 99), source.getTime());
  assert.equal(timeOf(dv(opcua.DataType.Double, 1, { serverTimestamp: server }), 99), server.getTime());
  assert.equal(timeOf(dv(opcua.DataType.Double, 1), 99), 99);
});
