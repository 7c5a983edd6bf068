#!/bin/sh
# Back up the site's PostgreSQL database into one file (pg_dump's custom format).
#
#   DATABASE_URL=postgres://user@host:5432/kai ops/backup.sh kai-2026-12-03.dump
#
# Secrets stay out of the file: the rows of the sessions table (a session key signs a citizen
# in) and of django-otp's devices (the organizers' and experts' second-factor secrets) are not
# dumped, only the tables' definitions. After a restore, citizens start new sessions and
# organizers and experts enrol their authenticator again (docs/operations.md).
set -eu
: "${DATABASE_URL:?set DATABASE_URL to the site's database (postgres://...)}"
out=${1:?usage: ops/backup.sh FILE}
exec pg_dump --format=custom --no-owner --no-privileges \
    --exclude-table-data=django_session \
    --exclude-table-data='otp_*' \
    --file "$out" "$DATABASE_URL"
