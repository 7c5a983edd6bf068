"""Voter pseudonyms: keyed on their own setting, so they survive a SECRET_KEY rotation."""
from voting.checks import voter_hash_key_check
from voting.pseudonyms import voter_hash

LONG_KEY = "pseudonym-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG"
STRONG_SECRET = "secret-key-9876543210-zyxwvutsrqponmlkjihgfedcba-GFEDCBA"


def test_pseudonym_survives_a_secret_key_rotation(settings):
    settings.VOTER_HASH_KEY = LONG_KEY
    settings.SECRET_KEY = "old-secret"
    before = voter_hash("session-1")
    settings.SECRET_KEY = "new-secret"
    assert voter_hash("session-1") == before
    assert voter_hash("session-2") != before
    assert "session-1" not in before


def test_pseudonym_changes_with_its_own_key(settings):
    settings.VOTER_HASH_KEY = LONG_KEY
    before = voter_hash("session-1")
    settings.VOTER_HASH_KEY = "j" * 48
    assert voter_hash("session-1") != before


def check_ids(settings, key):
    settings.VOTER_HASH_KEY = key
    return [error.id for error in voter_hash_key_check(None)]


def test_deploy_check_refuses_demo_short_or_shared_keys(settings):
    settings.SECRET_KEY = STRONG_SECRET
    assert check_ids(settings, settings.VOTER_HASH_KEY_DEMO) == ["voting.E001"]
    assert check_ids(settings, "short") == ["voting.E002"]
    # Long but one letter repeated: weak by production's own rule at start.
    assert check_ids(settings, "k" * 60) == ["voting.E002"]
    assert check_ids(settings, STRONG_SECRET) == ["voting.E003"]
    assert check_ids(settings, LONG_KEY) == []
