/*
 * arxiv-radar static site: search and filter the papers already rendered in the page.
 *
 * No framework and no build step. The page is complete without this script; it only
 * shows the filter form, hides the cards that do not match and keeps the filters in the
 * URL hash (#q=...&cat=...&type=...&min=...) so that a filtered view can be shared.
 */
"use strict";

(() => {
  const form = document.getElementById("filters");
  const count = document.getElementById("count");
  if (!form || !count) {
    return;
  }
  const noResults = document.getElementById("no-results");
  const fields = {
    q: form.elements.namedItem("q"),
    cat: form.elements.namedItem("cat"),
    type: form.elements.namedItem("type"),
    min: form.elements.namedItem("min"),
  };

  /** Lower case without accents, so that "Schrodinger" finds "Schrödinger". */
  const fold = (text) =>
    text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

  const papers = Array.from(document.querySelectorAll("article.paper"), (card) => ({
    item: card.closest("li") || card,
    text: fold(
      Array.from(card.querySelectorAll("[data-search]"), (part) => part.textContent).join(" ")
    ),
    categories: (card.dataset.categories || "").split(" "),
    type: card.dataset.announceType || "",
    score: Number(card.dataset.score),
  }));

  /** Show the cards that match every filter; update the count. */
  function apply() {
    const terms = fold(fields.q.value).split(/\s+/).filter(Boolean);
    const category = fields.cat.value;
    const type = fields.type.value;
    const min = fields.min.value.trim() === "" ? NaN : Number(fields.min.value);
    let shown = 0;
    for (const paper of papers) {
      const visible =
        terms.every((term) => paper.text.includes(term)) &&
        (!category || paper.categories.includes(category)) &&
        (!type || paper.type === type) &&
        (Number.isNaN(min) || paper.score >= min);
      paper.item.hidden = !visible;
      shown += visible ? 1 : 0;
    }
    count.textContent = `${shown} of ${papers.length} papers`;
    if (noResults) {
      noResults.hidden = shown > 0;
    }
  }

  /** Write the filters into the URL hash, without a new history entry. */
  function save() {
    const params = new URLSearchParams();
    for (const [name, field] of Object.entries(fields)) {
      const value = field.value.trim();
      if (value) {
        params.set(name, value);
      }
    }
    const hash = params.toString();
    const url = hash ? `#${hash}` : location.pathname + location.search;
    try {
      history.replaceState(null, "", url);
    } catch (error) {
      // Some browsers refuse replaceState on file:// pages; the filters still work.
    }
  }

  /** Read the filters from the URL hash; a plain anchor (#paper-...) is left alone. */
  function load() {
    const hash = location.hash.slice(1);
    if (!hash.includes("=")) {
      return;
    }
    const params = new URLSearchParams(hash);
    for (const [name, field] of Object.entries(fields)) {
      field.value = params.get(name) || "";
    }
  }

  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("input", () => {
    apply();
    save();
  });
  form.addEventListener("change", apply);
  form.addEventListener("reset", () => {
    // The form's fields are cleared after this event: filter once they are.
    setTimeout(() => {
      apply();
      save();
    });
  });
  window.addEventListener("hashchange", () => {
    load();
    apply();
  });

  document.querySelectorAll("[data-filters]").forEach((section) => {
    section.hidden = false;
  });
  load();
  apply();
})();
