"use strict";
// The text conventions the bridge shares with plantwin's live protocol (docs/live_protocol.md):
// numbers with 17 significant digits ("nan" when not finite), text fields escaped, lines read
// from a hostile stream with a bound on their length.

/// A line longer than this is skipped (plantwin's LiveLimits::kMaxLineBytes: a values line of
/// about 150 000 signals).
const kMaxLineBytes = 4 << 20;

/// A number as C's "%.17g" writes it (plantwin's format_live_number): every finite double
/// arrives bit for bit, -0 included; every non-finite value is "nan".
function formatNumber(x) {
  if (!Number.isFinite(x)) return "nan";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const negative = x < 0;
  let [mantissa, expText] = Math.abs(x).toExponential(16).split("e");
  // JavaScript rounds an exact tie away from zero, C to even: where the exact value lies half
  // way (its 18th digit a 5 and nothing after), an even 17th digit keeps the truncated digits.
  const exact = Math.abs(x).toExponential(100);
  if (exact[18] === "5" && /^0*$/.test(exact.slice(19, 102)) && "02468".includes(exact[17])) {
    [mantissa, expText] = exact.slice(0, 18).concat(exact.slice(102)).split("e");
  }
  const exp = Number(expText);
  const digits = mantissa.replace(".", "");  // 17 digits
  let out;
  if (exp < -4 || exp >= 17) {
    let frac = digits.slice(1).replace(/0+$/, "");
    const e = Math.abs(exp);
    out = digits[0] + (frac ? "." + frac : "") + "e" + (exp < 0 ? "-" : "+") + (e < 10 ? "0" : "") + e;
  } else if (exp >= 0) {
    const int = digits.slice(0, exp + 1);
    const frac = digits.slice(exp + 1).replace(/0+$/, "");
    out = int + (frac ? "." + frac : "");
  } else {
    const frac = ("0".repeat(-exp - 1) + digits).replace(/0+$/, "");
    out = "0." + frac;
  }
  return negative ? "-" + out : out;
}

const kNumberPattern = /^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/// A whole token as a number, as plantwin's parse_number reads it: "nan" (where allowed) or a
/// finite decimal of at most 64 characters; nothing else (no "+", no hexadecimal, no "inf").
/// Returns undefined for anything else.
function parseNumber(token, nanAllowed) {
  if (token === "nan") return nanAllowed ? NaN : undefined;
  if (token.length === 0 || token.length > 64 || !kNumberPattern.test(token)) return undefined;
  const v = Number(token);
  return Number.isFinite(v) ? v : undefined;
}

/// Text as the protocol writes it: "\" as "\\", tab "\t", newline "\n", carriage return "\r".
function escapeText(text) {
  return String(text).replace(/[\\\t\n\r]/g, (c) =>
    c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r");
}

/// The inverse of escapeText; a backslash before any other character (or at the end) stays.
function unescapeText(text) {
  if (!text.includes("\\")) return text;
  return text.replace(/\\([\\tnr])/g, (_, c) =>
    c === "\\" ? "\\" : c === "t" ? "\t" : c === "n" ? "\n" : "\r");
}

/// Cuts a byte stream into lines (without their "\n"), holding at most maxLineBytes of an
/// unfinished line: a longer line is dropped as it streams past and reported once through
/// onOverlong. A last line without "\n" at the end of the stream is reported by finish().
class LineSplitter {
  constructor(onLine, onOverlong, maxLineBytes = kMaxLineBytes) {
    this.onLine = onLine;
    this.onOverlong = onOverlong;
    this.max = maxLineBytes;
    this.parts = [];
    this.held = 0;
    this.skipping = false;  // inside a line already over the limit
  }

  push(chunk) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      if (this.skipping) {
        this.skipping = false;
      } else if (this.held + (nl - start) > this.max) {
        this.onOverlong();
      } else {
        this.parts.push(chunk.subarray(start, nl));
        const line = Buffer.concat(this.parts).toString("utf8");
        this.parts = [];
        this.held = 0;
        this.onLine(line);
      }
      this.parts = [];
      this.held = 0;
      start = nl + 1;
    }
    if (start < chunk.length && !this.skipping) {
      const rest = chunk.subarray(start);
      if (this.held + rest.length > this.max) {
        this.parts = [];
        this.held = 0;
        this.skipping = true;
        this.onOverlong();
      } else {
        this.parts.push(Buffer.from(rest));  // the chunk's memory may be reused
        this.held += rest.length;
      }
    }
  }

  /// The end of the stream: whether an unfinished line (cut off without its "\n") was pending.
  finish() {
    const cut = this.held > 0 || this.skipping;
    this.parts = [];
    this.held = 0;
    this.skipping = false;
    return cut;
  }
}

module.exports = { kMaxLineBytes, formatNumber, parseNumber, escapeText, unescapeText, LineSplitter };
