"""Who may do what: the contest's roles are Django groups.

`organizers` run the contest (console, lifecycle, exports); `experts` judge blind pairs.
Superusers count as organizers, so the account `createsuperuser` makes can run a contest.
Citizens are anonymous sessions and need no role. Pages use the decorators; the JSON API
calls the checks, which raise domain errors that `config.api` turns into error JSON.
"""
import functools

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.views.defaults import permission_denied

from core.errors import DomainError

ORGANIZERS = "organizers"
EXPERTS = "experts"


class LoginRequired(DomainError):
    code = "login_required"
    status = 401
    default_message = _("로그인이 필요합니다.")


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = _("이 기능을 쓸 권한이 없습니다.")


def _in_group(user, group: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    # The group names are cached on the user object for the request, so a page that asks
    # several times queries once.
    names = getattr(user, "_kai_group_names", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._kai_group_names = names
    return group in names


def is_organizer(user) -> bool:
    """Return whether `user` may run the contest (an organizer, or a superuser)."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser) or _in_group(
        user, ORGANIZERS
    )


def is_expert(user) -> bool:
    """Return whether `user` judges pairs in the expert track."""
    return _in_group(user, EXPERTS)


def signed_in(request) -> bool:
    """Return whether the request's user is fully signed in: with a password, and with a
    second factor where TWO_FACTOR_REQUIRED (production) asks for one."""
    user = request.user
    if not user.is_authenticated:
        return False
    return not settings.TWO_FACTOR_REQUIRED or user.is_verified()


def _check(request, allowed) -> None:
    if not signed_in(request):
        raise LoginRequired()
    if not allowed(request.user):
        raise Forbidden()


def organizer_check(request) -> None:
    """Raise LoginRequired (401) or Forbidden (403) unless the request is an organizer's."""
    _check(request, is_organizer)


def expert_check(request) -> None:
    """Raise LoginRequired (401) or Forbidden (403) unless the request is an expert's."""
    _check(request, is_expert)


def _page_guard(allowed):
    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not signed_in(request):
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not allowed(request.user):
                # Answered here, with Django's 403 page: raised, Django would log the refusal
                # with a full traceback; answered, it logs one line ("Forbidden: <path>").
                return permission_denied(request, PermissionDenied())
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# Pages: an anonymous visitor is sent to log in; a signed-in user without the role gets 403.
organizer_required = _page_guard(is_organizer)
expert_required = _page_guard(is_expert)


# django-ninja runs a router's `auth` before it parses the request body, so a stranger is told
# 401/403 rather than how their body is malformed. Each returns True or raises the domain error.
def expert_auth(request) -> bool:
    expert_check(request)
    return True


def organizer_auth(request) -> bool:
    organizer_check(request)
    return True
