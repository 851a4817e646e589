/* Backtests page: the form starts a run through the REST API (session cookie + CSRF); the run's
 * progress bar moves with the socket's backtest.progress events, and the stored runs table (a live
 * region) refreshes from the snapshot when a run starts or ends. No polling. */
(function () {
  "use strict";
  const FINAL = ["done", "failed"];
  const form = document.getElementById("backtest-form");
  const startResult = document.getElementById("backtest-start-result");
  const panel = document.getElementById("backtest-progress");
  const part = function (role) { return panel.querySelector("[data-role=" + role + "]"); };
  const latest = {};  // run id -> newest known state (events can arrive before the POST answers)
  let current = null;  // the run started from this page

  function newer(state, than) {
    if (!than) { return true; }
    if (FINAL.includes(than.status)) { return false; }
    return FINAL.includes(state.status) || state.progress_pct >= than.progress_pct;
  }

  function remember(state) {
    if (newer(state, latest[state.run_id])) { latest[state.run_id] = state; }
    if (current !== null && state.run_id === current) { show(latest[current]); }
  }

  function show(state) {
    panel.hidden = false;
    part("title").textContent = "Run #" + state.run_id;
    part("status").textContent = state.status;
    part("status").className = state.status === "done" ? "up" : (state.status === "failed" ? "down" : "muted");
    part("bar").value = state.progress_pct;
    part("percent").textContent = Math.round(state.progress_pct) + " %";
    const result = part("result");
    result.textContent = "";
    if (state.status === "done") {
      const metrics = state.metrics;
      result.append(metrics ? "Done: return " + metrics.total_return_pct + " %, " + metrics.trades + " trades. "
        : "Done. ");
      const link = document.createElement("a");
      link.href = "/backtests/" + state.run_id;
      link.textContent = "View run #" + state.run_id;
      result.append(link);
    } else if (state.status === "failed") {
      result.textContent = "Failed: " + (state.error || "see the run");
    }
  }

  function numberOrNull(input) { return input.value === "" ? null : Number(input.value); }

  function requestBody() {
    const field = function (name) { return form.elements.namedItem(name); };
    const body = {
      strategy: field("strategy").value,
      symbols: field("symbols").value.split(/[\s,]+/).filter(Boolean).map(function (s) { return s.toUpperCase(); }),
      start: field("start").value, end: field("end").value, source: field("source").value,
      attribution: field("attribution").checked,
    };
    ["tp_pct", "sl_pct", "fee_pct"].forEach(function (name) {
      const value = numberOrNull(field(name));
      if (value !== null) { body[name] = value; }
    });
    const overrides = {};
    form.querySelectorAll("[data-override]").forEach(function (input) {
      if (input.value === "") { return; }
      overrides[input.name] = input.dataset.override === "bool" ? input.value === "true" : Number(input.value);
    });
    if (Object.keys(overrides).length) { body.overrides = overrides; }
    return body;
  }

  function fieldSlot(name) {
    // "overrides.max_positions" and "symbols.1" are shown at their input.
    const parts = name.split(".");
    const candidates = [name, parts[parts.length - 1], parts[0]];
    for (const candidate of candidates) {
      const slot = form.querySelector("[data-error-for='" + candidate + "']");
      if (slot) { return slot; }
    }
    return null;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    form.querySelectorAll("[data-error-for]").forEach(function (slot) { slot.textContent = ""; });
    startResult.textContent = "Starting…";
    startResult.className = "muted";
    try {
      const run = await window.platform.api("POST", "/api/v1/backtests", requestBody());
      current = run.id;
      startResult.textContent = "Run #" + run.id + " queued.";
      startResult.className = "up";
      remember({run_id: run.id, status: run.status, progress_pct: run.progress_pct, error: run.error,
                metrics: run.metrics});
      window.platform.requestSnapshot();
    } catch (error) {
      const fields = (error.data && error.data.error && error.data.error.fields) || {};
      let marked = 0;
      Object.keys(fields).forEach(function (name) {
        const slot = fieldSlot(name);
        if (slot) { slot.textContent = [].concat(fields[name]).join(" "); marked += 1; }
      });
      startResult.textContent = "Not started: " + (marked ? "see the marked fields." : error.message);
      startResult.className = "field-error";
    }
  });

  document.addEventListener("platform:event", function (event) {
    const message = event.detail;
    if (message.event === "backtest.progress" && message.data) { remember(message.data); }
  });

  // After a reconnect the events in between are lost: the refreshed table row carries the state.
  window.platform.onSnapshot(function () {
    if (current === null) { return; }
    const row = document.querySelector("#backtest-runs tr[data-run-id='" + current + "']");
    if (row && FINAL.includes(row.dataset.status) && !FINAL.includes((latest[current] || {}).status)) {
      // The table has no pushed metrics: the link still leads to them.
      remember({run_id: current, status: row.dataset.status, progress_pct: Number(row.dataset.progress),
                error: row.dataset.status === "failed" ? "see the run" : "", metrics: null});
    } else if (row && !FINAL.includes(row.dataset.status)) {
      remember({run_id: current, status: row.dataset.status, progress_pct: Number(row.dataset.progress)});
    }
  });
})();

/* The study form: starts an optimiser study through the REST API; its progress bar moves with the
 * socket's study.progress events and the studies table (a live region) refreshes from the snapshot.
 * "Cancel study" (after a confirm) POSTs .../cancel: a running study stops at its next trial. */
(function () {
  "use strict";
  const FINAL = ["done", "failed", "cancelled"];
  const form = document.getElementById("study-form");
  if (!form) { return; }
  const startResult = document.getElementById("study-start-result");
  const panel = document.getElementById("study-progress");
  const part = function (role) { return panel.querySelector("[data-role=" + role + "]"); };
  const latest = {};  // study id -> newest known state (events can arrive before the POST answers)
  let current = null;  // the study started from this page

  function newer(state, than) {
    if (!than) { return true; }
    if (FINAL.includes(than.status)) { return false; }
    return FINAL.includes(state.status) || state.progress_pct >= than.progress_pct;
  }

  function remember(state) {
    if (newer(state, latest[state.study_id])) { latest[state.study_id] = state; }
    if (current !== null && state.study_id === current) { show(latest[current]); }
  }

  function show(state) {
    panel.hidden = false;
    part("title").textContent = "Study #" + state.study_id;
    part("status").textContent = state.status;
    part("status").className = state.status === "done" ? "up" : (state.status === "failed" ? "down" : "muted");
    part("bar").value = state.progress_pct;
    part("cancel").hidden = FINAL.includes(state.status);
    part("percent").textContent = Math.round(state.progress_pct) + " %";
    const result = part("result");
    result.textContent = "";
    if (state.status === "done") {
      const oos = state.out_of_sample;
      // Out of sample first: the test windows are the figures to judge by.
      result.append(oos ? "Done: out of sample " + oos.trades + " trades, " + oos.objective + " median " +
        (oos.objective_median === null ? "–" : oos.objective_median) + ". " : "Done. ");
      const link = document.createElement("a");
      link.href = "/backtests/studies/" + state.study_id;
      link.textContent = "View study #" + state.study_id;
      result.append(link);
    } else if (state.status === "failed") {
      result.textContent = "Failed: " + (state.error || "see the study");
    } else if (state.status === "cancelled") {
      result.textContent = "Cancelled: " + (state.error || "no result kept");
    }
  }

  part("cancel").addEventListener("click", async function () {
    if (current === null || !window.confirm("Cancel study #" + current + "? The windows searched so far are " +
                                            "discarded.")) { return; }
    try {
      const study = await window.platform.api("POST", "/api/v1/backtests/studies/" + current + "/cancel");
      remember({study_id: study.id, status: study.status, progress_pct: study.progress_pct, error: study.error,
                out_of_sample: null});
    } catch (error) {
      part("result").textContent = "Not cancelled: " + error.message;
    }
  });

  function requestBody() {
    const field = function (name) { return form.elements.namedItem(name); };
    return {
      strategy: field("strategy").value,
      symbols: field("symbols").value.split(/[\s,]+/).filter(Boolean).map(function (s) { return s.toUpperCase(); }),
      start: field("start").value, end: field("end").value, source: field("source").value,
      folds: Number(field("folds").value), trials: Number(field("trials").value), metric: field("metric").value,
      min_trades: Number(field("min_trades").value),
    };
  }

  function fieldSlot(name) {
    const parts = name.split(".");
    for (const candidate of [name, parts[parts.length - 1], parts[0]]) {
      const slot = form.querySelector("[data-error-for='" + candidate + "']");
      if (slot) { return slot; }
    }
    return null;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    form.querySelectorAll("[data-error-for]").forEach(function (slot) { slot.textContent = ""; });
    startResult.textContent = "Starting…";
    startResult.className = "muted";
    try {
      const study = await window.platform.api("POST", "/api/v1/backtests/studies", requestBody());
      current = study.id;
      startResult.textContent = "Study #" + study.id + " queued.";
      startResult.className = "up";
      remember({study_id: study.id, status: study.status, progress_pct: study.progress_pct, error: study.error,
                out_of_sample: null});
      window.platform.requestSnapshot();
    } catch (error) {
      const fields = (error.data && error.data.error && error.data.error.fields) || {};
      let marked = 0;
      Object.keys(fields).forEach(function (name) {
        const slot = fieldSlot(name);
        if (slot) { slot.textContent = [].concat(fields[name]).join(" "); marked += 1; }
      });
      startResult.textContent = "Not started: " + (marked ? "see the marked fields." : error.message);
      startResult.className = "field-error";
    }
  });

  document.addEventListener("platform:event", function (event) {
    const message = event.detail;
    if (message.event === "study.progress" && message.data) { remember(message.data); }
  });

  // After a reconnect the events in between are lost: the refreshed table row carries the state.
  window.platform.onSnapshot(function () {
    if (current === null) { return; }
    const row = document.querySelector("#backtest-studies tr[data-study-id='" + current + "']");
    if (!row || FINAL.includes((latest[current] || {}).status)) { return; }
    remember({study_id: current, status: row.dataset.status, progress_pct: Number(row.dataset.progress),
              error: row.dataset.status === "failed" ? "see the study" : "", out_of_sample: null});
  });
})();
