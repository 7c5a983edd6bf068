// The leaderboard page: fetches /api/leaderboard, fills the table, draws the plots as SVG,
// and refetches whenever the server announces a new snapshot on /ws/leaderboard/.
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (fmt, args) { var i = 0; return fmt.replace(/%s/g, function () { return String(args[i++]); }); };
  var root = document.getElementById("leaderboard");
  var tabs = root.querySelectorAll("[data-track]");
  var categorySelect = document.getElementById("board-category");
  var tbody = document.querySelector("#board-table tbody");
  var empty = document.getElementById("board-empty");
  var meta = document.getElementById("board-meta");
  var SVG = "http://www.w3.org/2000/svg";
  var state = { track: "citizen", category: "" };

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svg(width, height) {
    return el("svg", { viewBox: "0 0 " + width + " " + height, role: "img" });
  }

  function cell(row, text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function fmt(value, digits) {
    return value === null || value === undefined ? "—" : Number(value).toFixed(digits);
  }

  function renderTable(board) {
    tbody.innerHTML = "";
    var provisional = (board.diagnostics && board.diagnostics.provisional) || [];
    var styled = {};
    ((board.style_control && board.style_control.models) || []).forEach(function (m) { styled[m.model] = m; });
    var elo = board.online_elo || {};
    board.models.forEach(function (model) {
      var row = document.createElement("tr");
      row.dataset.model = model.model;
      cell(row, model.rank);
      cell(row, model.rank_ub);
      var name = cell(row, model.model + (board.teams && board.teams[model.model] ? " (" + board.teams[model.model] + ")" : ""));
      if (provisional.indexOf(model.model) !== -1) {
        var tag = document.createElement("span");
        tag.className = "provisional";
        tag.textContent = " " + gettext("잠정");
        name.appendChild(tag);
      }
      cell(row, fmt(model.rating, 1));
      cell(row, fmt(model.ci_lower, 1) + " ~ " + fmt(model.ci_upper, 1));
      cell(row, model.battles);
      cell(row, model.win_rate === null ? "—" : (model.win_rate * 100).toFixed(1) + "%");
      cell(row, styled[model.model] ? fmt(styled[model.model].rating, 1) : "—");
      cell(row, fmt(elo[model.model], 1));
      tbody.appendChild(row);
    });
    empty.hidden = board.models.length > 0;
    meta.textContent = board.votes + " " + ngettext("표", "표", board.votes) + " · " + gettext("계산 시각") + " " +
      new Date(board.computed_at).toLocaleString() + " · SHA-256 " + board.votes_sha256 +
      (board.chain_head ? " · " + gettext("투표 체인 헤드") + " #" + board.chain_head.length + " " + board.chain_head.hash : "");
  }

  function plotRatings(board) {
    var models = board.models, width = 520, rowH = 28, left = 130, right = 20;
    var height = Math.max(60, models.length * rowH + 30);
    var figure = svg(width, height);
    if (!models.length) return figure;
    var lo = Math.min.apply(null, models.map(function (m) { return m.ci_lower; }));
    var hi = Math.max.apply(null, models.map(function (m) { return m.ci_upper; }));
    var pad = Math.max(5, (hi - lo) * 0.1);
    lo -= pad; hi += pad;
    var x = function (v) { return left + (v - lo) / (hi - lo) * (width - left - right); };
    models.forEach(function (m, i) {
      var y = 20 + i * rowH;
      figure.appendChild(el("text", { x: left - 8, y: y + 4, "text-anchor": "end", "font-size": 12 }, m.model));
      figure.appendChild(el("line", { x1: x(m.ci_lower), x2: x(m.ci_upper), y1: y, y2: y, stroke: "#5b6470", "stroke-width": 2 }));
      figure.appendChild(el("circle", { cx: x(m.rating), cy: y, r: 5, fill: "#0b57d0" }));
    });
    [lo, (lo + hi) / 2, hi].forEach(function (v) {
      figure.appendChild(el("text", { x: x(v), y: height - 4, "text-anchor": "middle", "font-size": 10, fill: "#5b6470" }, Math.round(v)));
    });
    return figure;
  }

  function plotMatrix(matrices, key, format, color) {
    var names = matrices.models, values = matrices[key], n = names.length;
    var size = 44, left = 110, top = 90;
    var figure = svg(left + n * size + 10, top + n * size + 10);
    var maxValue = 1;
    values.forEach(function (row) { row.forEach(function (v) { if (v !== null && v > maxValue) maxValue = v; }); });
    names.forEach(function (name, i) {
      figure.appendChild(el("text", { x: left - 6, y: top + i * size + size / 2 + 4, "text-anchor": "end", "font-size": 11 }, name));
      figure.appendChild(el("text", { x: 0, y: 0, "font-size": 11, transform: "translate(" + (left + i * size + size / 2) + "," + (top - 6) + ") rotate(-45)" }, name));
      names.forEach(function (_, j) {
        var v = values[i][j];
        figure.appendChild(el("rect", { x: left + j * size, y: top + i * size, width: size - 2, height: size - 2, fill: v === null ? "#eceff3" : color(v, maxValue) }));
        if (v !== null) {
          figure.appendChild(el("text", { x: left + j * size + size / 2 - 1, y: top + i * size + size / 2 + 4, "text-anchor": "middle", "font-size": 11 }, format(v)));
        }
      });
    });
    return figure;
  }

  function plotTime(series) {
    var width = 520, height = 180, left = 40, bottom = 24;
    var figure = svg(width, height);
    if (!series.length) return figure;
    var maxVotes = Math.max.apply(null, series.map(function (d) { return d.votes; }));
    var barW = (width - left - 10) / series.length;
    series.forEach(function (d, i) {
      var h = (height - bottom - 10) * d.votes / maxVotes;
      var bar = el("rect", { x: left + i * barW + 1, y: height - bottom - h, width: Math.max(1, barW - 2), height: h, fill: "#0b57d0" });
      bar.appendChild(el("title", {}, d.date + ": " + d.votes));
      figure.appendChild(bar);
    });
    figure.appendChild(el("text", { x: left, y: height - 6, "font-size": 10, fill: "#5b6470" }, series[0].date));
    figure.appendChild(el("text", { x: width - 10, y: height - 6, "font-size": 10, "text-anchor": "end", fill: "#5b6470" }, series[series.length - 1].date));
    figure.appendChild(el("text", { x: left - 6, y: 14, "font-size": 10, "text-anchor": "end", fill: "#5b6470" }, maxVotes));
    return figure;
  }

  function replace(id, node) {
    var holder = document.getElementById(id);
    holder.innerHTML = "";
    holder.appendChild(node);
  }

  // The panel tab: the board raked to the panel's quotas, and the weight of each group.
  function renderPanel(board) {
    var section = document.getElementById("panel-weights");
    var panel = board.panel;
    section.hidden = !panel;
    if (!panel) return;
    document.getElementById("panel-summary").textContent =
      interpolate(gettext("평가단원 %s명 중 %s명이 투표했습니다."), [panel.members, panel.voters]) +
      (panel.converged ? "" : " " + gettext("일부 목표 비율은 가중치 상한 때문에 다 맞추지 못했습니다.")) +
      (panel.unreachable.length ? " " + gettext("평가단원이 없는 집단: ") + panel.unreachable.join(", ") : "");
    var raked = document.querySelector("#panel-raked tbody");
    raked.innerHTML = "";
    panel.raked.forEach(function (m) {
      var row = raked.insertRow();
      cell(row, m.model);
      cell(row, fmt(m.rating, 1));
      cell(row, fmt(m.ci_lower, 1) + " – " + fmt(m.ci_upper, 1));
    });
    var cells = document.querySelector("#panel-cells tbody");
    cells.innerHTML = "";
    panel.cells.forEach(function (c) {
      var row = cells.insertRow();
      cell(row, Object.keys(c.profile).map(function (k) { return c.profile[k]; }).join(" · ") || "—");
      cell(row, String(c.members));
      cell(row, fmt(c.weight, 2));
    });
  }

  function render(board) {
    renderTable(board);
    renderPanel(board);
    replace("plot-ratings", plotRatings(board));
    var matrices = board.matrices || { models: [], win_rate: [], battle_count: [] };
    replace("plot-winrate", plotMatrix(matrices, "win_rate", function (v) { return Math.round(v * 100) + "%"; },
      function (v) { var t = Math.round(255 - Math.abs(v - 0.5) * 2 * 150); return v >= 0.5 ? "rgb(" + t + "," + t + ",255)" : "rgb(255," + t + "," + t + ")"; }));
    replace("plot-battles", plotMatrix(matrices, "battle_count", function (v) { return String(v); },
      function (v, max) { var t = Math.round(245 - 140 * v / max); return "rgb(" + t + "," + (t + 5) + ",255)"; }));
    replace("plot-time", plotTime(board.votes_over_time || []));
  }

  function load() {
    var query = "?track=" + encodeURIComponent(state.track) +
      (state.category ? "&category=" + encodeURIComponent(state.category) : "");
    return fetch("/api/leaderboard" + query, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (board) {
        if (board.error) { meta.textContent = board.error.message; return; }
        render(board);
        root.dataset.loadedAt = board.computed_at || "";
      });
  }

  tabs.forEach(function (tab) {
    tab.addEventListener("click", function () {
      tabs.forEach(function (t) { t.setAttribute("aria-selected", String(t === tab)); });
      state.track = tab.dataset.track;
      load();
    });
  });
  categorySelect.addEventListener("change", function () { state.category = categorySelect.value; load(); });

  function listen(attempt) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/leaderboard/");
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.track === state.track && (message.category || "") === state.category) load();
    };
    // data-live says the page is subscribed (the server joins it to the group before accepting).
    socket.onopen = function () { attempt = 0; root.dataset.live = "open"; };
    socket.onclose = function () {
      delete root.dataset.live;
      window.setTimeout(function () { listen(attempt + 1); }, Math.min(30000, 1000 * Math.pow(2, attempt)));
    };
  }

  load();
  listen(0);
})();
