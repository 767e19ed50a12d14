/* gisapp public maps: the page's tables become the map's markers.
 *
 * Each layer is a <table data-layer="code"> below the map; every row carries its position in
 * data-ll="lat,lon". This script makes one marker per row in that layer's cluster group (made
 * by folium) and, when a marker is opened, a popup from copies of the row's cells. Nothing is
 * ever parsed as HTML here: names go into `title` properties and text nodes, cells are
 * copied as nodes, so whatever the rows say stays text. Clicking a name in the list shows
 * the point on the map.
 */
(function () {
  "use strict";

  var ColorIcon = L.DivIcon.extend({
    options: { iconSize: [18, 18], iconAnchor: [9, 9], popupAnchor: [0, -8], html: false }
  });

  function icon(code) {
    return new ColorIcon({ className: "gm-marker gm-t-" + code });
  }

  function popup(table, row) {
    var box = document.createElement("div");
    box.className = "gm-popup";
    var heading = document.createElement("h3");
    heading.textContent = row.cells[0].textContent;
    box.appendChild(heading);
    var kind = document.createElement("p");
    kind.className = "gm-popup-kind";
    kind.textContent = table.getAttribute("data-label");
    box.appendChild(kind);
    var heads = table.tHead.rows[0].cells;
    var list = document.createElement("dl");
    var link = null;
    for (var i = 1; i < row.cells.length; i++) {
      var cell = row.cells[i];
      var anchor = cell.querySelector("a");
      if (anchor) {
        link = anchor.cloneNode(true);
        continue;
      }
      if (!cell.textContent) continue;
      var dt = document.createElement("dt");
      dt.textContent = heads[i].textContent;
      var dd = document.createElement("dd");
      dd.textContent = cell.textContent;
      list.appendChild(dt);
      list.appendChild(dd);
    }
    box.appendChild(list);
    if (link) {
      var p = document.createElement("p");
      link.className = "gm-report";
      link.target = "_blank";
      link.rel = "noopener";
      p.appendChild(link);
      box.appendChild(p);
    }
    return box;
  }

  function load(map, groups) {
    performance.mark("gisapp-map-load");
    var tables = document.querySelectorAll("table[data-layer]");
    var byRow = new Map();
    Array.prototype.forEach.call(tables, function (table) {
      var code = table.getAttribute("data-layer");
      var group = groups[code];
      if (!group) return;
      var markerIcon = icon(code);
      // clusters in the layer's colour (a ring), the count dark on white: readable on any
      group.options.iconCreateFunction = function (cluster) {
        return L.divIcon({
          html: "<span>" + Number(cluster.getChildCount()) + "</span>",
          className: "marker-cluster gm-cluster gm-t-" + code, iconSize: [36, 36]
        });
      };
      var markers = [];
      var rows = table.tBodies[0].rows;
      for (var i = 0; i < rows.length; i++) {
        var row = rows[i];
        var ll = row.getAttribute("data-ll").split(",");
        var name = row.cells[0].textContent;
        var marker = L.marker([+ll[0], +ll[1]], {
          icon: markerIcon, title: name, alt: name, keyboard: true, riseOnHover: true
        });
        marker.bindPopup(popup.bind(null, table, row), { maxWidth: 320 });
        markers.push(marker);
        byRow.set(row, { marker: marker, group: group });
      }
      group.addLayers(markers);
      table.addEventListener("click", function (event) {
        var cell = event.target.closest("tbody th");
        if (!cell) return;
        var found = byRow.get(cell.parentNode);
        if (!found) return;
        map.getContainer().scrollIntoView({ block: "nearest" });
        found.group.zoomToShowLayer(found.marker, function () { found.marker.openPopup(); });
      });
    });
    map.getContainer().setAttribute("data-ready", "true");
    performance.mark("gisapp-map-ready");
  }

  // "skip the map" leads to the list: open it when it is closed (long lists start closed)
  document.addEventListener("click", function (event) {
    var skip = event.target.closest(".gm-skip");
    var list = document.getElementById("gm-list");
    if (skip && list) list.open = true;
  });

  window.gisappPublicMap = { load: load };
})();
