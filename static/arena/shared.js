// A shared battle (templates/arena/shared.html): each answer rendered through the same
// allow-list as the battle page (static/arena/markdown.js), from the JSON the page carries.
(function () {
  "use strict";
  var turns = JSON.parse(document.getElementById("shared-turns").textContent);
  document.querySelectorAll("[data-shared-answer]").forEach(function (element) {
    var turn = turns[parseInt(element.dataset.turn, 10)];
    window.KaiMarkdown.render(element, turn[element.dataset.sharedAnswer]);
  });
})();
