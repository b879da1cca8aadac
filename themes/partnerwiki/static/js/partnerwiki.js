/*
    PartnerWiki theme – two small accessibility repairs for markup that moin's own templates write
    and that cannot be reached through template blocks:

    1. base.html writes <html> without a lang attribute (the language is only set on <body>);
       copy it to <html> so that the whole document declares its language (WCAG 3.1.1).
    2. layout.html writes lang="" dir="" on #moin-page (ThemeSupport has no content_lang /
       content_dir), which would declare the main content as being in an *unknown* language.
       Remove the empty attributes so the content inherits the page language.
*/
(function () {
    "use strict";
    var root = document.documentElement,
        body = document.body,
        page = document.getElementById("moin-page");
    if (body && !root.getAttribute("lang") && body.getAttribute("lang")) {
        root.setAttribute("lang", body.getAttribute("lang"));
    }
    if (page) {
        if (page.getAttribute("lang") === "") {
            page.removeAttribute("lang");
        }
        if (page.getAttribute("dir") === "") {
            page.removeAttribute("dir");
        }
    }
}());

/* "Adresse kopieren" next to calendar feed URLs (the URL field stays selectable without JS). */
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("button.gaa-copy");
  if (!button) { return; }
  var field = document.getElementById(button.getAttribute("data-copy"));
  if (!field) { return; }
  field.select();
  var done = function () { button.textContent = "Kopiert"; };
  if (navigator.clipboard) { navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); }); }
  else { document.execCommand("copy"); done(); }
});

/* moin's editor marks unsaved changes and clears the mark in inline onclick handlers of its save
   buttons, which our Content-Security-Policy (script-src 'self') does not run: clear it on submit,
   so saving does not ask "Seite verlassen?". */
document.addEventListener("submit", function (event) {
    "use strict";
    var modify = document.getElementById("moin-modify");
    if (modify && modify.contains(event.target)) {
        modify.classList.remove("moin-changed-input");
    }
}, true);

/* The page's menus („Weitere Aktionen“, „Wiki-Werkzeuge“) are <details>: they open and close without script.
   With script, Escape closes the open menu and returns to its button, and a click elsewhere closes it. */
(function () {
    "use strict";
    var MENUS = "details.pw-more[open], details.pw-tools[open]";
    document.addEventListener("keydown", function (event) {
        var menu = event.key === "Escape" && event.target.closest && event.target.closest(MENUS);
        if (menu) {
            menu.open = false;
            menu.querySelector("summary").focus();
        }
    });
    document.addEventListener("click", function (event) {
        document.querySelectorAll(MENUS).forEach(function (menu) {
            if (!menu.contains(event.target)) { menu.open = false; }
        });
    });
}());
