/* The planner map (/m/{slug}/map): assets per type with a legend, filters, the asset card
   with its history, spatial questions (drawn area, district, along a street or a drawn
   line, around a point, nearest N) -> list -> export or label sheet, statistics per
   district, search by code or name.
   Everything comes from gisapp's JSON API with the session cookie (writes carry the CSRF
   token). Texts are rendered by the page in its language (data-config). No innerHTML with
   data: every value goes in as text. */
(function () {
  "use strict";

  var root = document.getElementById("planner-map");
  if (!root || !window.L) { return; }
  var config = JSON.parse(root.getAttribute("data-config"));
  var T = config.text;
  var lang = document.documentElement.lang || "de";
  var typeInfo = {};
  config.types.forEach(function (t) { typeInfo[t.code] = t; });
  var MAX_SELECTION = config.max_labels;  // a listed answer fits one label sheet request

  function fmt(message, values) {
    return message.replace(/%\((\w+)\)s/g, function (_, key) { return String(values[key]); });
  }
  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }
  function $(id) { return document.getElementById(id); }
  function say(message) { $("map-status").textContent = message; }
  function date(value, withTime) {
    if (!value) { return T.none; }
    var d = new Date(value);
    return withTime ? d.toLocaleString(lang) : d.toLocaleDateString(lang);
  }

  function api(path, options) {
    options = options || {};
    var headers = { "Accept": options.accept || "application/json" };
    var init = { method: options.method || "GET", credentials: "same-origin", headers: headers };
    if (options.signal) { init.signal = options.signal; }
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      headers["X-CSRF-Token"] = config.csrf || "";
      init.body = JSON.stringify(options.body);
    }
    return fetch(config.api + path, init).then(function (response) {
      if (response.ok) { return options.raw ? response : response.json(); }
      return response.json().catch(function () { return {}; }).then(function (body) {
        var detail = (body.detail || []).map(function (d) {
          return (d.field ? d.field + ": " : "") + (d.text || d.reason);  // text: page's language
        }).join("; ");
        throw new Error(detail || response.status + " " + response.statusText);
      });
    });
  }
  function failed(error) {
    if (error.name === "AbortError") { return; }  // replaced by a newer request (see latest)
    say(fmt(T.failed, { reason: error.message }));
  }
  /* Only the newest request of each kind may draw its answer: changing a filter twice, or
     clicking a second asset, cancels the request still on its way, whose late answer would
     otherwise be drawn over (or next to) the newer one. */
  var pending = {};
  function cancel(kind) {
    if (pending[kind]) { pending[kind].abort(); delete pending[kind]; }
  }
  function latest(kind) {
    cancel(kind);
    pending[kind] = new AbortController();
    return pending[kind].signal;
  }

  /* --- the map ------------------------------------------------------------------------ */
  L.drawLocal.draw.toolbar.buttons.polygon = T.draw_polygon;
  L.drawLocal.draw.toolbar.buttons.rectangle = T.draw_rectangle;
  L.drawLocal.draw.toolbar.actions.text = T.cancel;
  L.drawLocal.draw.toolbar.actions.title = T.cancel;
  L.drawLocal.draw.toolbar.finish.text = T.finish;
  L.drawLocal.draw.toolbar.finish.title = T.finish;
  L.drawLocal.draw.toolbar.undo.text = T.delete_last;
  L.drawLocal.draw.toolbar.undo.title = T.delete_last;
  L.drawLocal.draw.handlers.polygon.tooltip.start = T.click_start;
  L.drawLocal.draw.handlers.polygon.tooltip.cont = T.click_continue;
  L.drawLocal.draw.handlers.polygon.tooltip.end = T.click_finish;
  L.drawLocal.draw.handlers.rectangle.tooltip.start = T.drag_rectangle;
  L.drawLocal.draw.handlers.simpleshape.tooltip.end = T.drag_rectangle;
  L.drawLocal.draw.toolbar.buttons.polyline = T.draw_polyline;
  L.drawLocal.draw.toolbar.buttons.marker = T.draw_marker;
  L.drawLocal.draw.handlers.polyline.tooltip.start = T.line_start;
  L.drawLocal.draw.handlers.polyline.tooltip.cont = T.line_continue;
  L.drawLocal.draw.handlers.polyline.tooltip.end = T.line_finish;
  L.drawLocal.draw.handlers.marker.tooltip.start = T.marker_start;

  var map = L.map("map", { zoomSnap: 0.5, maxZoom: config.tiles ? config.tiles.max_zoom : 20 });
  if (config.tiles) {
    L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution,
                                    maxZoom: config.tiles.max_zoom }).addTo(map);
  }
  map.setView([50, 8], 13);
  var outlines = L.layerGroup().addTo(map);
  var clusters = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false,
                                        disableClusteringAtZoom: 18, maxClusterRadius: 45 });
  map.addLayer(clusters);
  // markercluster ignores a move of the map that ends during its own animation after a
  // zoom (about 200 ms): a second card opened that quickly left the new view's markers
  // undrawn until the map moved again. Tell it about the move once its animation is over.
  clusters.on("animationend", function () { map.fire("moveend"); });
  // Leaflet drops a view set while its zoom animation runs (the animation's end restores
  // its own target): a card opened right after another stayed on the first one. Moves wait
  // for the animation to end.
  var zooming = false;
  map.on("zoomanim", function () { zooming = true; });
  map.on("zoomend", function () { zooming = false; });
  function whenStill(move) {
    if (zooming) { map.once("zoomend", move); } else { move(); }
  }
  var shapes = L.featureGroup().addTo(map);  // lines and areas of custom types: not clustered
  var drawn = new L.FeatureGroup().addTo(map);
  // the answer to a question: its district or street and a ring round every listed asset,
  // above the clusters (a ring shows even where its marker is inside a cluster)
  var answered = L.featureGroup().addTo(map);
  map.createPane("answer").style.zIndex = 650;  // over the markers; only the rings take clicks
  map.addControl(new L.Control.Draw({
    draw: { polygon: { showArea: false, allowIntersection: false },
            rectangle: { showArea: false }, polyline: { showLength: false },
            marker: { icon: L.divIcon({ className: "question-point", iconSize: [18, 18] }) },
            circle: false, circlemarker: false },
    edit: false,
  }));
  var markers = {};     // asset id -> marker
  var drawing = null;   // what was drawn last: { kind: "area"|"line"|"point", geometry }
  var question = null;  // the question asked: { part: filter members, title, nearest }
  var selection = [];
  var districtShapes = {};  // name -> GeoJSON feature
  var streetShapes = null;  // name -> GeoJSON feature, loaded with the first street question

  document.querySelectorAll(".swatch[data-color]").forEach(function (swatch) {
    swatch.style.backgroundColor = swatch.getAttribute("data-color");
  });

  api("").then(function (municipality) {
    if (municipality.boundary) {
      var boundary = L.geoJSON(municipality.boundary, {
        interactive: false, style: { color: "#083a66", weight: 2, fill: false } });
      outlines.addLayer(boundary);
      map.fitBounds(boundary.getBounds());
    }
  }).catch(failed);
  api("/districts").then(function (districts) {
    districts.features.forEach(function (f) { districtShapes[f.properties.name] = f; });
    outlines.addLayer(L.geoJSON(districts, {
      interactive: false, style: { color: "#4a4f55", weight: 1, dashArray: "4 4", fill: false } }));
  }).catch(failed);

  /* --- filters and layers ------------------------------------------------------------- */
  function checked(name) {
    return Array.prototype.map.call(
      document.querySelectorAll("input[name='" + name + "']:checked"),
      function (input) { return input.value; });
  }
  function filter() {
    var body = { types: checked("type"), statuses: checked("status") };
    if (document.querySelector("input[name='overdue']").checked) { body.overdue = true; }
    if (document.querySelector("input[name='untagged']").checked) { body.untagged = true; }
    if (document.querySelector("input[name='flagged']").checked) { body.flagged = true; }
    return body;
  }
  function style(type) {
    var info = typeInfo[type] || { color: "#3388ff" };
    return { color: info.color, weight: 3, fillColor: info.color, fillOpacity: 0.3 };
  }
  function pointMarker(feature, latlng) {
    var type = feature.properties.type;
    var color = (typeInfo[type] || { color: "#3388ff" }).color;
    var marker = L.marker(latlng, {
      icon: L.divIcon({ className: "asset-marker", iconSize: [14, 14] }),
      title: feature.properties.code + " " + (feature.properties.name || ""),
      alt: feature.properties.code,
    });
    marker.on("add", function () {  // the CSP allows no style attributes, only the CSSOM
      var element = marker.getElement();
      element.style.backgroundColor = color;
      element.setAttribute("data-code", feature.properties.code);
    });
    return marker;
  }

  function loadAssets() {
    var body = filter();
    clusters.clearLayers();
    shapes.clearLayers();
    markers = {};
    cancel("counts");  // the totals of the previous filter must not land on this one
    if (!body.types.length || !body.statuses.length) {
      cancel("assets");  // an answer still on its way would bring back what was switched off
      counts({});
      say(fmt(T.shown, { count: 0 }));
      return;
    }
    say(T.loading);
    body.limit = config.max_assets;
    api("/spatial/search?f=geojson", { method: "POST", body: body, accept: "application/geo+json",
                                       signal: latest("assets") })
      .then(function (collection) {
        var perType = {};
        var points = [];
        collection.features.forEach(function (feature) {
          var type = feature.properties.type;
          perType[type] = (perType[type] || 0) + 1;
          var layer = L.geoJSON(feature, { pointToLayer: pointMarker,
                                           style: function () { return style(type); } });
          layer.eachLayer(function (shape) {
            shape.on("click", function () { showCard(feature.id); });
            markers[feature.id] = shape;
            if (shape instanceof L.Marker) { points.push(shape); } else { shapes.addLayer(shape); }
          });
        });
        clusters.addLayers(points);
        counts(perType);
        // beyond one answer's limit the map would quietly lack assets: it says so, and the
        // counts per layer come from the statistics, which count them all
        say(fmt(collection.more ? T.shown_capped : T.shown, { count: collection.features.length }));
        if (collection.more) { countAll(body); }
        if (question) { runSelection(); }
      }).catch(failed);
  }
  function countAll(body) {
    var ask = Object.assign({}, body, { group_by: ["type"] });
    delete ask.limit;
    api("/spatial/stats", { method: "POST", body: ask, signal: latest("counts") })
      .then(function (answer) {
        var perType = {};
        answer.groups.forEach(function (g) { perType[g.type] = g.count; });
        counts(perType);
      }).catch(failed);
  }
  function counts(perType) {
    document.querySelectorAll("[data-count-for]").forEach(function (node) {
      node.textContent = kilo(perType[node.getAttribute("data-count-for")] || 0, 0);
    });
  }
  document.querySelectorAll("#map-layers input, #map-filters input").forEach(function (input) {
    input.addEventListener("change", loadAssets);
    input.addEventListener("change", sectionNotes);
  });

  /* --- layers and filters fold away; the browser remembers which ones are folded ------- */
  // Until the reader chooses, a narrow screen (the map below the panel) starts folded.
  var FOLDED = "gisapp.planner-map.folded";
  var NARROW = window.matchMedia("(max-width: 52rem)").matches;
  function folded() {
    try {
      var kept = window.localStorage.getItem(FOLDED);
      return kept === null && NARROW ? ["layers", "filters"] : JSON.parse(kept || "[]");
    } catch (e) { return []; }
  }
  document.querySelectorAll("details.map-section").forEach(function (section) {
    var name = section.getAttribute("data-section");
    if (folded().indexOf(name) >= 0) { section.open = false; }
    section.addEventListener("toggle", function () {
      var was = folded();
      if (section.open === (was.indexOf(name) < 0)) { return; }  // as kept (or the default)
      var names = was.filter(function (n) { return n !== name; });
      if (!section.open) { names.push(name); }
      try {
        window.localStorage.setItem(FOLDED, JSON.stringify(names));
      } catch (e) { /* storage refused (private window): the fold is not remembered */ }
    });
  });
  // a folded section still says that it hides layers or that filters differ from the default
  function sectionNotes() {
    [["map-layers", "layers-note", T.layers_hidden],
     ["map-filters", "filters-note", T.filters_changed]].forEach(function (part) {
      var changed = 0;
      document.querySelectorAll("#" + part[0] + " input").forEach(function (input) {
        if (input.checked !== input.defaultChecked) { changed += 1; }
      });
      $(part[1]).textContent = changed ? fmt(part[2], { count: changed }) : "";
    });
  }
  sectionNotes();

  /* --- the asset card ----------------------------------------------------------------- */
  function facts(rows) {
    var dl = el("dl", null, "card-facts");
    rows.forEach(function (row) {
      dl.appendChild(el("dt", row[0]));
      var dd = el("dd", row[1], row[2]);
      dl.appendChild(dd);
    });
    return dl;
  }
  // an attribute's value as the crew's app shows it: yes/no and the choices of built-in
  // types in words (config.choice_names), lists one after the other
  function named(names, key) {
    return names && Object.prototype.hasOwnProperty.call(names, key) ? names[key] : key;
  }
  function attributeText(key, value) {
    var names = Object.prototype.hasOwnProperty.call(config.choice_names, key)
      ? config.choice_names[key] : {};
    if (typeof value === "boolean") { return value ? T.yes : T.no; }
    if (Array.isArray(value) && value.every(function (v) { return typeof v !== "object"; })) {
      return value.map(function (v) { return named(names, v); }).join(", ");
    }
    if (value !== null && typeof value === "object") { return JSON.stringify(value); }
    if (typeof value === "number") { return value.toLocaleString(lang); }
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {  // a calendar day: the same day everywhere
      return new Date(value).toLocaleDateString(lang, { timeZone: "UTC" });
    }
    return named(names, value);
  }
  function showCard(id) {
    var card = $("asset-card");
    var body = $("card-body");
    var only = { signal: latest("card") };
    Promise.all([api("/assets/" + id, only), api("/assets/" + id + "/history", only),
                 api("/assets/" + id + "/maintenance", only)]).then(function (answers) {
      var asset = answers[0], history = answers[1], records = answers[2];
      var info = typeInfo[asset.type] || { label: asset.type };
      $("card-title").textContent = asset.code + (asset.name ? " · " + asset.name : "");
      body.replaceChildren();
      body.appendChild(facts([
        [T.type, info.label], [T.status, config.statuses[asset.status] || asset.status],
        [T.next_due, asset.next_due ? date(asset.next_due) + (asset.overdue ? " · " + T.overdue : "") : T.none,
         asset.overdue ? "card-overdue" : null],
        [T.last_maintenance, date(asset.last_maintenance_at, true)],
      ]));
      var keys = Object.keys(asset.attributes || {}).sort(function (a, b) {
        return named(config.attribute_names, a).localeCompare(named(config.attribute_names, b));
      });
      if (keys.length) {
        body.appendChild(el("h3", T.attributes));
        body.appendChild(facts(keys.map(function (key) {
          return [named(config.attribute_names, key), attributeText(key, asset.attributes[key])];
        })));
      }
      body.appendChild(el("h3", T.maintenance));
      body.appendChild(eventList(records.slice(0, 10).map(recordLine)));
      body.appendChild(el("h3", T.history));
      body.appendChild(eventList(history.slice().reverse().slice(0, 10).map(function (h) {
        return el("li", date(h.changed_at, true) + " · " + (T[h.action] || h.action) + " · v" +
          h.version + (h.changed_by ? " · " + fmt(T.by, { who: who(h.changed_by) }) : ""));
      })));
      card.hidden = false;
      var marker = markers[id];
      whenStill(function () {
        if (marker && marker.getLatLng) {
          // at zoom 18 clusters open up (disableClusteringAtZoom), so the marker is there
          map.setView(marker.getLatLng(), Math.max(map.getZoom(), 18));
        } else if (marker) {
          map.fitBounds(marker.getBounds());
        }
      });
      $("card-title").focus();
    }).catch(failed);
  }
  /* Who did it, as the server's pages name them (gisapp.pages.templating.actor_label):
     the history's "user:anna" is "anna", a token "API token qgis", "cli:root" the command line. */
  function who(actor) {
    var text = String(actor), at = text.indexOf(":");
    var kind = at < 0 ? text : text.slice(0, at), name = at < 0 ? "" : text.slice(at + 1);
    if (kind === "user" && name) { return name; }
    if (kind === "token" && name) { return fmt(T.actor_token, { name: name }); }
    if (kind === "cli") { return name ? fmt(T.actor_cli, { name: name }) : T.actor_cli_plain; }
    return text;
  }
  /* One maintenance record: when, what, the result, the reading, who, the notes; a record
     made far from the asset (flagged by the server) says so, from the stored distance. */
  function recordLine(r) {
    var parts = [date(r.performed_at, true), config.kinds[r.kind] || r.kind,
                 config.results[r.result] || r.result];
    if (r.reading_value !== null && r.reading_value !== undefined) {
      parts.push(fmt(T.reading, { value: Number(r.reading_value).toLocaleString(lang) }));
    }
    if (r.performed_by) { parts.push(fmt(T.by, { who: who(r.performed_by) })); }
    if (r.notes) { parts.push(r.notes); }
    var item = el("li", parts.join(" · "));
    if (r.flagged) {
      item.appendChild(el("strong", fmt(T.flagged, {
        metres: Math.round(r.scan_distance_m || 0), accuracy: Math.round(r.accuracy_m || 0),
      }), "card-flagged"));
      var reviewed = r.review && r.review.kind === "reviewed";
      if (r.review) {
        item.appendChild(el("span", fmt(reviewed ? T.reviewed : T.withdrawn, {
          who: who(r.review.created_by || "?"), date: date(r.review.created_at, true),
        }) + (r.review.note ? ": " + r.review.note : ""), "card-reviewed"));
      }
      if (config.may_review) {
        item.appendChild(reviewed ? reviewForm(r, "/review/withdrawal", T.withdraw,
                                               T.withdraw_note)
                                  : reviewForm(r, "/review", T.review, T.review_note));
      }
    }
    return item;
  }
  /* The office looked into a flagged record (with what it found, optionally): it leaves
     the "far from the asset" filter; taking the review back (a mistake) brings it back. */
  function reviewForm(r, path, label, hint) {
    var form = el("form", null, "card-review");
    var note = el("input");
    note.type = "text";
    note.maxLength = 2000;
    note.setAttribute("aria-label", hint);
    note.placeholder = hint;
    var button = el("button", label, "button secondary");
    button.type = "submit";
    form.appendChild(note);
    form.appendChild(button);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      api("/maintenance/" + r.id + path, { method: "POST", body: { note: note.value } })
        .then(function () {
          showCard(r.asset_id);
          loadAssets();
        }).catch(function (error) { button.disabled = false; failed(error); });
    });
    return form;
  }
  function eventList(items) {
    var list = el("ol", null, "card-events");
    if (!items.length) { list.appendChild(el("li", T.none)); }
    items.forEach(function (item) { list.appendChild(item); });
    return list;
  }
  $("card-title").tabIndex = -1;
  $("card-close").addEventListener("click", function () { $("asset-card").hidden = true; });

  function assetButton(item) {
    var li = el("li");
    var button = el("button", item.code + (item.name ? " · " + item.name : "") +
      (typeof item.distance_m === "number" ?
        " · " + fmt(T.metres, { metres: Math.round(item.distance_m) }) : ""));
    button.type = "button";
    button.addEventListener("click", function () { showCard(item.id); });
    li.appendChild(button);
    return li;
  }

  /* --- spatial questions: list, export, labels, statistics ---------------------------- */
  var kindSelect = $("question-kind");
  function showParts() {
    var kind = kindSelect.value;
    document.querySelectorAll(".question-part").forEach(function (part) {
      part.hidden = part.getAttribute("data-kinds").split(" ").indexOf(kind) < 0;
    });
    var hint = { area: T.hint_area, line: T.hint_line, point: T.hint_point,
                 nearest: T.hint_point }[kind];
    $("question-hint").textContent = hint || "";
  }
  kindSelect.addEventListener("change", showParts);
  showParts();

  map.on(L.Draw.Event.CREATED, function (event) {
    var type = event.layerType;
    drawn.clearLayers();
    drawn.addLayer(event.layer);
    var kind = type === "polyline" ? "line" : type === "marker" ? "point" : "area";
    drawing = { kind: kind, geometry: event.layer.toGeoJSON().geometry };
    // a point answers "around" or "nearest", whichever is chosen; other shapes choose
    if (!(kind === "point" && kindSelect.value === "nearest")) { kindSelect.value = kind; }
    showParts();
    ask();
  });
  $("question-form").addEventListener("submit", function (event) {
    event.preventDefault();
    ask();
  });

  function number(id) { return Number($(id).value); }
  /* The question the form and the drawing describe, or null (and a hint) when something
     is missing; its "part" is what the spatial filter of the API takes. */
  function currentQuestion() {
    var kind = kindSelect.value;
    var metres = number("question-distance");
    var needs = { area: "area", line: "line", point: "point", nearest: "point" }[kind];
    if (needs && (!drawing || drawing.kind !== needs)) {
      say({ area: T.draw_first, line: T.draw_line_first }[needs] || T.set_point_first);
      return null;
    }
    if (kind === "district") {
      var name = $("question-district").value;
      return { part: { district: name }, title: fmt(T.title_district, { name: name }),
               shape: function () { return Promise.resolve(districtShapes[name]); } };
    }
    if (kind === "street") {
      var street = $("question-street").value;
      return { part: { near: { street: street, distance_m: metres } },
               title: fmt(T.title_street, { name: street, metres: metres }),
               shape: function () { return streets().then(function (all) { return all[street]; }); } };
    }
    if (kind === "area") { return { part: { area: drawing.geometry }, title: T.title_area }; }
    if (kind === "nearest") {
      var count = Math.round(number("question-count"));
      return { part: {}, nearest: { point: drawing.geometry, count: count },
               title: fmt(T.title_nearest, { count: count }) };
    }
    return { part: { near: { geometry: drawing.geometry, distance_m: metres } },
             title: fmt(kind === "line" ? T.title_line : T.title_point, { metres: metres }) };
  }
  function ask() {
    if (!$("question-form").reportValidity()) { return; }
    var next = currentQuestion();
    if (!next) { return; }
    question = next;
    if (drawing && drawing.kind === "point") {  // the point, and the circle asked about
      drawn.clearLayers();
      var here = L.latLng(drawing.geometry.coordinates[1], drawing.geometry.coordinates[0]);
      drawn.addLayer(L.marker(here, { icon: L.divIcon({ className: "question-point",
                                                         iconSize: [18, 18] }) }));
      if (question.part.near) {
        drawn.addLayer(L.circle(here, { radius: question.part.near.distance_m, weight: 2,
                                        fill: false, interactive: false }));
      }
    }
    runSelection();
  }
  /* The filters and the question, for the search, the export and the statistics. The
     nearest N are not a filter: they travel as the listed assets' ids. */
  function questionFilter(forList) {
    var body = filter();
    if (!question) { return body; }
    Object.keys(question.part).forEach(function (key) { body[key] = question.part[key]; });
    if (question.nearest) {
      if (forList) { body.nearest = question.nearest; }
      else { body.ids = selection.map(function (i) { return i.id; }); }
    }
    return body;
  }
  function runSelection() {
    var body = questionFilter(true);
    body.limit = question.nearest ? question.nearest.count : MAX_SELECTION;
    scope();
    var signal = latest("question");
    api("/spatial/search", { method: "POST", body: body, signal: signal }).then(function (answer) {
      selection = answer.items;
      $("selection-title").textContent = question.title;
      $("selection-count").textContent = fmt(T.listed, { count: selection.length }) +
        (answer.more ? " " + fmt(T.too_many, { count: MAX_SELECTION }) : "");
      var list = $("selection-list");
      list.replaceChildren();
      selection.forEach(function (item) { list.appendChild(assetButton(item)); });
      $("map-selection").hidden = false;
      $("map-selection").scrollIntoView({ block: "nearest" });
      showAnswer();
    }).catch(failed);
  }
  function streets() {
    if (streetShapes) { return Promise.resolve(streetShapes); }
    return api("/streets").then(function (collection) {
      streetShapes = {};
      collection.features.forEach(function (f) { streetShapes[f.properties.name] = f; });
      return streetShapes;
    });
  }
  var ANSWER = "#c2006b";  // not a type colour, and 4.5:1 against white and the grey canvas
  /* The map shows the answer: what was drawn, the named district or street, and a ring
     round every listed asset (click: its card); it frames them all. */
  function showAnswer() {
    var asked = question;
    answered.clearLayers();
    selection.forEach(function (item) {
      L.geoJSON(item.geometry, {
        pane: "answer",
        pointToLayer: function (_, latlng) {
          return L.circleMarker(latlng, { radius: 11, weight: 3, color: ANSWER, fill: false,
                                          pane: "answer", className: "answer-ring" });
        },
        style: function () { return { color: ANSWER, weight: 6, opacity: 0.6, fill: false,
                                      pane: "answer", className: "answer-ring" }; },
      }).on("click", function () { showCard(item.id); }).addTo(answered);
    });
    (asked.shape ? asked.shape() : Promise.resolve(null)).then(function (shape) {
      if (question !== asked) { return; }  // asked again meanwhile
      if (shape) {
        answered.addLayer(L.geoJSON(shape, { interactive: false, style: {
          color: ANSWER, weight: 4, dashArray: "8 6", fill: false, className: "answer-shape" } }));
      }
      var bounds = L.latLngBounds([]);
      [drawn, answered].forEach(function (group) {
        group.eachLayer(function (layer) {
          var box = layer.getBounds ? layer.getBounds() : L.latLngBounds([layer.getLatLng()]);
          if (box.isValid()) { bounds.extend(box); }
        });
      });
      if (bounds.isValid()) {
        whenStill(function () { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 18 }); });
      }
    }).catch(failed);
  }
  $("clear-selection").addEventListener("click", function () {
    cancel("question");
    answered.clearLayers();
    drawn.clearLayers();
    drawing = null;
    question = null;
    selection = [];
    $("map-selection").hidden = true;
    scope();
  });

  function cell(row, text, numeric) {
    var td = el("td", text, numeric ? "num" : null);
    row.appendChild(td);
  }
  function kilo(value, digits) {
    return value === null || value === undefined ? "–" :
      Number(value).toLocaleString(lang, { maximumFractionDigits: digits });
  }
  $("question-stats").addEventListener("click", function () {
    var body = questionFilter(false);
    body.group_by = ["district", "type"];
    say(T.loading);
    var signal = latest("stats");
    api("/spatial/stats", { method: "POST", body: body, signal: signal }).then(function (answer) {
      var rows = $("stats-rows");
      rows.replaceChildren();
      answer.groups.forEach(function (g) {
        var tr = el("tr");
        cell(tr, g.district === null ? T.outside : g.district);
        cell(tr, (typeInfo[g.type] || { label: g.type }).label);
        cell(tr, kilo(g.count, 0), true);
        cell(tr, g.power_w === null ? "–" : kilo(g.power_w / 1000, 1), true);
        cell(tr, kilo(g.annual_kwh, 0), true);
        rows.appendChild(tr);
      });
      var total = el("tr");
      cell(total, T.stats_total);
      cell(total, "");
      cell(total, kilo(answer.total.count, 0), true);
      cell(total, answer.total.power_w === null ? "–" : kilo(answer.total.power_w / 1000, 1), true);
      cell(total, kilo(answer.total.annual_kwh, 0), true);
      $("stats-total").replaceChildren(total);
      $("stats-scope").textContent = scopeText();
      $("stats-energy").textContent = fmt(T.stats_energy, {
        hours: kilo(answer.energy.burning_hours_per_year, 0),
        factor: kilo(answer.energy.dimming_factor, 2) });
      $("map-stats").hidden = false;
      $("map-stats").scrollIntoView({ block: "nearest" });
      say(fmt(T.shown, { count: Object.keys(markers).length }));
    }).catch(failed);
  });
  $("stats-close").addEventListener("click", function () { $("map-stats").hidden = true; });

  function download(response, message) {
    var disposition = response.headers.get("Content-Disposition") || "";
    var match = /filename="?([^";]+)"?/.exec(disposition);
    var name = match ? match[1] : "download";
    return response.blob().then(function (blob) {
      var link = el("a", name);
      link.href = URL.createObjectURL(blob);
      link.download = name;
      $("download").replaceChildren(link);
      link.click();
      say(message(name, response));
    });
  }
  /* Export and labels take what the question answered, or else the whole municipality
     with the layers and filters chosen (what the map shows), as the statistics do. */
  function scopeText() {
    return question ? fmt(T.stats_question, { question: question.title }) : T.stats_all;
  }
  function scope() {
    var where = $("export-scope");
    if (where) { where.textContent = scopeText(); }
    if ($("download")) { $("download").replaceChildren(); }
  }
  var exportForm = $("export-form");
  if (exportForm) {
    exportForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = questionFilter(false);
      body.format = $("export-format").value;
      body.output_crs = $("export-crs").value.trim() || String(config.working_crs);
      say(T.loading);
      api("/export", { method: "POST", body: body, raw: true, accept: "*/*" })
        .then(function (response) {
          return download(response, function (name) { return fmt(T.export_done, { name: name }); });
        }).catch(failed);
    });
  }
  var printButton = $("print-labels");
  if (printButton) {
    printButton.addEventListener("click", function () {
      var ids = question ? selection.map(function (i) { return i.id; }) : Object.keys(markers);
      if (!ids.length) { say(T.no_labels); return; }
      if (ids.length > MAX_SELECTION) {
        say(fmt(T.too_many_labels, { count: kilo(ids.length, 0), max: kilo(MAX_SELECTION, 0) }));
        return;
      }
      say(T.loading);
      api("/labels", { method: "POST", raw: true, accept: "application/pdf",
                       body: { asset_ids: ids } })
        .then(function (response) {
          return download(response, function (_, r) {
            return fmt(T.labels_done, { count: r.headers.get("X-Label-Count") || "?" });
          });
        }).catch(failed);
    });
  }

  /* --- search by code or name --------------------------------------------------------- */
  $("map-search").addEventListener("submit", function (event) {
    event.preventDefault();
    var q = $("map-q").value.trim();
    var list = $("map-search-results");
    list.replaceChildren();
    if (!q) { return; }
    var ask = { method: "POST", body: { q: q, limit: 20 }, signal: latest("search") };
    api("/spatial/search", ask).then(function (answer) {
      if (!answer.items.length) { list.appendChild(el("li", T.no_results)); return; }
      answer.items.forEach(function (item) { list.appendChild(assetButton(item)); });
      if (answer.items.length === 1) { showCard(answer.items[0].id); }
    }).catch(failed);
  });

  loadAssets();
})();
