"""Every write of the contest's expert-track data: prompt sets (imported from files) and experts."""
import csv
import io
import json
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from config.limits import account_identity
from config.roles import EXPERTS, is_expert, is_organizer
from config.second_factor import has_authenticator
from contest.models import Contest, Team
from core.errors import InvalidInput
from expert.exceptions import ImportRejected
from expert.models import Domain, ExpertProfile, Prompt, PromptSet

FORMATS = (".csv", ".jsonl", ".xlsx")
TEXT_COLUMNS = ("prompt", "text", "질문")
DOMAIN_COLUMNS = ("domain", "분야")
NOTE_COLUMNS = ("note", "메모")
MAX_FILE_BYTES = 10 * 1024 * 1024


def _domain_parse(value: str) -> str | None:
    value = value.strip()
    for slug, label in Domain.choices:
        if value in (slug, str(label)):
            return slug
    return None


def _records(filename: str, content: bytes) -> list[tuple[int, dict]]:
    """Return (row number as the organizer sees it, {column: text}) for each data row."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInput(_("CSV, JSONL, XLSX 파일만 가져올 수 있습니다."))
    if len(content) > MAX_FILE_BYTES:
        raise InvalidInput(_("파일이 너무 큽니다 (10MB 이하)."))
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
            raise InvalidInput(_("엑셀(.xlsx) 파일을 읽을 수 없습니다.")) from error
        rows = list(sheet.iter_rows(values_only=True))
        if not rows:
            return []
        header = [str(cell or "").strip().lower() for cell in rows[0]]
        return [
            (number, {h: "" if cell is None else str(cell) for h, cell in zip(header, row)})
            for number, row in enumerate(rows[1:], start=2)
            if any(cell not in (None, "") for cell in row)
        ]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(_("파일이 UTF-8 인코딩이 아닙니다.")) from error
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        reader.fieldnames = [name.strip().lower() for name in reader.fieldnames or []]
        return [(number, dict(row)) for number, row in enumerate(reader, start=2) if any((v or "").strip() for v in row.values() if isinstance(v, str))]
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            value = None
        records.append((number, value if isinstance(value, dict) else {"__invalid__": line[:80]}))
    return records


def _pick(record: dict, names) -> object:
    for name in names:
        if name in record and record[name] not in (None, ""):
            return record[name]
    return None


def prompts_parse(*, filename: str, content: bytes) -> list[dict]:
    """Return the file's prompts as {"row", "domain", "text", "note"}, or raise ImportRejected.

    Every bad row is named with every reason it is bad; one bad row rejects the whole file.
    Columns: `domain` (slug or Korean name, e.g. law or 법률), `prompt` (or text, 질문) and an
    optional `note`.
    """
    records = _records(filename, content)
    if not records:
        raise InvalidInput(_("파일에 질문이 하나도 없습니다."))
    if len(records) > settings.EXPERT["IMPORT_MAX_ROWS"]:
        raise InvalidInput(_("한 번에 %(n)d행까지 가져올 수 있습니다.") % {"n": settings.EXPERT["IMPORT_MAX_ROWS"]})
    limit = settings.EXPERT["PROMPT_MAX_CHARS"]
    bad, good, seen = [], [], {}
    for number, record in records:
        errors = []
        if "__invalid__" in record:
            bad.append({"row": number, "errors": [_("JSON 객체가 아닙니다.")]})
            continue
        text = _pick(record, TEXT_COLUMNS)
        domain = _pick(record, DOMAIN_COLUMNS)
        note = _pick(record, NOTE_COLUMNS)
        text = text.replace("\x00", "").strip() if isinstance(text, str) else text
        if not isinstance(text, str) or not text:
            errors.append(_("질문(prompt)이 비어 있습니다."))
        elif len(text) > limit:
            errors.append(_("질문이 %(limit)d자를 넘습니다.") % {"limit": limit})
        elif text in seen:
            errors.append(_("%(row)d행과 같은 질문입니다.") % {"row": seen[text]})
        slug = _domain_parse(domain) if isinstance(domain, str) else None
        if slug is None:
            errors.append(
                _("분야(domain) '%(value)s'를 알 수 없습니다. 가능한 값: %(choices)s")
                % {"value": str(domain or "")[:30], "choices": ", ".join(Domain.values)}
            )
        if note is not None and not isinstance(note, str):
            errors.append(_("메모(note)는 문자열이어야 합니다."))
        if errors:
            bad.append({"row": number, "errors": [str(e) for e in errors]})
            continue
        seen[text] = number
        good.append({"row": number, "domain": slug, "text": text, "note": (note or "").strip()})
    if bad:
        raise ImportRejected(bad)
    return good


@transaction.atomic
def prompt_set_import(*, contest: Contest, title: str, filename: str, content: bytes) -> PromptSet:
    """Create a prompt set from a file, all of it or nothing (see `prompts_parse`)."""
    title = (title or "").strip()
    if not title:
        raise InvalidInput(_("질문 세트 제목을 써 주세요."))
    rows = prompts_parse(filename=filename, content=content)
    prompt_set = PromptSet(contest=contest, title=title[:200])
    try:
        prompt_set.full_clean()
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages)) from error
    prompt_set.save()
    Prompt.objects.bulk_create(
        [Prompt(prompt_set=prompt_set, domain=r["domain"], text=r["text"], note=r["note"]) for r in rows]
    )
    return prompt_set


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """The expert invitation's one-time token: Django's password-reset token under a salt of its
    own, so that a password-reset link is no invitation (nor an invitation a reset link). It
    dies once the password is set, like a reset token."""

    key_salt = "expert.onboarding.InvitationTokenGenerator"


invitation_tokens = InvitationTokenGenerator()


def invitation_valid(user) -> bool:
    """Return whether `user` may still be welcomed by an invitation: an expert and nothing more
    (no staff, organizer or superuser is ever enrolled from a link), without an authenticator."""
    return (is_expert(user) and not user.is_staff and not is_organizer(user)
            and not has_authenticator(user))


def invitation_link(*, user, base_url: str) -> str:
    """The one-time link that lets the invited expert choose a password (and enrol a factor)."""
    return (
        f"{base_url.rstrip('/')}/expert/welcome/"
        f"{urlsafe_base64_encode(force_bytes(user.pk))}/{invitation_tokens.make_token(user)}/"
    )


@transaction.atomic
def expert_invite(
    *, email: str, domains: list[str], affiliations: str = "", conflicts: list[Team] = (), base_url: str
) -> ExpertProfile:
    """Create an expert account with no usable password and e-mail them a one-time link to set one.

    The link carries an invitation token (InvitationTokenGenerator): it stops working once a
    password is set. The address is normalised as every sign-in throttle counts it.
    """
    email = account_identity(email)
    User = get_user_model()
    try:
        validate_email(email)
        # The address is the username, which holds fewer characters than an address may.
        User._meta.get_field("username").run_validators(email)
    except ValidationError as error:
        raise InvalidInput(_("올바른 이메일 주소가 아닙니다.")) from error
    if User.objects.filter(username=email).exists():
        raise InvalidInput(_("이미 초대한 이메일입니다."))
    user = User(username=email, email=email)
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get_or_create(name=EXPERTS)[0])
    profile = ExpertProfile(user=user, domains=list(domains), affiliations=affiliations.strip())
    try:
        profile.full_clean(exclude=["user"])
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages)) from error
    profile.save()
    profile.conflicts.set(conflicts)
    link = invitation_link(user=user, base_url=base_url)
    transaction.on_commit(
        lambda: send_mail(
            _("[K-AI 아레나] 전문가 평가 초대"),
            _("전문가 평가에 초대합니다. 아래 링크에서 비밀번호를 정하고 로그인하세요 (한 번만 쓸 수 있습니다).\n\n%(link)s\n")
            % {"link": link},
            None,
            [email],
        )
    )
    return profile
