"""The contest's pure statistics: numpy and scipy (and scikit-learn for the blindness audit).

Nothing here imports Django, Channels, Celery or any module of the project (.importlinter), so
the arena's sampler and voting's boards can both use the same statistics without either app
reaching up into the other, and each function can be tested and benchmarked alone.
"""
