/*
    PartnerWiki – the event form (gaa/event_form.html).

    Names the repetition choices after the chosen start date („monatlich am 2. Donnerstag“, with
    the templates the server gives in data-templates) and shows the weekday and end fields only
    where they apply.  The form works without this script: the server names the choices after the
    start date it knows and checks every combination.
*/
(function () {
    "use strict";
    var select = document.getElementById("feld-wiederholung"),
        start = document.getElementById("feld-startdatum");
    if (!select || !start) {
        return;
    }
    var templates = JSON.parse(select.getAttribute("data-templates")),
        weekdays = select.getAttribute("data-weekdays").split(","),
        months = select.getAttribute("data-months").split(",");

    function option(kind) {
        return select.querySelector("option[value='" + kind + "']");
    }

    function rename() {
        var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(start.value);
        if (!m) {
            return;
        }
        var day = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])),
            date = day.getUTCDate(),
            nth = Math.floor((date - 1) / 7) + 1,
            last = new Date(day.getTime() + 7 * 86400000).getUTCMonth() !== day.getUTCMonth(),
            words = {
                weekday: weekdays[(day.getUTCDay() + 6) % 7],
                nth: nth >= 4 && last ? "letzten" : nth + ".",
                day: date,
                month: months[day.getUTCMonth()]
            };
        Object.keys(templates).forEach(function (kind) {
            var found = option(kind);
            if (kind === "monatlich-vierter" && !(nth === 4 && last)) {
                if (found) {
                    if (found.selected) {
                        select.value = "monatlich";
                    }
                    found.remove();
                }
                return;
            }
            if (!found) {
                found = document.createElement("option");
                found.value = kind;
                option("monatlich").after(found);
            }
            found.textContent = templates[kind].replace(/\{(\w+)\}/g, function (all, key) { return words[key]; });
        });
    }

    function show() {
        var kind = select.value;
        document.querySelectorAll("[data-show-for]").forEach(function (part) {
            var wanted = part.getAttribute("data-show-for");
            part.hidden = wanted === "serie" ? kind === "" : kind !== wanted;
        });
    }

    start.addEventListener("input", rename);
    start.addEventListener("change", rename);
    select.addEventListener("change", show);
    rename();
    show();
}());
