"""`companion worker` and `companion client` against a real SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.casework import CaseStore
from bot.db import make_engine, make_sessionmaker, migrate
from bot.pseudonym import pseudonym
from bot.store import Store


def test_add_a_worker_list_clients_by_pseudonym_and_assign_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    migrate(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PSEUDONYM_KEY", "cli-key")
    engine = make_engine(url)
    try:
        store = Store(make_sessionmaker(engine))
        client_id = store.client_for("telegram", "555123")
        assert main(["worker", "add", "--name", "Maria", "--telegram-id", "8001", "--on-call"]) == 0
        assert "Maria (on call)" in capsys.readouterr().out
        assert main(["worker", "add", "--name", "Other", "--telegram-id", "8001"]) == 1

        assert main(["client", "list"]) == 0
        listing = capsys.readouterr().out
        name = pseudonym(client_id, "cli-key")
        assert name in listing and "(on call)" in listing
        assert "555123" not in listing

        assert main(["client", "assign", name, "Maria"]) == 0
        assert main(["client", "list"]) == 0
        assert f"{name}\ttelegram\tMaria" in capsys.readouterr().out
        [client] = CaseStore(make_sessionmaker(engine)).clients()
        assert client.worker is not None and client.worker.telegram_id == 8001

        assert main(["client", "assign", "c-nosuchclnt", "Maria"]) == 1
        assert main(["client", "assign", name, "Nobody"]) == 1
    finally:
        engine.dispose()
