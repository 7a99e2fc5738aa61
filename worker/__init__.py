"""The distributed runner: Celery workers on Redis, calling the engine's services with ids only."""
