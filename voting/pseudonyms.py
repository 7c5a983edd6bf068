"""The voter's pseudonym: what a vote, the dataset and the anomaly screen know a voter by."""
import hashlib
import hmac

from django.conf import settings


def voter_hash(session_key: str) -> str:
    """Return a keyed hash of a session: stable per voter, useless to anyone else.

    Keyed on VOTER_HASH_KEY, not SECRET_KEY, so that rotating the secret keeps every voter's
    pseudonym (the anomaly test follows voters across time).
    """
    key = settings.VOTER_HASH_KEY.encode()
    return hmac.new(key, f"voter:{session_key}".encode(), hashlib.sha256).hexdigest()[:32]
