"""Sign-in for organizers and experts: one sign-in, throttled, with a second factor in production.

Citizens never sign in. Attempts are counted per username and per client network
(django-ratelimit, in Redis); past either limit the page answers 429 with Retry-After and does
not check the password at all. With TWO_FACTOR_REQUIRED the form is django-otp's, which also
asks for the code of the user's authenticator app (or a one-time static code).

Every failure gets one answer: a wrong username, a wrong password, a missing or wrong code, an
account without a device, django-otp's own hold on a device. Told apart, they would say which
passwords are right to anyone who tries, with or without the code. The admin signs in here too
(AdminSite below): its own login page was a second, unthrottled door.
"""
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, redirect_to_login
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.forms import OTPAuthenticationForm
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.limits import limits_wait
from config.roles import signed_in

# The one answer to every failed sign-in with a second factor.
TWO_FACTOR_FAILED = gettext_lazy(
    "로그인하지 못했습니다: 아이디, 비밀번호 또는 인증 코드가 맞지 않습니다. "
    "비밀번호와 함께 인증 앱의 6자리 코드를 입력해 주세요."
)


class TwoFactorForm(OTPAuthenticationForm):
    """django-otp's form, with one answer for every failure and the device taken from the code:
    six digits are the authenticator app's, anything else a one-time static code."""

    error_messages = {name: TWO_FACTOR_FAILED for name in OTPAuthenticationForm.error_messages}
    otp_error_messages = {name: TWO_FACTOR_FAILED for name in OTPAuthenticationForm.otp_error_messages}

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is None:
            token = str(self.cleaned_data.get("otp_token") or "")
            model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
            device = model.objects.devices_for_user(user, confirmed=True).first()
        return device


def _attempts_wait(request) -> int | None:
    """Count one sign-in attempt; return the seconds to wait when a limit is passed."""
    username = str(request.POST.get("username", ""))[:150].lower()
    return limits_wait(request, [
        ("login:username", lambda group, request: username, settings.LOGIN_LIMITS["username"]),
        ("login:network", "ip", settings.LOGIN_LIMITS["network"]),
    ])


def login_view(request, *args, next_page: str | None = None, **kwargs):
    """Django's LoginView with the throttle in front and, in production, the second factor;
    `next_page` is where a sign-in without `next` goes (LOGIN_REDIRECT_URL otherwise)."""
    context = {"two_factor": settings.TWO_FACTOR_REQUIRED,
               "failed": TWO_FACTOR_FAILED if settings.TWO_FACTOR_REQUIRED
               else _("아이디 또는 비밀번호가 맞지 않습니다.")}
    form = TwoFactorForm if settings.TWO_FACTOR_REQUIRED else AuthenticationForm
    wait = _attempts_wait(request) if request.method == "POST" else None
    if wait is not None:
        # Render the empty form again without reading, let alone checking, the password.
        context["throttled"] = _("로그인 시도가 너무 많습니다. %(minutes)s분 뒤에 다시 시도해 주세요.") % {
            "minutes": max(1, -(-wait // 60))
        }
        request.method = "GET"
    response = LoginView.as_view(authentication_form=form, extra_context=context,
                                 next_page=next_page)(request, *args, **kwargs)
    if wait is not None:
        response.status_code = 429
        response["Retry-After"] = str(int(wait))
    return response


class AdminSite(admin.AdminSite):
    """Django's admin (settings: the admin app's default_site), signed in to through login_view:
    the console's throttle, counted on the same keys, and its second factor.

    Opening /admin/login/ sends the visitor to /accounts/login/; a form posted to it anyway is
    login_view's to answer, so it counts against the same budget. A staff session without the
    second factor (where TWO_FACTOR_REQUIRED) is no admin session, as in django-otp's OTPAdminSite.
    """

    def has_permission(self, request):
        return super().has_permission(request) and signed_in(request)

    def login(self, request, extra_context=None):
        index = reverse("admin:index", current_app=self.name)
        if request.method != "POST":
            return redirect_to_login(request.GET.get(REDIRECT_FIELD_NAME) or index, settings.LOGIN_URL)
        return login_view(request, next_page=index)
