"""What every instrument shares: vocabulary, records, the catalog, read rights, storage and items,
accounts, attachments, sanitising, exports, progress, mail – and every use of moin internals
(:mod:`moin_gaa.core.moin_internals`).  Nothing here imports an instrument or a view."""
