// The battle's websocket (/ws/battles/<id>/) for static/arena/battle.js: opened for the battle on
// show, and opened again when it drops or falls silent, while the API is asked how each side
// stands. The server's snapshot on connect, from the database, fills any gap.
(function () {
  "use strict";
  // Longer than a streaming answer pauses; a thinking model silent for longer only costs a reconnect.
  var SILENCE_MS = 15000;

  // Open `battle`'s socket and keep it open until hooks.over(): each message goes to
  // hooks.message; after a drop hooks.recover() runs, and the socket is opened again (backing
  // off) while hooks.shown() says the page still shows the battle. The socket is battle.socket.
  function open(battle, hooks, attempt) {
    attempt = attempt || 0;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/battles/" + battle.id + "/");
    battle.socket = socket;
    var heard = Date.now();
    // A socket that stays open but falls silent (the server's Redis restarted, say) is closed
    // and opened again.
    var watchdog = window.setInterval(function () {
      if (hooks.over()) { window.clearInterval(watchdog); return; }
      if (socket.readyState === WebSocket.OPEN && Date.now() - heard > SILENCE_MS) socket.close();
    }, 2000);
    socket.onmessage = function (event) { heard = Date.now(); hooks.message(JSON.parse(event.data)); };
    socket.onclose = function (event) {
      window.clearInterval(watchdog);
      // Reconnect while answers are still coming; 4403: not this session's battle.
      if (hooks.over() || event.code === 4403) return;
      hooks.recover();
      var delay = Math.min(8000, 500 * Math.pow(2, attempt));
      window.setTimeout(function () { if (hooks.shown()) open(battle, hooks, attempt + 1); }, delay);
    };
    socket.onopen = function () { attempt = 0; };
  }

  window.KaiSocket = { open: open };
})();
