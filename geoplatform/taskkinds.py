"""Kinds of background work: which queue each task goes to, and its time and statement limits (no Django)."""

from __future__ import annotations

from fnmatch import fnmatch

# Patterns of task names, first match wins; anything else is interactive.
KINDS = (
    ("ingest.firms_tasks.ingest_raster", "raster"),
    ("layers.telecom.tasks.*", "raster"),
    ("ingest.*", "ingest"),
    ("layers.fire.tasks.refresh_events", "ingest"),
    ("layers.jobs.tasks.run_*", "ingest"),
    ("layers.delivery.tasks.*", "notify"),
    ("layers.fire.tasks.deliver_notification", "notify"),
    ("layers.fire.tasks.flush_outbox", "notify"),
    ("layers.feedback.tasks.deliver_event", "notify"),
    ("layers.feedback.tasks.relay_outbox", "notify"),
)
QUEUES = ("interactive", "ingest", "raster", "notify")
# (soft, hard) seconds per kind; the statement timeout is the soft limit (the task hears it first).
LIMITS = {
    "interactive": (50, 60),
    "notify": (90, 120),
    "ingest": (25 * 60, 30 * 60),
    "raster": (55 * 60, 60 * 60),
}
LONGEST_S = max(hard for _, hard in LIMITS.values())


def kind(task_name: str) -> str:
    """The kind of work a task is, by its name."""
    for pattern, name in KINDS:
        if fnmatch(task_name, pattern):
            return name
    return "interactive"


def routes(name, args, kwargs, options, task=None, **kw) -> dict:
    """Celery router: each task to its kind's queue."""
    return {"queue": kind(name)}


class Limits:
    """Celery annotation: each task's soft and hard time limits by its kind (a task's own limits win)."""

    def annotate(self, task):
        """Limits for one task class, or None to leave it as declared."""
        soft, hard = LIMITS[kind(task.name)]
        out = {}
        if getattr(task, "soft_time_limit", None) is None:
            out["soft_time_limit"] = soft
        if getattr(task, "time_limit", None) is None:
            out["time_limit"] = hard
        return out or None
