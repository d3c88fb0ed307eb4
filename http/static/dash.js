// dash.js draws the dashboard charts (领导驾驶舱). Each
// <div class="chart" data-chart="ID"> has beside it a
// <script type="application/json" id="ID"> holding an Apache ECharts option
// built by the server: plain data, no functions, nothing evaluated. The
// tables on the page carry the same figures, so a page whose script fails
// still says everything.
(function () {
  "use strict";
  // An open dashboard follows the figures: every 20 seconds, while the tab
  // is visible, it asks the server for the state of the plan's figures
  // (one cheap read) and reloads when they changed since the page was
  // made, unless someone is choosing a plan or date in the form.
  var live = document.getElementById("dash-live");
  if (live && window.fetch) {
    setInterval(function () {
      if (document.visibilityState !== "visible") return;
      var a = document.activeElement;
      if (a && /^(INPUT|SELECT|TEXTAREA)$/.test(a.tagName)) return;
      fetch(live.getAttribute("data-url"), { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) {
          if (j && j.version && j.version !== live.getAttribute("data-version")) location.reload();
        })
        .catch(function () {});
    }, 20000);
  }
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
