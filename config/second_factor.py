"""Enrolling an authenticator app: who may, who must, and the writes (django-otp's devices).

One rule for every account: an authenticator is enrolled from a session that has already proven
a factor (a one-time static code from `manage.py addstatictoken`, or a recovery code), or from
the expert's own invitation (expert.onboarding), which marks its session with
`enrolment_invite`. A password alone, a password-reset link among them, never leads here.
Where TWO_FACTOR_REQUIRED, an account that must have an authenticator (staff, organizers,
experts) and has a session able to enrol reaches nothing but the enrolment until it has one
(EnrolmentRequiredMiddleware). Replacing an enrolled authenticator is the admin's (TOTP devices).
"""
from io import BytesIO

import segno
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.roles import is_expert, is_organizer
from core.errors import InvalidInput

# The session key the expert's invitation sets: the id of the account it may enrol.
INVITED = "second_factor_invited"
RECOVERY_CODES = 10
RECOVERY_DEVICE = "recovery codes"


def must_enrol(user) -> bool:
    """Return whether `user` may reach nothing without an authenticator app where
    TWO_FACTOR_REQUIRED: staff, organizers (superusers among them) and experts."""
    return user.is_authenticated and (user.is_staff or is_organizer(user) or is_expert(user))


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def enrolment_allowed(request) -> bool:
    """Return whether this session may enrol an authenticator for its user: one that has none
    yet, signed in with a proven factor (or with the password where no factor is required), or
    by the invitation issued for this very account."""
    user = request.user
    if not (user.is_authenticated and user.is_active):
        return False
    verified = user.is_verified() or not settings.TWO_FACTOR_REQUIRED
    if not (verified or request.session.get(INVITED) == user.pk):
        return False
    # A session signed in with the app has one (and asks the database nothing more).
    return not isinstance(getattr(user, "otp_device", None), TOTPDevice) and not has_authenticator(user)


def enrolment_due(request) -> bool:
    """Return whether the request's account must enrol before it reaches anything else."""
    if not settings.TWO_FACTOR_REQUIRED or not request.session.session_key:
        return False  # no session cookie: an anonymous visitor, and the session stays unread
    return must_enrol(request.user) and enrolment_allowed(request)


def enrolment_invite(request, user) -> None:
    """Let this session (signed in by the invitation of `user`) enrol `user`'s authenticator."""
    request.session[INVITED] = user.pk


@transaction.atomic
def second_factor_start(*, user) -> TOTPDevice:
    """Return `user`'s unconfirmed authenticator (TOTP) device, creating it once.

    Raises InvalidInput when the account already has a confirmed one.
    """
    if has_authenticator(user):
        raise InvalidInput(_("이미 인증 앱이 등록되어 있습니다."))
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice(user=user, name=_("인증 앱"), confirmed=False)
        device.full_clean(exclude=["user"])
        device.save()
    return device


@transaction.atomic
def second_factor_confirm(*, user, token: object) -> tuple[TOTPDevice, list[str]]:
    """Confirm `user`'s new authenticator with a code from it; return the device and the new
    one-time recovery codes, which replace any earlier ones (the page shows them once).

    Raises InvalidInput when the code is not the app's current one (nothing changes).
    """
    device = second_factor_start(user=user)
    if not isinstance(token, str) or not device.verify_token(token.strip()):
        raise InvalidInput(_("인증 코드가 맞지 않습니다. 앱에 보이는 6자리 숫자를 입력해 주세요."))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE).delete()
    recovery = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=code) for code in codes])
    return device, codes


def qr_svg(text: str) -> str:
    """The QR code of `text` as inline SVG markup, drawn here (segno): no outside service
    sees the key, and the page's Content-Security-Policy needs no exception."""
    out = BytesIO()
    segno.make(text, error="m").save(out, kind="svg", xmldecl=False, svgns=True, scale=5,
                                    border=2, svgclass="qr-code", title=_("인증 앱 등록용 QR 코드"))
    return out.getvalue().decode()
