/*
 * arxiv-radar served pages: 👍/👎 buttons on each paper, for the reader who holds the
 * profile's feedback token.
 *
 * Only the pages `arxiv-radar serve` renders load this script; their list of papers names
 * the endpoint and the profile (data-feedback-api, data-feedback-profile). Those pages are
 * the same for every reader (they are cached), so the buttons are made here, in the browser
 * of a reader who opened a page once with #token=TOKEN (printed by `arxiv-radar
 * feedback-token`). The token is kept in localStorage for the profile and taken out of the
 * address bar; it is sent only in the Authorization header of requests to the endpoint.
 * Without a token this script shows nothing and requests nothing.
 */
"use strict";

(() => {
  const list = document.querySelector("ol.papers[data-feedback-api]");
  if (!list) {
    return;
  }
  const api = new URL(list.dataset.feedbackApi, document.baseURI);
  const profile = list.dataset.feedbackProfile || "default";
  const storageKey = `arxiv-radar.feedback-token.${profile}`;
  const LABELS = { up: "More like this", down: "Less like this" };
  const SYMBOLS = { up: "\u{1F44D}", down: "\u{1F44E}" };

  const storage = (() => {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage disabled: the token lasts as long as the page
    }
  })();

  /** The token in the address (#token=...), taken out of it; null when there is none. */
  function tokenFromAddress() {
    const hash = location.hash.slice(1);
    if (!hash.includes("=")) {
      return null;
    }
    const params = new URLSearchParams(hash);
    if (!params.has("token")) {
      return null;
    }
    const token = (params.get("token") || "").trim();
    params.delete("token");
    const rest = params.toString();
    try {
      history.replaceState(null, "", rest ? `#${rest}` : location.pathname + location.search);
    } catch (error) {
      // Refused (rare): the token stays in the address bar; everything else still works.
    }
    return token || null;
  }

  // A token pasted into the address of an open page comes as a hash change, not a load.
  window.addEventListener("hashchange", () => {
    const pasted = tokenFromAddress();
    if (pasted && storage) {
      storage.setItem(storageKey, pasted);
      location.reload();
    }
  });

  let token = tokenFromAddress();
  if (token) {
    storage?.setItem(storageKey, token);
  } else {
    token = storage?.getItem(storageKey) || null;
  }
  if (!token) {
    return;
  }

  // -- the bar above the papers: what the buttons do, what happened, and a way out ----------

  const bar = document.createElement("div");
  bar.className = "feedback-bar";
  bar.setAttribute("role", "region");
  bar.setAttribute("aria-label", "Feedback");
  const intro = document.createElement("p");
  intro.textContent =
    `Feedback for profile ${profile}: ${SYMBOLS.up} more like this, ` +
    `${SYMBOLS.down} less like this (press again to take it back). ` +
    "The next ranking learns from it.";
  const status = document.createElement("p");
  status.className = "feedback-status";
  status.setAttribute("role", "status");
  const problem = document.createElement("p");
  problem.className = "feedback-error";
  problem.setAttribute("role", "alert");
  const forget = document.createElement("button");
  forget.type = "button";
  forget.textContent = "Forget the token";
  bar.append(intro, status, problem, forget);
  list.before(bar);

  /** One card's buttons, made once the server has accepted the token. */
  const cards = new Map();

  function makeButtons(card) {
    const id = card.dataset.arxivId;
    const group = document.createElement("span");
    group.className = "feedback-buttons";
    group.setAttribute("role", "group");
    if (card.id) {
      group.setAttribute("aria-labelledby", `${card.id}-title`);
    }
    const buttons = {};
    for (const kind of ["up", "down"]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = `feedback-${kind}`;
      button.textContent = SYMBOLS[kind];
      button.title = LABELS[kind];
      button.setAttribute("aria-label", LABELS[kind]);
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", () => send(id, kind));
      group.append(button);
      buttons[kind] = button;
    }
    (card.querySelector(".links") || card).append(group);
    const command = card.querySelector(".feedback-command");
    if (command) {
      command.hidden = true; // the buttons do what its command does
    }
    cards.set(id, { group, buttons, command });
  }

  function press(id, judgement) {
    const card = cards.get(id);
    if (card) {
      for (const [kind, button] of Object.entries(card.buttons)) {
        button.setAttribute("aria-pressed", String(kind === judgement));
      }
    }
  }

  function setBusy(id, busy) {
    const card = cards.get(id);
    if (card) {
      card.group.setAttribute("aria-busy", String(busy));
      for (const button of Object.values(card.buttons)) {
        button.disabled = busy;
      }
    }
  }

  // -- the endpoint -------------------------------------------------------------------------

  /** A JSON error's words: FastAPI's detail is a string, or a list of {msg}. */
  function detailOf(answer) {
    const detail = answer && answer.detail;
    if (Array.isArray(detail)) {
      return detail.map((item) => (item && item.msg) || "").join("; ");
    }
    return typeof detail === "string" ? detail : "";
  }

  async function call(method, body) {
    const url = new URL(api);
    if (method === "GET") {
      url.searchParams.set("profile", profile);
    }
    const headers = { Authorization: `Bearer ${token}` };
    if (body) {
      headers["Content-Type"] = "application/json";
    }
    const response = await fetch(url, {
      method,
      headers,
      body: body ? JSON.stringify(body) : undefined,
      cache: "no-store",
      credentials: "omit",
    });
    let answer = null;
    try {
      answer = await response.json();
    } catch (error) {
      answer = null;
    }
    if (!response.ok) {
      const failure = new Error(detailOf(answer) || `HTTP ${response.status}`);
      failure.status = response.status;
      throw failure;
    }
    return answer;
  }

  function report(failure) {
    if (failure.status === 401 || failure.status === 403) {
      problem.textContent =
        `The server refused this browser's feedback token (${failure.message}). ` +
        "Make a new one with arxiv-radar feedback-token and open the page with " +
        "#token=\u2026 at the end of its address once more.";
      for (const id of cards.keys()) {
        setBusy(id, true);
      }
    } else {
      problem.textContent = `Feedback was not recorded: ${failure.message}`;
    }
  }

  async function send(id, kind) {
    const card = cards.get(id);
    const pressed = card.buttons[kind].getAttribute("aria-pressed") === "true";
    const judgement = pressed ? "clear" : kind;
    setBusy(id, true);
    let refused = false;
    try {
      const answer = await call("POST", { arxiv_id: id, judgement, profile });
      press(id, answer.judgement);
      problem.textContent = "";
      status.textContent =
        judgement === "clear"
          ? `${id}: feedback taken back (${answer.up} up, ${answer.down} down).`
          : `${id}: marked ${judgement} (${answer.up} up, ${answer.down} down).`;
    } catch (failure) {
      refused = failure.status === 401 || failure.status === 403;
      report(failure);
    } finally {
      if (!refused) {
        setBusy(id, false);
      }
    }
  }

  forget.addEventListener("click", () => {
    storage?.removeItem(storageKey);
    token = null;
    for (const card of cards.values()) {
      card.group.remove();
      if (card.command) {
        card.command.hidden = false;
      }
    }
    cards.clear();
    bar.remove();
  });

  // -- start: check the token and read which papers are marked -----------------------------

  status.textContent = "Checking the feedback token\u2026";
  call("GET")
    .then((answer) => {
      for (const card of list.querySelectorAll("article.paper[data-arxiv-id]")) {
        makeButtons(card);
      }
      for (const [id, judgement] of Object.entries(answer.judgements || {})) {
        press(id, judgement);
      }
      status.textContent = "";
    })
    .catch((failure) => {
      status.textContent = "";
      report(failure);
    });
})();
