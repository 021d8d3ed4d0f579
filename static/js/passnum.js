// Keyboard and screen-reader behaviour of the commune autocomplete (ARIA combobox pattern).
(function () {
  "use strict";

  function options(list) {
    return Array.prototype.slice.call(list.querySelectorAll('[role="option"][data-value]'));
  }

  function setup(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "1";
    var input = root.querySelector('[role="combobox"]');
    var hidden = root.querySelector("[data-autocomplete-value]");
    var list = root.querySelector('[role="listbox"]');
    var status = root.querySelector("[data-autocomplete-status]");
    var active = -1;

    function close() {
      list.innerHTML = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = options(list);
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) {
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    var chosen = root.querySelector("[data-autocomplete-chosen]");

    // Several values: a choice becomes a checked box (unchecking it removes the value).
    function addChosen(item) {
      var id = input.id + "-" + item.dataset.value;
      var existing = document.getElementById(id);
      if (existing) { existing.checked = true; return; }
      var li = document.createElement("li");
      li.className = "fr-checkbox-group fr-checkbox-group--sm";
      var box = document.createElement("input");
      box.type = "checkbox";
      box.name = root.dataset.name;
      box.value = item.dataset.value;
      box.id = id;
      box.checked = true;
      var label = document.createElement("label");
      label.className = "fr-label";
      label.htmlFor = id;
      label.textContent = item.dataset.label;
      li.appendChild(box);
      li.appendChild(label);
      chosen.appendChild(li);
    }

    function choose(item) {
      if (chosen) {
        addChosen(item);
        input.value = "";
        status.textContent = item.dataset.label + " ajouté à la liste";
      } else {
        hidden.value = item.dataset.value;
        input.value = item.dataset.label;
        status.textContent = item.dataset.label + " choisie";
      }
      close();
      input.dispatchEvent(new CustomEvent("commune:selected", { bubbles: true, detail: item.dataset }));
    }

    input.addEventListener("input", function () { if (hidden) hidden.value = ""; });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(options(list)[active]); }
      else if (event.key === "Escape") { close(); }
    });
    list.addEventListener("mousedown", function (event) {
      var item = event.target.closest('[role="option"][data-value]');
      if (item) { event.preventDefault(); choose(item); }
    });
    list.addEventListener("htmx:afterSwap", function () {
      var count = options(list).length;
      input.setAttribute("aria-expanded", count ? "true" : "false");
      active = -1;
      status.textContent = count ? count + " propositions, utilisez les flèches" : "Aucune proposition";
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function init(scope) {
    (scope || document).querySelectorAll("[data-autocomplete]").forEach(setup);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();

// "Imprimer" buttons: no inline script, so that the Content-Security-Policy forbids them all.
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-print]") : null;
  if (button) window.print();
});

// The carnet's QR code opens the balance page with its token after "#": the browser never
// sends it in the address (so no log keeps it); it is posted with the form instead.
(function () {
  var form = document.querySelector("form[data-carnet-link]");
  var token = window.location.hash.slice(1);
  if (!form || !/^[A-Za-z0-9_-]{16,100}$/.test(token)) return;
  history.replaceState(null, "", window.location.pathname);
  var input = document.createElement("input");
  input.type = "hidden";
  input.name = "token";
  input.value = token;
  form.appendChild(input);
  form.submit();
})();
