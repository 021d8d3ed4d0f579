// Charts of the dashboards (Chart.js) and the map of communes (Leaflet). Each chart's numbers
// are also in the table that follows it, so the page says everything without JavaScript.
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function drawCharts() {
    if (!window.Chart) return;
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var spec = readJson(canvas.dataset.chart);
      if (!spec || !spec.labels.length) {
        canvas.hidden = true;
        return;
      }
      new window.Chart(canvas, {
        type: spec.type,
        data: {
          labels: spec.labels,
          datasets: spec.datasets.map(function (set) {
            return {
              label: set.label,
              data: set.data,
              backgroundColor: set.colour,
              borderColor: set.colour,
              spanGaps: false
            };
          })
        },
        options: {
          indexAxis: spec.horizontal ? "y" : "x",
          animation: still ? false : undefined,
          maintainAspectRatio: false,
          responsive: true,
          plugins: { legend: { display: spec.datasets.length > 1 } },
          scales: { x: { beginAtZero: true }, y: { beginAtZero: true } }
        }
      });
    });
  }

  function drawMap() {
    var container = document.getElementById("carte-communes");
    var points = readJson("communes-points");
    if (!container || !window.L || !points || !points.length) return;
    var map = window.L.map(container, { scrollWheelZoom: false });
    window.L.tileLayer(container.dataset.tileUrl, {
      maxZoom: 19,
      attribution: container.dataset.tileAttribution
    }).addTo(map);
    var most = Math.max.apply(null, points.map(function (p) { return p.people; }).concat([1]));
    var bounds = [];
    points.forEach(function (p) {
      window.L.circleMarker([p.lat, p.lon], {
        radius: 3 + 12 * Math.sqrt(p.people / most),
        color: "#000091",
        fillColor: "#6a6af4",
        fillOpacity: 0.6
      }).bindTooltip(p.name + " : " + p.people + " personne" + (p.people > 1 ? "s" : "")).addTo(map);
      bounds.push([p.lat, p.lon]);
    });
    map.fitBounds(bounds, { padding: [20, 20], maxZoom: 12 });
  }

  function start() {
    drawCharts();
    drawMap();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
