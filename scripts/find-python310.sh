#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter, or explains how to get one and fails.
set -u
for candidate in "${PYTHON310:-}" python3.10; do
  [ -n "$candidate" ] || continue
  if path=$(command -v "$candidate" 2>/dev/null) && "$path" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    echo "$path"; exit 0
  fi
done
if command -v pyenv >/dev/null 2>&1; then
  for path in "$(pyenv root)"/versions/3.10*/bin/python3.10; do
    [ -x "$path" ] && { echo "$path"; exit 0; }
  done
fi
cat >&2 <<'MSG'
Python 3.10 was not found. Rasa 3.6 runs only on Python 3.10.
Install it (for example `pyenv install 3.10` or your system's python3.10 package),
or point PYTHON310 at an interpreter: make run PYTHON310=/path/to/python3.10
MSG
exit 1
