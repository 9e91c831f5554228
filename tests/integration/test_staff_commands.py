"""`companion user add` and `companion export` as a shell runs them, on a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.staff_fixtures import seed

COMPANION = [sys.executable, "-m", "bot"]


def run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        COMPANION + args, input=stdin, capture_output=True, text=True, env={**os.environ, **env}, timeout=120
    )


def test_user_add_reads_the_password_from_stdin_and_export_writes_pseudonyms(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    seed(url)
    env = {"DATABASE_URL": url, "PSEUDONYM_KEY": "cli-key"}
    added = run(["user", "add", "--username", "lee", "--role", "staff"], env, "a long password\n")
    assert added.returncode == 0 and "a long password" not in added.stdout + added.stderr
    assert (
        run(["user", "add", "--username", "w", "--role", "worker"], env, "a long password\n").returncode == 2
    )
    out = tmp_path / "export.jsonl"
    exported = run(["export", "--since", "2026-11-01", "--out", str(out)], env)
    assert exported.returncode == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 2 and all(line["client"].startswith("c-") for line in lines)
    assert "Okafor" not in out.read_text()
    assert (
        run(["export", "--since", "2026-11-01"], {"DATABASE_URL": url, "PSEUDONYM_KEY": ""}).returncode == 2
    )
