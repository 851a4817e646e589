/* Signals: sorting (click a heading, again to reverse) and filtering (direction, minimum market
 * score and confidence, symbol search) of the signal table. The view is the page's own: it is kept
 * in localStorage and applied again after every live update, which replaces single rows (or the
 * whole table when a symbol came or went) in the server's symbol order. */
(function () {
  "use strict";
  const body = document.getElementById("signal-rows");
  const headings = Array.from(document.querySelectorAll("#signals-table th[data-k]"));
  const direction = document.getElementById("signal-direction");
  const minScore = document.getElementById("signal-min-score");
  const minConfidence = document.getElementById("signal-min-confidence");
  const search = document.getElementById("signal-search");
  const count = document.getElementById("signal-count");
  const TEXT_KEYS = ["symbol", "direction", "confluence"];
  const saved = JSON.parse(localStorage.getItem("signals-view") || "{}");
  const view = {key: saved.key || "score", descending: saved.descending !== false};
  if (saved.direction) { direction.value = saved.direction; }
  if (saved.minScore) { minScore.value = saved.minScore; }
  if (saved.minConfidence) { minConfidence.value = saved.minConfidence; }

  function sortValue(row, key) {
    const cell = row.querySelector("td[data-k='" + key + "']");
    const text = cell ? cell.dataset.sort : "";
    if (TEXT_KEYS.indexOf(key) !== -1) { return text; }
    return text === "" ? null : Number(text);  // no S/R level: always last
  }

  function compare(a, b) {
    const left = sortValue(a, view.key);
    const right = sortValue(b, view.key);
    let diff = 0;
    if (left === null || right === null) {
      diff = left === right ? 0 : (left === null ? 1 : -1);
      return diff || a.dataset.symbol.localeCompare(b.dataset.symbol);
    }
    diff = typeof left === "string" ? left.localeCompare(right) : left - right;
    if (view.descending) { diff = -diff; }
    return diff || a.dataset.symbol.localeCompare(b.dataset.symbol);
  }

  function visible(row) {
    const text = search.value.trim().toUpperCase();
    if (text && row.dataset.symbol.indexOf(text) === -1) { return false; }
    if (direction.value !== "all" && row.dataset.direction !== direction.value) { return false; }
    if (Number(row.dataset.score) < Number(minScore.value || 0)) { return false; }
    return Number(row.dataset.confidence) >= Number(minConfidence.value || 0);
  }

  function apply() {
    const rows = Array.from(body.querySelectorAll("tr.signal-row"));
    rows.sort(compare);
    let shown = 0;
    rows.forEach(function (row) {
      row.hidden = !visible(row);
      if (!row.hidden) { shown += 1; }
      body.appendChild(row);
    });
    headings.forEach(function (th) {
      th.setAttribute("aria-sort", th.dataset.k !== view.key ? "none" : (view.descending ? "descending" : "ascending"));
    });
    count.textContent = rows.length ? shown + " of " + rows.length + " shown" : "";
    localStorage.setItem("signals-view", JSON.stringify({
      key: view.key, descending: view.descending, direction: direction.value,
      minScore: minScore.value, minConfidence: minConfidence.value,
    }));
  }

  headings.forEach(function (th) {
    th.querySelector("button").addEventListener("click", function () {
      if (view.key === th.dataset.k) {
        view.descending = !view.descending;
      } else {
        view.key = th.dataset.k;
        view.descending = TEXT_KEYS.indexOf(view.key) === -1;  // numbers: highest first; text: A to Z
      }
      apply();
    });
  });
  direction.addEventListener("change", apply);
  [minScore, minConfidence, search].forEach(function (control) { control.addEventListener("input", apply); });
  window.platform.onSnapshot(apply);
  apply();
})();
