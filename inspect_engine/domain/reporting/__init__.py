"""The campaign's results as figures, folded from the event log: the report, the per-unit
scores and the charts read them (docs/reporting.md)."""
