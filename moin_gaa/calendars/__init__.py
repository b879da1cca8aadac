"""Netzwerkkalender: events and their series, occurrences in a window, the ICS feed with personal
keys and the ICS import (``views``, ``import_views``, ``key_views``)."""
