"""The `operation` decorator: one declaration per endpoint that parses the request (path ids, query,
body) through schemas, dumps the answer through a schema, and describes it all for the OpenAPI document.

A view then only calls one engine method:

    @bp.post("/api/v1/tasks/<task_id>/claim")
    @operation("认领任务", tags=["tasks"], response=TaskSchema, errors=(403, 404, 409))
    def claim(task_id):
        return engine().claim(task_id, username())
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from flask import Response, current_app, g

from .parsing import PATH_PARAMETERS, instance, load_body, load_query


@dataclass(frozen=True)
class Operation:
    summary: str
    tags: tuple[str, ...]
    description: str | None = None
    query: type | None = None
    body: type | None = None
    multipart: type | None = None
    response: type | None = None
    status: int = 200
    also: dict[int, str] = field(default_factory=dict)     # other 2xx answers: {status: description}
    errors: tuple[int, ...] = ()
    public: bool = False
    produces: str = "application/json"


def operation(summary: str, *, tags, response=None, status: int = 200, **options):
    spec = Operation(summary=summary, tags=tuple(tags), response=response, status=status, **options)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(**kwargs):
            for name, parse in PATH_PARAMETERS.items():
                if name in kwargs:
                    kwargs[name] = parse(kwargs[name])
            query = load_query(spec.query)
            if spec.query is not None:
                kwargs["query"] = query
            if spec.body is not None:
                kwargs["body"] = load_body(spec.body)
            result = view(**kwargs)
            if isinstance(result, Response):
                return result
            answer, code = result if isinstance(result, tuple) else (result, spec.status)
            if spec.response is not None:
                answer = instance(spec.response).dump(answer)
            return current_app.json.response(answer), code

        wrapper.operation = spec
        return wrapper
    return decorate


def engine():
    """The Engine this app serves (app.extensions["gwc_engine"])."""
    return current_app.extensions["gwc_engine"]


def settings():
    """The Settings this app was created with (token lifetime, broker URL, body limit)."""
    return current_app.extensions["gwc_settings"]


def username() -> str:
    """The authenticated caller's user name (set by api/auth.py before every protected view)."""
    return g.principal.username


def is_public(endpoint: str | None) -> bool:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return bool(getattr(getattr(view, "operation", None), "public", False))


__all__ = ["Operation", "operation", "engine", "settings", "username", "is_public"]
