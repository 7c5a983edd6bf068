// The citizen's battle page: start a battle, watch both anonymous answers stream, vote, reveal.
// Plain JavaScript, no build step; Markdown is rendered by static/arena/markdown.js.
// Every element the page works with is held by reference, found once at load (before any
// answer is on the page) or kept when the page creates it: answer text can never stand in for
// one of the page's own elements, whatever markup it carries.
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };
  var root = document.getElementById("battle");
  var form = document.getElementById("prompt-form");
  var promptBox = document.getElementById("prompt");
  var sendButton = document.getElementById("send");
  var counter = document.getElementById("prompt-count");
  var category = document.getElementById("category");
  var messageBox = document.getElementById("message");
  var panes = document.getElementById("panes");
  var votes = document.getElementById("votes");
  var voteButtons = votes.querySelectorAll("button[data-choice]");
  var revealBox = document.getElementById("reveal");
  var revealNames = { a: revealBox.querySelector('[data-reveal="a"]'), b: revealBox.querySelector('[data-reveal="b"]') };
  var revealTimings = { a: revealBox.querySelector('[data-timing="a"]'), b: revealBox.querySelector('[data-timing="b"]') };
  var newBattleButton = document.getElementById("new-battle");
  var excludedNotice = document.getElementById("excluded-notice");
  var promptMax = parseInt(root.dataset.promptMax, 10);
  var maxTurns = parseInt(root.dataset.maxTurns, 10);
  var SIDES = ["a", "b"];
  // Each pane's conversation and status label.
  var paneParts = {};
  SIDES.forEach(function (side) {
    var pane = document.getElementById("pane-" + side);
    paneParts[side] = {
      conversation: pane.querySelector(".conversation"),
      status: pane.querySelector(".status"),
    };
  });

  var battle = null; // {id, turn, voted, socket, sides: {a: {...}, b: {...}}}

  var api = window.KaiApi.request;  // static/arena/api.js

  function showMessage(text) {
    messageBox.textContent = text || "";
    messageBox.hidden = !text;
  }

  function renderMarkdown(element, text) {
    window.KaiMarkdown.render(element, text);  // static/arena/markdown.js
  }

  function updateCounter() {
    counter.textContent = promptBox.value.length + " / " + promptMax;
  }

  function setBusy(busy) {
    sendButton.disabled = busy;
    promptBox.disabled = busy;
  }

  function statusLabel(status) {
    return {
      pending: gettext("기다리는 중…"),
      streaming: gettext("답하는 중…"),
      done: gettext("완료"),
      error: gettext("오류")
    }[status] || "";
  }

  function setSideStatus(side, status) {
    var state = battle.sides[side];
    state.status = status;
    var label = paneParts[side].status;
    label.textContent = statusLabel(status);
    label.dataset.status = status;
  }

  function addTurn(prompt) {
    SIDES.forEach(function (side) {
      var conversation = paneParts[side].conversation;
      var question = document.createElement("div");
      question.className = "bubble user";
      question.textContent = prompt;
      var answer = document.createElement("div");
      answer.className = "bubble answer markdown";
      answer.dataset.side = side;
      conversation.appendChild(question);
      conversation.appendChild(answer);
      battle.sides[side] = { status: "pending", seq: 0, text: "", element: answer, frame: 0 };
      setSideStatus(side, "pending");
    });
  }

  function scheduleRender(side) {
    var state = battle.sides[side];
    if (state.frame) return;
    state.frame = window.requestAnimationFrame(function () {
      state.frame = 0;
      renderMarkdown(state.element, state.text);
    });
  }

  function bothFinished() {
    return SIDES.every(function (side) {
      var status = battle.sides[side].status;
      return status === "done" || status === "error";
    });
  }

  function afterSideFinished() {
    if (!bothFinished()) return;
    var failed = SIDES.some(function (side) { return battle.sides[side].status === "error"; });
    if (failed) {
      showMessage(gettext("한쪽 답변이 실패해 이 대결에는 투표할 수 없습니다. 새 대결을 시작해 주세요."));
      revealBox.hidden = false;
      SIDES.forEach(function (side) { revealNames[side].textContent = "—"; });
      return;
    }
    voteButtons.forEach(function (button) { button.disabled = false; });
    checkExcluded();
    var turnsLeft = battle.turn + 1 < maxTurns;
    setBusy(!turnsLeft);
    promptBox.placeholder = turnsLeft ? gettext("이어서 질문하기 (선택)") : gettext("질문 횟수를 모두 썼습니다. 투표해 주세요.");
  }

  // Before the vote the server says whether it will count: not when an answer named its team
  // or model, or the citizen asked a model who it is. The citizen may still vote.
  var EXCLUDED_TEXT = {
    identity_leak: gettext("답변에 모델이나 팀의 이름이 드러났습니다. 이 대결의 투표는 순위에 반영되지 않습니다. 투표는 할 수 있고, 결과는 공개 데이터에 사유와 함께 남습니다."),
    identity_prompt: gettext("모델에게 누구인지, 누가 만들었는지 묻는 질문이 있어 이 대결의 투표는 순위에 반영되지 않습니다. 투표는 할 수 있고, 결과는 공개 데이터에 사유와 함께 남습니다.")
  };

  function checkExcluded() {
    var current = battle;
    api("GET", "/api/battles/" + current.id).then(function (data) {
      if (battle !== current || current.voted) return;
      var text = data.excluded ? (EXCLUDED_TEXT[data.excluded] || gettext("이 대결의 투표는 순위에 반영되지 않습니다.")) : "";
      excludedNotice.textContent = text;
      excludedNotice.hidden = !text;
    }).catch(function () { /* The notice is advisory; the vote still works without it. */ });
  }

  // The worker writes error messages in Korean; the page shows them in the visitor's language.
  function sideErrorText(message) {
    return {
      timeout: gettext("모델이 제한 시간 안에 답하지 못했습니다."),
      cut_off: gettext("모델의 답변이 중간에 끊겼습니다."),
      empty: gettext("모델이 빈 답변을 보냈습니다."),
      worker_lost: gettext("답변을 만들던 서버가 멈췄습니다. 새 대결을 시작해 주세요."),
      rate_limited: gettext("모델 서버에 요청이 몰려 지금은 답할 수 없습니다. 잠시 후 새 대결을 시작해 주세요."),
      connection: gettext("모델 서버에 연결하지 못했습니다."),
      http_error: gettext("모델 서버가 오류를 돌려주었습니다."),
      malformed: gettext("모델 서버가 알아볼 수 없는 형식으로 답했습니다."),
      too_slow: gettext("모델의 답변이 너무 느려 중단했습니다."),
      too_long: gettext("모델의 답변이 허용된 길이를 넘어 중단했습니다.")
    }[message.code] || gettext("모델 서버에 문제가 생겨 답변을 받지 못했습니다.");
  }

  function handleEvent(message) {
    if (!battle || battle.voted) return;
    if (typeof message.turn === "number" && message.turn !== battle.turn) return;
    var state = battle.sides[message.side];
    if (!state) return;
    if (message.type === "token") {
      if (message.snapshot) {
        state.text = message.text;
        state.seq = message.seq;
      } else if (message.seq > state.seq) {
        state.text += message.text;
        state.seq = message.seq;
      } else {
        return;
      }
      if (state.status === "pending") setSideStatus(message.side, "streaming");
      scheduleRender(message.side);
    } else if (message.type === "done") {
      state.text = message.text;
      renderMarkdown(state.element, state.text);
      setSideStatus(message.side, "done");
      afterSideFinished();
    } else if (message.type === "error") {
      if (state.status === "error") return;  // a reconnect's snapshot repeats it
      var note = document.createElement("p");
      note.className = "side-error";
      note.textContent = sideErrorText(message);
      state.element.appendChild(note);
      setSideStatus(message.side, "error");
      afterSideFinished();
    }
  }

  // Longer than a streaming answer pauses; a thinking model silent for longer only costs a reconnect.
  var SILENCE_MS = 15000;

  // After a dropped or silent socket, ask the API how each side of this turn stands: a side that
  // ended while the page was cut off shows its answer or its error even if the socket cannot
  // be opened again yet. Text still streaming comes from the socket's snapshot on reconnect.
  function recover(current) {
    api("GET", "/api/battles/" + current.id).then(function (data) {
      if (battle !== current || current.voted) return;
      var turn = data.turns[current.turn];
      if (!turn) return;
      SIDES.forEach(function (side) {
        var status = turn[side].status;
        if (current.sides[side].status === status) return;
        if (status === "done") {
          handleEvent({ type: "done", side: side, turn: current.turn, text: turn[side].text });
        } else if (status === "error") {
          handleEvent({ type: "error", side: side, turn: current.turn, code: turn[side].error });
        }
      });
    }).catch(function () { /* The socket's snapshot recovers the battle once the server is back. */ });
  }

  function connect(attempt) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var current = battle;
    var socket = new WebSocket(scheme + window.location.host + "/ws/battles/" + current.id + "/");
    current.socket = socket;
    var heard = Date.now();
    // A socket that stays open but falls silent (the server's Redis restarted, say) is closed
    // and opened again: the server's snapshot on connect, from the database, fills any gap.
    var watchdog = window.setInterval(function () {
      if (battle !== current || current.voted || bothFinished()) { window.clearInterval(watchdog); return; }
      if (socket.readyState === WebSocket.OPEN && Date.now() - heard > SILENCE_MS) socket.close();
    }, 2000);
    socket.onmessage = function (event) { heard = Date.now(); handleEvent(JSON.parse(event.data)); };
    socket.onclose = function (event) {
      window.clearInterval(watchdog);
      // Reconnect while answers are still coming; the server's snapshot fills any gap.
      if (battle !== current || current.voted || bothFinished() || event.code === 4403) return;
      recover(current);
      var delay = Math.min(8000, 500 * Math.pow(2, attempt));
      window.setTimeout(function () { if (battle === current) connect(attempt + 1); }, delay);
    };
    socket.onopen = function () { attempt = 0; };
  }

  function startBattle(prompt) {
    var body = { prompt: prompt };
    if (category && category.value) body.category = category.value;
    // When the contest asks for proof of work, solve it first (static/arena/pow.js).
    var proof = root.dataset.pow === "on" ? window.KaiPow.solve() : Promise.resolve(null);
    return proof.then(function (solution) {
      if (solution) body.pow = solution;
      return api("POST", "/api/battles", body);
    }).then(function (data) {
      battle = { id: data.id, turn: 0, voted: false, sides: {} };
      root.dataset.battleId = data.id;
      panes.hidden = false;
      votes.hidden = false;
      addTurn(prompt);
      connect(0);
    });
  }

  function continueBattle(prompt) {
    return api("POST", "/api/battles/" + battle.id + "/turns", { prompt: prompt }).then(function (data) {
      battle.turn = data.turn;
      voteButtons.forEach(function (button) { button.disabled = true; });
      addTurn(prompt);
      if (!battle.socket || battle.socket.readyState > 1) connect(0);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var prompt = promptBox.value.trim();
    if (!prompt) {
      showMessage(gettext("질문을 입력해 주세요."));
      return;
    }
    showMessage("");
    setBusy(true);
    var request = battle && !battle.voted ? continueBattle(prompt) : startBattle(prompt);
    request.then(function () {
      promptBox.value = "";
      updateCounter();
    }).catch(function (error) {
      showMessage(error.message);
      setBusy(false);
    });
  });

  promptBox.addEventListener("input", updateCounter);
  promptBox.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });

  // After the vote, each side's true speed on the first prompt, as the worker measured it at the
  // team's endpoint (before the vote the server sends no timing, and paces both panes alike).
  function showTimings(current) {
    var interpolate = window.interpolate || function (format, values) {
      return format.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
    };
    api("GET", "/api/battles/" + current.id).then(function (data) {
      if (battle !== current || !data.turns.length) return;
      SIDES.forEach(function (side) {
        var answer = data.turns[0][side];
        if (answer.ttft_ms == null || answer.total_ms == null) return;
        revealTimings[side].textContent = interpolate(gettext("(첫 글자 %(ttft)s초 · 전체 %(total)s초)"), {
          ttft: (answer.ttft_ms / 1000).toFixed(1), total: (answer.total_ms / 1000).toFixed(1)
        }, true);
      });
    }).catch(function () { /* The timings are extra; the reveal stands without them. */ });
  }

  voteButtons.forEach(function (button) {
    button.addEventListener("click", function () {
      voteButtons.forEach(function (b) { b.disabled = true; });
      api("POST", "/api/battles/" + battle.id + "/vote", { choice: button.dataset.choice })
        .then(function (data) {
          battle.voted = true;
          button.classList.add("chosen");
          if (battle.socket) battle.socket.close();
          SIDES.forEach(function (side) {
            var who = data.reveal[side];
            revealNames[side].textContent = who.team + " · " + who.model;
          });
          revealBox.hidden = false;
          setBusy(true);
          showMessage("");
          showTimings(battle);
        })
        .catch(function (error) {
          showMessage(error.message);
          voteButtons.forEach(function (b) { b.disabled = false; });
        });
    });
  });

  newBattleButton.addEventListener("click", function () {
    if (battle && battle.socket) battle.socket.close();
    battle = null;
    delete root.dataset.battleId;
    SIDES.forEach(function (side) {
      paneParts[side].conversation.replaceChildren();
      revealTimings[side].textContent = "";
    });
    panes.hidden = true;
    votes.hidden = true;
    revealBox.hidden = true;
    excludedNotice.hidden = true;
    voteButtons.forEach(function (b) { b.disabled = true; b.classList.remove("chosen"); });
    promptBox.placeholder = promptBox.getAttribute("data-placeholder") || promptBox.placeholder;
    setBusy(false);
    showMessage("");
    promptBox.focus();
  });

  promptBox.setAttribute("data-placeholder", promptBox.placeholder);
  updateCounter();
})();
