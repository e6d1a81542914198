"""The portal (`inspect-engine serve`): a Starlette application over the services, pages in
Vietnamese rendered with jinja2 (autoescaped) and htmx served from the package. A layer above
the services, beside the CLI (docs/architecture.md, docs/portal.md)."""
