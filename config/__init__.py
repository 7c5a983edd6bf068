# First of all, before any metric exists: name each process's metric files by host and pid
# (config/metric_files.py).
from .metric_files import files_by_host_and_pid

files_by_host_and_pid()

# Load the Celery app whenever Django starts, so that @shared_task binds to it.
from .celery import app as celery_app  # noqa: E402

__all__ = ("celery_app",)
