"""The Celery application: broker and result backend come from settings (REDIS_URL)."""
import os

from celery import Celery
from celery.signals import worker_ready

from config import logs  # noqa: F401 (the request id rides in every task's headers)
from config.memory import freeze_startup_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("kai_arena")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _freeze(**kwargs) -> None:
    # Once the worker has loaded everything: its full collections stop walking it (the
    # collections paused every stream of the process; config/memory.py).
    freeze_startup_objects()
