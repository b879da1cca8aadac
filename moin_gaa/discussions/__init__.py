"""Gesprächsräume and Online-Diskussionen: group spaces with members, threads and posts, the
areas that decide who may post, the thread index, subscriptions and the evaluation (Auswertung)."""
