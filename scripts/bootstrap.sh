#!/usr/bin/env bash
# Creates .venv/ with a Python >= 3.12 and installs the project into it.
# Idempotent and quick when nothing changed: reinstalls only when pyproject.toml changes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"

is_ok() {  # is $1 a runnable Python >= 3.12?
  [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1
}

find_python() {
  local c
  for c in "${INNOVATION_SIM_PYTHON:-}" python3.12 python3.13 python3 python; do
    if is_ok "$c"; then command -v "$c" 2>/dev/null || echo "$c"; return 0; fi
  done
  # pyenv-managed interpreters are not on PATH unless selected: look in pyenv's root.
  local roots=()
  command -v pyenv >/dev/null 2>&1 && roots+=("$(pyenv root)")
  roots+=("${PYENV_ROOT:-$HOME/.pyenv}")
  for r in "${roots[@]}"; do
    for c in $(ls -d "$r"/versions/3.* 2>/dev/null | sort -V); do  # oldest supported first: 3.12 is what the stack targets
      if is_ok "$c/bin/python"; then echo "$c/bin/python"; return 0; fi
    done
  done
  for c in /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
    if is_ok "$c"; then echo "$c"; return 0; fi
  done
  return 1
}

if ! is_ok "$venv/bin/python"; then
  py="$(find_python)" || {
    echo "innovation-sim needs Python 3.12 or newer and none was found (tried python3.13, python3.12, python3, pyenv versions)." >&2
    echo "Install one (e.g. 'pyenv install 3.12') or set INNOVATION_SIM_PYTHON=/path/to/python3.12." >&2
    exit 1
  }
  echo "Creating .venv with $py ($("$py" --version 2>&1))" >&2
  rm -rf "$venv"
  "$py" -m venv "$venv"
fi

stamp="$venv/.installed-$(cat "$root/pyproject.toml" | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "Installing innovation-sim and its dependencies into .venv (first time takes a minute or two)..." >&2
  log="$venv/install.log"
  if ! { "$venv/bin/python" -m pip install --upgrade pip && "$venv/bin/python" -m pip install -e "$root[app,sweep,ema,dev]"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "Installation failed; the full log is in $log" >&2
    exit 1
  fi
  rm -f "$venv"/.installed-*
  touch "$stamp"
fi
