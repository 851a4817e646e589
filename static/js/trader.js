/* Trader page: every action goes through the REST API (session cookie + CSRF); the page
 * itself changes nothing. The live regions refresh from the socket after each action. */
(function () {
  "use strict";
  const ROUTES = {
    enable: ["POST", "/api/v1/status/enable"],
    disable: ["POST", "/api/v1/status/disable"],
    mode: ["POST", "/api/v1/status/mode"],
    emergencyStop: ["POST", "/api/trader/control"],
    clearLock: ["POST", "/api/trader/control"],
    rearm: ["POST", "/api/v1/kill-switch/rearm"],
    close: ["POST", "/api/trader/close-position"],
    closeAll: ["POST", "/api/trader/close-all"],
    config: ["PATCH", "/api/v1/config"],
  };
  const LIVE_CONFIRMATION = "LIVE";

  const result = document.getElementById("action-result");
  let activeTab = "trades";

  function say(text, ok) {
    result.textContent = text;
    result.className = "notice " + (ok ? "notice-ok" : "notice-error");
  }

  async function call(route, body, done) {
    try {
      const data = await window.platform.api(ROUTES[route][0], ROUTES[route][1], body);
      const outcomes = data && Array.isArray(data.outcomes) ? data.outcomes : null;
      if (outcomes) {
        const failed = outcomes.filter(function (o) { return !o.closed; });
        const summary = " Closed " + (outcomes.length - failed.length) + " of " + outcomes.length + " position(s)" +
          (failed.length ? "; NOT closed: " + failed.map(function (o) { return o.symbol + " (" + o.detail + ")"; }).join(", ") : "") + ".";
        say(done + summary, failed.length === 0);
        window.platform.requestSnapshot();
        return data;
      }
      say(done, true);
      window.platform.requestSnapshot();
      return data;
    } catch (error) {
      say(done.replace(/\.$/, "") + " failed: " + error.message, false);
      return null;
    }
  }

  function confirmWith(dialogId) {
    const dialog = document.getElementById(dialogId);
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function handler() {
        dialog.removeEventListener("close", handler);
        const typed = dialog.querySelector("input[name=typed]");
        resolve({ok: dialog.returnValue === "ok", typed: typed ? typed.value : ""});
        if (typed) { typed.value = ""; }
      });
      dialog.showModal();
    });
  }

  /* A switch of book with the old book's positions open is refused (409, code open_positions) until the
   * operator chooses: close them first, or leave them unmanaged. */
  async function switchMode(body, done) {
    try {
      const data = await window.platform.api(ROUTES.mode[0], ROUTES.mode[1], body);
      say(done, true);
      window.platform.requestSnapshot();
      return data;
    } catch (error) {
      const code = error.data && error.data.error ? error.data.error.code : null;
      if (code !== "open_positions") { say(done.replace(/\.$/, "") + " failed: " + error.message, false); return null; }
      const dialog = document.getElementById("confirm-open-positions");
      dialog.querySelector("[data-role=open-positions-detail]").textContent = error.message;
      const choice = await new Promise(function (resolve) {
        dialog.addEventListener("close", function handler() {
          dialog.removeEventListener("close", handler);
          resolve(dialog.returnValue);
        });
        dialog.showModal();
      });
      if (choice !== "close" && choice !== "leave") { say("Not switched: the open positions are unchanged.", false); return null; }
      return call("mode", Object.assign({}, body, {open_positions: choice}),
                  done.replace(/\.$/, "") + (choice === "close" ? " (positions closed first)." : " (positions left unmanaged)."));
    }
  }

  const actions = {
    enable: function () { return call("enable", {}, "Trading turned on."); },
    disable: function () { return call("disable", {}, "Trading turned off (positions kept)."); },
    mode: async function (button) {
      const mode = button.dataset.mode;
      if (mode === "paused") { return call("mode", {mode: mode}, "Mode set to " + mode + "."); }
      if (mode !== "live") { return switchMode({mode: mode}, "Mode set to " + mode + "."); }
      const answer = await confirmWith("confirm-live");
      if (!answer.ok) { return null; }
      if (answer.typed.trim() !== LIVE_CONFIRMATION) { say("Not switched: type LIVE to confirm.", false); return null; }
      return switchMode({mode: "live", confirm_live: true}, "Mode set to live.");
    },
    "emergency-stop": async function () {
      if (!(await confirmWith("confirm-emergency")).ok) { return null; }
      return call("emergencyStop", {action: "emergency-stop"}, "Emergency stop done.");
    },
    "clear-lock": function () { return call("clearLock", {action: "clear-lockfile"}, "Lock cleared."); },
    rearm: function () { return call("rearm", {}, "Kill switch re-armed."); },
    close: function (button) {
      return call("close", {symbol: button.dataset.symbol}, button.dataset.symbol + " closed.");
    },
    "close-all": async function () {
      if (!(await confirmWith("confirm-close-all")).ok) { return null; }
      return call("closeAll", {}, "All positions closed.");
    },
  };

  document.addEventListener("click", async function (event) {
    const button = event.target.closest("button[data-action]");
    if (button && actions[button.dataset.action]) {
      button.disabled = true;
      try { await actions[button.dataset.action](button); } finally { button.disabled = false; }
      return;
    }
    const tab = event.target.closest("button[data-tab]");
    if (tab) { activeTab = tab.dataset.tab; showTab(); }
  });

  function showTab() {
    document.querySelectorAll("[data-tab]").forEach(function (tab) {
      tab.setAttribute("aria-selected", String(tab.dataset.tab === activeTab));
    });
    document.querySelectorAll("[data-tabpanel]").forEach(function (panel) {
      panel.hidden = panel.dataset.tabpanel !== activeTab;
    });
  }
  window.platform.onSnapshot(showTab);

  /* --- runtime config form ----------------------------------------------------------- */
  const form = document.getElementById("config-form");
  const initial = {};

  function fieldValue(input) {
    if (input.type === "checkbox") { return input.checked; }
    if (input.dataset.json) { return JSON.parse(input.value || "null"); }
    if (input.dataset.list) {
      return input.value.split(/[\s,]+/).map(function (item) { return item.trim().toUpperCase(); }).filter(Boolean);
    }
    if (input.type === "number") { return input.value === "" ? null : Number(input.value); }
    return input.value;
  }
  function snapshotForm() {
    form.querySelectorAll("[name]").forEach(function (input) { initial[input.name] = JSON.stringify(fieldValue(input)); });
  }
  snapshotForm();

  function fieldErrors(data) {
    if (!data || typeof data !== "object") { return {}; }
    const source = (data.error && (data.error.fields || data.error.details)) || data.errors || data.fields || data;
    const errors = {};
    Object.keys(source).forEach(function (name) {
      if (form.querySelector("[name='" + name + "']")) {
        const value = source[name];
        errors[name] = Array.isArray(value) ? value.join(" ") : String(value);
      }
    });
    return errors;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    form.querySelectorAll("[data-error-for]").forEach(function (slot) { slot.textContent = ""; });
    const changes = {};
    const local = {};
    form.querySelectorAll("[name]").forEach(function (input) {
      try {
        const value = fieldValue(input);
        if (JSON.stringify(value) !== initial[input.name]) { changes[input.name] = value; }
      } catch (error) { local[input.name] = "not valid JSON"; }
    });
    const status = document.getElementById("config-result");
    Object.keys(local).forEach(function (name) { form.querySelector("[data-error-for='" + name + "']").textContent = local[name]; });
    if (Object.keys(local).length) { status.textContent = "Fix the marked fields."; status.className = "field-error"; return; }
    if (!Object.keys(changes).length) { status.textContent = "Nothing changed."; status.className = "muted"; return; }
    try {
      await window.platform.api(ROUTES.config[0], ROUTES.config[1], changes);
      snapshotForm();
      status.textContent = "Saved: " + Object.keys(changes).join(", ") + ".";
      status.className = "up";
      window.platform.requestSnapshot();
    } catch (error) {
      const errors = fieldErrors(error.data);
      Object.keys(errors).forEach(function (name) {
        form.querySelector("[data-error-for='" + name + "']").textContent = errors[name];
      });
      status.textContent = "Not saved: " + (Object.keys(errors).length ? "see the marked fields." : error.message);
      status.className = "field-error";
    }
  });
})();
