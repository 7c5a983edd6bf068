// The expert overview's generation progress, kept current without a reload: while a prompt set
// has answers pending, the page reads itself again every few seconds and replaces only the
// progress lines (the forms an organizer may be filling in are left alone).
(function () {
  "use strict";
  var EVERY_MS = 3000;
  function pending() { return document.querySelector(".set-progress[data-pending]"); }
  function refresh() {
    if (!pending()) return;
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll(".set-progress").forEach(function (line) {
          var next = fresh.querySelector('.set-progress[data-prompt-set="' + line.dataset.promptSet + '"]');
          if (!next) return;
          line.replaceChildren.apply(line, Array.prototype.slice.call(next.childNodes).map(function (node) {
            return document.importNode(node, true);
          }));
          if (next.hasAttribute("data-pending")) line.setAttribute("data-pending", "true");
          else line.removeAttribute("data-pending");
        });
      })
      .catch(function () { /* the next round tries again */ })
      .then(function () { if (pending()) window.setTimeout(refresh, EVERY_MS); });
  }
  if (pending()) window.setTimeout(refresh, EVERY_MS);
})();
