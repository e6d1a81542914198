"""A campaign fast-forwarded on a simulated clock (`inspect-engine simulate`): the actors and
what they do next (`actors`, `texts`), what they know of the campaign (`world`), the day loop
with the worker's sweep (`run`). Nothing here writes but through the engine's own services.
"""
