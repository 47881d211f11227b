"""Route guards: who may call a handler. Pages send strangers to the login page."""

from __future__ import annotations

from collections.abc import Callable

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from server.core.i18n import gettext as _

Guard = Callable[[ASGIConnection, BaseRouteHandler], None]


def signed_in(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    if connection.scope.get("user") is None:
        raise NotAuthorizedException(_("Please log in."))


def role_in(*roles: str) -> Guard:
    def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        signed_in(connection, handler)
        if connection.scope["user"].role not in roles:
            raise PermissionDeniedException(_("This page is not part of your role."))

    guard.__name__ = "role_in_" + "_".join(roles)
    return guard
