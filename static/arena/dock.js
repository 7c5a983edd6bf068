// The battle page's dock: the line that says how each side stands ("A 완료 · B 답하는 중"), the
// stop button, the vote bar, the follow-up box and the reveal, drawn from static/arena/battle.js's
// state. It sticks to the bottom of the screen during a battle, so nothing needs a scroll back.
// It also holds the page's words for statuses and failures, its one announcement region (start
// and end of each answer, never every batch of text) and the copy button's clipboard work.
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };
  var root = document.getElementById("battle");
  var dockBox = document.getElementById("dock");
  var messageBox = document.getElementById("message");
  var statusRow = document.getElementById("dock-status");
  var progress = {
    a: statusRow.querySelector('[data-progress="a"]'),
    b: statusRow.querySelector('[data-progress="b"]')
  };
  var stopButton = document.getElementById("stop");
  var votes = document.getElementById("votes");
  var voteGrid = votes.querySelector(".vote-buttons");
  var voteButtons = votes.querySelectorAll("button[data-choice]");
  var voteHint = document.getElementById("vote-hint");
  var composerHome = document.getElementById("composer-home");
  var composerDock = document.getElementById("composer-dock");
  var revealBox = document.getElementById("reveal");
  var yourChoice = document.getElementById("your-choice");
  var newBattleButton = document.getElementById("new-battle");
  var retryButton = document.getElementById("retry");
  var waited = document.getElementById("waited");
  var turnsLeftLine = document.getElementById("turns-left");
  var excludedNotice = document.getElementById("excluded-notice");
  var announcer = document.getElementById("announce");
  var maxTurns = parseInt(root.dataset.maxTurns, 10);
  var SIDES = ["a", "b"];
  var page = null;  // {promptBox, form, setBusy, examples} from battle.js

  function interpolate(format, values) {
    if (window.interpolate) return window.interpolate(format, values, true);
    return format.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function statusLabel(status) {
    return {
      pending: gettext("기다리는 중…"),
      streaming: gettext("답하는 중…"),
      done: gettext("완료"),
      error: gettext("실패"),
      stopped: gettext("멈춤")
    }[status] || "";
  }

  function shortLabel(status) {
    return {
      pending: gettext("기다리는 중"),
      streaming: gettext("답하는 중"),
      done: gettext("완료"),
      error: gettext("실패"),
      stopped: gettext("멈춤")
    }[status] || "";
  }

  // The worker writes error messages in Korean; the page shows them in the visitor's language.
  function sideErrorText(code) {
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
    }[code] || gettext("모델 서버에 문제가 생겨 답변을 받지 못했습니다.");
  }

  // A failed battle's one message, in the message line (the vote bar then hides: said once).
  function failureText(failed) {
    return failed.length === 2
      ? gettext("두 답변이 모두 실패해 이 대결에는 투표할 수 없습니다. 같은 질문으로 다시 하거나 새 대결을 시작해 주세요.")
      : gettext("한쪽 답변이 실패해 이 대결에는 투표할 수 없습니다. 다른 쪽 답변은 끝까지 읽을 수 있습니다. 같은 질문으로 다시 하거나 새 대결을 시작해 주세요.");
  }

  // Before the vote the server says whether it will count: not when an answer named its team
  // or model, or the citizen asked a model who it is. The citizen may still vote.
  var EXCLUDED_TEXT = {
    identity_leak: gettext("답변에 모델이나 팀의 이름이 드러났습니다. 이 대결의 투표는 순위에 반영되지 않습니다. 투표는 할 수 있고, 결과는 공개 데이터에 사유와 함께 남습니다."),
    identity_prompt: gettext("모델에게 누구인지, 누가 만들었는지 묻는 질문이 있어 이 대결의 투표는 순위에 반영되지 않습니다. 투표는 할 수 있고, 결과는 공개 데이터에 사유와 함께 남습니다.")
  };

  function showExcluded(text) {
    excludedNotice.textContent = text;
    excludedNotice.hidden = !text;
  }

  // Ask whether `battle`'s vote will count and say so in the vote bar (battle.excluded keeps
  // the reason for the reveal); `shown()` is the battle the page shows when the answer comes.
  function checkExcluded(battle, shown) {
    window.KaiApi.request("GET", "/api/battles/" + battle.id).then(function (data) {
      if (shown() !== battle || battle.voted) return;
      battle.excluded = data.excluded;
      showExcluded(data.excluded ? (EXCLUDED_TEXT[data.excluded] || gettext("이 대결의 투표는 순위에 반영되지 않습니다.")) : "");
    }).catch(function () { /* The notice is advisory; the vote still works without it. */ });
  }

  function unfinished(status) { return status === "pending" || status === "streaming"; }

  function failedSides(battle) {
    return SIDES.filter(function (side) { return battle.sides[side] && battle.sides[side].status === "error"; });
  }

  function bothFinished(battle) {
    return SIDES.every(function (side) { return battle.sides[side] && !unfinished(battle.sides[side].status); });
  }

  function progressLine(battle) {
    return SIDES.map(function (side) {
      return side.toUpperCase() + " " + shortLabel(battle.sides[side].status);
    }).join(" · ");
  }

  function showMessage(text) {
    messageBox.textContent = text || "";
    messageBox.hidden = !text;
    if (!root.dataset.battleId) dockBox.hidden = !text;
  }

  function showChoice(text) {
    yourChoice.textContent = text ? interpolate(gettext("내 선택: %(choice)s"), { choice: text }) : "";
  }

  // One region speaks for the whole battle; a burst of changes (both sides ending together, as
  // paced streams do) is said once, as the last of them leaves it.
  var announceTimer = 0;
  var lastAnnounced = "";
  function announce(text) {
    window.clearTimeout(announceTimer);
    announceTimer = window.setTimeout(function () {
      if (text === lastAnnounced) return;
      lastAnnounced = text;
      announcer.textContent = text;
    }, 250);
  }

  function announceProgress(battle) {
    if (!battle || !battle.sides.a) return;
    var text = progressLine(battle);
    if (bothFinished(battle) && !failedSides(battle).length) text += ". " + gettext("투표할 수 있습니다.");
    announce(text);
  }

  // A stall: no text on either side for this long. Both panes are held together (arena.pacing),
  // so the page says how long both have been waited for, never which one is late.
  var STALL_MS = 3000;
  var waitTimer = 0;

  function waitedText(battle, now) {
    if (!battle || !battle.sides.a || bothFinished(battle) || battle.stopped || battle.voted) return "";
    if (now - (battle.heardAt || battle.turnStartedAt) < STALL_MS) return "";
    return interpolate(gettext("두 모델 모두 기다리는 중 · %(seconds)s초"), {
      seconds: Math.floor((now - battle.turnStartedAt) / 1000)
    });
  }

  // Redraw the waiting line every second while a turn runs; it stops by itself after the turn.
  function drawWaited(battle) {
    window.clearInterval(waitTimer);
    function tick() {
      var text = waitedText(battle, Date.now());
      waited.textContent = text;
      waited.hidden = !text;
      document.querySelectorAll("[data-waited-for]").forEach(function (span) { span.textContent = text; });
      if (!battle || bothFinished(battle) || battle.stopped || battle.voted) window.clearInterval(waitTimer);
    }
    tick();
    if (battle && battle.sides.a && !bothFinished(battle)) waitTimer = window.setInterval(tick, 1000);
  }

  function voteHintText(battle, running, failed, turnsLeft) {
    if (failed.length === 2) return gettext("두 답변이 모두 실패해 투표할 수 없습니다.");
    if (failed.length === 1) {
      return failed[0] === "a" ? gettext("A의 답변이 실패해 투표할 수 없습니다.")
        : gettext("B의 답변이 실패해 투표할 수 없습니다.");
    }
    if (running) return gettext("두 답변이 모두 끝나면 투표할 수 있습니다.");
    if (!turnsLeft) return gettext("질문 횟수를 모두 썼습니다. 어느 쪽이 더 좋았는지 투표해 주세요.");
    return gettext("투표할 수 있습니다. 어느 쪽이 더 좋았나요? 이어서 질문해도 됩니다.");
  }

  function placeComposer(inBattle) {
    var form = page.form;
    if (inBattle && form.parentNode !== composerDock) composerDock.appendChild(form);
    if (!inBattle && form.previousElementSibling !== composerHome) {
      composerHome.parentNode.insertBefore(form, composerHome.nextSibling);
    }
    form.classList.toggle("follow-up", inBattle);
  }

  // Draw the dock for the battle as it stands (null: no battle, the composer at the top).
  function draw(battle) {
    var inBattle = !!battle;
    dockBox.classList.toggle("active", inBattle);
    // On a phone the intro and the phase line give their room to the answers during a battle.
    document.body.classList.toggle("in-battle", inBattle);
    dockBox.classList.toggle("revealed", inBattle && battle.voted);
    drawWaited(battle);
    placeComposer(inBattle);
    if (page.examples) page.examples.hidden = inBattle;
    if (!inBattle) {
      dockBox.hidden = messageBox.hidden;
      statusRow.hidden = true;
      votes.hidden = true;
      revealBox.hidden = true;
      newBattleButton.hidden = true;
      retryButton.hidden = true;
      turnsLeftLine.hidden = true;
      page.form.hidden = false;
      page.promptBox.placeholder = page.promptBox.getAttribute("data-placeholder");
      return;
    }
    var sidesKnown = !!battle.sides.a;
    var running = sidesKnown && !bothFinished(battle);
    var failed = sidesKnown ? failedSides(battle) : [];
    var ended = battle.voted || battle.stopped || failed.length > 0;
    var voteOpen = sidesKnown && !running && !ended;
    var turnsLeft = battle.turn + 1 < maxTurns;
    dockBox.hidden = false;
    statusRow.hidden = battle.voted || !sidesKnown;
    if (sidesKnown) {
      SIDES.forEach(function (side) {
        progress[side].textContent = side.toUpperCase() + " " + shortLabel(battle.sides[side].status);
        progress[side].dataset.status = battle.sides[side].status;
      });
    }
    stopButton.hidden = !running || ended;
    votes.hidden = battle.voted || battle.stopped;
    // A failed battle says so once, in the message line: the bar's hint stays silent then, and
    // its buttons stay, disabled.
    voteHint.hidden = failed.length > 0;
    voteGrid.classList.toggle("locked", !voteOpen);
    voteGrid.classList.toggle("open", voteOpen);
    votes.classList.toggle("open", voteOpen);
    voteButtons.forEach(function (button) { button.disabled = !voteOpen || battle.voting; });
    voteHint.textContent = voteHintText(battle, running, failed, turnsLeft);
    revealBox.hidden = !battle.voted;
    newBattleButton.hidden = !ended;
    // A battle that ended without a vote keeps its question: ask it again of a new pair.
    retryButton.hidden = !(failed.length > 0 || battle.stopped) || battle.voted;
    var followUp = voteOpen && turnsLeft && !battle.voting;
    var left = maxTurns - battle.turn - 1;
    turnsLeftLine.hidden = !followUp;
    turnsLeftLine.textContent = interpolate(gettext("이어서 %(left)s번 더 질문할 수 있습니다."), { left: left });
    page.form.hidden = !followUp;
    page.setBusy(!followUp);
    page.promptBox.placeholder = gettext("이어서 질문하기 (선택)");
  }

  // Copy the side's answer as the model wrote it (Markdown source), and say whether it worked.
  function copyText(text, feedback) {
    function said(ok) {
      feedback.textContent = ok ? gettext("복사했습니다.") : gettext("복사하지 못했습니다. 답변을 길게 눌러 직접 복사해 주세요.");
      window.setTimeout(function () { feedback.textContent = ""; }, 4000);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { said(true); }, function () { said(false); });
    } else {
      said(false);
    }
  }

  window.KaiDock = {
    init: function (parts) { page = parts; },
    draw: draw,
    interpolate: interpolate,
    statusLabel: statusLabel,
    shortLabel: shortLabel,
    sideErrorText: sideErrorText,
    failedSides: failedSides,
    failureText: failureText,
    checkExcluded: checkExcluded,
    showExcluded: showExcluded,
    bothFinished: bothFinished,
    showMessage: showMessage,
    showChoice: showChoice,
    announce: announce,
    announceProgress: announceProgress,
    copyText: copyText
  };
})();
