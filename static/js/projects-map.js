// Projects on a Leaflet map: an enhancement of the list (or of a project's page), which
// stays the accessible equivalent. Markers come from a json_script element; tiles come
// only from the town's configured server (none by default: markers on a plain background).
(function () {
  "use strict";

  function readMarkers() {
    var element = document.getElementById("projects-map-data");
    if (!element) return [];
    try {
      var data = JSON.parse(element.textContent);
      return Array.isArray(data) ? data : [];
    } catch (error) {
      return [];
    }
  }

  function popupContent(marker) {
    // Built with DOM nodes and textContent: a title is never parsed as HTML.
    var wrapper = document.createElement("div");
    var link = document.createElement("a");
    link.href = marker.url;
    link.textContent = marker.title;
    var status = document.createElement("div");
    status.className = "small";
    status.textContent = marker.status;
    wrapper.appendChild(link);
    wrapper.appendChild(status);
    return wrapper;
  }

  function showNote(section, selector) {
    var note = section.querySelector(selector);
    if (note) note.hidden = false;
  }

  function init() {
    var container = document.getElementById("projects-map");
    var section = document.querySelector("[data-map-section]");
    var markers = readMarkers();
    if (!container || !section || !window.L || markers.length === 0) return;
    section.hidden = false;

    var map = L.map(container, { zoomControl: false, attributionControl: true });
    L.control
      .zoom({
        zoomInTitle: container.dataset.zoomIn || "+",
        zoomOutTitle: container.dataset.zoomOut || "-",
      })
      .addTo(map);
    map.attributionControl.setPrefix(false);

    var tilesUrl = container.dataset.tilesUrl;
    if (tilesUrl) {
      var layer = L.tileLayer(tilesUrl, {
        maxZoom: 19,
        attribution: container.dataset.tilesAttribution || "",
      });
      var warned = false;
      layer.on("tileerror", function () {
        if (!warned) {
          warned = true;
          container.classList.add("projects-map--no-tiles");
          showNote(section, "[data-map-note-tileerror]");
        }
      });
      layer.addTo(map);
    } else {
      container.classList.add("projects-map--no-tiles");
    }

    var points = [];
    markers.forEach(function (marker) {
      if (typeof marker.lat !== "number" || typeof marker.lng !== "number") return;
      var point = [marker.lat, marker.lng];
      points.push(point);
      L.marker(point, { title: marker.title, alt: marker.title, keyboard: true })
        .bindPopup(popupContent(marker))
        .addTo(map);
    });

    var center = [parseFloat(container.dataset.centerLat), parseFloat(container.dataset.centerLng)];
    if (points.length === 1) {
      map.setView(points[0], 16);
    } else if (points.length > 1) {
      map.fitBounds(points, { padding: [30, 30], maxZoom: 16 });
    } else {
      map.setView(center, 14);
    }
  }

  document.addEventListener("DOMContentLoaded", init);
})();
