"""The blindness audit: how identifiable each model of a contest was from its answers alone.

`attribution` holds the statistics and imports no Django; `selectors` gathers a contest's
answers and reads stored audits; `services` runs and stores one; `publication` writes the
published file. docs/blindness.md ("The blindness audit") explains the method.
"""
