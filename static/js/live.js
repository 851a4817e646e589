/* The page's one WebSocket (ws/live/): reconnects with backoff, asks for a snapshot on
 * every (re)connect and after every pushed event, swaps the page's live regions in, and
 * drives the header light, the error-log panel and the tooltips. No polling. */
(function () {
  "use strict";
  const page = document.body.dataset.page || "";
  const csrfInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  const listeners = [];
  const wsLight = document.getElementById("ws-status");
  let socket = null;
  let attempts = 0;
  let snapshotTimer = null;
  let newestError = null;
  let clientErrors = [];

  function setWsState(state, text) {
    wsLight.className = "light light-" + ({live: "green", reconnecting: "yellow", connecting: "grey"}[state] || "red");
    wsLight.textContent = text || state;
    wsLight.dataset.state = state;
  }

  function requestSnapshot() {
    clearTimeout(snapshotTimer);
    snapshotTimer = setTimeout(function () {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({request: "snapshot", page: page}));
      }
    }, 150);
  }

  /* --- error log panel -------------------------------------------------------- */
  const panelToggle = document.getElementById("error-toggle");
  const panelLog = document.getElementById("error-log");
  const badge = document.getElementById("error-badge");

  function panelOpen(open) {
    panelLog.hidden = !open;
    panelToggle.setAttribute("aria-expanded", String(open));
    if (open === false) { badge.hidden = true; badge.textContent = "0"; }
  }
  panelToggle.addEventListener("click", function () { panelOpen(panelLog.hidden); });

  function announceNewErrors(count) {
    if (count <= 0) { return; }
    badge.textContent = String(Number(badge.textContent || "0") + count);
    badge.hidden = false;
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

  /* --- snapshot ---------------------------------------------------------------- */
  function applySnapshot(message) {
    const fragments = message.fragments || {};
    Object.keys(fragments).forEach(function (id) {
      const region = document.getElementById(id);
      if (region) { region.innerHTML = fragments[id]; }
    });
    serverErrorsSeen();
    listeners.forEach(function (listener) { listener(message.data, message); });
    document.dispatchEvent(new CustomEvent("platform:snapshot", {detail: message.data}));
  }

  function onMessage(raw) {
    let message;
    try { message = JSON.parse(raw.data); } catch (error) { clientError("WS_ERROR", "unreadable message"); return; }
    if (message.event === "dashboard.snapshot") { applySnapshot(message); return; }
    // error.entry: the server's error log has a new entry; the snapshot requested below
    // brings it, and serverErrorsSeen() opens the panel and counts it on the badge.
    document.dispatchEvent(new CustomEvent("platform:event", {detail: message}));
    // A scan pushes one ta.signal per coin and then scan.update with all of them: refresh once, on the latter.
    // A backtest's progress moves its bar (backtests.js); only its end changes what the snapshot shows.
    const progressOnly = message.event === "backtest.progress" && !["done", "failed"].includes((message.data || {}).status);
    if (message.event !== "ta.signal" && !progressOnly) { requestSnapshot(); }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    setWsState(attempts ? "reconnecting" : "connecting", attempts ? "reconnecting" : "connecting");
    socket = new WebSocket(scheme + location.host + "/ws/live/");
    socket.addEventListener("open", function () {
      attempts = 0;
      setWsState("live", "live");
      socket.send(JSON.stringify({request: "snapshot", page: page}));
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", function (event) {
      attempts += 1;
      const delay = Math.min(30000, 1000 * Math.pow(2, Math.min(attempts - 1, 5))) * (0.8 + Math.random() * 0.4);
      setWsState("reconnecting", "reconnecting");
      if (attempts === 1 && event.code !== 1000) {
        clientError("WS_ERROR", "live connection lost (code " + event.code + "); reconnecting");
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
  function tipHide() { tooltip.hidden = true; tipOwner = null; }

  document.addEventListener("mouseover", function (event) {
    const owner = event.target.closest("[data-tip]");
    if (owner) { tipShow(owner); } else if (tipOwner) { tipHide(); }
  });
  document.addEventListener("focusin", function (event) {
    const owner = event.target.closest("[data-tip]");
    if (owner) { tipShow(owner); }
  });
  document.addEventListener("click", function (event) {
    const owner = event.target.closest("[data-tip]");
    if (owner && owner !== tipOwner) { tipShow(owner); } else if (!owner) { tipHide(); }
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
