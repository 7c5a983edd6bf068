// The battle page's A/B tabs on a phone: below 760 px the panes would stack, and a long answer
// would push the other side thousands of pixels down, so one side shows at a time and a tab
// row (WAI-ARIA tabs: arrow keys, Home/End, one tab stop) says how each side stands. From
// 760 px the panes stand side by side and the tabs are gone. static/arena/battle.js tells it
// each side's status and when a battle starts afresh.
(function () {
  "use strict";
  var SIDES = ["a", "b"];
  var panes = document.getElementById("panes");
  var tablist = document.getElementById("pane-tabs");
  var tabs = {}, tabStatus = {}, paneBoxes = {};
  SIDES.forEach(function (side) {
    tabs[side] = document.getElementById("tab-" + side);
    tabStatus[side] = tabs[side].querySelector(".tab-status");
    paneBoxes[side] = document.getElementById("pane-" + side);
  });
  // The same width at which site.css puts the panes side by side.
  var phone = window.matchMedia("(max-width: 759.98px)");
  var shown = "a";

  function tabbed() { return phone.matches; }

  function draw() {
    var on = tabbed();
    tablist.hidden = !on;
    panes.classList.toggle("tabbed", on);
    SIDES.forEach(function (side) {
      var selected = side === shown;
      tabs[side].setAttribute("aria-selected", selected ? "true" : "false");
      tabs[side].tabIndex = selected ? 0 : -1;
      var pane = paneBoxes[side];
      pane.classList.toggle("shown", selected);
      if (on) {
        pane.setAttribute("role", "tabpanel");
        pane.setAttribute("aria-labelledby", "tab-" + side);
      } else {
        pane.removeAttribute("role");
        pane.setAttribute("aria-labelledby", "label-" + side);
      }
    });
  }

  // Show `side`; with `focus`, move the keyboard to its tab. When the citizen had scrolled into
  // the answers, the newly shown answer is shown from its start.
  function select(side, focus) {
    shown = side;
    draw();
    if (focus) tabs[side].focus();
    if (tabbed() && panes.getBoundingClientRect().top < 0) panes.scrollIntoView({ block: "start" });
  }

  SIDES.forEach(function (side) {
    tabs[side].addEventListener("click", function () { select(side, false); });
  });
  tablist.addEventListener("keydown", function (event) {
    var next = {
      ArrowLeft: shown === "a" ? "b" : "a",
      ArrowRight: shown === "a" ? "b" : "a",
      Home: "a",
      End: "b"
    }[event.key];
    if (!next) return;
    event.preventDefault();
    select(next, true);
  });
  // The dock's status line links to each pane ("A 완료 · B 답하는 중"): on a phone it shows that tab.
  document.querySelectorAll("#battle-status [data-progress]").forEach(function (link) {
    link.addEventListener("click", function () {
      if (tabbed()) select(link.dataset.progress, false);
    });
  });
  if (phone.addEventListener) phone.addEventListener("change", draw);
  else phone.addListener(draw);  // Safari before 14
  draw();

  window.KaiTabs = {
    // The side's status in its tab, in the dock's short words ("답하는 중", "완료", ...).
    status: function (side, text, status) {
      tabStatus[side].textContent = text ? "· " + text : "";
      tabStatus[side].dataset.status = status || "";
    },
    reset: function () {
      SIDES.forEach(function (side) { window.KaiTabs.status(side, "", ""); });
      select("a", false);
    },
    select: select
  };
})();
