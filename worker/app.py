"""make_celery(settings): the Celery application, configured for at-least-once delivery.

- acks_late + reject_on_worker_lost: a worker killed mid-job (SIGKILL) leaves the message to be
  delivered again; the engine makes the effect happen once (job and case are locked together and a
  finished job is never run again).
- The beat runs `gwc.tick` every second: it leases due jobs and due timer cases from the database (the
  outbox) and queues one task per job or case. A broker outage delays that work and loses none: the
  rows stay due until a tick can queue them, and an expired lease is queued again.
"""
from __future__ import annotations

import os
import tempfile

from celery import Celery

from engine.config import Settings

TICK_SECONDS = 1.0


def make_celery(settings: Settings) -> Celery:
    if not settings.broker_url:
        raise ValueError("GWC_BROKER_URL is not set: without a broker the API runs the embedded runner instead")
    app = Celery("gongwucang", broker=settings.broker_url, include=["worker.tasks"])
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        # Redis redelivers a message nobody acknowledged within this time (a lost worker).
        broker_transport_options={"visibility_timeout": max(30, settings.lease_seconds)},
        beat_schedule={"gwc-tick": {"task": "gwc.tick", "schedule": TICK_SECONDS}},
        worker_hijack_root_logger=False,
        # The beat's bookkeeping file: out of the working directory (it is rebuilt when missing).
        beat_schedule_filename=os.path.join(tempfile.gettempdir(), "gwc-celerybeat-schedule"),
    )
    app.gwc_settings = settings
    return app
