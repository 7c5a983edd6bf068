"""Dispatching a battle's tasks from a request's thread does not rebuild Celery's result backend."""
import threading

from config.celery import app


def test_every_request_thread_shares_one_result_backend():
    # Under ASGI each request runs in a new thread. Celery keeps a result backend per thread
    # unless it is declared thread-safe, and building one scans every installed package's
    # entry points (10 ms on a 2-core machine): every battle start paid that.
    seen = []
    for _ in range(3):
        thread = threading.Thread(target=lambda: seen.append(app.backend))
        thread.start()
        thread.join()
    assert seen[0] is seen[1] is seen[2] is app.backend
