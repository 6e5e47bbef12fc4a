"use strict";
// Node 18 (Debian 12's nodejs) does not define globalThis.crypto in CommonJS, which node-opcua's
// random source needs; Node 20 does. Required before node-opcua everywhere (bridge and tests).
if (typeof globalThis.crypto === "undefined") {
  globalThis.crypto = require("node:crypto").webcrypto;
}
