"""Partnerverzeichnis: municipality profiles, the filterable directory and each
Präventionskette's coverage of the matrix (``views`` holds the profile form and the CSV export)."""
