/* LifePhaseMatrix: filters and cells update in place; without JavaScript the same links and
   the GET form reload the page.  The URL always carries the filter state (shareable). */
(function () {
  "use strict";
  function widget() { return document.getElementById("gaa-matrix"); }

  function load(url, focusSelector) {
    var box = widget();
    if (!box) { window.location.href = url; return; }
    box.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("gaa-matrix");
        if (!fresh) { window.location.href = url; return; }
        box.replaceWith(fresh);
        history.replaceState(null, "", url);
        var target = focusSelector && fresh.querySelector(focusSelector);
        if (target) { target.focus(); }
        bind();
      })
      .catch(function () { window.location.href = url; });
  }

  function bind() {
    var box = widget();
    if (!box || box.dataset.bound) { return; }
    box.dataset.bound = "1";
    var form = box.querySelector("form.gaa-matrix-filters");
    if (form) {
      form.addEventListener("change", function (event) {
        if (event.target.name === "q" || event.target.name.indexOf("jahr") === 0) { return; }
        submit(form, "#" + event.target.id);
      });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        submit(form, ".gaa-grid-region");
      });
    }
    box.addEventListener("click", function (event) {
      var link = event.target.closest("a.gaa-cell-link, .gaa-cell-list > p > a");
      if (!link) { return; }
      event.preventDefault();
      load(link.href.split("#")[0], "#werkzeugliste");
    });
  }

  function submit(form, focusSelector) {
    var params = new URLSearchParams(new FormData(form));
    Array.from(params.keys()).forEach(function (key) { if (!params.get(key)) { params.delete(key); } });
    var query = params.toString();
    load(form.getAttribute("action") + (query ? "?" + query : ""), focusSelector);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", bind); } else { bind(); }
})();
