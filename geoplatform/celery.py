"""The Celery application: broker and result backend come from settings (REDIS_URL).

Each task runs with its kind's time limits (geoplatform.taskkinds, through CELERY_TASK_ANNOTATIONS)
and its kind's database statement_timeout, set on the worker's connection before the task starts.
"""

import os

from celery import Celery
from celery.signals import task_prerun

from geoplatform import taskkinds

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoplatform.settings")

app = Celery("geoplatform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

_current_timeout_ms = {"value": 0}


def statement_timeout_ms(task_name: str) -> int:
    """The statement timeout for a task: its kind's soft time limit (the query ends before the task is killed)."""
    soft, _hard = taskkinds.LIMITS[taskkinds.kind(task_name)]
    return soft * 1000


@task_prerun.connect
def _set_statement_timeout(sender=None, task=None, **kwargs):
    """A worker's queries are bounded like its task; eager runs (tests, web) keep their own setting."""
    if task is None or task.request.is_eager:
        return
    from django.db import connection

    _current_timeout_ms["value"] = statement_timeout_ms(task.name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{_current_timeout_ms['value']}ms"])


def _on_new_connection(sender, connection, **kwargs):
    """A connection reopened in the middle of a task gets the task's statement timeout again."""
    if _current_timeout_ms["value"]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{_current_timeout_ms['value']}ms"])


def _connect_signals(**kwargs):
    from django.db.backends.signals import connection_created

    connection_created.connect(_on_new_connection, dispatch_uid="geoplatform.celery.statement_timeout")


from celery.signals import worker_init, worker_process_init  # noqa: E402

worker_init.connect(_connect_signals)
worker_process_init.connect(_connect_signals)
