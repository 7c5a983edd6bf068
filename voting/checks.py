"""System checks of voting's settings, run by `manage.py check --deploy` before production."""
from django.conf import settings
from django.core.checks import Error, Tags, register

MIN_KEY_CHARS = 32


@register(Tags.security, deploy=True)
def voter_hash_key_check(app_configs, **kwargs) -> list[Error]:
    """Refuse a voter-pseudonym key that is the demo default, short, or shared with SECRET_KEY."""
    key = settings.VOTER_HASH_KEY
    hint = "Set VOTER_HASH_KEY to a long random string and keep it for the whole contest."
    if key == settings.VOTER_HASH_KEY_DEMO:
        return [Error("VOTER_HASH_KEY is the demo default.", hint=hint, id="voting.E001")]
    if len(key) < MIN_KEY_CHARS:
        return [Error(f"VOTER_HASH_KEY is shorter than {MIN_KEY_CHARS} characters.", hint=hint, id="voting.E002")]
    if key == settings.SECRET_KEY:
        return [
            Error(
                "VOTER_HASH_KEY equals SECRET_KEY: rotating the secret would split every voter.",
                hint=hint,
                id="voting.E003",
            )
        ]
    return []
