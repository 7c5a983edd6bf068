// What the reveal gives after the vote, beside the names (static/arena/battle.js calls show):
// each side's true timings, labelled per turn; the model card its team declared; a repeat of
// whether the vote counts; and keeping the conversation: the whole battle as Markdown (copy or
// download) and a read-only share link that exists only while the citizen wants it.
// Everything here is written with textContent: a team's declared text is data, like an answer.
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };
  var dock = window.KaiDock;
  var api = window.KaiApi.request;
  var SIDES = ["a", "b"];
  var box = document.getElementById("reveal");
  var timings = { a: box.querySelector('[data-timing="a"]'), b: box.querySelector('[data-timing="b"]') };
  var cards = { a: box.querySelector('[data-card="a"]'), b: box.querySelector('[data-card="b"]') };
  var excluded = document.getElementById("reveal-excluded");
  var copyButton = document.getElementById("keep-copy");
  var downloadButton = document.getElementById("keep-download");
  var shareOn = document.getElementById("share-on");
  var shareOff = document.getElementById("share-off");
  var shareLine = document.getElementById("share-link");
  var shareUrl = document.getElementById("share-url");
  var status = document.getElementById("keep-status");
  var HTTP_URL = /^https?:\/\//i;
  var shown = null;  // {id, data} of the battle on show

  function say(text) { status.textContent = text; }

  function seconds(ms) { return (ms / 1000).toFixed(1); }

  // One line per turn: "1번째 질문: 첫 글자 0.4초 · 전체 3.1초" (one turn: no label needed).
  function drawTimings(data) {
    SIDES.forEach(function (side) {
      timings[side].replaceChildren();
      data.turns.forEach(function (turn, index) {
        var answer = turn[side];
        if (answer.ttft_ms == null || answer.total_ms == null) return;
        var line = document.createElement("li");
        var figures = dock.interpolate(gettext("첫 글자 %(ttft)s초 · 전체 %(total)s초"), {
          ttft: seconds(answer.ttft_ms), total: seconds(answer.total_ms)
        });
        line.textContent = data.turns.length > 1
          ? dock.interpolate(gettext("%(n)s번째 질문: %(figures)s"), { n: index + 1, figures: figures }) : figures;
        timings[side].appendChild(line);
      });
    });
  }

  function cardRows(card) {
    var rows = [];
    if (card.parameters) rows.push([gettext("파라미터"), card.parameters]);
    if (card.license) rows.push([gettext("라이선스"), card.license]);
    if (card.open_weights !== null && card.open_weights !== undefined) {
      rows.push([gettext("가중치 공개"), card.open_weights ? gettext("예") : gettext("아니요")]);
    }
    if (card.released) rows.push([gettext("공개일"), card.released]);
    return rows;
  }

  function drawCards(data) {
    SIDES.forEach(function (side) {
      var list = cards[side];
      var card = data.cards && data.cards[side];
      list.replaceChildren();
      if (!card) { list.hidden = true; return; }
      cardRows(card).forEach(function (row) {
        var term = document.createElement("dt");
        term.textContent = row[0];
        var value = document.createElement("dd");
        value.textContent = row[1];
        list.append(term, value);
      });
      if (card.url && HTTP_URL.test(card.url)) {
        var term = document.createElement("dt");
        term.textContent = gettext("링크");
        var value = document.createElement("dd");
        var link = document.createElement("a");
        link.href = card.url;
        link.textContent = card.url;
        link.target = "_blank";
        link.rel = "noopener noreferrer nofollow";
        value.appendChild(link);
        list.append(term, value);
      }
      list.hidden = !list.children.length;
    });
  }

  // The battle as Markdown: each turn's question and both answers as the models wrote them,
  // then who they were. Nothing of the voter: not the choice, not the reasons.
  function markdown(data) {
    var lines = ["# " + gettext("K-AI 아레나 대결"), ""];
    data.turns.forEach(function (turn, index) {
      lines.push("## " + dock.interpolate(gettext("%(n)s번째 질문"), { n: index + 1 }), "", turn.prompt, "");
      SIDES.forEach(function (side) {
        var who = data.reveal ? data.reveal[side].team + " · " + data.reveal[side].model : "";
        lines.push("### " + (side === "a" ? gettext("모델 A") : gettext("모델 B")) + (who ? " (" + who + ")" : ""), "",
          turn[side].text || gettext("(답변 없음)"), "");
      });
    });
    return lines.join("\n");
  }

  copyButton.addEventListener("click", function () {
    if (shown) dock.copyText(markdown(shown.data), status);
  });

  downloadButton.addEventListener("click", function () {
    if (!shown) return;
    var blob = new Blob([markdown(shown.data)], { type: "text/markdown;charset=utf-8" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "k-ai-arena-" + shown.id + ".md";
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    say(gettext("Markdown 파일을 내려받았습니다."));
  });

  function drawShare(url) {
    shareLine.hidden = !url;
    shareUrl.textContent = url ? window.location.origin + url : "";
    shareUrl.href = url || "#";
    shareOn.hidden = !!url;
    shareOff.hidden = !url;
  }

  shareOn.addEventListener("click", function () {
    if (!shown) return;
    var current = shown;
    api("POST", "/api/battles/" + current.id + "/share").then(function (data) {
      if (shown !== current) return;
      drawShare(data.url);
      say(gettext("공유 링크를 만들었습니다. 링크를 아는 사람만 볼 수 있습니다."));
      shareOff.focus();
    }).catch(function (error) { say(error.message); });
  });

  shareOff.addEventListener("click", function () {
    if (!shown) return;
    var current = shown;
    api("DELETE", "/api/battles/" + current.id + "/share").then(function () {
      if (shown !== current) return;
      drawShare(null);
      say(gettext("공유를 껐습니다. 그 링크는 이제 열리지 않습니다."));
      shareOn.focus();
    }).catch(function (error) { say(error.message); });
  });

  window.KaiReveal = {
    // Fill the reveal's extras for `battle` (just voted on); `stillShown` says whether the
    // page still shows it when the answer comes back.
    show: function (battle, stillShown) {
      reset();
      if (battle.excluded) excluded.hidden = false;
      api("GET", "/api/battles/" + battle.id).then(function (data) {
        if (!stillShown()) return;
        shown = { id: battle.id, data: data };
        excluded.hidden = !data.excluded;
        drawTimings(data);
        drawCards(data);
      }).catch(function () { /* The extras only; the reveal stands without them. */ });
    },
    reset: reset
  };

  function reset() {
    shown = null;
    excluded.hidden = true;
    SIDES.forEach(function (side) { timings[side].replaceChildren(); cards[side].replaceChildren(); cards[side].hidden = true; });
    drawShare(null);
    say("");
  }
})();
