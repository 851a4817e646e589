/* Symbol page: lightweight-charts (served from static/vendor) with the EMA ribbon,
 * Bollinger and Keltner bands, squeeze shading and the bot's entries and exits; under it the
 * derivatives panels (open interest, CVD, long/short ratios), their time axis synced with it. */
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

  const SCALE_WIDTH = 90;

  function compact(value) {  // 5.08B, -70.0K: short labels keep the price scales as wide as the chart's
    const size = Math.abs(value);
    if (size >= 1e9) { return (value / 1e9).toFixed(2) + "B"; }
    if (size >= 1e6) { return (value / 1e6).toFixed(2) + "M"; }
    if (size >= 1e3) { return (value / 1e3).toFixed(1) + "K"; }
    return value.toFixed(0);
  }

  function derivativesPanels(LC, main) {
    const source = document.getElementById("derivatives-data");
    if (!source) { return; }
    const derivatives = JSON.parse(source.textContent);
    const colors = {open_interest_value: "#58a6ff", cvd: "#3fb950", global_long_short_ratio: "#58a6ff",
                    top_long_short_account_ratio: "#d29922", top_long_short_position_ratio: "#bc8cff"};
    const panels = [];
    Object.keys(derivatives.panels).forEach(function (name) {
      const items = derivatives.panels[name].filter(function (item) { return item.values > 0; });
      const element = document.getElementById("panel-" + name);
      if (!element || !items.length) { return; }  // the page already says "no data"
      const panel = LC.createChart(element, {
        autoSize: true,
        layout: {background: {color: "#0d1117"}, textColor: "#c9d1d9", fontFamily: "ui-monospace, monospace"},
        grid: {vertLines: {color: "#161b22"}, horzLines: {color: "#161b22"}},
        timeScale: {timeVisible: true, secondsVisible: false},
        rightPriceScale: {minimumWidth: SCALE_WIDTH}, handleScroll: false, handleScale: false,
        localization: {priceFormatter: name === "ratios" ? function (v) { return v.toFixed(2); } : compact},
      });
      let points = 0;
      items.forEach(function (item) {
        panel.addSeries(LC.LineSeries, {color: colors[item.key] || "#c9d1d9", lineWidth: 1, priceLineVisible: false,
          title: ""}).setData(item.points);
        points += item.values;
      });
      element.dataset.points = String(points);
      panels.push(panel);
    });
    main.applyOptions({rightPriceScale: {minimumWidth: SCALE_WIDTH}});  // same plot width: the bars line up
    // Every panel has a point (or a gap) per chart candle, so the same logical range is the same
    // time span: the panels follow the main chart's scroll and zoom bar for bar.
    function follow() {
      const range = main.timeScale().getVisibleLogicalRange();
      if (!range) { return; }
      panels.forEach(function (panel) { panel.timeScale().setVisibleLogicalRange(range); });
    }
    main.timeScale().subscribeVisibleLogicalRangeChange(follow);
    follow();
    window.symbolCharts = {main: main, panels: panels};  // the browser tests and the console read it
  }

  derivativesPanels(LC, chart);
})();
