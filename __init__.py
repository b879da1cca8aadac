"""Repository root: moin loads it as the plugin package whose ``macros/`` holds our macros."""
