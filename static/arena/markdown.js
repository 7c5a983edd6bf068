/* Render a model's Markdown answer as sanitised HTML: marked parses, DOMPurify removes every
   script, event handler, javascript: URL and foreign markup it could carry. Shared by every page
   that shows model text (battles, expert judging). The site's Content-Security-Policy is the
   second wall: even markup that got through could not run. */
(function () {
  "use strict";

  var PURIFY = {
    USE_PROFILES: { html: true },           // no SVG or MathML: models answer in Markdown
    FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select"],
    FORBID_ATTR: ["style"],
  };

  function render(element, text) {
    var html = window.marked.parse(String(text || ""), { breaks: true });
    element.innerHTML = window.DOMPurify.sanitize(html, PURIFY);
    // Links from a model open outside the page and tell the target nothing about it.
    element.querySelectorAll("a[href]").forEach(function (link) {
      link.setAttribute("target", "_blank");
      link.setAttribute("rel", "noopener noreferrer nofollow");
    });
  }

  window.KaiMarkdown = { render: render };
})();
