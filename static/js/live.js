/* The page's one WebSocket (ws/live/?page=<page>): reconnects with backoff, asks for the
 * page's snapshot on every (re)connect, then applies the deltas the server pushes (changed
 * regions, changed coin cards or table rows, or only a card's moving values). Every message carries the page's sequence
 * number: a gap (a message lost, or missed while reconnecting) makes the page ask for a
 * fresh snapshot, and so does a heartbeat answer showing a newer number or a new epoch
 * (Redis restarted: the numbers began again). It also drives
 * the header light, the data-age pill, the error-log panel and the tooltips. No polling. */
(function () {
  "use strict";
  const page = document.body.dataset.page || "";
  const csrfInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  const listeners = [];
  const wsLight = document.getElementById("ws-status");
  const HEARTBEAT_MS = 25000;
  const SILENCE_LIMIT_MS = 2 * HEARTBEAT_MS + 5000;
  let socket = null;
  let attempts = 0;
  let snapshotTimer = null;
  let heartbeatTimer = null;
  let lastSeq = null;
  let epoch = null;
  let seenWhileWaiting = 0;
  let lastHeard = 0;
  let newestError = null;
  let clientErrors = [];

  function setWsState(state, text) {
    wsLight.className = "light light-" + ({live: "green", reconnecting: "yellow", connecting: "grey"}[state] || "red");
    wsLight.textContent = text || state;
    wsLight.dataset.state = state;
  }

  function send(request) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify({request: request})); }
  }

  function requestSnapshot() {
    clearTimeout(snapshotTimer);
    snapshotTimer = setTimeout(function () { send("snapshot"); }, 150);
  }

  /* --- error log panel -------------------------------------------------------- */
  const panelToggle = document.getElementById("error-toggle");
  const panelLog = document.getElementById("error-log");
  const badge = document.getElementById("error-badge");

  const jump = document.getElementById("error-jump");
  const jumpCount = document.getElementById("error-jump-count");

  function panelOpen(open) {
    panelLog.hidden = !open;
    panelToggle.setAttribute("aria-expanded", String(open));
    if (open === false) {
      badge.hidden = true; badge.textContent = "0";
      jump.hidden = true; jumpCount.textContent = "0";
    }
  }
  panelToggle.addEventListener("click", function () { panelOpen(panelLog.hidden); });
  jump.addEventListener("click", function () {
    panelOpen(true);
    document.getElementById("error-panel").scrollIntoView({block: "end"});
  });

  function announceNewErrors(count) {
    if (count <= 0) { return; }
    badge.textContent = String(Number(badge.textContent || "0") + count);
    badge.hidden = false;
    jumpCount.textContent = badge.textContent;
    jump.hidden = false;
    panelOpen(true);
  }

  function clientErrorsRender() {
    const list = panelLog.querySelector(".error-list");
    if (!list) { return; }
    list.querySelectorAll(".client").forEach(function (item) { item.remove(); });
    clientErrors.slice().reverse().forEach(function (entry) {
      const item = document.createElement("li");
      item.className = "error-entry client";
      const time = document.createElement("time");
      time.textContent = entry.timestamp.replace("T", " ").slice(5, 19) + " UTC";
      const category = document.createElement("span");
      category.className = "cat cat-" + entry.category;
      category.textContent = entry.category;
      item.append(time, " ", category, " " + entry.message);
      list.prepend(item);
    });
    const empty = list.querySelector(".muted");
    if (empty && clientErrors.length) { empty.remove(); }
  }

  function clientError(category, message) {
    clientErrors.unshift({timestamp: new Date().toISOString(), category: category, message: message});
    clientErrors = clientErrors.slice(0, 200);
    clientErrorsRender();
    announceNewErrors(1);
  }

  function serverErrorsSeen() {
    const list = panelLog.querySelector(".error-list");
    if (!list) { return; }
    const newest = list.dataset.newest || "";
    if (newestError !== null && newest && newest > newestError) {
      const fresh = Array.from(list.querySelectorAll("time[datetime]")).filter(function (t) {
        return t.getAttribute("datetime") > newestError;
      });
      announceNewErrors(fresh.length);
    }
    if (newest) { newestError = newest; } else if (newestError === null) { newestError = ""; }
    clientErrorsRender();
  }

  /* --- snapshot and deltas ---------------------------------------------------------- */
  function notify(data, message) {
    serverErrorsSeen();
    listeners.forEach(function (listener) { listener(data, message); });
    document.dispatchEvent(new CustomEvent("platform:snapshot", {detail: data}));
  }

  function applySnapshot(message) {
    // The page as first served already shows everything up to its own sequence number, and
    // is fresher than a cached snapshot of the same number: keep it, only take the number.
    const servedSeq = document.body.dataset.liveSeq;
    const servedEpoch = document.body.dataset.liveEpoch;
    document.body.dataset.liveSeq = "";
    epoch = message.epoch;
    if (servedSeq && servedEpoch === message.epoch && message.seq <= Number(servedSeq)) {
      lastSeq = message.seq;
      if (seenWhileWaiting > lastSeq) { requestSnapshot(); }
      seenWhileWaiting = 0;
      notify(message.data, message);
      return;
    }
    const fragments = message.fragments || {};
    Object.keys(fragments).forEach(function (id) {
      const region = document.getElementById(id);
      if (region) { region.innerHTML = fragments[id]; }
    });
    lastSeq = message.seq;
    if (seenWhileWaiting > lastSeq) { requestSnapshot(); }  // something newer passed while it was on its way
    seenWhileWaiting = 0;
    notify(message.data, message);
  }

  function applyDelta(message) {
    const fragments = message.fragments || {};
    Object.keys(fragments).forEach(function (id) {
      const region = document.getElementById(id);
      if (region) { region.innerHTML = fragments[id]; }
    });
    const board = document.getElementById("coin-cards");
    if (board) {
      Object.keys(message.cards || {}).forEach(function (symbol) {
        const card = board.querySelector(".card[data-symbol='" + symbol + "']");
        if (!card) { return; }
        const fresh = document.createElement("template");
        fresh.innerHTML = message.cards[symbol].trim();
        const replacement = fresh.content.firstElementChild;
        replacement.hidden = card.hidden;
        card.replaceWith(replacement);
      });
      Object.keys(message.values || {}).forEach(function (symbol) {
        const card = board.querySelector(".card[data-symbol='" + symbol + "']");
        if (!card) { return; }
        const values = message.values[symbol];
        Object.keys(values.v).forEach(function (name) {
          const leaf = card.querySelector("[data-v='" + name + "']");
          if (leaf) { leaf.innerHTML = values.v[name]; }  // server-escaped text of a leaf element
        });
        Object.keys(values.a).forEach(function (name) { card.dataset[name] = values.a[name]; });
      });
    }
    Object.keys(message.rows || {}).forEach(function (id) {  // a table's changed rows, one per symbol
      const table = document.getElementById(id);
      if (!table) { return; }
      Object.keys(message.rows[id]).forEach(function (symbol) {
        const row = table.querySelector("tr[data-symbol='" + symbol + "']");
        if (!row) { return; }
        const fresh = document.createElement("template");
        fresh.innerHTML = "<table><tbody>" + message.rows[id][symbol].trim() + "</tbody></table>";
        const replacement = fresh.content.querySelector("tr");
        replacement.hidden = row.hidden;  // the page's filter stays; its sort runs again on notify
        row.replaceWith(replacement);
      });
    });
    notify(message.data, message);
  }

  /* Is ``message`` the next one? A gap asks for a fresh snapshot; an old one is ignored. */
  function inSequence(message) {
    if (typeof message.seq !== "number") { return true; }
    if (lastSeq !== null && message.epoch !== epoch) { requestSnapshot(); return false; }  // Redis started again
    if (lastSeq === null) { seenWhileWaiting = Math.max(seenWhileWaiting, message.seq); return false; }
    if (message.seq <= lastSeq) { return false; }  // the snapshot it has already holds it
    if (message.seq > lastSeq + 1) { requestSnapshot(); return false; }
    lastSeq = message.seq;
    return true;
  }

  function onMessage(raw) {
    lastHeard = Date.now();
    let message;
    try { message = JSON.parse(raw.data); } catch (error) { clientError("WS_ERROR", "unreadable message"); return; }
    if (message.event === "dashboard.snapshot") { applySnapshot(message); return; }
    if (message.event === "live.pong") {
      if (lastSeq !== null && (message.epoch !== epoch || message.seq > lastSeq)) { requestSnapshot(); }
      return;
    }
    if (!inSequence(message)) { return; }
    if (message.event === "live.delta") { applyDelta(message); }
    document.dispatchEvent(new CustomEvent("platform:event", {detail: message}));
  }

  /* --- the data-age pill counts from the newest candle the page has received --------- */
  function dataAgeTick() {
    const pill = document.getElementById("data-age");
    if (!pill || !pill.dataset.since) { return; }
    const age = Math.max(0, Math.round((Date.now() - Date.parse(pill.dataset.since)) / 1000));
    if (Number.isNaN(age)) { return; }
    pill.textContent = "data " + (age < 120 ? age + "s" : Math.floor(age / 60) + "m");
    pill.className = "light light-" + (age > 120 ? "red" : "green");
  }
  setInterval(dataAgeTick, 1000);

  function heartbeat() {
    if (!socket || socket.readyState !== WebSocket.OPEN) { return; }
    if (Date.now() - lastHeard > SILENCE_LIMIT_MS) { socket.close(4000, "no answer to the heartbeat"); return; }
    send("ping");
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    setWsState(attempts ? "reconnecting" : "connecting", attempts ? "reconnecting" : "connecting");
    socket = new WebSocket(scheme + location.host + "/ws/live/?page=" + encodeURIComponent(page));
    socket.addEventListener("open", function () {
      attempts = 0;
      lastSeq = null;
      lastHeard = Date.now();
      setWsState("live", "live");
      send("snapshot");
      clearInterval(heartbeatTimer);
      heartbeatTimer = setInterval(heartbeat, HEARTBEAT_MS);
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", function (event) {
      clearInterval(heartbeatTimer);
      attempts += 1;
      const delay = Math.min(30000, 1000 * Math.pow(2, Math.min(attempts - 1, 5))) * (0.8 + Math.random() * 0.4);
      setWsState("reconnecting", "reconnecting");
      if (attempts === 1 && event.code !== 1000) {
        const why = event.code === 1013 ? "the server cannot serve live updates right now" : "live connection lost";
        clientError("WS_ERROR", why + " (code " + event.code + "); reconnecting");
      }
      setTimeout(connect, delay);
    });
  }

  /* --- tooltips (hover, keyboard focus and tap) ---------------------------------- */
  const tooltip = document.getElementById("tooltip");
  let tipOwner = null;

  function tipShow(element) {
    tipOwner = element;
    tooltip.textContent = element.dataset.tip;
    tooltip.hidden = false;
    const box = element.getBoundingClientRect();
    const width = Math.min(320, window.innerWidth - 16);
    tooltip.style.maxWidth = width + "px";
    const left = Math.max(8, Math.min(window.innerWidth - width - 8, box.left + window.scrollX));
    tooltip.style.left = left + "px";
    tooltip.style.top = (box.bottom + window.scrollY + 6) + "px";
  }
  function tipHide() { tooltip.hidden = true; tipOwner = null; tipPinned = false; }
  // A tip opened by a tap stays until the next tap elsewhere: on a phone there is no hover to
  // end, and the browser's emulated mouseover after a layout shift (a pill growing, a card
  // updated) must not take it away while it is being read.
  let tipPinned = false;
  let lastPointer = "mouse";

  document.addEventListener("pointerdown", function (event) { lastPointer = event.pointerType; }, true);
  document.addEventListener("mouseover", function (event) {
    const owner = event.target.closest("[data-tip]");
    if (owner) { if (!tipPinned) { tipShow(owner); } } else if (tipOwner && !tipPinned) { tipHide(); }
  });
  document.addEventListener("focusin", function (event) {
    const owner = event.target.closest("[data-tip]");
    if (owner) { tipShow(owner); }
  });
  document.addEventListener("click", function (event) {
    const owner = event.target.closest("[data-tip]");
    if (!owner) { tipHide(); return; }
    if (owner !== tipOwner) { tipShow(owner); }
    tipPinned = lastPointer !== "mouse";
  });

  /* --- REST calls for actions (session cookie + CSRF token) -------------------------- */
  async function api(method, url, body) {
    const response = await fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfInput ? csrfInput.value : "",
                "Accept": "application/json"},
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (error) { data = null; }
    if (!response.ok) {
      const failure = new Error(errorText(data) || ("HTTP " + response.status));
      failure.status = response.status;
      failure.data = data;
      throw failure;
    }
    return data;
  }

  function errorText(data) {
    if (!data) { return ""; }
    if (typeof data === "string") { return data; }
    if (data.error && typeof data.error === "object") { return data.error.message || data.error.detail || JSON.stringify(data.error); }
    return data.detail || data.message || data.error || JSON.stringify(data);
  }

  window.platform = {
    api: api,
    requestSnapshot: requestSnapshot,
    clientError: clientError,
    onSnapshot: function (listener) { listeners.push(listener); },
  };
  serverErrorsSeen();
  connect();
})();
