"""The portal: what the start page and the header show across all instruments (news, dates, tools,
discussions, what waits for the moderation).  Uses the instruments' domain modules, never the web layer."""
