// The optional reason tags after the vote (ComparIA-style): toggle chips (aria-pressed) of the
// question that fits the citizen's choice, and 보내기, which stores them with
// POST /api/battles/<id>/reasons (a second send replaces the first). static/arena/battle.js
// offers them once the vote is in and takes them away for a new battle.
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };
  var box = document.getElementById("reasons");
  var groups = box.querySelectorAll(".reason-group");
  var chips = box.querySelectorAll("button[data-reason]");
  var send = document.getElementById("reasons-send");
  var said = document.getElementById("reasons-status");
  var battleId = null;
  var saved = [];
  var sending = false;

  function shownGroup() {
    for (var i = 0; i < groups.length; i++) if (!groups[i].hidden) return groups[i];
    return null;
  }

  function picked() {
    var group = shownGroup();
    if (!group) return [];
    return Array.prototype.filter.call(group.querySelectorAll("button[data-reason]"), function (chip) {
      return chip.getAttribute("aria-pressed") === "true";
    }).map(function (chip) { return chip.dataset.reason; });
  }

  function say(text, failed) {
    said.textContent = text;
    said.classList.toggle("error", !!failed);
  }

  chips.forEach(function (chip) {
    chip.addEventListener("click", function () {
      chip.setAttribute("aria-pressed", chip.getAttribute("aria-pressed") === "true" ? "false" : "true");
      say("");
    });
  });

  // The button stays enabled (and focused) throughout: a disabled button would drop the
  // keyboard's focus to the page. A second press while one send is under way does nothing.
  send.addEventListener("click", function () {
    if (sending || !battleId) return;
    var tags = picked();
    if (!tags.length && !saved.length) {
      say(gettext("이유를 하나 이상 골라 주세요. 고르지 않아도 투표는 이미 반영되었습니다."), true);
      return;
    }
    sending = true;
    var current = battleId;
    window.KaiApi.request("POST", "/api/battles/" + current + "/reasons", { reasons: tags })
      .then(function (data) {
        if (battleId !== current) return;
        saved = data.reasons;
        say(saved.length ? gettext("고맙습니다. 고른 이유를 함께 저장했습니다.")
          : gettext("고른 이유를 지웠습니다."));
      })
      .catch(function (error) {
        if (battleId === current) say(error.message, true);
      })
      .then(function () { sending = false; });
  });

  function clear() {
    chips.forEach(function (chip) { chip.setAttribute("aria-pressed", "false"); });
    saved = [];
    sending = false;
    say("");
  }

  window.KaiReasons = {
    // Offer the question of `choice` for the battle just voted on.
    offer: function (id, choice) {
      clear();
      battleId = id;
      groups.forEach(function (group) {
        group.hidden = group.dataset.choices.split(" ").indexOf(choice) < 0;
      });
      box.hidden = false;
    },
    reset: function () {
      clear();
      battleId = null;
      box.hidden = true;
    }
  };
})();
