/* Backtests page: two forms start jobs through the REST API (session cookie + CSRF), a backtest run
 * and an optimiser study. Each started job's progress bar moves with the socket's events
 * (backtest.progress, study.progress), and its table (a live region) refreshes from the snapshot
 * when a job starts or ends. No polling. Either job can be cancelled from its panel ("Cancel run",
 * "Cancel study": after a confirm, POSTs .../{id}/cancel; a running job stops at its next progress
 * report and keeps no result). */
(function () {
  "use strict";
  const FINAL = ["done", "failed", "cancelled"];

  /* One form and the progress panel of the job it started. ``job``: ``form``, ``result``, ``panel``
   * (element ids), ``noun`` ("Run"), ``idKey`` (the events' id field), ``url`` (POST starts a job,
   * POST ``url``/{id}/cancel cancels one), ``cancelLoses`` (what the cancel's confirm warns of),
   * ``event``, ``rows`` (the table's row attribute), ``href(id)``, ``body(form)``, ``fromAnswer(answer)``
   * (the state of a job a POST returned) and ``doneText(state)``. Nothing without the form. */
  function jobForm(job) {
    const form = document.getElementById(job.form);
    if (!form) { return null; }
    const startResult = document.getElementById(job.result);
    const panel = document.getElementById(job.panel);
    const part = function (role) { return panel.querySelector("[data-role=" + role + "]"); };
    const latest = {};  // job id -> newest known state (events can arrive before the POST answers)
    let current = null;  // the job started from this page
    const noun = job.noun.toLowerCase();

    function newer(state, than) {
      if (!than) { return true; }
      // A final state read from the table row lacks the pushed figures: the event or answer that
      // carries them still replaces it.
      if (FINAL.includes(than.status)) { return than.fromRow === true && !state.fromRow && FINAL.includes(state.status); }
      return FINAL.includes(state.status) || state.progress_pct >= than.progress_pct;
    }

    function remember(state) {
      const id = state[job.idKey];
      if (newer(state, latest[id])) { latest[id] = state; }
      if (current !== null && id === current) { show(latest[current]); }
    }

    function show(state) {
      panel.hidden = false;
      part("title").textContent = job.noun + " #" + state[job.idKey];
      part("status").textContent = state.status;
      part("status").className = state.status === "done" ? "up" : (state.status === "failed" ? "down" : "muted");
      part("bar").value = state.progress_pct;
      part("percent").textContent = Math.round(state.progress_pct) + " %";
      part("cancel").hidden = FINAL.includes(state.status);
      const result = part("result");
      result.textContent = "";
      if (state.status === "done") {
        result.append(job.doneText(state));
        const link = document.createElement("a");
        link.href = job.href(state[job.idKey]);
        link.textContent = "View " + noun + " #" + state[job.idKey];
        result.append(link);
      } else if (state.status === "failed") {
        result.textContent = "Failed: " + (state.error || "see the " + noun);
      } else if (state.status === "cancelled") {
        result.textContent = "Cancelled: " + (state.error || "no result kept");
      }
    }

    function fieldSlot(name) {
      // "overrides.max_positions" and "symbols.1" are shown at their input.
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
        const answer = await window.platform.api("POST", job.url, job.body(form));
        current = answer.id;
        startResult.textContent = job.noun + " #" + answer.id + " queued.";
        startResult.className = "up";
        remember(job.fromAnswer(answer));
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
      if (message.event === job.event && message.data) { remember(message.data); }
    });

    // After a reconnect the events in between are lost: the refreshed table row carries the state and
    // its error (without the pushed figures: the link still leads to them). A table refresh can also
    // come before the job's own event.
    window.platform.onSnapshot(function () {
      if (current === null || FINAL.includes((latest[current] || {}).status)) { return; }
      const row = document.querySelector("tr[" + job.rows + "='" + current + "']");
      if (!row) { return; }
      remember({[job.idKey]: current, status: row.dataset.status, progress_pct: Number(row.dataset.progress),
                error: row.dataset.error || "", fromRow: true});
    });

    const cancel = part("cancel");
    cancel.addEventListener("click", async function () {
      const id = current;
      if (id === null || !window.confirm("Cancel " + noun + " #" + id + "? " + job.cancelLoses)) { return; }
      try {
        remember(job.fromAnswer(await window.platform.api("POST", job.url + "/" + id + "/cancel")));
      } catch (error) {
        part("result").textContent = "Not cancelled: " + error.message;
      }
    });
  }

  function numberOrNull(input) { return input.value === "" ? null : Number(input.value); }

  function period(form) {
    const field = function (name) { return form.elements.namedItem(name); };
    return {
      strategy: field("strategy").value,
      symbols: field("symbols").value.split(/[\s,]+/).filter(Boolean).map(function (s) { return s.toUpperCase(); }),
      start: field("start").value, end: field("end").value, source: field("source").value,
    };
  }

  jobForm({
    form: "backtest-form", result: "backtest-start-result", panel: "backtest-progress", noun: "Run",
    idKey: "run_id", url: "/api/v1/backtests", event: "backtest.progress", rows: "data-run-id",
    href: function (id) { return "/backtests/" + id; },
    cancelLoses: "Nothing of it is stored.",
    body: function (form) {
      const body = period(form);
      body.attribution = form.elements.namedItem("attribution").checked;
      ["tp_pct", "sl_pct", "fee_pct"].forEach(function (name) {
        const value = numberOrNull(form.elements.namedItem(name));
        if (value !== null) { body[name] = value; }
      });
      const overrides = {};
      form.querySelectorAll("[data-override]").forEach(function (input) {
        if (input.value === "") { return; }
        overrides[input.name] = input.dataset.override === "bool" ? input.value === "true" : Number(input.value);
      });
      if (Object.keys(overrides).length) { body.overrides = overrides; }
      return body;
    },
    fromAnswer: function (run) {
      return {run_id: run.id, status: run.status, progress_pct: run.progress_pct, error: run.error,
              metrics: run.metrics};
    },
    doneText: function (state) {
      const metrics = state.metrics;
      return metrics ? "Done: return " + metrics.total_return_pct + " %, " + metrics.trades + " trades. " : "Done. ";
    },
  });

  jobForm({
    form: "study-form", result: "study-start-result", panel: "study-progress", noun: "Study",
    idKey: "study_id", url: "/api/v1/backtests/studies", event: "study.progress", rows: "data-study-id",
    href: function (id) { return "/backtests/studies/" + id; },
    cancelLoses: "The windows searched so far are discarded.",
    body: function (form) {
      const field = function (name) { return form.elements.namedItem(name); };
      return Object.assign(period(form), {
        folds: Number(field("folds").value), trials: Number(field("trials").value), metric: field("metric").value,
        min_trades: Number(field("min_trades").value),
      });
    },
    fromAnswer: function (answer) {
      return {study_id: answer.id, status: answer.status, progress_pct: answer.progress_pct, error: answer.error,
              out_of_sample: null};
    },
    doneText: function (state) {
      // Out of sample first: the test windows are the figures to judge by.
      const oos = state.out_of_sample;
      return oos ? "Done: out of sample " + oos.trades + " trades, " + oos.objective + " median " +
        (oos.objective_median === null ? "–" : oos.objective_median) + ". " : "Done. ";
    },
  });
})();
