/* Scanner: sorting and filtering of the coin cards (kept across live refreshes). */
(function () {
  "use strict";
  const container = document.getElementById("coin-cards");
  const sort = document.getElementById("sort");
  const filter = document.getElementById("filter");
  const search = document.getElementById("search");
  const scanTime = document.getElementById("scan-time");
  const saved = JSON.parse(localStorage.getItem("scanner-view") || "{}");
  if (saved.sort) { sort.value = saved.sort; }
  if (saved.filter) { filter.value = saved.filter; }

  const keys = {
    score: function (card) { return -Number(card.dataset.score); },
    long: function (card) { return -Number(card.dataset.long); },
    short: function (card) { return -Number(card.dataset.short); },
    change: function (card) { return -Number(card.dataset.change); },
  };

  function visible(card) {
    const text = search.value.trim().toUpperCase();
    if (text && card.dataset.symbol.indexOf(text) === -1) { return false; }
    switch (filter.value) {
      case "signal": return card.dataset.signal !== "none";
      case "long": return card.dataset.signal === "long";
      case "short": return card.dataset.signal === "short";
      case "squeeze": return card.dataset.squeeze === "on";
      case "divergence": return card.dataset.divergence !== "none";
      default: return true;
    }
  }

  function apply() {
    const cards = Array.from(container.querySelectorAll(".card"));
    const key = keys[sort.value];
    cards.sort(function (a, b) {
      if (key) { const diff = key(a) - key(b); if (diff !== 0) { return diff; } }
      return a.dataset.symbol.localeCompare(b.dataset.symbol);
    });
    cards.forEach(function (card) { card.hidden = !visible(card); container.appendChild(card); });
    localStorage.setItem("scanner-view", JSON.stringify({sort: sort.value, filter: filter.value}));
  }

  [sort, filter].forEach(function (control) { control.addEventListener("change", apply); });
  search.addEventListener("input", apply);
  window.platform.onSnapshot(function (data) {
    scanTime.textContent = "last scan " + data.header.freshness.ta_scan_text;
    apply();
  });
  apply();
})();
