/* Solve the site's proof-of-work challenge (ALTCHA protocol v1) with the browser's Web Crypto:
   find n ≤ maxnumber with SHA-256(salt + n) = challenge, and return the base64 payload that
   POST /api/battles takes as `pow`. About maxnumber / 2 hashes on average. */
(function () {
  "use strict";

  function hex(buffer) {
    var bytes = new Uint8Array(buffer), out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }

  async function solve() {
    var response = await fetch("/api/pow", { credentials: "same-origin" });
    if (!response.ok) throw new Error("pow challenge");
    var c = await response.json();
    var encoder = new TextEncoder();
    for (var n = 0; n <= c.maxnumber; n++) {
      var digest = await window.crypto.subtle.digest("SHA-256", encoder.encode(c.salt + n));
      if (hex(digest) === c.challenge) {
        return window.btoa(JSON.stringify({
          algorithm: c.algorithm, challenge: c.challenge, number: n, salt: c.salt, signature: c.signature
        }));
      }
    }
    throw new Error("pow unsolved");
  }

  window.KaiPow = { solve: solve };
})();
