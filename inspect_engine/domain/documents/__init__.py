"""Documents as values: the letter model, its markup, numbering, the kinds the engine issues."""
