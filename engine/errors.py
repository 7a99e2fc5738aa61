"""The EngineError tree. The engine raises only these; the API maps them to HTTP statuses.

Each error carries a stable `code` (machine-readable), a human `message` and optional `details`.
"""
from __future__ import annotations

from typing import Any


class EngineError(Exception):
    code = "engine_error"

    def __init__(self, message: str, details: Any = None):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFoundError(EngineError):
    code = "not_found"


class CaseNotFoundError(NotFoundError):
    code = "case_not_found"


class TaskNotFoundError(NotFoundError):
    code = "task_not_found"


class ProcessNotFoundError(NotFoundError):
    code = "process_not_found"


class DiagramNotFoundError(NotFoundError):
    """The process version has no diagram interchange (bpmndi) to draw."""
    code = "diagram_not_found"


class MessageNotRoutedError(NotFoundError):
    """No case waits for the message (name and correlation values)."""
    code = "message_not_routed"


class ConflictError(EngineError):
    """The request lost a race, or the resource is not in a state that allows it."""
    code = "conflict"


class TaskNotOpenError(ConflictError):
    code = "task_not_open"


class TaskClaimedError(ConflictError):
    code = "task_claimed"


class CaseNotActiveError(ConflictError):
    code = "case_not_active"


class PermissionDeniedError(EngineError):
    """The user may see the resource but not do this with it."""
    code = "forbidden"


class NotCandidateError(PermissionDeniedError):
    code = "not_candidate"


class InvalidInputError(EngineError):
    code = "invalid_input"


class FormInvalidError(InvalidInputError):
    """details: [{"field", "message"}] for every broken field."""
    code = "form_invalid"


class ModelInvalidError(InvalidInputError):
    """details: [{"file", "line", "element_id", "message"}] for every problem found."""
    code = "model_invalid"


class ScriptError(EngineError):
    """A script, condition or expression failed or was refused by the sandbox."""
    code = "script_error"

    def __init__(self, message: str, line: int | None = None, details: Any = None):
        super().__init__(message, details)
        self.line = line


class OperatorError(EngineError):
    """A service-task operator refused the request; the message is shown to people."""
    code = "operator_error"


class AuthenticationError(EngineError):
    code = "unauthenticated"


class TooManyAttemptsError(EngineError):
    """Too many failed logins for this user name or address; details: {"retry_after": seconds}."""
    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, {"retry_after": retry_after})
        self.retry_after = retry_after


class UnavailableError(EngineError):
    """The database could not be reached, or every connection to it is busy: the same request may succeed
    a moment later (HTTP 503 with Retry-After). Nothing was done, except when the connection dropped
    during the commit itself: then whether it took effect is unknown here too."""
    code = "service_unavailable"
    retry_after = 2


class RefusalError(OperatorError):
    """An operator refuses an impossible request for a business reason the process can route on.

    `error_code` (e.g. "STOCK_SHORT") is matched against the errorCode of an error boundary event attached
    to the service task (a boundary with no errorRef catches every refusal); the case data then gets
    `refusal = {"code", "message", "details", "operator", "task"}` and the flow leaves through the
    boundary. With no matching boundary event the refusal is an incident, like any operator failure.
    """
    code = "refused"

    def __init__(self, message: str, code: str, details=None):
        super().__init__(message, details)
        self.error_code = code
