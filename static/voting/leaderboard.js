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
  var hashes = document.getElementById("board-hashes");
  var provisionalNote = document.getElementById("board-provisional");
  var styleNote = document.getElementById("style-note");
  // Shown instead of ratings and ranks while the board has too little evidence (stats.evidence).
  var withheldNote = document.getElementById("board-withheld");
  var table = document.getElementById("board-table");
  var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
  var lang = document.documentElement.lang || "ko";
  // Why a style-controlled board has no figures (voting/style.py, voting/board_assembly.py).
  var STYLE_NOTES = {
    too_few_votes: gettext("표본이 부족해 계산하지 않음"),
    confounded: gettext("모델마다 답변 스타일이 거의 고정되어 있어 스타일과 모델의 영향을 구분할 수 없음"),
    not_converged: gettext("계산이 수렴하지 않아 표시하지 않음"),
    not_applicable: gettext("전문가 판정이 섞인 순위에는 계산하지 않음 (시민 투표 순위에만 계산)")
  };
  var SVG = "http://www.w3.org/2000/svg";
  // The page opens on the tab and category its address names (voting/views.py selected them).
  var selectedTab = root.querySelector('[data-track][aria-selected="true"]') || tabs[0];
  var state = { track: selectedTab.dataset.track, category: categorySelect.value };

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

  // A zero-width interval (every resample alike, from a handful of votes) is not certainty.
  function intervalKnown(m) {
    return m.ci_lower !== null && m.ci_lower !== undefined && m.ci_upper - m.ci_lower >= 0.01;
  }

  function interval(m) {
    return intervalKnown(m) ? fmt(m.ci_lower, 1) + " ~ " + fmt(m.ci_upper, 1) : "—";
  }

  // Times in the page's language and in one stated zone (the contest's, KST).
  function when(iso) {
    var moment = new Date(iso);
    if (isNaN(moment.getTime())) return "—";
    return new Intl.DateTimeFormat(lang, { timeZone: "Asia/Seoul", year: "numeric", month: "long", day: "numeric",
      hour: "2-digit", minute: "2-digit", hour12: false }).format(moment) + " KST";
  }

  function isProvisional(board) {
    if (typeof board.provisional === "boolean") return board.provisional;
    return ((board.diagnostics && board.diagnostics.provisional) || []).length > 0;
  }

  function renderTable(board) {
    tbody.innerHTML = "";
    var provisional = (board.diagnostics && board.diagnostics.provisional) || [];
    var style = board.style_control || {};
    var styleShown = style.status === undefined ? (style.models || []).length > 0 : style.status === "ok";
    var styled = {};
    (style.models || []).forEach(function (m) { styled[m.model] = m; });
    var elo = board.online_elo || {};
    table.classList.toggle("no-style", !styleShown);
    var withheld = board.ratings_shown === false;
    withheldNote.hidden = !(withheld && board.models.length);
    // Withheld: no rating, rank or Elo, and the rows in the order of their votes, not of a rating.
    var models = withheld ? board.models.slice().sort(function (a, b) { return b.battles - a.battles; }) : board.models;
    models.forEach(function (model) {
      var row = document.createElement("tr");
      row.dataset.model = model.model;
      var values = withheld ? ["—", "—", null, "—", "—", model.battles,
        model.win_rate === null ? "—" : (model.win_rate * 100).toFixed(1) + "%", "—", "—"] :
        [model.rank, model.rank_ub, null, fmt(model.rating, 1), interval(model), model.battles,
        model.win_rate === null ? "—" : (model.win_rate * 100).toFixed(1) + "%",
        styled[model.model] ? fmt(styled[model.model].rating, 1) : "—", fmt(elo[model.model], 1)];
      values.forEach(function (value, i) {
        var td;
        if (i === 2) {
          td = cell(row, model.model, "model");
          if (board.teams && board.teams[model.model]) {
            var team = document.createElement("span");
            team.className = "team";
            team.textContent = " (" + board.teams[model.model] + ")";
            td.appendChild(team);
          }
          if (provisional.indexOf(model.model) !== -1) {
            var tag = document.createElement("span");
            tag.className = "provisional";
            tag.textContent = " " + gettext("잠정");
            td.appendChild(tag);
          }
        } else {
          td = cell(row, value);
        }
        if (i === 7) td.classList.add("style-column");
        td.dataset.label = headers[i];
      });
      tbody.appendChild(row);
    });
    empty.hidden = board.models.length > 0;
    provisionalNote.hidden = !(board.models.length && isProvisional(board));
    provisionalNote.querySelector("span").textContent = interpolate(
      gettext("투표가 %s표 미만인 모델이 있어 순위와 점수가 크게 바뀔 수 있습니다. 구간이 없는 곳(—)은 표본이 너무 적어 불확실성을 잴 수 없다는 뜻입니다."),
      [board.provisional_votes || root.dataset.provisionalVotes]);
    styleNote.hidden = styleShown || !board.models.length;
    styleNote.textContent = gettext("스타일 통제 점수") + ": " + (STYLE_NOTES[style.status] || STYLE_NOTES.too_few_votes) +
      (style.status === "too_few_votes" ? " " + interpolate(gettext("(최소 %s표)"), [style.min_votes || root.dataset.styleMinVotes]) : "");
    meta.textContent = board.votes + " " + ngettext("표", "표", board.votes) + " · " + gettext("계산 시각") + " " +
      when(board.computed_at);
    hashes.textContent = "votes_sha256 " + board.votes_sha256 +
      (board.chain_head ? " · " + gettext("투표 체인 헤드") + " #" + board.chain_head.length + " " + board.chain_head.hash : "");
  }

  // The text alternative of a plot: its figures as a small table.
  function textTable(id, head, rows) {
    var holder = document.getElementById("text-" + id);
    holder.innerHTML = "";
    var t = document.createElement("table");
    t.className = "board plot-table";
    var tr = t.createTHead().insertRow();
    head.forEach(function (h) { var th = document.createElement("th"); th.scope = "col"; th.textContent = h; tr.appendChild(th); });
    var body = t.createTBody();
    rows.forEach(function (r) {
      var row = body.insertRow();
      r.forEach(function (v, i) {
        if (i === 0) { var th = document.createElement("th"); th.scope = "row"; th.textContent = v; row.appendChild(th); }
        else cell(row, v);
      });
    });
    holder.appendChild(t);
  }

  function plotTexts(board, matrices) {
    textTable("ratings", [gettext("모델"), gettext("점수"), gettext("95% 신뢰구간")],
      board.models.map(function (m) { return [m.model, fmt(m.rating, 1), interval(m)]; }));
    ["win_rate", "battle_count"].forEach(function (key) {
      textTable(key === "win_rate" ? "winrate" : "battles", [""].concat(matrices.models),
        matrices.models.map(function (name, i) {
          return [name].concat((matrices[key][i] || []).map(function (v) {
            return v === null ? "—" : key === "win_rate" ? Math.round(v * 100) + "%" : String(v);
          }));
        }));
    });
    textTable("time", [gettext("날짜"), gettext("투표 수")],
      (board.votes_over_time || []).map(function (d) { return [d.date, String(d.votes)]; }));
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
      cell(row, interval(m));
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
    // A board without the evidence for ratings plots none, and its text alternative lists none.
    var rated = board.ratings_shown === false ? Object.assign({}, board, { models: [] }) : board;
    replace("plot-ratings", plotRatings(rated));
    var matrices = board.matrices || { models: [], win_rate: [], battle_count: [] };
    replace("plot-winrate", plotMatrix(matrices, "win_rate", function (v) { return Math.round(v * 100) + "%"; },
      function (v) { var t = Math.round(255 - Math.abs(v - 0.5) * 2 * 150); return v >= 0.5 ? "rgb(" + t + "," + t + ",255)" : "rgb(255," + t + "," + t + ")"; }));
    replace("plot-battles", plotMatrix(matrices, "battle_count", function (v) { return String(v); },
      function (v, max) { var t = Math.round(245 - 140 * v / max); return "rgb(" + t + "," + (t + 5) + ",255)"; }));
    replace("plot-time", plotTime(board.votes_over_time || []));
    plotTexts(rated, matrices);
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

  // WAI-ARIA tabs: one tab in the Tab order, arrows / Home / End move between them and select.
  function mark(tab) {
    tabs.forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
    });
    document.getElementById("board-panel").setAttribute("aria-labelledby", tab.id);
    state.track = tab.dataset.track;
  }

  function select(tab, focus) {
    mark(tab);
    if (focus) tab.focus();
    remember();
    load();
  }

  // The address follows the view, so that it can be shared or bookmarked and opens the same.
  function remember() {
    var query = new URLSearchParams();
    if (state.track !== tabs[0].dataset.track) query.set("track", state.track);
    if (state.category) query.set("category", state.category);
    var search = query.toString() ? "?" + query.toString() : "";
    if (search !== window.location.search) {
      window.history.pushState(state, "", window.location.pathname + search + window.location.hash);
    }
  }

  // Back and forward move between the views the visitor chose.
  window.addEventListener("popstate", function () {
    var query = new URLSearchParams(window.location.search);
    var tab = Array.prototype.filter.call(tabs, function (t) { return t.dataset.track === query.get("track"); })[0] || tabs[0];
    var slug = query.get("category") || "";
    var known = Array.prototype.some.call(categorySelect.options, function (o) { return o.value === slug; });
    categorySelect.value = known ? slug : "";
    state.category = categorySelect.value;
    mark(tab);
    load();
  });

  tabs.forEach(function (tab, i) {
    tab.addEventListener("click", function () { select(tab, false); });
    tab.addEventListener("keydown", function (event) {
      var next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      select(tabs[(next + tabs.length) % tabs.length], true);
    });
  });
  categorySelect.addEventListener("change", function () { state.category = categorySelect.value; remember(); load(); });

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
