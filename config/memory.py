"""Keep the garbage collector's full collections short in the site's long-running processes.

A web, worker or mock-team process holds a few hundred thousand objects that live as long as
it does: modules, classes, Django's settings, URL patterns, templates. CPython's full
collection walks every one of them, and every stream and request of the process waits
meanwhile (the pauses, before and after: docs/performance.md). `gc.freeze()` once the process has
started moves the objects it has so far out of the collector's sight for good; everything made
later is collected as before.
"""
import gc


def freeze_startup_objects() -> None:
    """Collect once, then leave every object that survived to the process's end."""
    gc.collect()
    gc.freeze()
