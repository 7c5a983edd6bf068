// The citizen's battle page: start a battle, watch both anonymous answers stream, vote, reveal.
// Plain JavaScript, no build step; Markdown is rendered by static/arena/markdown.js, the dock
// (status, vote bar, follow-up box, reveal) is drawn by static/arena/dock.js from this state.
// Every element the page works with is held by reference, found once at load (before any
// answer is on the page) or kept when the page creates it: answer text can never stand in for
// one of the page's own elements, whatever markup it carries.
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.KaiDock.interpolate;
  var root = document.getElementById("battle");
  var form = document.getElementById("prompt-form");
  var promptBox = document.getElementById("prompt");
  var counter = document.getElementById("prompt-count");
  var category = document.getElementById("category");
  var examples = document.getElementById("examples");
  var panes = document.getElementById("panes");
  var votes = document.getElementById("votes");
  var voteButtons = votes.querySelectorAll("button[data-choice]");
  var stopButton = document.getElementById("stop");
  var revealBox = document.getElementById("reveal");
  var revealTitle = document.getElementById("reveal-title");
  var revealNames = { a: revealBox.querySelector('[data-reveal="a"]'), b: revealBox.querySelector('[data-reveal="b"]') };
  var newBattleButton = document.getElementById("new-battle");
  var retryButton = document.getElementById("retry");
  var startError = document.getElementById("start-error");
  var battleStatus = document.getElementById("battle-status");
  var promptMax = parseInt(root.dataset.promptMax, 10);
  var accepted = root.dataset.notice === "accepted";
  var contestOpen = root.dataset.open === "on";
  var SIDES = ["a", "b"];
  // A reload in the middle of a battle finds it again here (this tab only; the server checks
  // that the battle is this session's before it shows anything).
  var STORAGE_KEY = "kai-arena-battle";
  var dock = window.KaiDock;  // static/arena/dock.js
  var tabs = window.KaiTabs;  // static/arena/tabs.js: A/B tabs on a phone
  var reasons = window.KaiReasons;  // static/arena/reasons.js: reason tags after the vote
  var reveal = window.KaiReveal;  // static/arena/reveal.js: timings, model cards, keeping the battle
  // Each pane's conversation, status label, heading name and copy button.
  var paneParts = {};
  SIDES.forEach(function (side) {
    var pane = document.getElementById("pane-" + side);
    paneParts[side] = {
      conversation: pane.querySelector(".conversation"),
      status: pane.querySelector(".status"),
      name: pane.querySelector(".pane-name"),
      copy: pane.querySelector("button.copy"),
      copied: pane.querySelector(".copy-done"),
    };
    paneParts[side].defaultName = paneParts[side].name.textContent;
  });

  // {id, turn, voted, voting, stopped, socket, sides: {a: {...}, b: {...}}}
  var battle = null;

  var api = window.KaiApi.request;  // static/arena/api.js

  function remember(id) {
    try {
      if (id) window.sessionStorage.setItem(STORAGE_KEY, id);
      else window.sessionStorage.removeItem(STORAGE_KEY);
    } catch (e) { /* Storage refused (private mode): a reload then starts afresh. */ }
  }

  function remembered() {
    try { return window.sessionStorage.getItem(STORAGE_KEY); } catch (e) { return null; }
  }

  function refresh() { dock.draw(battle); }

  function updateCounter() {
    counter.textContent = promptBox.value.length + " / " + promptMax;
  }

  function setBusy(busy) {
    form.querySelector("#send").disabled = busy;
    promptBox.disabled = busy;
  }

  function setSideStatus(side, status) {
    battle.sides[side].status = status;
    var label = paneParts[side].status;
    label.textContent = dock.statusLabel(status);
    label.dataset.status = status;
    tabs.status(side, dock.shortLabel(status), status);
  }

  function addTurn(prompt) {
    battle.prompt = prompt;
    battle.turnStartedAt = Date.now();
    battle.heardAt = 0;
    battle.questions = [];
    SIDES.forEach(function (side) {
      var conversation = paneParts[side].conversation;
      var question = document.createElement("div");
      question.className = "bubble user";
      question.textContent = prompt;
      var answer = document.createElement("div");
      answer.className = "bubble answer markdown";
      answer.dataset.side = side;
      // The side's failure is said beside its answer, never inside it: the answer's next
      // render replaces what is inside.
      var note = document.createElement("p");
      note.className = "side-error";
      note.hidden = true;
      conversation.appendChild(question);
      battle.questions.push(question);
      conversation.appendChild(answer);
      conversation.appendChild(note);
      battle.sides[side] = { status: "pending", seq: 0, text: "", element: answer, note: note, frame: 0 };
      setSideStatus(side, "pending");
      paneParts[side].copy.disabled = true;
    });
  }

  function scheduleRender(side) {
    var state = battle.sides[side];
    if (state.frame) return;
    state.frame = window.requestAnimationFrame(function () {
      state.frame = 0;
      window.KaiMarkdown.render(state.element, state.text);  // static/arena/markdown.js
    });
  }

  function afterSideFinished(side) {
    var state = battle.sides[side];
    paneParts[side].copy.disabled = !state.text;
    var failed = dock.failedSides(battle);
    if (failed.length) dock.showMessage(dock.failureText(failed));
    // A failed battle is over; a finished one is kept, so that a reload can still vote on it.
    if (failed.length) remember(null);
    else if (dock.bothFinished(battle)) dock.checkExcluded(battle, function () { return battle; });
    refresh();
    dock.announceProgress(battle);
  }

  function handleEvent(message) {
    if (!battle || battle.voted || battle.stopped) return;
    if (typeof message.turn === "number" && message.turn !== battle.turn) return;
    var state = battle.sides[message.side];
    if (!state) return;
    if (message.type === "token") {
      if (state.status === "done" || state.status === "error") return;  // a batch late for its end
      if (message.snapshot) {
        state.text = message.text;
        state.seq = message.seq;
      } else if (message.seq === state.seq + 1) {
        state.text += message.text;
        state.seq = message.seq;
      } else {
        // A batch already shown is dropped; one past a missing batch is not shown either: the
        // socket is opened again, and the server's snapshot on connect brings the whole text.
        if (message.seq > state.seq && battle.socket) battle.socket.close();
        return;
      }
      battle.heardAt = Date.now();
      if (state.status === "pending") {
        setSideStatus(message.side, "streaming");
        refresh();
        dock.announceProgress(battle);
      }
      scheduleRender(message.side);
    } else if (message.type === "done") {
      if (state.status === "done") return;
      state.text = message.text;
      window.KaiMarkdown.render(state.element, state.text);
      setSideStatus(message.side, "done");
      afterSideFinished(message.side);
    } else if (message.type === "error") {
      if (state.status === "error") return;  // a reconnect's snapshot repeats it
      state.note.textContent = dock.sideErrorText(message.code);
      state.note.hidden = false;
      setSideStatus(message.side, "error");
      afterSideFinished(message.side);
    }
  }

  // After a dropped or silent socket, ask the API how each side of this turn stands: a side that
  // ended while the page was cut off shows its answer or its error even if the socket cannot
  // be opened again yet. Text still streaming comes from the socket's snapshot on reconnect.
  function recover(current) {
    api("GET", "/api/battles/" + current.id).then(function (data) {
      if (battle !== current || current.voted) return;
      var turn = data.turns[current.turn];
      if (!turn) return;
      SIDES.forEach(function (side) { settleSide(current, side, turn[side]); });
    }).catch(function () { /* The socket's snapshot recovers the battle once the server is back. */ });
  }

  function settleSide(current, side, answer) {
    if (current.sides[side].status === answer.status) return;
    if (answer.status === "done") {
      handleEvent({ type: "done", side: side, turn: current.turn, text: answer.text });
    } else if (answer.status === "error") {
      handleEvent({ type: "error", side: side, turn: current.turn, code: answer.error });
    }
  }

  // The battle's websocket (static/arena/socket.js), kept open while its answers come.
  function connect() {
    var current = battle;
    window.KaiSocket.open(current, {
      over: function () { return battle !== current || current.voted || current.stopped || dock.bothFinished(current); },
      shown: function () { return battle === current; },
      message: handleEvent,
      recover: function () { recover(current); }
    });
  }

  function begin(id) {
    battle = { id: id, turn: 0, voted: false, voting: false, stopped: false, sides: {} };
    root.dataset.battleId = id;
    tabs.reset();
    panes.hidden = false;
    remember(id);
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
      begin(data.id);
      addTurn(prompt);
      connect();
    });
  }

  function continueBattle(prompt) {
    return api("POST", "/api/battles/" + battle.id + "/turns", { prompt: prompt }).then(function (data) {
      battle.turn = data.turn;
      dock.showExcluded("");
      addTurn(prompt);
      if (!battle.socket || battle.socket.readyState > 1) connect();
      // The new question and its answers start at the top of the screen, not under the dock.
      var shown = battle.questions.filter(function (question) { return question.offsetParent !== null; })[0];
      if (shown) shown.scrollIntoView({ block: "start" });
    });
  }

  // A refused start is said above the prompt box, where the citizen is looking, and focused
  // (role="alert" announces it too); a refused follow-up is said in the dock.
  function showStartError(text) {
    startError.textContent = text || "";
    startError.hidden = !text;
    if (!text) return;
    startError.scrollIntoView({ block: "nearest" });
    startError.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var prompt = promptBox.value.trim();
    var following = battle && !battle.voted;
    if (!prompt) {
      if (following) dock.showMessage(gettext("질문을 입력해 주세요."));
      else showStartError(gettext("질문을 입력해 주세요."));
      promptBox.focus();
      return;
    }
    dock.showMessage("");
    showStartError("");
    setBusy(true);
    var request = following ? continueBattle(prompt) : startBattle(prompt);
    request.then(function () {
      promptBox.value = "";
      updateCounter();
      refresh();
      dock.announceProgress(battle);
      // The keyboard goes on from the battle's status line: the stop button, then the votes.
      battleStatus.focus();
    }).catch(function (error) {
      setBusy(false);
      if (following) {
        dock.showMessage(error.message);
        promptBox.focus();
      } else {
        showStartError(error.message);
      }
    });
  });

  promptBox.addEventListener("input", updateCounter);
  promptBox.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });

  voteButtons.forEach(function (button) {
    button.addEventListener("click", function () {
      var current = battle;
      current.voting = true;
      refresh();
      api("POST", "/api/battles/" + current.id + "/vote", { choice: button.dataset.choice })
        .then(function (data) {
          current.voting = false;
          current.voted = true;
          remember(null);
          button.classList.add("chosen");
          if (current.socket) current.socket.close();
          SIDES.forEach(function (side) {
            var who = data.reveal[side].team + " · " + data.reveal[side].model;
            revealNames[side].textContent = who;
            current.reveal = data.reveal;
            // The pane's own heading now says whose answer it was.
            paneParts[side].name.textContent = interpolate(
              side === "a" ? gettext("A: %(who)s") : gettext("B: %(who)s"), { who: who });
          });
          dock.showChoice(button.textContent);
          dock.showMessage("");
          reasons.offer(current.id, button.dataset.choice);
          refresh();
          revealBox.scrollIntoView({ block: "nearest" });
          revealTitle.focus({ preventScroll: true });
          reveal.show(current, function () { return battle === current; });
        })
        .catch(function (error) {
          current.voting = false;
          dock.showMessage(error.message);
          refresh();
        });
    });
  });

  // Stop ends the citizen's wait. The contest counts a vote only on two finished answers, so a
  // stopped battle closes to voting; the teams' servers may still finish, unseen.
  stopButton.addEventListener("click", function () {
    if (!battle) return;
    battle.stopped = true;
    remember(null);
    if (battle.socket) battle.socket.close();
    SIDES.forEach(function (side) {
      var state = battle.sides[side];
      if (state.status === "pending" || state.status === "streaming") {
        setSideStatus(side, "stopped");
        paneParts[side].copy.disabled = !state.text;
      }
    });
    dock.showMessage(gettext("기다리기를 멈췄습니다. 끝나지 않은 답변으로는 투표할 수 없어 이 대결은 투표 없이 끝났습니다."));
    refresh();
    newBattleButton.focus();
  });

  SIDES.forEach(function (side) {
    paneParts[side].copy.addEventListener("click", function () {
      if (!battle || !battle.sides[side]) return;
      dock.copyText(battle.sides[side].text, paneParts[side].copied);
    });
  });

  function clearBattle() {
    if (battle && battle.socket) battle.socket.close();
    battle = null;
    remember(null);
    delete root.dataset.battleId;
    SIDES.forEach(function (side) {
      paneParts[side].conversation.replaceChildren();
      paneParts[side].name.textContent = paneParts[side].defaultName;
      paneParts[side].copied.textContent = "";
      revealNames[side].textContent = "";
    });
    panes.hidden = true;
    tabs.reset();
    reasons.reset();
    reveal.reset();
    dock.showExcluded("");
    voteButtons.forEach(function (b) { b.classList.remove("chosen"); });
    dock.showChoice("");
    dock.showMessage("");
    refresh();
    setBusy(false);
  }

  newBattleButton.addEventListener("click", function () {
    clearBattle();
    promptBox.focus();
  });

  // A new pair of models for the question that failed or was stopped (the category stays chosen).
  retryButton.addEventListener("click", function () {
    var prompt = battle ? battle.prompt : "";
    clearBattle();
    promptBox.value = prompt;
    updateCounter();
    form.requestSubmit();
  });

  // A reload in the middle of a battle: rebuild it from the API, then let the socket's snapshot
  // carry on whatever is still streaming.
  function resume(id) {
    api("GET", "/api/battles/" + id).then(function (data) {
      if (battle || data.vote || data.reveal || !data.turns.length) { remember(null); return; }
      begin(data.id);
      data.turns.forEach(function (turn, index) {
        battle.turn = index;
        addTurn(turn.prompt);
        SIDES.forEach(function (side) {
          var answer = turn[side];
          if (answer.status === "done" || answer.status === "error") {
            settleSide(battle, side, answer);
          } else if (answer.text) {
            handleEvent({ type: "token", side: side, turn: index, seq: 0, snapshot: true, text: answer.text });
          }
        });
      });
      setBusy(true);
      if (!dock.bothFinished(battle)) connect();
      refresh();
      dock.announce(gettext("새로 고치기 전의 대결을 이어서 보여 드립니다."));
    }).catch(function () { remember(null); });
  }

  promptBox.setAttribute("data-placeholder", promptBox.placeholder);
  updateCounter();
  dock.init({ promptBox: promptBox, form: form, setBusy: setBusy, examples: examples });
  if (accepted && contestOpen && remembered()) resume(remembered());
})();
