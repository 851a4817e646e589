/* Symbol page: lightweight-charts (served from static/vendor) with the EMA ribbon,
 * Bollinger and Keltner bands, squeeze shading and the bot's entries and exits. */
(function () {
  "use strict";
  document.getElementById("symbol-select").addEventListener("change", function (event) {
    location.href = "/symbol/" + event.target.value + location.search;
  });
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const element = document.getElementById("chart");
  if (!data.candles.length || !window.LightweightCharts) { return; }
  const LC = window.LightweightCharts;
  const chart = LC.createChart(element, {
    autoSize: true,
    layout: {background: {color: "#0d1117"}, textColor: "#c9d1d9", fontFamily: "ui-monospace, monospace"},
    grid: {vertLines: {color: "#161b22"}, horzLines: {color: "#161b22"}},
    timeScale: {timeVisible: true, secondsVisible: false},
  });
  const squeeze = chart.addSeries(LC.HistogramSeries, {priceScaleId: "squeeze", priceLineVisible: false, lastValueVisible: false});
  chart.priceScale("squeeze").applyOptions({scaleMargins: {top: 0.92, bottom: 0}});
  const squeezeTimes = new Set(data.overlays.squeeze);
  squeeze.setData(data.candles.map(function (candle) {
    return {time: candle.time, value: 1, color: squeezeTimes.has(candle.time) ? "rgba(248,81,73,0.8)" : "rgba(0,0,0,0)"};
  }));
  const candles = chart.addSeries(LC.CandlestickSeries, {
    upColor: "#3fb950", downColor: "#f85149", borderVisible: false, wickUpColor: "#3fb950", wickDownColor: "#f85149",
  });
  candles.setData(data.candles);
  const ribbonColors = ["#7ee787", "#56d364", "#3fb950", "#d29922", "#db6d28", "#f85149"];
  Object.keys(data.overlays.ribbon).forEach(function (length, index) {
    chart.addSeries(LC.LineSeries, {color: ribbonColors[index], lineWidth: 1, priceLineVisible: false,
      lastValueVisible: false, title: index === 0 ? "EMA" : ""}).setData(data.overlays.ribbon[length]);
  });
  [["bollinger", "#58a6ff"], ["keltner", "#bc8cff"]].forEach(function (band) {
    ["upper", "lower"].forEach(function (edge) {
      chart.addSeries(LC.LineSeries, {color: band[1], lineWidth: 1, lineStyle: LC.LineStyle.Dashed,
        priceLineVisible: false, lastValueVisible: false}).setData(data.overlays[band[0]][edge] || []);
    });
  });
  (data.levels || []).forEach(function (level) {
    const support = level.type === "support";
    candles.createPriceLine({price: level.price, color: support ? "#3fb950" : "#f85149", lineWidth: 1,
      lineStyle: LC.LineStyle.Solid, axisLabelVisible: true,
      title: (support ? "S " : "R ") + level.touches + "x"});
  });
  if (data.fib) {
    Object.keys(data.fib.levels).forEach(function (ratio) {
      candles.createPriceLine({price: data.fib.levels[ratio], color: "#d29922", lineWidth: 1,
        lineStyle: LC.LineStyle.Dotted, axisLabelVisible: false, title: "fib " + ratio});
    });
  }
  const first = data.candles[0].time;
  const markers = data.markers.filter(function (marker) { return marker.time >= first; });
  if (markers.length) { LC.createSeriesMarkers(candles, markers); }
  chart.timeScale().fitContent();
})();
