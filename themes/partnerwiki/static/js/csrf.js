/*
    PartnerWiki – the CSRF token for scripts (see moin_gaa/web/csrf.py).

    1. Every same-origin XMLHttpRequest and fetch with an unsafe method (moin's ajax search, upload,
       ajaxdelete, ajaxmodify, settings forms …) carries the token as X-CSRF-Token.
    2. moin's state-changing links (+subscribe, +quicklink, +bookmark, +logout) are POSTed with the
       token instead of followed; without JavaScript the server shows a confirmation page instead.
*/
(function () {
    "use strict";
    var SAFE = /^(GET|HEAD|OPTIONS|TRACE)$/i,
        ACTION_LINK = /\/\+(subscribe|quicklink|bookmark|logout)(\/|\?|$)/;

    function token() {
        var meta = document.querySelector('meta[name="csrf-token"]');
        return meta ? meta.getAttribute("content") : "";
    }

    function sameOrigin(url) {
        try {
            return new URL(url, window.location.href).origin === window.location.origin;
        } catch (e) {
            return false;
        }
    }

    var open = XMLHttpRequest.prototype.open,
        send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.open = function (method, url) {
        this.gaaNeedsToken = !SAFE.test(method) && sameOrigin(url);
        return open.apply(this, arguments);
    };
    XMLHttpRequest.prototype.send = function () {
        if (this.gaaNeedsToken) {
            this.setRequestHeader("X-CSRF-Token", token());
        }
        return send.apply(this, arguments);
    };

    if (window.fetch) {
        var originalFetch = window.fetch;
        window.fetch = function (resource, init) {
            var method = (init && init.method) || (resource && resource.method) || "GET",
                url = typeof resource === "string" ? resource : (resource && resource.url) || "";
            if (!SAFE.test(method) && sameOrigin(url)) {
                init = Object.assign({}, init || {});
                var headers = new Headers(init.headers || (resource && resource.headers) || {});
                headers.set("X-CSRF-Token", token());
                init.headers = headers;
            }
            return originalFetch.call(this, resource, init);
        };
    }

    document.addEventListener("click", function (event) {
        var link = event.target.closest ? event.target.closest("a[href]") : null;
        if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
            return;
        }
        if (!sameOrigin(link.href) || !ACTION_LINK.test(new URL(link.href, window.location.href).pathname + new URL(link.href, window.location.href).search)) {
            return;
        }
        event.preventDefault();
        var form = document.createElement("form"),
            field = document.createElement("input");
        form.method = "post";
        form.action = link.href;
        field.type = "hidden";
        field.name = "csrf_token";
        field.value = token();
        form.appendChild(field);
        document.body.appendChild(form);
        form.submit();
    });

}());
