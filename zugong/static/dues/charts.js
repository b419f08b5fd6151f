// 党费报表 charts (ECharts). The page puts its figures in <script type="application/json" id="dues-chart-data">
// (Django's json_script) and marks each chart's box with data-chart="rates" | "year". No inline script or
// style: sizes are set through the CSSOM, tooltips are drawn on the canvas (renderMode "richText"), so the
// Content-Security-Policy (style-src 'self') has nothing to refuse.
(function () {
  "use strict";

  var RED = "#b71c1c";
  var GREY = "#9e9e9e";

  function readData() {
    var node = document.getElementById("dues-chart-data");
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function tooltip(extra) {
    var base = { renderMode: "richText", confine: true };
    for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { base[k] = extra[k]; } }
    return base;
  }

  function ratesOption(d) {
    return {
      grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      tooltip: tooltip({ trigger: "item", formatter: function (p) {
        return p.name + "\n收缴率：" + (p.value === null || p.value === undefined ? "—" : p.value.toFixed(2) + "%");
      } }),
      xAxis: {
        type: "category",
        data: d.names,
        axisLabel: { interval: 0, rotate: d.names.length > 6 ? 30 : 0, width: 90, overflow: "truncate" }
      },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [{
        type: "bar",
        name: "收缴率",
        data: d.values,
        barMaxWidth: 36,
        itemStyle: { color: RED },
        label: { show: true, position: "top", formatter: function (p) {
          return p.value === null || p.value === undefined ? "" : p.value.toFixed(1) + "%";
        } }
      }]
    };
  }

  function yearOption(d) {
    return {
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      legend: { top: 0, data: ["应交", "已交"] },
      tooltip: tooltip({ trigger: "axis", valueFormatter: function (v) {
        return (typeof v === "number" ? v.toFixed(2) : "—") + " 元";
      } }),
      xAxis: { type: "category", data: d.months, boundaryGap: false },
      yAxis: { type: "value", name: "元" },
      series: [
        { type: "line", name: "应交", data: d.due, itemStyle: { color: GREY }, lineStyle: { type: "dashed" } },
        { type: "line", name: "已交", data: d.paid, itemStyle: { color: RED }, areaStyle: { opacity: 0.08 } }
      ]
    };
  }

  function draw() {
    if (typeof window.echarts === "undefined") { return; }
    var data = readData();
    if (!data) { return; }
    var charts = [];
    var boxes = document.querySelectorAll("[data-chart]");
    Array.prototype.forEach.call(boxes, function (box) {
      var kind = box.getAttribute("data-chart");
      var option = null;
      if (kind === "rates" && data.rates && data.rates.names.length) { option = ratesOption(data.rates); }
      if (kind === "year" && data.year) { option = yearOption(data.year); }
      if (!option) {
        box.textContent = "暂无数据";
        box.className += " text-muted small py-4 text-center";
        return;
      }
      box.style.height = (parseInt(box.getAttribute("data-height"), 10) || 300) + "px";
      box.style.width = "100%";
      var chart = window.echarts.init(box, null, { renderer: "canvas", locale: "ZH" });
      chart.setOption(option);
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
