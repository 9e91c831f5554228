"""A seeded SQLite database and the real gateway app on a loopback port, for the staff tests."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import uvicorn

from bot.db import make_engine, make_sessionmaker, migrate
from bot.models import CheckIn, Client, ClientValue, Escalation, Message, Worker
from bot.stack import free_port
from bot.staff.auth import add_user

PASSWORD = "correct horse battery"
START = dt.datetime(2026, 11, 2, 15, 0, tzinfo=dt.timezone.utc)
# Raw text that must never reach a staff user: a client's name, a worker's name, a phone number.
SECRET_TEXT = "Tell Ngozi Okafor I'm scared, call me at 555-123-4567, this is Dana Whitfield"


@dataclass
class Seeded:
    url: str
    ann_checkin: int  # a client of worker Ann, with an escalation
    bo_checkin: int  # a client of worker Bo
    ann_client: int


def seed(url: str) -> Seeded:
    migrate(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as s:
        ann = Worker(name="Ngozi Okafor")
        bo = Worker(name="Bo Lindqvist")
        s.add_all([ann, bo])
        s.flush()
        c1 = Client(channel="web", external_id="t1", worker_id=ann.id)
        c2 = Client(channel="telegram", external_id="t2", worker_id=bo.id)
        s.add_all([c1, c2])
        s.flush()
        k1 = CheckIn(client_id=c1.id, channel="web", started_at=START, last_message_at=START)
        k2 = CheckIn(
            client_id=c2.id,
            channel="telegram",
            started_at=START + dt.timedelta(days=8),
            last_message_at=START + dt.timedelta(days=8),
        )
        s.add_all([k1, k2])
        m1 = Message(
            client_id=c1.id,
            direction="in",
            sender="client",
            text=SECRET_TEXT,
            channel="web",
            risk_level="urgent",
            created_at=START + dt.timedelta(seconds=10),
        )
        m2 = Message(
            client_id=c1.id,
            direction="out",
            sender="companion",
            channel="web",
            text="I'm glad you told me. You can call or text 988.",
            created_at=START + dt.timedelta(seconds=11),
        )
        m3 = Message(
            client_id=c2.id,
            direction="in",
            sender="client",
            channel="telegram",
            text="Bo's client here: my name is Lupita Hernández",
            created_at=START + dt.timedelta(days=8, seconds=5),
        )
        s.add_all([m1, m2, m3])
        s.flush()
        s.add(
            Escalation(
                client_id=c1.id,
                message_id=m1.id,
                level="urgent",
                cues=["scared"],
                source="screen",
                created_at=m1.created_at,
                acknowledged_at=m1.created_at + dt.timedelta(minutes=4),
            )
        )
        s.add(ClientValue(client_id=c1.id, value="family", words="my kids"))
        ids = (k1.id, k2.id, c1.id, ann.id, bo.id)
    add_user(sessions, username="sam", password=PASSWORD, role="staff", worker_id=None)
    add_user(sessions, username="ann", password=PASSWORD, role="worker", worker_id=ids[3])
    add_user(sessions, username="bo", password=PASSWORD, role="worker", worker_id=ids[4])
    add_user(sessions, username="root", password=PASSWORD, role="admin", worker_id=None)
    engine.dispose()
    return Seeded(url=url, ann_checkin=ids[0], bo_checkin=ids[1], ann_client=ids[2])


@contextlib.contextmanager
def serve(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """`app` served by uvicorn on a free loopback port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def sign_in(http: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    token = csrf_of(http.get("/staff/login").text)
    return http.post("/staff/login", data={"username": username, "password": password, "csrf": token})
