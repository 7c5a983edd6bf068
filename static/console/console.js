// The organizers' console: polls the JSON overview every few seconds and redraws its SVG plots
// and tables. Drawn here with plain SVG, like static/voting/leaderboard.js; no library, no CDN.
(function () {
  "use strict";
  const root = document.getElementById("console");
  if (!root) return;
  const gettext = window.gettext || ((s) => s);
  const interpolate = window.interpolate || ((format, args) => args.reduce((text, arg) => text.replace("%s", arg), format));
  const SVG = "http://www.w3.org/2000/svg";

  function el(name, attrs, text) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Horizontal bars: one row per [label, value, className].
  function bars(rows) {
    const row = 22, left = 150, width = 600, height = Math.max(row * rows.length + 10, 30);
    const svg = el("svg", { viewBox: `0 0 ${width} ${height}` });
    const max = Math.max(1, ...rows.map((r) => r[1]));
    if (!rows.length) svg.appendChild(el("text", { x: 4, y: 18 }, gettext("아직 없음")));
    rows.forEach(([label, value, cls], i) => {
      const y = 5 + i * row;
      const w = ((width - left - 50) * value) / max;
      svg.appendChild(el("text", { x: left - 6, y: y + 13, "text-anchor": "end" }, label));
      svg.appendChild(el("rect", { x: left, y, width: Math.max(w, 1), height: row - 6, class: `bar ${cls || ""}` }));
      svg.appendChild(el("text", { x: left + w + 4, y: y + 13 }, String(value)));
    });
    return svg;
  }

  // A line over time: points are [label, value], each also a dot with its value, so that a
  // single hour (no line to draw yet) still shows.
  function line(points) {
    const width = 600, height = 160, pad = 30;
    const svg = el("svg", { viewBox: `0 0 ${width} ${height}` });
    if (!points.length) {
      svg.appendChild(el("text", { x: 4, y: 18 }, gettext("아직 없음")));
      return svg;
    }
    const max = Math.max(1, ...points.map((p) => p[1]));
    const step = points.length > 1 ? (width - 2 * pad) / (points.length - 1) : 0;
    const x0 = points.length > 1 ? pad : width / 2;
    const xy = points.map((p, i) => [x0 + i * step, height - pad - ((height - 2 * pad) * p[1]) / max]);
    svg.appendChild(el("line", { class: "axis", x1: pad, x2: width - pad, y1: height - pad, y2: height - pad }));
    if (points.length > 1) svg.appendChild(el("polyline", { class: "line", points: xy.map((p) => p.join(",")).join(" ") }));
    xy.forEach(([x, y], i) => {
      const dot = el("circle", { class: "dot", cx: x, cy: y, r: points.length > 24 ? 2.5 : 4 });
      dot.appendChild(el("title", {}, `${points[i][0]}: ${points[i][1]}`));
      svg.appendChild(dot);
    });
    if (points.length === 1) svg.appendChild(el("text", { x: xy[0][0], y: xy[0][1] - 10, "text-anchor": "middle" }, String(points[0][1])));
    svg.appendChild(el("text", { x: 2, y: pad }, String(max)));
    if (points.length > 1) {
      svg.appendChild(el("text", { x: pad, y: height - 8 }, points[0][0]));
      svg.appendChild(el("text", { x: width - pad, y: height - 8, "text-anchor": "end" }, points[points.length - 1][0]));
    } else {
      svg.appendChild(el("text", { x: width / 2, y: height - 8, "text-anchor": "middle" }, points[0][0]));
    }
    return svg;
  }

  function plot(name, svg) {
    const holder = root.querySelector(`[data-plot="${name}"]`);
    if (holder) holder.replaceChildren(svg);
  }

  function cell(tr, text, cls) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "—" : String(text);
    if (cls) td.className = cls;
    tr.appendChild(td);
  }

  function render(data) {
    for (const node of root.querySelectorAll("[data-figure]")) {
      const [group, key] = node.dataset.figure.split(".");
      node.textContent = String(data[group][key]);
    }
    plot("per_hour", line(data.votes.per_hour.map((p) => [p.hour, p.votes])));
    plot("by_team", bars(Object.entries(data.votes.by_team)));
    plot("by_category", bars(Object.entries(data.votes.by_category)));
    plot("battles", bars([
      [gettext("시작"), data.battles.started],
      [gettext("완료"), data.battles.completed],
      [gettext("진행 중"), data.battles.running, "running"],
      [gettext("실패"), data.battles.failed, "failed"],
    ]));
    // An entrant out of sampling says why and when the health probe last tried it.
    const samplerState = (e) => {
      if (e.in_sampler) return gettext("포함");
      if (!e.enabled) return gettext("사용 안 함");
      const probe = e.probed_at
        ? interpolate(gettext("마지막 점검 %s: %s"), [new Date(e.probed_at).toLocaleTimeString(), e.probe_error || gettext("응답함")])
        : gettext("점검 대기");
      return interpolate(gettext("제외됨 (연속 실패 %s회) · %s"), [e.consecutive_failures, probe]);
    };
    const entrants = root.querySelector("#entrants tbody");
    entrants.replaceChildren();
    for (const e of data.entrants) {
      const tr = document.createElement("tr");
      cell(tr, e.name);
      cell(tr, e.team);
      cell(tr, samplerState(e), e.in_sampler ? "" : "out-of-sampler");
      cell(tr, e.responses);
      cell(tr, `${e.ttft_p50 ?? "—"} / ${e.ttft_p90 ?? "—"}`);
      cell(tr, `${e.total_p50 ?? "—"} / ${e.total_p90 ?? "—"}`);
      cell(tr, e.error_rate === null ? null : `${(e.error_rate * 100).toFixed(1)}%`);
      cell(tr, Object.entries(e.errors_by_code).map(([c, n]) => `${c}: ${n}`).join(", ") || "—");
      entrants.appendChild(tr);
    }
    const excluded = root.querySelector("#excluded tbody");
    excluded.replaceChildren();
    for (const [reason, count] of Object.entries(data.excluded_reasons)) {
      const tr = document.createElement("tr");
      cell(tr, reason);
      cell(tr, count);
      excluded.appendChild(tr);
    }
    const expert = document.getElementById("expert-panel");
    if (expert && data.expert) {
      expert.hidden = false;
      expert.querySelector("[data-expert]").textContent = JSON.stringify(data.expert);
    }
    document.getElementById("updated").textContent = new Date().toLocaleTimeString();
  }

  async function poll() {
    try {
      const response = await fetch(root.dataset.url, { headers: { Accept: "application/json" } });
      if (response.ok) render(await response.json());
    } catch (error) {
      // The next poll tries again; a dropped request is not worth an alert.
    }
  }

  render(JSON.parse(document.getElementById("console-initial").textContent));
  setInterval(poll, Number(root.dataset.interval) || 5000);
})();
