"""The `gwc` command. Settings come from the environment (see engine/config.py)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from engine.config import Settings, SettingsError
from engine.errors import EngineError, ModelInvalidError, UnavailableError


def _engine():
    from engine.bootstrap import Engine
    return Engine(Settings.from_env())


class _Gwc(click.Group):
    """Every command: the engine's refusal (EngineError) is its message, and a database that cannot be
    reached (down, a wrong GWC_DATABASE_URL, a SQLite file in a folder that does not exist) one line
    naming it; exit 1 either way, never a traceback."""

    def invoke(self, ctx):
        from sqlalchemy.exc import OperationalError
        try:
            return super().invoke(ctx)
        except OperationalError as exc:                 # met outside a unit of work (migrations, connect)
            _unreachable(exc)
        except EngineError as exc:
            if isinstance(exc, UnavailableError) and isinstance(exc.__cause__, OperationalError):
                _unreachable(exc.__cause__)
            click.echo(f"error: {exc.message}", err=True)   # a refusal, or no pooled connection free
            sys.exit(1)


def _unreachable(exc) -> None:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    click.echo(f"error: 数据库无法连接 (cannot connect to the database {_safe_url(Settings.from_env().database_url)}): "
               f"{reason}", err=True)
    sys.exit(1)


@click.group(cls=_Gwc, help="公物仓 workflow platform: database, users, process models.")
def main() -> None:
    try:
        Settings.from_env()         # a bad GWC_* value stops every command here, with its name
    except SettingsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


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
    principal = _engine().add_user(name, password, list(grants), display_name)
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
        _print_deployed(item)
    for problem in dict.fromkeys(w for item in items for w in getattr(item, "warnings", ())):
        click.echo(str(problem), err=True)       # warnings never block a deploy


def _print_deployed(item) -> None:
    """`ID version N`, then for a new version `(+added ~changed -removed)` and one line per change."""
    changes = getattr(item, "changes", None)
    if not item.changed:
        click.echo(f"{item.id} version {item.version} (unchanged)")
        return
    if not changes or changes.get("from_version") is None:
        size = f" (new, {changes['summary']['added']} elements)" if changes else ""
        click.echo(f"{item.id} version {item.version}{size}")
        return
    s = changes["summary"]
    click.echo(f"{item.id} version {item.version} (+{s['added']} ~{s['changed']} -{s['removed']}) "
               f"against version {changes['from_version']}")
    for sign, key in (("+", "added"), ("~", "changed"), ("-", "removed")):
        for el in changes[key]:
            what = f"  {sign} {el['id']} ({el['type']} {el['name']})".rstrip() + ("" if key != "changed" else ":")
            if key == "changed":
                what += " " + ", ".join(f"{f} {el['from'][f]} → {el['to'][f]}" if f in el.get("from", {})
                                        else f for f in el["fields"])
            click.echo(what.replace(" )", ")"))
    for f in changes.get("files", []):
        click.echo(f"  {dict(added='+', changed='~', removed='-')[f['change']]} {f['kind']} file {f['file']}")


@main.command(help="Move running cases of PROCESS to version N (--dry-run: only say which could move, and why not).")
@click.argument("process")
@click.option("--to", "to_version", required=True, type=int, help="The target version.")
@click.option("--from", "from_version", default=None, type=int,
              help="Only cases on this version (default: every older one).")
@click.option("--case", "case_ids", multiple=True, metavar="CASE_ID", help="Only these cases (repeat).")
@click.option("--dry-run", is_flag=True, help="Check every case, change nothing.")
def migrate(process: str, to_version: int, from_version: int | None, case_ids: tuple[str, ...], dry_run: bool) -> None:
    result = _engine().migrate_cases(process, to_version, from_version=from_version, dry_run=dry_run,
                                     case_ids=list(case_ids) or None, actor="gwc")
    movable = 0
    for item in result["items"]:
        key = f" ({item['business_key']})" if item.get("business_key") else ""
        if item["movable"]:
            movable += 1
            verb = "can move" if dry_run else "moved"
            click.echo(f"{verb:<9} {item['case_id']}{key} version {item['from_version']} → {to_version}")
        else:
            click.echo(f"{'stays':<9} {item['case_id']}{key} version {item['from_version']}: {item.get('reason')}")
        for note in item.get("notes", []):
            click.echo(f"          note: {note}")
    total = len(result["items"])
    if dry_run:
        click.echo(f"dry run: {movable} of {total} cases can move to version {to_version}; nothing was changed")
    else:
        click.echo(f"moved {result['moved']} of {total} cases to version {to_version}")


@main.command(help="Run the deploy checks without storing anything. Prints FILE:LINE: ELEMENT_ID: message "
                    "(warnings start with 'warning: '). Exit 0 valid (warnings allowed), 1 invalid.")
@click.argument("paths", nargs=-1)
def validate(paths: tuple[str, ...]) -> None:
    problems = _engine().validate(paths=_default_paths(paths))
    _print_problems([p.to_dict() for p in problems])
    errors = sum(1 for p in problems if p.is_error)
    if errors:
        sys.exit(1)
    click.echo(f"valid ({len(problems)} warnings)" if problems else "valid")


def _serve(settings: Settings, host: str, port: int, engine=None, threads: int = 8) -> None:
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
        waitress.serve(app, host=host, port=port, threads=threads, ident="gongwucang", _quiet=True)
    finally:
        if runner:
            runner.stop()


def _serve_forked(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    """`workers` processes on one socket (gwc/prefork.py). Worker 0 alone runs the embedded runner: one
    runner is enough (its claims are lock-safe, a second would only double the polling), and the parent
    must stay free of threads and connections because it forks replacements."""
    from . import prefork
    if not prefork.fork_supported():
        click.echo("error: --workers above 1 needs os.fork (Linux, macOS); use --workers 1 here", err=True)
        sys.exit(1)
    import waitress
    import api.app                              # imported once in the parent, shared by every fork
    from engine.background import EmbeddedRunner
    from engine.bootstrap import Engine
    try:
        sockets = prefork.listen(host, port)
    except OSError as exc:
        click.echo(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        sys.exit(1)

    def worker(slot: int, ready) -> None:
        engine = Engine(settings)               # built after the fork: no connection crosses it
        try:
            app = api.app.create_app(settings, engine=engine)
            runner = EmbeddedRunner(engine).start() if slot == 0 and not settings.broker_url else None
            if runner:
                click.echo(f"gwc serve: worker 0 (pid {os.getpid()}) runs the embedded background runner", err=True)
            ready()
            try:
                waitress.serve(app, sockets=sockets, threads=threads, ident="gongwucang", _quiet=True)
            finally:
                if runner:
                    runner.stop()
        finally:
            engine.close()

    mode = "embedded background runner in worker 0" if not settings.broker_url else \
        f"broker {_safe_url(settings.broker_url)}"
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"serving on http://{shown}:{sockets[0].getsockname()[1]} ({workers} workers, {threads} threads each, "
               f"{_safe_url(settings.database_url)}, {mode})")
    try:
        status = prefork.Supervisor(workers, worker).run()
    finally:
        for sock in sockets:
            sock.close()
    if status:
        sys.exit(status)


@main.command(help="Serve the HTTP API. With no GWC_BROKER_URL, timers and async tasks run in-process.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), envvar="GWC_WEB_WORKERS",
              help="Server processes sharing the port, one core each (env GWC_WEB_WORKERS); "
                   "the embedded runner runs in the first only.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256), envvar="GWC_WEB_THREADS",
              help="Request threads per server process (env GWC_WEB_THREADS).")
def serve(host: str, port: int, workers: int, threads: int) -> None:
    from engine.store.migrate import pending
    settings = Settings.from_env()
    if not settings.secret_key:
        click.echo("error: GWC_SECRET_KEY is required (a long random string; tokens are signed with it)", err=True)
        sys.exit(1)
    problem = pending(settings.database_url)
    if problem:
        click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    if settings.db_pool_size is None:          # every request thread can hold a connection at once
        from dataclasses import replace
        from engine.store.database import pool_size_for
        settings = replace(settings, db_pool_size=pool_size_for(threads))
    if workers == 1:
        _serve(settings, host, port, threads=threads)
    else:
        _serve_forked(settings, host, port, workers, threads)


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
    for item in engine.deploy(paths=_default_paths(()), actor="admin"):
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
    run(_engine())


@main.command("test", help="Run the designer scenarios (*.scenarios.yaml) beside the processes, in memory with "
                            "mocked operators; default workflows/. Exit 1 if any scenario goes another way.")
@click.argument("paths", nargs=-1)
@click.option("--forms", "forms_root", default="forms", show_default=True,
              help="Folder holding forms/<process>/ for each process folder.")
def test_scenarios(paths: tuple[str, ...], forms_root: str) -> None:
    import importlib
    from engine.modeltest import run_paths
    from engine.runtime.operators import OperatorRegistry
    registry = OperatorRegistry()
    for module in Settings.from_env().operator_modules:       # their names only: every call is mocked
        importlib.import_module(module).register(registry)
    results = run_paths(list(paths) or ["workflows"], registry.names(), forms_root)
    passed = failed = 0
    for result in results:
        if result.error:
            click.echo(f"✗ {result.error}")
            failed += 1
        for scenario in result.scenarios:
            mark = "✓" if scenario.ok else "✗"
            click.echo(f"{mark} {result.path}: {scenario.name}")
            for failure in scenario.failures:
                click.echo(f"    {failure}")
            passed, failed = (passed + 1, failed) if scenario.ok else (passed, failed + 1)
    if not results:
        click.echo("no *.scenarios.yaml found", err=True)
        sys.exit(1)
    click.echo(f"{passed} passed, {failed} failed")
    if failed:
        sys.exit(1)


def _print_problems(problems: list[dict]) -> None:
    """`FILE:LINE: ELEMENT_ID: [warning: ]「element name」 message`: the contract's format, name inside."""
    from engine.models.problems import format_problem
    for p in problems:
        click.echo(format_problem({**p, "line": p.get("line") or 0, "element_id": p.get("element_id") or "-"}))


def _safe_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


if __name__ == "__main__":
    main()
