// Map of places (Leaflet) and the "Autour de moi" button. The list beside the map holds the same
// places, so the page works with no map tiles and with no JavaScript.
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function drawMap() {
    var container = document.querySelector("[data-tile-url]");
    var markers = readJson("lieux-marqueurs");
    var origin = readJson("lieux-origine");
    if (!container || !window.L || !markers) return;
    var map = L.map(container, { scrollWheelZoom: false, zoomControl: false });
    L.control.zoom({ zoomInTitle: "Rapprocher (zoom avant)", zoomOutTitle: "Éloigner (zoom arrière)" }).addTo(map);
    L.tileLayer(container.dataset.tileUrl, {
      maxZoom: 19,
      attribution: container.dataset.tileAttribution
    }).addTo(map);
    var bounds = [];
    markers.forEach(function (m) {
      var marker = L.marker([m.lat, m.lon], { title: m.name, alt: m.name }).addTo(map);
      var link = document.createElement("a");
      link.href = m.url;
      link.textContent = m.name + " (" + m.km + " km)";
      marker.bindPopup(link);
      bounds.push([m.lat, m.lon]);
    });
    if (origin) {
      L.circle([origin.lat, origin.lon], { radius: origin.radius_km * 1000, fill: false }).addTo(map);
      bounds.push([origin.lat, origin.lon]);
    }
    if (bounds.length) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 });
  }

  function aroundMe() {
    var button = document.querySelector("[data-around-me]");
    var form = document.getElementById("recherche-lieux");
    if (!button || !form || !navigator.geolocation) return;
    var status = document.querySelector("[data-around-me-status]");
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "Recherche de votre position…";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.querySelector('[name="latitude"]').value = position.coords.latitude.toFixed(5);
          form.querySelector('[name="longitude"]').value = position.coords.longitude.toFixed(5);
          form.querySelector('[name="commune"]').value = "";
          form.querySelector('[name="commune_label"]').value = "";
          status.textContent = "Position trouvée.";
          form.submit();
        },
        function () {
          status.textContent = "Position introuvable : tapez plutôt le nom de votre commune.";
        },
        { timeout: 10000, maximumAge: 300000 }
      );
    });
  }

  function start() {
    drawMap();
    aroundMe();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
