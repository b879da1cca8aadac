"""The web layer: the app factory, the ``gaa`` blueprint, CSRF, security headers and the guards
around moin's own views.  :mod:`moin_gaa.web.routes` is the one place that imports view modules."""
