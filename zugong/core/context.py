"""Per-request context (actor, IP, request id) for the audit log, set by the middleware."""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
client_ip_var: ContextVar[str] = ContextVar("client_ip", default="")
actor_var: ContextVar[object | None] = ContextVar("actor", default=None)
