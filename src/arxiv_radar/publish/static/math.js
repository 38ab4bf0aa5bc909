/*
 * arxiv-radar static site: typeset the TeX in titles, TL;DRs, abstracts and summaries with
 * the KaTeX shipped in assets/katex/ (no network, works from file://).
 *
 * KaTeX's auto-render reads the page's text nodes only: the text was escaped when the page
 * was written, and nothing here is parsed as HTML. Untrusted TeX cannot reach a URL or an
 * HTML extension (trust: false), cannot stop the page (throwOnError: false: a broken formula
 * shows as its source, in colour) and cannot expand macros without end (maxExpand).
 */
"use strict";

(() => {
  if (typeof renderMathInElement !== "function") {
    return; // KaTeX did not load: the TeX stays as written.
  }
  const options = {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
      { left: "$", right: "$", display: false },
    ],
    throwOnError: false,
    trust: false,
    strict: "ignore",
    maxExpand: 200,
    maxSize: 20,
    errorCallback: () => {},
  };
  const parts = "article.paper .title a, article.paper .tldr, article.paper .abstract, " +
    "article.paper .summary-body";
  document.querySelectorAll(parts).forEach((element) => {
    renderMathInElement(element, options);
  });
})();
