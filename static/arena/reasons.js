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
  var comment = document.getElementById("reason-comment");  // optional, beside the tags
  var battleId = null;
  var saved = [];
  var savedComment = "";
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
    var words = comment.value.trim();
    if (!tags.length && !words && !saved.length && !savedComment) {
      say(gettext("이유를 하나 이상 고르거나 한마디를 적어 주세요. 남기지 않아도 투표는 이미 반영되었습니다."), true);
      return;
    }
    sending = true;
    var current = battleId;
    window.KaiApi.request("POST", "/api/battles/" + current + "/reasons", { reasons: tags, comment: words })
      .then(function (data) {
        if (battleId !== current) return;
        saved = data.reasons;
        savedComment = data.comment || "";
        say(saved.length ? gettext("고맙습니다. 고른 이유를 함께 저장했습니다.")
          : savedComment ? gettext("고맙습니다. 남겨 주신 한마디를 저장했습니다.")
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
    savedComment = "";
    comment.value = "";
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
