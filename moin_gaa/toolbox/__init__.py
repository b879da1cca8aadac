"""Werkzeugkiste: tools curated by the moderation, their filter and the matrix of life phases ×
Handlungsempfehlungen (``views`` holds the forms and the review queue)."""
