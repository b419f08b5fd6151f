from .roles import Role
from .scope import user_roles


def scope(request):
    user = getattr(request, "user", None)
    roles = user_roles(user) if user is not None else set()
    return {
        "user_roles": roles,
        "user_role_labels": [Role(r).label for r in sorted(roles)],
    }
