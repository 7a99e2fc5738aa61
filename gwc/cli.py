"""The `gwc` command. Settings come from the environment (see engine/config.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.config import Settings
from engine.errors import EngineError, ModelInvalidError


def _engine():
    from engine.bootstrap import Engine
    return Engine(Settings.from_env())


@click.group(help="公物仓 workflow platform: database, users, process models.")
def main() -> None:
    pass


@main.group(help="Database schema.")
def db() -> None:
    pass


@db.command("upgrade", help="Create or migrate the database named by GWC_DATABASE_URL (Alembic).")
def db_upgrade() -> None:
    from engine.store.migrate import upgrade
    settings = Settings.from_env()
    upgrade(settings.database_url)
    click.echo(f"database is up to date: {_safe_url(settings.database_url)}")


@main.group(help="Users and their role grants.")
def users() -> None:
    pass


@users.command("add", help="Create a user, or replace its password and grants. ROLE alone means every scope.")
@click.argument("name")
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--display-name", default=None, help="The name people read, e.g. 王小明.")
@click.option("--grant", "grants", multiple=True, metavar="ROLE[@SCOPE]", help="Repeat for several roles.")
def users_add(name: str, password: str, display_name: str | None, grants: tuple[str, ...]) -> None:
    principal = _run(lambda: _engine().add_user(name, password, list(grants), display_name))
    roles = ", ".join(f"{r}@{s}" if s else r for r, s in principal.grants) or "(none)"
    click.echo(f"user {principal.username} ({principal.display_name}): {roles}")


def _default_paths(paths: tuple[str, ...]) -> list[str]:
    return list(paths) or [p for p in ("workflows", "forms") if Path(p).exists()]


@main.command(help="Deploy BPMN/DMN files and JSON Schema forms (files or folders; default workflows/ and forms/).")
@click.argument("paths", nargs=-1)
def deploy(paths: tuple[str, ...]) -> None:
    try:
        items = _engine().deploy(paths=_default_paths(paths), actor="gwc")
    except ModelInvalidError as exc:
        _print_problems(exc.details)
        sys.exit(1)
    except EngineError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    for item in items:
        click.echo(f"{item.id} version {item.version}{'' if item.changed else ' (unchanged)'}")


@main.command(help="Run the deploy checks without storing anything. Exit 0 valid, 1 invalid.")
@click.argument("paths", nargs=-1)
def validate(paths: tuple[str, ...]) -> None:
    problems = _run(lambda: _engine().validate(paths=_default_paths(paths)))
    if problems:
        _print_problems([p.to_dict() for p in problems])
        sys.exit(1)
    click.echo("valid")


def _serve(settings: Settings, host: str, port: int, engine=None) -> None:
    """The API on a production WSGI server (waitress); the embedded runner when no broker is set."""
    import waitress
    from api.app import create_app
    from engine.background import EmbeddedRunner
    from engine.bootstrap import Engine
    engine = engine or Engine(settings)
    app = create_app(settings, engine=engine)
    runner = EmbeddedRunner(engine).start() if not settings.broker_url else None
    mode = "embedded background runner" if runner else f"broker {_safe_url(settings.broker_url)}"
    click.echo(f"serving on http://{host}:{port} ({_safe_url(settings.database_url)}, {mode})")
    try:
        waitress.serve(app, host=host, port=port, threads=8, ident="gongwucang", _quiet=True)
    finally:
        if runner:
            runner.stop()


@main.command(help="Serve the HTTP API. With no GWC_BROKER_URL, timers and async tasks run in-process.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    from engine.store.migrate import pending
    settings = Settings.from_env()
    if not settings.secret_key:
        click.echo("error: GWC_SECRET_KEY is required (a long random string; tokens are signed with it)", err=True)
        sys.exit(1)
    problem = pending(settings.database_url)
    if problem:
        click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    _serve(settings, host, port)


@main.command(help="Migrate a SQLite file, create the demo users, deploy workflows/ and forms/, and serve.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def demo(host: str, port: int) -> None:
    import secrets
    from engine.bootstrap import Engine
    from engine.store.migrate import upgrade
    from .walkthrough import DEMO_PASSWORD, DEMO_USERS
    settings = Settings.from_env(secret_key=Settings.from_env().secret_key or secrets.token_urlsafe(32))
    upgrade(settings.database_url)
    engine = Engine(settings)
    from warehouse.demo_data import load_demo_data
    counts = load_demo_data(engine.db)
    click.echo("Chengdu-metro demo data: " + ", ".join(f"{n} {t}" for t, n in counts.items()))
    for login, name, grants in DEMO_USERS:
        engine.add_user(login, DEMO_PASSWORD, grants, name)
        click.echo(f"user {login:<12} {name}  {' '.join(grants)}")
    click.echo(f"demo password for every user: {DEMO_PASSWORD}")
    for item in _run(lambda: engine.deploy(paths=_default_paths(()), actor="admin")):
        click.echo(f"deployed {item.id} version {item.version}{'' if item.changed else ' (unchanged)'}")
    _serve(settings, host, port, engine)


@main.command(help="A Celery worker against GWC_BROKER_URL (with --beat, also the 1-second scheduler).")
@click.option("--beat", is_flag=True, help="Also run the scheduler that queues due jobs and timers.")
@click.option("--concurrency", default=2, show_default=True, type=int, help="Worker processes.")
@click.option("--loglevel", default="INFO", show_default=True)
def worker(beat: bool, concurrency: int, loglevel: str) -> None:
    from worker.app import make_celery
    settings = Settings.from_env()
    if not settings.broker_url:
        click.echo("error: GWC_BROKER_URL is not set (e.g. redis://127.0.0.1:6379/0); without a broker, "
                   "gwc serve runs timers and async tasks itself", err=True)
        sys.exit(1)
    from engine.store.migrate import pending
    problem = pending(settings.database_url)
    if problem:
        click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    app = make_celery(settings)
    argv = ["worker", f"--loglevel={loglevel}", f"--concurrency={concurrency}", "--without-gossip",
            "--without-mingle", "--pool=prefork"]
    if beat:
        argv.append("--beat")
    app.worker_main(argv)


@main.command(help="Migrate, create the demo users, deploy, and run one loan request through every inbox.")
def walkthrough() -> None:
    from engine.store.migrate import upgrade
    from .walkthrough import run
    settings = Settings.from_env()
    upgrade(settings.database_url)
    _run(lambda: run(_engine()))


def _print_problems(problems: list[dict]) -> None:
    for p in problems:
        click.echo(f"{p['file']}:{p.get('line') or 0}: {p.get('element_id') or '-'}: {p['message']}")


def _run(fn):
    try:
        return fn()
    except EngineError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)


def _safe_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


if __name__ == "__main__":
    main()
