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
    var pendingEnter = false;
    var swappedFor = null;
    var form = input.form;
    var submitOnEnter = form && form.hasAttribute("data-submit-on-enter");
    var message = document.createElement("p");
    message.className = "fr-message fr-message--info fr-mt-1w";
    message.hidden = true;
    message.setAttribute("data-autocomplete-message", "");
    root.appendChild(message);

    function say(text) {
      message.textContent = text;
      message.hidden = !text;
      status.textContent = text;
    }

    function close() {
      list.innerHTML = "";
      swappedFor = null;
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

    // Enter with no option highlighted: the first commune proposed is taken (and a search form
    // is sent); with none, the list stays open and says why.
    function enterWithoutChoice() {
      var items = options(list);
      if (items.length) {
        choose(items[0]);
        say("");
        if (submitOnEnter) form.requestSubmit ? form.requestSubmit() : form.submit();
        return;
      }
      input.setAttribute("aria-expanded", list.children.length ? "true" : "false");
      say("Aucune commune ne correspond à « " + input.value.trim() + " » : vérifiez l'orthographe, ou tapez le code postal (par exemple 97460).");
    }

    input.addEventListener("input", function () { if (hidden) hidden.value = ""; say(""); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(options(list)[active]); }
      else if (event.key === "Enter" && !(hidden && hidden.value) && input.value.trim().length > 1) {
        event.preventDefault();
        if (swappedFor === input.value) { enterWithoutChoice(); return; }
        // The proposals for what was typed are on their way, or are asked for now.
        pendingEnter = true;
        say("Recherche de la commune…");
        if (!input.classList.contains("htmx-request") && window.htmx) {
          htmx.ajax("GET", input.getAttribute("hx-get") + "&q=" + encodeURIComponent(input.value), {
            target: list, swap: "innerHTML"
          });
        }
        setTimeout(function () {
          if (pendingEnter) { pendingEnter = false; enterWithoutChoice(); }
        }, 3000);
      }
      else if (event.key === "Escape") { close(); }
    });
    list.addEventListener("mousedown", function (event) {
      var item = event.target.closest('[role="option"][data-value]');
      if (item) { event.preventDefault(); choose(item); }
    });
    list.addEventListener("htmx:afterSwap", function () {
      var count = options(list).length;
      swappedFor = input.value;
      // Open while it shows something, even "Aucune commune trouvée".
      input.setAttribute("aria-expanded", list.children.length ? "true" : "false");
      active = -1;
      status.textContent = count ? count + " propositions, utilisez les flèches" : "Aucune proposition";
      if (pendingEnter) { pendingEnter = false; enterWithoutChoice(); }
    });
    input.addEventListener("blur", function () { setTimeout(function () { if (!pendingEnter && message.hidden) close(); }, 150); });
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

// Tables of actions read as stacked rows on a phone: each cell gets its column's header.
(function () {
  function stack() {
    document.querySelectorAll(".passnum-stack").forEach(function (wrapper) {
      var table = wrapper.querySelector("table");
      if (!table) return;
      var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, index) {
          if (headers[index] && !cell.hasAttribute("colspan")) cell.setAttribute("data-label", headers[index]);
        });
      });
      wrapper.setAttribute("data-stacked", "");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", stack);
  else stack();
})();
