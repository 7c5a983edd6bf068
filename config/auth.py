"""Sign-in for organizers and experts: throttled, and with a second factor in production.

Citizens never sign in. Attempts are counted per username and per client network
(django-ratelimit, in Redis); past either limit the page answers 429 with Retry-After and does
not check the password at all. With TWO_FACTOR_REQUIRED the form is django-otp's, which also
asks for the code of the user's authenticator app (or a one-time static code).
"""
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.utils.translation import gettext as _
from django_otp.forms import OTPAuthenticationForm
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.limits import limits_wait


class TwoFactorForm(OTPAuthenticationForm):
    """django-otp's form, said in the site's language, with the device taken from the code:
    six digits are the authenticator app's, anything else a one-time static code."""

    otp_error_messages = {
        **OTPAuthenticationForm.otp_error_messages,
        "token_required": _("인증 앱의 6자리 코드를 입력해 주세요."),
        "invalid_token": _("인증 코드가 맞지 않습니다. 새 코드로 다시 시도해 주세요."),
        "device_required": _("이 계정에는 등록된 인증 수단이 없습니다. 운영자에게 문의해 주세요."),
        "n_failed_attempts": _("인증 코드를 여러 번 틀려 잠시 막혔습니다. 잠시 후 다시 시도해 주세요."),
    }

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


def login_view(request, *args, **kwargs):
    """Django's LoginView with the throttle in front and, in production, the second factor."""
    context = {"two_factor": settings.TWO_FACTOR_REQUIRED}
    form = TwoFactorForm if settings.TWO_FACTOR_REQUIRED else AuthenticationForm
    wait = _attempts_wait(request) if request.method == "POST" else None
    if wait is not None:
        # Render the empty form again without reading, let alone checking, the password.
        context["throttled"] = _("로그인 시도가 너무 많습니다. %(minutes)s분 뒤에 다시 시도해 주세요.") % {
            "minutes": max(1, -(-wait // 60))
        }
        request.method = "GET"
    response = LoginView.as_view(authentication_form=form, extra_context=context)(
        request, *args, **kwargs
    )
    if wait is not None:
        response.status_code = 429
        response["Retry-After"] = str(int(wait))
    return response
