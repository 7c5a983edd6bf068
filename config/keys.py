"""What production asks of its keys, checked once when the settings load (ARENA_ENV=production).

A key is strong by Django's own rule (its deploy check security.W009): at least
SECRET_KEY_MIN_LENGTH characters, at least SECRET_KEY_MIN_UNIQUE_CHARACTERS different ones, not
one Django generated for development; and it is none of the demo's or .env.example's stand-ins.
Each key is its own: a key shared with another means that whoever learns one holds both, and
that rotating SECRET_KEY would change the voter pseudonyms too. Messages name the key and what
is wrong with it, never its value.

A refusal is written to standard error before it is raised: the traceback that follows puts an
exception's message at its bottom, under the lines of every module that was loading, where an
operator reading the first screen of a failed start does not look.
"""
import sys

from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

# .env.example's stand-ins, in case one is copied into production unchanged.
PLACEHOLDER_MARKS = ("change-me", "changeme")
HOW_TO_MAKE_ONE = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


def key_problems(keys: dict[str, str], *, demo_values: set[str]) -> list[str]:
    """Return one line per problem of the named keys (empty when every key is fit for production)."""
    problems = []
    for name, value in keys.items():
        if value in demo_values or any(mark in value.lower() for mark in PLACEHOLDER_MARKS):
            problems.append(f"{name} is the demo's or .env.example's stand-in.")
        elif value.startswith(SECRET_KEY_INSECURE_PREFIX):
            problems.append(f"{name} is a key Django made for development "
                            f"(it starts with {SECRET_KEY_INSECURE_PREFIX}).")
        elif len(value) < SECRET_KEY_MIN_LENGTH or len(set(value)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
            problems.append(
                f"{name} is weak: it needs at least {SECRET_KEY_MIN_LENGTH} characters, at least "
                f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} of them different (it has {len(value)}, "
                f"{len(set(value))} different)."
            )
    names = list(keys)
    for i, name in enumerate(names):
        for other in names[i + 1:]:
            if keys[name] and keys[name] == keys[other]:
                problems.append(f"{other} is the same as {name}: each key must be its own.")
    return problems


def keys_refusal(problems: list[str]) -> str:
    """The message production starts with instead of a site."""
    lines = "\n".join(f"  - {problem}" for problem in problems)
    return (f"ARENA_ENV=production refuses weak or shared keys:\n{lines}\n"
            f"Make each one with: {HOW_TO_MAKE_ONE}")


def refuse(message: str) -> None:
    """Stop the settings from loading with `message`, said first on standard error."""
    sys.stderr.write(f"\n{message}\n\n")
    sys.stderr.flush()
    raise ImproperlyConfigured(message)
