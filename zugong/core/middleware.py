import uuid

from .context import actor_var, client_ip_var, request_id_var
from .netaddr import client_ip


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        request.request_id = rid
        tokens = (
            request_id_var.set(rid),
            client_ip_var.set(client_ip(request)),
            actor_var.set(
                request.user if getattr(request, "user", None) and request.user.is_authenticated else None
            ),
        )
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(tokens[0])
            client_ip_var.reset(tokens[1])
            actor_var.reset(tokens[2])
        response["X-Request-ID"] = rid
        return response
