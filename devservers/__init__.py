"""Development servers: stand-ins the demo, the tests and the benchmarks run, never the site.

No production app imports this package; the Docker image carries it only for compose's mock
service.
"""
