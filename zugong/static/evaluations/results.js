// 测评结果 charts (ECharts, vendored). The page puts the figures in <script type="application/json"
// id="evaluation-chart-data"> (Django's json_script); each chart's box is <div data-chart="chart-n">. No inline
// script or style: sizes through the CSSOM, tooltips drawn on the canvas (renderMode "richText").
(function () {
  "use strict";

  var COLOURS = ["#2e7d32", "#1565c0", "#f9a825", "#ef6c00", "#c62828"];

  function readData() {
    var node = document.getElementById("evaluation-chart-data");
    if (!node) { return []; }
    try { return JSON.parse(node.textContent) || []; } catch (e) { return []; }
  }

  function option(d) {
    return {
      title: { text: d.title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "item", renderMode: "richText", confine: true, formatter: "{b}：{c} 票（{d}%）" },
      legend: { bottom: 0 },
      series: [{
        type: "pie", radius: ["30%", "60%"], top: 24, bottom: 24,
        data: d.names.map(function (name, i) {
          return { name: name, value: d.values[i], itemStyle: { color: COLOURS[i % COLOURS.length] } };
        }),
        label: { formatter: "{b}\n{c} 票" }
      }]
    };
  }

  function draw() {
    if (typeof echarts === "undefined") { return; }
    readData().forEach(function (d) {
      var box = document.querySelector('[data-chart="' + d.id + '"]');
      if (!box) { return; }
      box.style.height = "300px";
      var chart = echarts.init(box, null, { renderer: "canvas" });
      chart.setOption(option(d));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
