// 累计学分制 overview charts (ECharts). The page puts its figures in <script type="application/json"
// id="training-chart-data"> (Django's json_script) and marks each chart's box with data-chart="grades" | "units" |
// "categories". No inline script or style: sizes are set through the CSSOM, tooltips are drawn on the canvas
// (renderMode "richText"), so the Content-Security-Policy (style-src 'self') has nothing to refuse.
(function () {
  "use strict";

  var RED = "#b71c1c";
  var GRADE_COLOURS = { "优秀": "#2e7d32", "合格": "#1565c0", "不合格": "#c62828" };

  function readData() {
    var node = document.getElementById("training-chart-data");
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function tooltip(extra) {
    var base = { renderMode: "richText", confine: true };
    for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { base[k] = extra[k]; } }
    return base;
  }

  function fmt(v) {
    if (v === null || v === undefined) { return "—"; }
    return (Math.round(v * 100) / 100).toString();
  }

  function gradesOption(d) {
    var data = d.names.map(function (name, i) {
      return { name: name, value: d.values[i], itemStyle: { color: GRADE_COLOURS[name] || "#9e9e9e" } };
    });
    return {
      tooltip: tooltip({ trigger: "item", formatter: function (p) {
        return p.name + "：" + p.value + " 人（" + p.percent + "%）";
      } }),
      legend: { bottom: 0 },
      series: [{
        type: "pie", name: "年度等次", radius: ["35%", "65%"], data: data,
        label: { formatter: "{b}\n{c} 人" }
      }]
    };
  }

  function barsOption(d, unit, horizontal) {
    var valueAxis = { type: "value", name: unit };
    var categoryAxis = {
      type: "category", data: d.names,
      axisLabel: horizontal ? { width: 110, overflow: "truncate" }
        : { interval: 0, rotate: (d.names.length > 5 || window.innerWidth < 576) ? 40 : 0, width: 90,
            overflow: "truncate", fontSize: window.innerWidth < 576 ? 10 : 12 }
    };
    var series = {
      type: "bar", name: unit, data: d.values, barMaxWidth: 28, itemStyle: { color: RED },
      label: { show: true, position: horizontal ? "right" : "top", formatter: function (p) { return fmt(p.value); } }
    };
    if (d.target) {
      series.markLine = {
        symbol: "none", lineStyle: { color: "#2e7d32", type: "dashed" },
        label: { formatter: "目标 " + fmt(d.target) },
        data: [horizontal ? { xAxis: d.target } : { yAxis: d.target }]
      };
    }
    return {
      grid: { left: 8, right: 40, top: 28, bottom: 8, containLabel: true },
      tooltip: tooltip({ trigger: "item", formatter: function (p) { return p.name + "：" + fmt(p.value) + " " + unit; } }),
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: [series]
    };
  }

  function optionFor(kind, data) {
    var d = data[kind];
    if (!d || !d.names || !d.names.length) { return null; }
    var total = (d.values || []).reduce(function (sum, v) { return sum + (Number(v) || 0); }, 0);
    if (total === 0) { return null; }  // no cadre, no credits: "暂无数据", not three equal empty slices
    if (kind === "grades") { return gradesOption(d); }
    if (kind === "units") {
      var rev = { names: d.names.slice().reverse(), values: d.values.slice().reverse(), target: d.target };
      return barsOption(rev, "学分", true);
    }
    if (kind === "categories") { return barsOption(d, "学分", false); }
    return null;
  }

  function draw() {
    if (typeof window.echarts === "undefined") { return; }
    var data = readData();
    if (!data) { return; }
    var charts = [];
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (box) {
      var option = optionFor(box.getAttribute("data-chart"), data);
      if (!option) {
        box.textContent = "暂无数据";
        box.className += " text-muted small py-4 text-center";
        return;
      }
      var height = parseInt(box.getAttribute("data-height"), 10) || 300;
      if (box.getAttribute("data-chart") === "units") { height = Math.max(height, data.units.names.length * 26 + 60); }
      box.style.height = height + "px";
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
