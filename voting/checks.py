"""System checks of voting's settings, run by `manage.py check --deploy` before production."""
from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.checks.security.base import SECRET_KEY_MIN_LENGTH, SECRET_KEY_MIN_UNIQUE_CHARACTERS

from config.keys import key_problems


@register(Tags.security, deploy=True)
def voter_hash_key_check(app_configs, **kwargs) -> list[Error]:
    """Refuse a voter-pseudonym key that is the demo default, weak, or shared with SECRET_KEY.

    Weak is production's own rule at start (config.keys), so the check and the start agree.
    """
    key = settings.VOTER_HASH_KEY
    hint = "Set VOTER_HASH_KEY to a long random string and keep it for the whole contest."
    if key == settings.VOTER_HASH_KEY_DEMO:
        return [Error("VOTER_HASH_KEY is the demo default.", hint=hint, id="voting.E001")]
    if key_problems({"VOTER_HASH_KEY": key}, demo_values=set()):
        return [
            Error(
                f"VOTER_HASH_KEY is weak: it needs at least {SECRET_KEY_MIN_LENGTH} characters, "
                f"at least {SECRET_KEY_MIN_UNIQUE_CHARACTERS} of them different.",
                hint=hint,
                id="voting.E002",
            )
        ]
    if key == settings.SECRET_KEY:
        return [
            Error(
                "VOTER_HASH_KEY equals SECRET_KEY: rotating the secret would split every voter.",
                hint=hint,
                id="voting.E003",
            )
        ]
    return []
