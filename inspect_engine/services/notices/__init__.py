"""The documents of a campaign: issuing them from the log, rendering, packaging for delivery."""
