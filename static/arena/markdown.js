/* Render model (or user) text as Markdown that is data, not markup. Shared by every page that
   shows such text (battles, expert judging).

   Two walls. First, marked is told to emit nothing a model wrote as HTML: raw HTML is shown as
   text, images as their alt text (nothing is fetched), task boxes as [x]. Second, DOMPurify (the
   well-kept allow-list sanitiser) keeps only the elements and attributes Markdown itself
   produces, and links only to http(s): no id, class, style, data-*, hidden, open, for or name
   that could imitate or steer the page, nothing that can be positioned or submitted. The site's
   Content-Security-Policy stays a third wall: even markup that got through could not run. */
(function () {
  "use strict";

  var ALLOWED_TAGS = [
    "p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "del", "ul", "ol", "li",
    "code", "pre", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "hr", "a",
  ];
  // Per element, the only attributes Markdown writes: a link's target, a column's alignment,
  // a numbered list's first number.
  var ATTRIBUTES_OF = { a: ["href"], th: ["align"], td: ["align"], ol: ["start"] };
  var HTTP_URL = /^https?:\/\//i;

  var purifier = window.DOMPurify(window);  // a private instance: its hook touches no other page code
  purifier.addHook("uponSanitizeAttribute", function (node, data) {
    var allowed = ATTRIBUTES_OF[node.nodeName.toLowerCase()] || [];
    if (allowed.indexOf(data.attrName) === -1) data.keepAttr = false;
  });
  var PURIFY = {
    ALLOWED_TAGS: ALLOWED_TAGS,
    ALLOWED_ATTR: ["href", "align", "start"],
    ALLOWED_URI_REGEXP: HTTP_URL,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    ALLOW_UNKNOWN_PROTOCOLS: false,
  };

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  var parser = new window.marked.Marked({ gfm: true, breaks: true });
  parser.use({
    renderer: {
      // Raw HTML in an answer is what the model wrote, shown as such.
      html: function (token) {
        if (!token.block) return escapeHtml(token.text);
        return "<p>" + escapeHtml(token.text.replace(/\n+$/, "")).replace(/\n/g, "<br>") + "</p>";
      },
      // An image would be a request the reader never asked for (a tracker, a page-sized
      // overlay): show its alt text, or its address when it has none.
      image: function (token) {
        return escapeHtml(token.text || (HTTP_URL.test(token.href) ? token.href : ""));
      },
      checkbox: function (token) {
        return token.checked ? "[x]" : "[ ]";
      },
    },
  });

  function render(element, text) {
    element.innerHTML = purifier.sanitize(parser.parse(String(text || "")), PURIFY);
    // Links open outside the page and tell the target nothing about it.
    element.querySelectorAll("a[href]").forEach(function (link) {
      link.setAttribute("target", "_blank");
      link.setAttribute("rel", "noopener noreferrer nofollow");
    });
  }

  window.KaiMarkdown = { render: render };
})();
