// dash.js draws the dashboard charts (领导驾驶舱). Each
// <div class="chart" data-chart="ID"> has beside it a
// <script type="application/json" id="ID"> holding an Apache ECharts option
// built by the server: plain data, no functions, nothing evaluated. The
// tables on the page carry the same figures, so a page whose script fails
// still says everything.
(function () {
  "use strict";
  if (typeof echarts === "undefined") return;
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var charts = [];
  var els = document.querySelectorAll("div.chart[data-chart]");
  for (var i = 0; i < els.length; i++) {
    var el = els[i], src = document.getElementById(el.getAttribute("data-chart"));
    if (!src || src.type !== "application/json") continue;
    try {
      var option = JSON.parse(src.textContent);
      if (still) (option.baseOption || option).animation = false;
      var chart = echarts.init(el);
      chart.setOption(option);
      charts.push(chart);
    } catch (e) {
      el.hidden = true; // the table beside it still shows the figures
    }
  }
  var timer;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      for (var j = 0; j < charts.length; j++) charts[j].resize();
    }, 100);
  });
})();
