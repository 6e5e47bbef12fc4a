"use strict";
// What plantwin pushes on the bridge's stdin: its live protocol (docs/live_protocol.md), the
// greeting once and then frames. Read as hostile input: a line the bridge cannot use is skipped
// and counted by reason, never fatal, except a greeting beyond the protocol's limits.

const { parseNumber, unescapeText } = require("./protocol");

const kMaxHelloLines = 1000000;
const kMaxHelloBytes = 64 << 20;
/// The most signals whose values line stays within 4 MiB (plantwin's format_hello refuses more).
const kMaxSignals = 167771;

class TwinInput {
  /// onGreeting({title, components: [{name, type}], signals: [{name, unit}]}) once, at the
  /// greeting's "end"; onFrame({time, complete, values}) at each frame's "end" (values: an
  /// array with one number per signal, or null when the frame had no valid values line).
  /// onFatal(text) when the greeting passes the protocol's limits.
  constructor({ onGreeting, onFrame, onFatal }) {
    this.onGreeting = onGreeting;
    this.onFrame = onFrame;
    this.onFatal = onFatal;
    this.state = "version";  // version -> greeting -> frames
    this.components = [];
    this.componentNames = new Set();
    this.signals = [];
    this.title = "";
    this.helloLines = 0;
    this.helloBytes = 0;
    this.inFrame = false;
    this.time = 0;
    this.complete = false;
    this.values = null;
    this.frames = 0;
    this.skipped = new Map();  // reason -> count
    this.cutOff = null;  // what the end of input cut off, if anything
  }

  skip(reason) {
    this.skipped.set(reason, (this.skipped.get(reason) || 0) + 1);
  }

  /// What went wrong on stdin, as one sentence ("stdin: skipped 3 line(s): 2 malformed line(s)
  /// in frames, 1 line(s) longer than 4 MiB; a frame was cut off by the end of input"), or null.
  problems() {
    let total = 0;
    const parts = [];
    for (const [reason, n] of this.skipped) {
      total += n;
      parts.push(`${n} ${reason}`);
    }
    if (total === 0 && !this.cutOff) return null;
    const skipped = total > 0 ? `skipped ${total} line(s): ${parts.join(", ")}` : "";
    return "stdin: " + [skipped, this.cutOff].filter((x) => x).join("; ");
  }

  overlongLine() {
    this.skip("line(s) longer than 4 MiB");
  }

  /// The end of stdin; `cut` says whether a last line had no newline.
  end(cut) {
    if (cut) this.skip("line(s) cut off by the end of input");
    if (this.state === "greeting") this.cutOff = "the greeting was cut off by the end of input";
    else if (this.inFrame) this.cutOff = "a frame was cut off by the end of input";
  }

  line(line) {
    if (this.state === "version") {
      if (line === "PLANTWIN 1") this.state = "greeting";
      else this.skip("line(s) before the greeting's first line \"PLANTWIN 1\"");
      return;
    }
    if (this.state === "greeting") {
      this.helloBytes += line.length + 1;
      if (line === "end") {
        this.state = "frames";
        this.onGreeting({ title: this.title, components: this.components, signals: this.signals });
        return;
      }
      if (++this.helloLines > kMaxHelloLines) {
        this.onFatal(`plantwin's greeting has more than ${kMaxHelloLines} lines`);
      } else if (this.helloBytes > kMaxHelloBytes) {
        this.onFatal(`plantwin's greeting is longer than ${kMaxHelloBytes >> 20} MiB`);
      } else if (!this.greetingItem(line)) {
        this.skip("malformed line(s) in the greeting");
      }
      return;
    }
    if (line === "end") {
      this.inFrame = false;
      this.frames++;
      const values = this.values;
      this.values = null;
      this.onFrame({ time: this.time, complete: this.complete, values });
      return;
    }
    this.inFrame = true;
    this.frameItem(line);
  }

  greetingItem(line) {
    const sp = line.indexOf(" ");
    const key = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? "" : line.slice(sp + 1);
    if (key === "title") {
      this.title = unescapeText(rest);
      return true;
    }
    const f = rest.split("\t");
    if (key === "component") {
      if (f.length !== 5 || f[0] === "" || f[1] === "") return false;
      if (f.slice(2).some((x) => parseNumber(x, true) === undefined)) return false;
      const name = unescapeText(f[0]);
      if (this.componentNames.has(name)) return false;
      this.componentNames.add(name);
      this.components.push({ name, type: unescapeText(f[1]) });
      return true;
    }
    if (key === "link") {
      return f.length === 2 && this.componentNames.has(unescapeText(f[0])) &&
             this.componentNames.has(unescapeText(f[1]));
    }
    if (key === "signal") {
      if (f.length !== 2 || f[0] === "") return false;
      if (this.signals.length >= kMaxSignals) {
        this.onFatal(`plantwin's greeting has more than ${kMaxSignals} signals`);
        return true;
      }
      this.signals.push({ name: unescapeText(f[0]), unit: unescapeText(f[1]) });
      return true;
    }
    return false;
  }

  frameItem(line) {
    const sp = line.indexOf(" ");
    const key = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? "" : line.slice(sp + 1);
    if (key === "time") {
      const t = parseNumber(rest, false);
      if (t === undefined) this.skip("malformed line(s) in frames");
      else this.time = t;
    } else if (key === "status") {
      if (rest === "running" || rest === "complete") this.complete = rest === "complete";
      else this.skip("malformed line(s) in frames");
    } else if (key === "values") {
      const values = [];
      for (const token of rest.split(" ")) {
        if (token === "") continue;  // runs of spaces are one separator
        const v = parseNumber(token, true);
        if (v === undefined) {
          this.skip("malformed line(s) in frames");
          return;
        }
        if (values.length >= this.signals.length) {
          this.skip("values line(s) with more values than signals");
          return;
        }
        values.push(v);
      }
      if (values.length !== this.signals.length) {
        this.skip("values line(s) with fewer values than signals");
        return;
      }
      this.values = values;
    } else if (key === "event") {
      const f = rest.split("\t");
      if (f.length < 3 || f.length > 4 || f[1] === "" || f[2] === "" || parseNumber(f[0], false) === undefined) {
        this.skip("malformed line(s) in frames");
      }
    } else {
      this.skip("malformed line(s) in frames");
    }
  }
}

module.exports = { TwinInput, kMaxSignals };
