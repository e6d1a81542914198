"""Workflow definitions: the model, its YAML loader, the named rules and the state machine."""
