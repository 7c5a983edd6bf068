/* Render model (or user) text as Markdown that is data, not markup. Shared by every page that
   shows such text (battles, expert judging).

   Two walls. First, marked is told to emit nothing a model wrote as HTML: raw HTML is shown as
   text, images as their alt text (nothing is fetched), task boxes as [x]. Second, DOMPurify (the
   well-kept allow-list sanitiser) keeps only the elements and attributes Markdown itself
   produces, and links only to http(s): no id, class, style, data-*, hidden, open, for or name
   that could imitate or steer the page, nothing that can be positioned or submitted. The site's
   Content-Security-Policy stays a third wall: even markup that got through could not run.

   TeX ($…$, $$…$$, \(…\), \[…\]) and code are drawn after the walls, into elements the
   sanitiser has already passed. Marked leaves a placeholder for each formula (an inline code
   holding a random per-render key the answer cannot know); KaTeX then builds the formula with
   DOM calls (no HTML string, styles through CSSOM, so the CSP's style-src holds), its trust
   setting off: \href, \url, \htmlClass, \includegraphics and the like draw as errors, not as
   links, classes or images. highlight.js marks up a code block's text, and its markup passes a
   sanitiser of its own that keeps only spans with hljs- classes. Pages that load neither
   (vendor/katex, vendor/highlight) show the TeX as code and the code plain. */
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

  // The formulas and code blocks of the render under way, in the order marked met them.
  var pending = { key: "", formulas: [], languages: [] };
  var MATH_BLOCK = [/^\$\$([\s\S]+?)\$\$[ \t]*(?:\n|$)/, /^\\\[([\s\S]+?)\\\][ \t]*(?:\n|$)/];
  // "$5 and $10" is money, not TeX: no blank just inside the dollars, no digit just after.
  var MATH_INLINE = [/^\$\$([^$]+?)\$\$/, /^\$(?![\s$])([^$\n]+?)(?<!\s)\$(?!\d)/, /^\\\(([\s\S]+?)\\\)/];

  function firstMatch(patterns, src) {
    for (var i = 0; i < patterns.length; i++) {
      var match = patterns[i].exec(src);
      if (match) return match;
    }
    return null;
  }

  function placeholder(tex, display) {
    pending.formulas.push({ tex: tex, display: display });
    return "<code>" + pending.key + (pending.formulas.length - 1) + "</code>";
  }

  var parser = new window.marked.Marked({ gfm: true, breaks: true });
  parser.use({
    extensions: [
      {
        name: "mathBlock",
        level: "block",
        start: function (src) { var at = src.search(/\$\$|\\\[/); return at < 0 ? undefined : at; },
        tokenizer: function (src) {
          var match = firstMatch(MATH_BLOCK, src);
          if (match) return { type: "mathBlock", raw: match[0], text: match[1].trim() };
        },
        renderer: function (token) { return "<p>" + placeholder(token.text, true) + "</p>"; },
      },
      {
        name: "mathInline",
        level: "inline",
        start: function (src) { var at = src.search(/\$|\\\(/); return at < 0 ? undefined : at; },
        tokenizer: function (src) {
          var match = firstMatch(MATH_INLINE, src);
          if (match) return { type: "mathInline", raw: match[0], text: match[1].trim() };
        },
        renderer: function (token) { return placeholder(token.text, false); },
      },
    ],
  });
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
      // The sanitiser drops the language class; it is kept aside, block by block, for the highlighter.
      code: function (token) {
        pending.languages.push(String(token.lang || "").split(/\s/)[0].toLowerCase());
        return "<pre><code>" + escapeHtml(token.text) + "</code></pre>";
      },
    },
  });

  // highlight.js writes escaped text inside spans; this allow-list keeps exactly that.
  var codePurifier = window.DOMPurify(window);
  codePurifier.addHook("uponSanitizeAttribute", function (node, data) {
    if (data.attrName !== "class" || !/^(hljs-[\w-]+\s*)+$/.test(data.attrValue)) data.keepAttr = false;
  });
  var CODE_PURIFY = { ALLOWED_TAGS: ["span"], ALLOWED_ATTR: ["class"], ALLOW_DATA_ATTR: false, ALLOW_ARIA_ATTR: false };
  // Guessing a language costs a run of every grammar: only for blocks this short.
  var AUTO_DETECT_MAX = 3000;

  function drawCode(element, languages) {
    var hljs = window.hljs;
    if (!hljs) return;
    element.querySelectorAll("pre > code").forEach(function (code, index) {
      var text = code.textContent;
      var language = languages[index];
      var result = null;
      if (language && hljs.getLanguage(language)) {
        result = hljs.highlight(text, { language: language, ignoreIllegals: true });
      } else if (text.length <= AUTO_DETECT_MAX) {
        result = hljs.highlightAuto(text);
      }
      if (!result) return;
      code.innerHTML = codePurifier.sanitize(result.value, CODE_PURIFY);
      code.classList.add("hljs");
    });
  }

  // KaTeX's limits, kept small: an answer cannot make a formula the size of the page or loop
  // through macros.
  var KATEX = { throwOnError: false, trust: false, strict: "ignore", maxSize: 20, maxExpand: 100,
    output: "htmlAndMathml" };

  // A few of KaTeX's drawings (an error's colour, \vec's arrow) set a style attribute, which the
  // CSP's style-src refuses; while KaTeX draws, a style attribute goes through CSSOM instead,
  // which the policy allows. Synchronous: nothing else runs while it is in place.
  function styleThroughCssom(draw) {
    var setAttribute = Element.prototype.setAttribute;
    Element.prototype.setAttribute = function (name, value) {
      if (String(name).toLowerCase() === "style") { this.style.cssText = value; return; }
      return setAttribute.apply(this, arguments);
    };
    try { draw(); } finally { Element.prototype.setAttribute = setAttribute; }
  }

  function drawMath(element, key, formulas) {
    var katex = window.katex;
    if (!formulas.length) return;
    element.querySelectorAll("code").forEach(function (code) {
      var text = code.textContent;
      if (text.indexOf(key) !== 0) return;
      var formula = formulas[parseInt(text.slice(key.length), 10)];
      if (!formula) return;
      if (!katex) {  // a page without KaTeX: the TeX as written, as code
        code.textContent = formula.tex;
        return;
      }
      var box = document.createElement("span");
      box.className = formula.display ? "math math-display" : "math";
      try {
        styleThroughCssom(function () {
          katex.render(formula.tex, box, Object.assign({ displayMode: formula.display }, KATEX));
        });
      } catch (e) {
        box.textContent = formula.tex;  // KaTeX refused it outright: the TeX as written
      }
      code.replaceWith(box);
    });
  }

  function freshKey() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return "kaimath" + Array.prototype.map.call(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("") + "n";
  }

  function render(element, text) {
    pending = { key: freshKey(), formulas: [], languages: [] };
    var parsed = parser.parse(String(text || ""));
    var drawn = pending;
    element.innerHTML = purifier.sanitize(parsed, PURIFY);
    drawMath(element, drawn.key, drawn.formulas);
    drawCode(element, drawn.languages);
    // Links open outside the page and tell the target nothing about it.
    element.querySelectorAll("a[href]").forEach(function (link) {
      link.setAttribute("target", "_blank");
      link.setAttribute("rel", "noopener noreferrer nofollow");
    });
  }

  window.KaiMarkdown = { render: render };
})();
