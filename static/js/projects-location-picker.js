// Location picker for a project proposal: enhances the latitude/longitude number fields
// with a small map (a click or a dragged marker fills them). Without JavaScript, or without
// a tile server, the two fields work on their own.
(function () {
  "use strict";

  function init() {
    var container = document.getElementById("location-picker");
    var lat = document.getElementById("id_latitude");
    var lng = document.getElementById("id_longitude");
    if (!container || !lat || !lng || !window.L || !container.dataset.tilesUrl) return;
    container.hidden = false;
    var hint = document.getElementById("location-picker-hint");
    if (hint) hint.hidden = false;

    var center = [parseFloat(container.dataset.centerLat), parseFloat(container.dataset.centerLng)];
    var map = L.map(container.querySelector(".location-picker-map"), { zoomControl: false });
    L.control
      .zoom({
        zoomInTitle: container.dataset.zoomIn || "+",
        zoomOutTitle: container.dataset.zoomOut || "-",
      })
      .addTo(map);
    map.attributionControl.setPrefix(false);
    L.tileLayer(container.dataset.tilesUrl, {
      maxZoom: 19,
      attribution: container.dataset.tilesAttribution || "",
    }).addTo(map);

    var marker = null;
    function current() {
      var a = parseFloat(lat.value);
      var b = parseFloat(lng.value);
      return isFinite(a) && isFinite(b) ? [a, b] : null;
    }
    function place(point, fill) {
      if (!marker) {
        marker = L.marker(point, { draggable: true, alt: container.dataset.markerLabel || "" });
        marker.on("dragend", function () {
          var p = marker.getLatLng();
          place([p.lat, p.lng], true);
        });
        marker.addTo(map);
      } else {
        marker.setLatLng(point);
      }
      if (fill) {
        lat.value = point[0].toFixed(6);
        lng.value = point[1].toFixed(6);
      }
    }

    var start = current();
    map.setView(start || center, start ? 17 : 14);
    if (start) place(start, false);

    map.on("click", function (event) {
      place([event.latlng.lat, event.latlng.lng], true);
    });
    [lat, lng].forEach(function (input) {
      input.addEventListener("change", function () {
        var point = current();
        if (point) {
          place(point, false);
          map.panTo(point);
        }
      });
    });
    var clear = container.querySelector("[data-clear-location]");
    if (clear) {
      clear.addEventListener("click", function () {
        lat.value = "";
        lng.value = "";
        if (marker) {
          map.removeLayer(marker);
          marker = null;
        }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", init);
})();
