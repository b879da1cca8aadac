"""PartnerWiki – the domain package of the „Gesundheit für alle“ plugin suite for MoinMoin 2."""
