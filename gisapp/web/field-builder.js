/* Field builder of the asset types page: a button that adds another empty field row.
   Optional: without JavaScript the form has eight rows and works the same. No inline
   script anywhere (the Content-Security-Policy forbids it); this file is loaded with defer. */
(function () {
  "use strict";
  var rows = document.querySelector("[data-field-rows]");
  var button = document.querySelector("[data-add-field-row]");
  if (!rows || !button) {
    return;
  }

  function renumber(row, index) {
    row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) {
          el.setAttribute(attr, value.replace(/field-\d+-/g, "field-" + index + "-"));
        }
      });
    });
    var legend = row.querySelector("legend");
    if (legend) {
      legend.textContent = legend.textContent.replace(/\d+/, String(rows.children.length + 1));
    }
  }

  function clear(row) {
    row.querySelectorAll(".error-message").forEach(function (el) { el.remove(); });
    row.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
    row.querySelectorAll("input, select").forEach(function (el) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
      if (el.type === "checkbox") {
        el.checked = false;
      } else if (el.tagName === "SELECT") {
        el.selectedIndex = 0;
      } else {
        el.value = "";
      }
    });
  }

  button.addEventListener("click", function () {
    var last = rows.querySelector("[data-field-row]:last-of-type");
    var highest = -1;
    rows.querySelectorAll("[name$='-name']").forEach(function (el) {
      var match = /^field-(\d+)-name$/.exec(el.name);
      if (match) {
        highest = Math.max(highest, Number(match[1]));
      }
    });
    var row = last.cloneNode(true);
    clear(row);
    renumber(row, highest + 1);
    rows.appendChild(row);
    row.querySelector("input").focus();
  });
  button.hidden = false;
})();
