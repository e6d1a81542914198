"""The portal's services: the units' signed links, the lead and auditor accounts and their
sessions, what a unit sees and sends, and the lead's review (docs/portal.md). The web layer
(`inspect_engine/web`) and the `portal` commands call these."""
