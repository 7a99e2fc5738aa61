"""`celery -A worker.celery_app ...` entry point (health checks, inspection): the app from the environment."""
from engine.config import Settings

from .app import make_celery

app = make_celery(Settings.from_env())
