/* The console's script: no framework, no inline code (the pages' CSP allows none).
   - [data-toggle-nav]: opens and closes the menu on a narrow screen;
   - [data-chart]: an Apache ECharts chart whose option is the element's JSON data-chart attribute;
   - [data-confirm]: a form asks before it is sent;
   - dialog[data-dialog] opened by [data-open-dialog="id"], closed by [data-close-dialog] or Escape,
     the focus back on its button; sent open by the server (its form's errors), it is made modal;
   - input[type=file][data-preview="id"]: previews chosen photos in the element with that id. */
(function () {
  "use strict";

  function charts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.chartReady) { return; }
      var option;
      try { option = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      el.dataset.chartReady = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function wire(root) {
    root.querySelectorAll("[data-toggle-nav]").forEach(function (button) {
      button.addEventListener("click", function () {
        var open = document.body.classList.toggle("nav-open");
        button.setAttribute("aria-expanded", open ? "true" : "false");
      });
    });
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    root.querySelectorAll("[data-open-dialog]").forEach(function (button) {
      button.addEventListener("click", function () {
        var dialog = document.getElementById(button.getAttribute("data-open-dialog"));
        if (dialog && dialog.showModal) { dialog.wuyeOpener = button; dialog.showModal(); }
      });
    });
    // the focus goes back to the button that opened the dialog (browsers that do not do it
    // themselves), and a dialog the server sends open (its form's errors) is modal, focus inside
    root.querySelectorAll("dialog[data-dialog]").forEach(function (dialog) {
      if (dialog.dataset.dialogReady) { return; }
      dialog.dataset.dialogReady = "1";
      dialog.addEventListener("close", function () {
        var opener = dialog.wuyeOpener;
        if (opener && document.contains(opener) && !opener.contains(document.activeElement)) { opener.focus(); }
      });
      if (dialog.hasAttribute("open") && dialog.showModal) {
        dialog.wuyeOpener = document.querySelector('[data-open-dialog="' + dialog.id + '"]');
        dialog.close();
        dialog.showModal();
      }
    });
    root.querySelectorAll("[data-close-dialog]").forEach(function (button) {
      button.addEventListener("click", function () {
        var dialog = button.closest("dialog");
        if (dialog) { dialog.close(); }
      });
    });
    root.querySelectorAll("input[type=file][data-preview]").forEach(function (input) {
      input.addEventListener("change", function () {
        var target = document.getElementById(input.getAttribute("data-preview"));
        if (!target) { return; }
        target.innerHTML = "";
        Array.prototype.forEach.call(input.files || [], function (file) {
          if (!/^image\//.test(file.type)) { return; }
          var img = document.createElement("img");
          img.src = URL.createObjectURL(file);
          img.alt = file.name;
          target.appendChild(img);
        });
      });
    });
    charts(root);
  }

  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:afterSwap", function (event) { wire(event.target); });
  window.wuyeCharts = charts;
})();

/* --- admin pages (c-admin): [data-print] prints the page (the community report) --- */
document.addEventListener("click", function (event) {
  var target = event.target && event.target.closest ? event.target.closest("[data-print]") : null;
  if (target) { window.print(); }
});

/* --- tickets (c-window) ---
   - form[data-clean-params]: its htmx request sends only the fields that have a value (the list's
     address reads ?status=submitted, not ?q=&kind=&…);
   - [data-picker]: the one-stop window's household picker by keyboard: ↓/↑ from the search box
     through the matches (buttons [data-pick]) and back, Esc back to the box; Enter in the box does
     not send the ticket's form: it picks the only match, or goes to the first. */
document.addEventListener("htmx:configRequest", function (event) {
  var elt = event.detail.elt;
  if (!elt || !elt.closest || !elt.closest("[data-clean-params]")) { return; }
  var data = event.detail.formData, kept = [];
  data.forEach(function (value, key) { kept.push([key, value]); });
  kept.forEach(function (pair) { data.delete(pair[0]); });
  kept.forEach(function (pair) { if (pair[1] !== "") { data.append(pair[0], pair[1]); } });
});
document.addEventListener("keydown", function (event) {
  var target = event.target, picker = target && target.closest ? target.closest("[data-picker]") : null;
  if (!picker) { return; }
  var input = picker.querySelector("[data-picker-input]");
  var options = Array.prototype.slice.call(picker.querySelectorAll("[data-pick]"));
  var index = options.indexOf(target);
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    if (!options.length || (target !== input && index < 0)) { return; }
    event.preventDefault();
    var step = event.key === "ArrowDown" ? 1 : -1;
    var next = target === input ? (step > 0 ? 0 : options.length - 1) : index + step;
    if (next < 0 || next >= options.length) { input.focus(); } else { options[next].focus(); }
  } else if (event.key === "Enter" && target === input) {
    event.preventDefault();
    if (options.length === 1) { options[0].click(); } else if (options.length) { options[0].focus(); }
  } else if (event.key === "Escape" && index >= 0 && input) {
    event.preventDefault();
    input.focus();
  }
});
