#!/bin/sh
# Restore a backup written by ops/backup.sh into an empty database that exists.
#
#   createdb -h host -U user kai && DATABASE_URL=postgres://user@host:5432/kai ops/restore.sh kai.dump
#
# Stops at the first error (a database that is not empty, a damaged file) and exits non-zero.
set -eu
: "${DATABASE_URL:?set DATABASE_URL to the (empty) database to restore into}"
file=${1:?usage: ops/restore.sh FILE}
exec pg_restore --no-owner --no-privileges --exit-on-error --dbname "$DATABASE_URL" "$file"
