// The expert's judging page: both answers as sanitised Markdown, the rubric, autosaved drafts,
// time on the page, and full keyboard operation. Plain JavaScript, no build step.
// Every element the page works with is found once, before either answer is rendered, and held
// by reference: answer text can never stand in for one of the page's own elements.
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };
  var root = document.getElementById("expert-item");
  var item = JSON.parse(document.getElementById("item-data").textContent);
  var answers = { a: document.getElementById("answer-a"), b: document.getElementById("answer-b") };
  var form = document.getElementById("judgment-form");
  var DRAFT_DELAY_MS = 800;

  var rationale = document.getElementById("rationale");
  var counter = document.getElementById("rationale-count");
  var messageBox = document.getElementById("message");
  var draftState = document.getElementById("draft-state");
  var skipBox = document.getElementById("skip");
  var skipReason = document.getElementById("skip-reason");
  var skipConfirm = document.getElementById("skip-confirm");
  var submitButton = document.getElementById("submit");
  var groups = form ? Array.prototype.slice.call(form.querySelectorAll("fieldset.choice-group")) : [];

  window.KaiMarkdown.render(answers.a, item.a.text);  // static/arena/markdown.js, as battles render
  window.KaiMarkdown.render(answers.b, item.b.text);
  if (!form) return;
  var rationaleMin = parseInt(root.dataset.rationaleMin, 10);
  var skipMin = parseInt(root.dataset.skipMin, 10);
  var draft = item.draft || {};

  // Time spent: only while the page is visible, carried over from the draft.
  var seconds = draft.seconds || 0;
  var since = document.visibilityState === "visible" ? Date.now() : null;
  function elapsed() {
    return seconds + (since ? Math.round((Date.now() - since) / 1000) : 0);
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { since = Date.now(); }
    else { seconds = elapsed(); since = null; saveDraft(); }
  });

  var api = window.KaiApi.request;  // static/arena/api.js

  function showMessage(text) {
    messageBox.textContent = text || "";
    messageBox.hidden = !text;
  }

  function groupValue(group) {
    var checked = group.querySelector("input:checked");
    return checked ? checked.value : null;
  }

  function collect() {
    var criteria = {};
    var overall = null;
    groups.forEach(function (group) {
      if (group.dataset.group === "overall") { overall = groupValue(group); }
      else { criteria[group.dataset.key] = groupValue(group); }
    });
    return { criteria: criteria, overall: overall, rationale: rationale.value, seconds: elapsed() };
  }

  function restore() {
    groups.forEach(function (group) {
      var value = group.dataset.group === "overall" ? draft.overall : (draft.criteria || {})[group.dataset.key];
      if (!value) return;
      var input = group.querySelector('input[value="' + value + '"]');
      if (input) input.checked = true;
    });
    rationale.value = draft.rationale || "";
    updateCounter();
  }

  function updateCounter() {
    var length = rationale.value.trim().length;
    counter.textContent = length + " / " + rationaleMin + gettext("자 이상");
    counter.dataset.short = length < rationaleMin ? "true" : "false";
  }

  var draftTimer = 0;
  function saveDraft() {
    window.clearTimeout(draftTimer);
    draftTimer = 0;
    return api("PUT", "/api/expert/items/" + item.id + "/draft", collect()).then(function () {
      draftState.textContent = gettext("임시 저장됨");
    }).catch(function () {
      draftState.textContent = gettext("임시 저장 실패");
    });
  }
  function scheduleDraft() {
    draftState.textContent = "";
    window.clearTimeout(draftTimer);
    draftTimer = window.setTimeout(saveDraft, DRAFT_DELAY_MS);
  }
  form.addEventListener("change", scheduleDraft);
  rationale.addEventListener("input", function () { updateCounter(); scheduleDraft(); });

  // After a judgment the next page says it was saved (?saved=1); after a skip it does not.
  function goNext(next, saved) {
    var query = saved ? "?saved=1" : "";
    window.location.href = (next ? "/expert/items/" + next + "/" : "/expert/") + query;
  }

  function submit() {
    var body = collect();
    var missing = groups.filter(function (group) { return !groupValue(group); });
    if (missing.length) {
      showMessage(gettext("모든 기준과 종합 판정을 골라 주세요."));
      focusGroup(missing[0]);
      return;
    }
    if (body.rationale.trim().length < rationaleMin) {
      showMessage(interpolate(gettext("판정 근거를 %s자 이상 써 주세요."), [rationaleMin]));
      rationale.focus();
      return;
    }
    window.clearTimeout(draftTimer);
    submitButton.disabled = true;
    api("POST", "/api/expert/items/" + item.id + "/judgment", body).then(function (data) {
      goNext(data.next, true);
    }).catch(function (error) {
      submitButton.disabled = false;
      showMessage(error.message);
    });
  }
  form.addEventListener("submit", function (event) { event.preventDefault(); submit(); });

  skipConfirm.addEventListener("click", function () {
    if (skipReason.value.trim().length < skipMin) {
      showMessage(interpolate(gettext("건너뛰는 이유를 %s자 이상 써 주세요."), [skipMin]));
      skipReason.focus();
      return;
    }
    api("POST", "/api/expert/items/" + item.id + "/skip", { reason: skipReason.value }).then(function (data) {
      goNext(data.next);
    }).catch(function (error) { showMessage(error.message); });
  });

  function interpolate(text, values) {
    return window.interpolate ? window.interpolate(text, values) : text.replace("%s", values[0]);
  }

  // Keyboard: a/b/t(/x) choose in the current group and move on; digits, o and r jump.
  function focusGroup(group, options) {
    var input = group.querySelector("input:checked") || group.querySelector("input");
    input.focus(options);
  }
  function currentGroup() {
    var active = document.activeElement;
    var group = groups.filter(function (g) { return g.contains(active); })[0];
    return group || groups.filter(function (g) { return !groupValue(g); })[0] || null;
  }
  var KEYS = { a: "a", b: "b", t: "tie", x: "both_bad" };
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
      return;
    }
    var target = event.target;
    var typing = target && (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type === "text"));
    if (typing || event.ctrlKey || event.metaKey || event.altKey) {
      if (event.key === "Escape" && typing) target.blur();
      return;
    }
    var key = event.key.toLowerCase();
    if (/^[1-9]$/.test(key)) {
      var criteria = groups.filter(function (g) { return g.dataset.group === "criterion"; });
      var chosen = criteria[parseInt(key, 10) - 1];
      if (chosen) { event.preventDefault(); focusGroup(chosen); }
      return;
    }
    if (key === "o") { event.preventDefault(); focusGroup(groups[groups.length - 1]); return; }
    if (key === "r") { event.preventDefault(); rationale.focus(); return; }
    if (key === "s") { event.preventDefault(); skipBox.open = true; skipReason.focus(); return; }
    if (!(key in KEYS)) return;
    var group = currentGroup();
    if (!group) return;
    var input = group.querySelector('input[value="' + KEYS[key] + '"]');
    if (!input) return;
    event.preventDefault();
    input.checked = true;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    var next = groups[groups.indexOf(group) + 1];
    if (next) { focusGroup(next); } else { rationale.focus(); }
  });

  restore();
  // An item opens at its top, the question (and the saved notice) in view, on any screen: the
  // keyboard's focus waits in the rubric without scrolling the page there.
  var first = groups.filter(function (g) { return !groupValue(g); })[0];
  if (first) focusGroup(first, { preventScroll: true }); else rationale.focus({ preventScroll: true });
  if (!window.location.hash) window.scrollTo(0, 0);
})();
