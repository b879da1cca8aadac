"""PartnerWiki macros (moin plugin package: without this file every macro on the wiki fails)."""
