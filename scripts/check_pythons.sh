#!/usr/bin/env bash
# The pins install on every Python the README promises (3.11 from 3.11.2, as
# Debian 12 ships it, to 3.13): constraints.txt is resolved with each
# interpreter found here (a real resolution, so that environment markers are
# read for that Python: pip's --python-version does not evaluate them), and
# the oldest and the newest install the course and pass `make test-quick`.
#
# Usage: [QUICK=both|oldest|newest|none] bash scripts/check_pythons.sh [PYTHON ...]
# Without arguments: /usr/bin/python3 and pyenv's 3.11, 3.12 and 3.13.
# QUICK says on which of them `make test-quick` runs (default: both).
set -euo pipefail
cd "$(dirname "$0")/.."

pythons=("$@")
if [ "${#pythons[@]}" -eq 0 ]; then
  for candidate in /usr/bin/python3 "${HOME:-/root}"/.pyenv/versions/3.1[123].*/bin/python3; do
    [ -x "$candidate" ] && pythons+=("$candidate")
  done
fi
if [ "${#pythons[@]}" -eq 0 ]; then
  echo "check_pythons: no Python found to check" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
oldest=""
oldest_version=""
newest=""
newest_version=""
for python in "${pythons[@]}"; do
  version="$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
  venv="$work/venv-$version"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null
  if ! "$venv/bin/python" -m pip install --dry-run --quiet -c constraints.txt \
      -e ".[test]" >"$work/pip-$version.log" 2>&1; then
    grep -v '^WARNING: Location' "$work/pip-$version.log" | tail -n 40
    echo "check_pythons: the pins do not install on Python $version ($python)" >&2
    exit 1
  fi
  echo "check_pythons: the pins resolve on Python $version ($python)"
  if [ -z "$oldest" ] || [ "$(printf '%s\n%s\n' "$version" "$oldest_version" \
      | sort -V | head -n 1)" = "$version" ]; then
    oldest="$python"
    oldest_version="$version"
  fi
  if [ -z "$newest" ] || [ "$(printf '%s\n%s\n' "$version" "$newest_version" \
      | sort -V | tail -n 1)" = "$version" ]; then
    newest="$python"
    newest_version="$version"
  fi
done

case "${QUICK:-both}" in
  both) quick=("$oldest" "$newest") ;;
  oldest) quick=("$oldest") ;;
  newest) quick=("$newest") ;;
  none) quick=() ;;
  *) echo "check_pythons: QUICK is both, oldest, newest or none" >&2; exit 2 ;;
esac
[ "$oldest" = "$newest" ] && [ "${#quick[@]}" -gt 1 ] && quick=("$oldest")
for python in "${quick[@]}"; do
  version="$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
  echo "check_pythons: installing and running make test-quick on Python $version"
  make test-quick PYTHON="$python" VENV="$work/venv-test-$version"
done
