/* Backtest run: the equity curve (line) and the drawdown below its running peak (histogram),
 * from the stored [[ms, value], ...] series, with lightweight-charts from static/vendor. A pending
 * or running run has "Cancel run" (after a confirm, POSTs /api/v1/backtests/{id}/cancel). */
(function () {
  "use strict";
  const cancel = document.getElementById("run-cancel");
  if (cancel) {
    cancel.addEventListener("click", async function () {
      if (!window.confirm("Cancel run #" + cancel.dataset.runId + "? Nothing of it is stored.")) { return; }
      try {
        await window.platform.api("POST", "/api/v1/backtests/" + cancel.dataset.runId + "/cancel");
        window.location.reload();
      } catch (error) {
        const result = document.getElementById("run-cancel-result");
        result.textContent = "Not cancelled: " + error.message;
        result.className = "field-error";
      }
    });
  }
  const equity = JSON.parse(document.getElementById("equity-data").textContent);
  const drawdown = JSON.parse(document.getElementById("drawdown-data").textContent);
  const element = document.getElementById("equity-chart");
  if (!equity.length || !window.LightweightCharts) { return; }
  const LC = window.LightweightCharts;
  const chart = LC.createChart(element, {
    autoSize: true,
    layout: {background: {color: "#0d1117"}, textColor: "#c9d1d9", fontFamily: "ui-monospace, monospace"},
    grid: {vertLines: {color: "#161b22"}, horzLines: {color: "#161b22"}},
    timeScale: {timeVisible: true, secondsVisible: false},
  });
  function points(series) {
    const seen = new Set();
    return series.map(function (point) { return {time: Math.floor(point[0] / 1000), value: point[1]}; })
      .filter(function (point) { if (seen.has(point.time)) { return false; } seen.add(point.time); return true; });
  }
  chart.addSeries(LC.LineSeries, {color: "#58a6ff", lineWidth: 2, title: "equity"}).setData(points(equity));
  const drawdownSeries = chart.addSeries(LC.HistogramSeries, {color: "rgba(248,81,73,0.6)", priceScaleId: "dd",
    title: "drawdown %", priceLineVisible: false});
  chart.priceScale("dd").applyOptions({scaleMargins: {top: 0.75, bottom: 0}});
  drawdownSeries.setData(points(drawdown).map(function (point) { return {time: point.time, value: -point.value}; }));
  chart.timeScale().fitContent();
})();
