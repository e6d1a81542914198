"""Visit planning handlers: the planning context read from storage (`context`), making and
storing a plan (`make`), the constraint edits (`constraints`), the stored plan's views
(`views`) and its exports (`exports`). The optimisation itself is pure:
`inspect_engine.domain.planning`."""
