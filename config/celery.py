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


@app.on_after_configure.connect
def _redbeat_url(sender, **kwargs) -> None:
    # redbeat reads its Redis by its own name, but checks that name among the settings without
    # their CELERY_ prefix and, not finding it, warns at every start that it falls back on the broker.
    sender.conf.redbeat_redis_url = sender.conf.redbeat_redis_url


@worker_ready.connect
def _freeze(**kwargs) -> None:
    # Once the worker has loaded everything: its full collections stop walking it (the
    # collections paused every stream of the process; config/memory.py).
    freeze_startup_objects()
