// The battle page's example prompts: one tap fills the prompt box (and its category), ready to
// send or edit. With no category chosen, one example of each; with one chosen, all of its own.
(function () {
  "use strict";
  var examples = document.getElementById("examples");
  if (!examples) return;
  var promptBox = document.getElementById("prompt");
  var category = document.getElementById("category");
  var chips = examples.querySelectorAll("li[data-category]");
  var leads = {};
  chips.forEach(function (chip) {
    if (!leads[chip.dataset.category]) leads[chip.dataset.category] = chip;
    chip.querySelector("button").addEventListener("click", function () {
      if (category) category.value = chip.dataset.category;
      promptBox.value = chip.textContent.trim();
      promptBox.dispatchEvent(new Event("input"));  // the character count follows
      promptBox.focus();
    });
  });
  function filterChips() {
    chips.forEach(function (chip) {
      chip.hidden = category && category.value ? chip.dataset.category !== category.value
        : leads[chip.dataset.category] !== chip;
    });
  }
  if (category) category.addEventListener("change", filterChips);
  filterChips();
})();
