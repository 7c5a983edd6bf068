"""Sign-in for organizers and experts: one sign-in, throttled, with a second factor in production.

Citizens never sign in. Attempts are counted per username and per client network
(django-ratelimit, in Redis); past either limit the page answers 429 with Retry-After and does
not check the password at all. The username is counted as Django's form reads it
(config.limits.account_identity), so no respelling brings a fresh budget; password resets are
counted the same way, per address asked for. With TWO_FACTOR_REQUIRED the form is django-otp's, which also
asks for the code of the user's authenticator app (or a one-time static code).

Every failure gets one answer: a wrong username, a wrong password, a missing or wrong code, an
account without a device, django-otp's own hold on a device. Told apart, they would say which
passwords are right to anyone who tries, with or without the code. The admin signs in here too
(AdminSite below): its own login page was a second, unthrottled door. An account without an
authenticator app enrols one at second_factor_page (config.second_factor says who may).
"""
from base64 import b32encode

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.views import LoginView, PasswordResetView, redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.forms import OTPAuthenticationForm
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.limits import identity_counters, limits_wait
from config import second_factor
from config.roles import is_expert, is_organizer, signed_in
from core.errors import DomainError

# The one answer to every failed sign-in with a second factor.
TWO_FACTOR_FAILED = gettext_lazy(
    "로그인하지 못했습니다: 아이디, 비밀번호 또는 인증 코드가 맞지 않습니다. "
    "비밀번호와 함께 인증 앱의 6자리 코드를 입력해 주세요."
)


class TwoFactorForm(OTPAuthenticationForm):
    """django-otp's form, with one answer for every failure and the device taken from the code:
    six digits are the authenticator app's, anything else a one-time static or recovery code."""

    error_messages = {name: TWO_FACTOR_FAILED for name in OTPAuthenticationForm.error_messages}
    otp_error_messages = {name: TWO_FACTOR_FAILED for name in OTPAuthenticationForm.otp_error_messages}

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is None:
            token = str(self.cleaned_data.get("otp_token") or "")
            if token.isdigit() and len(token) == 6:
                devices = TOTPDevice.objects.devices_for_user(user, confirmed=True)
            else:
                # The bootstrap code's device and the recovery codes' are both static: the one
                # holding this code, else any (to fail as every wrong code does).
                devices = StaticDevice.objects.devices_for_user(user, confirmed=True)
                devices = devices.filter(token_set__token=token) or devices
            device = devices.first()
        return device


def _attempts_wait(request, action: str = "login", field: str = "username") -> int | None:
    """Count one attempt at `action` for the identity in the POST's `field`, normalised as
    Django's form reads it (config.limits.account_identity); return the seconds to wait when a
    limit is passed."""
    return limits_wait(request, identity_counters(action, request.POST.get(field, "")))


def _refused(request, template: str, wait: int, context: dict):
    """The page of a throttled attempt: 429 with Retry-After, nothing read or sent."""
    context = {**context, "throttled": _("요청이 너무 많습니다. %(minutes)s분 뒤에 다시 시도해 주세요.")
               % {"minutes": max(1, -(-wait // 60))}}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(int(wait))
    return response


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


def password_reset_view(request, *args, **kwargs):
    """Django's password reset, throttled like the sign-in (per address asked for, normalised,
    and per network): a flood of reset mails is refused before any is sent."""
    if request.method == "POST":
        wait = _attempts_wait(request, "reset", "email")
        if wait is not None:
            return _refused(request, "registration/password_reset_form.html", wait,
                            {"form": PasswordResetForm()})
    return PasswordResetView.as_view()(request, *args, **kwargs)


def _landing(user) -> str:
    """Where an account starts once signed in: its own area."""
    if is_organizer(user):
        return reverse("console")
    if is_expert(user):
        return reverse("expert-queue")
    return reverse("admin:index") if user.is_staff else settings.LOGIN_REDIRECT_URL


@never_cache  # the key and the recovery codes stay out of every cache, the browser's too
def second_factor_page(request):
    """Enrol the account's authenticator app: a QR code and the key, one code to confirm it,
    then the recovery codes, shown this once.

    A session that may not enrol (config.second_factor.enrolment_allowed) gets the sign-in
    page, as every failure before the second factor does; an account already enrolled and
    signed in goes to its own area.
    """
    user = request.user
    if not second_factor.enrolment_allowed(request):
        if signed_in(request):
            return redirect(_landing(user))
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    device = second_factor.second_factor_start(user=user)
    context = {"error": None}
    if request.method == "POST":
        wait = limits_wait(request, identity_counters("enrol", user.get_username()))
        if wait is not None:
            return _refused(request, "registration/second_factor.html", wait,
                            _enrolment_context(device))
        try:
            device, codes = second_factor.second_factor_confirm(user=user, token=request.POST.get("otp_token"))
        except DomainError as failure:
            context["error"] = failure.message
        else:
            otp_login(request, device)
            request.session.pop(second_factor.INVITED, None)
            return render(request, "registration/recovery_codes.html",
                          {"codes": codes, "landing": _landing(user)})
    return render(request, "registration/second_factor.html", {**context, **_enrolment_context(device)})


def _enrolment_context(device) -> dict:
    key = b32encode(device.bin_key).decode()
    return {
        "key": " ".join(key[i:i + 4] for i in range(0, len(key), 4)),  # read aloud in fours
        "config_url": device.config_url,
        "qr": mark_safe(second_factor.qr_svg(device.config_url)),  # noqa: S308 (segno's own markup)
        "issuer": settings.OTP_TOTP_ISSUER,
    }


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
