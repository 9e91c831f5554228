"""Staff pages against the real gateway app on loopback with a real SQLite database: roles,
anonymised transcripts, audit rows, CSRF, throttled sign-ins, the export."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.routing import Mount

from bot.anonymise import shared_anonymiser
from bot.commands.export import write
from bot.db import make_engine, make_sessionmaker
from bot.models import AlertOutbox, Client, Escalation, LoginAttempt, ReviewNote, TranscriptView
from bot.settings import Settings
from bot.staff.app import create_staff_app
from bot.staff.auth import Authenticator
from bot.staff.queries import Review
from bot.wiring import build_app
from tests.staff_fixtures import PASSWORD, SECRET_TEXT, Seeded, csrf_of, seed, serve, sign_in

RAW_PIECES = ("Ngozi", "Okafor", "555-123-4567", "Dana", "Whitfield", "Lupita", "Hernández")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    return seed(f"sqlite:///{tmp_path_factory.mktemp('staff')}/staff.db")


@pytest.fixture(scope="module")
def base_url(seeded: Seeded) -> Iterator[str]:
    settings = Settings(database_url=seeded.url, pseudonym_key="test-key", session_secret="s" * 32)
    with serve(build_app(settings)) as url:
        yield url


def client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=30)


def rows(url: str, model) -> list:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            return list(session.scalars(select(model).order_by(model.id)))
    finally:
        engine.dispose()


def test_pages_need_a_sign_in(base_url: str, seeded: Seeded) -> None:
    with client(base_url) as http:
        for path in ("/staff/", "/staff/trends", f"/staff/conversations/{seeded.ann_checkin}"):
            response = http.get(path)
            assert response.status_code == 303 and response.headers["location"].endswith("/staff/login")


def test_session_cookie_is_httponly_and_strict(base_url: str) -> None:
    with client(base_url) as http:
        response = sign_in(http, "sam")
        assert response.status_code == 303
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie


def test_staff_see_only_anonymised_text_and_each_view_is_audited(base_url: str, seeded: Seeded) -> None:
    before = len(rows(seeded.url, TranscriptView))
    with client(base_url) as http:
        sign_in(http, "sam")
        listing = http.get("/staff/").text
        page = http.get(f"/staff/conversations/{seeded.ann_checkin}")
        other = http.get(f"/staff/conversations/{seeded.bo_checkin}")
    assert page.status_code == 200 and other.status_code == 200
    for html in (listing, page.text, other.text):
        for piece in RAW_PIECES:
            assert piece not in html
    assert "[NAME]" in page.text and "[PHONE]" in page.text
    assert "urgent" in page.text and "988" in page.text  # where the screen fired, and the answer
    views = rows(seeded.url, TranscriptView)[before:]
    assert [(v.username, v.checkin_id, v.anonymised) for v in views] == [
        ("sam", seeded.ann_checkin, True),
        ("sam", seeded.bo_checkin, True),
    ]


def test_a_worker_sees_their_own_clients_only(base_url: str, seeded: Seeded) -> None:
    with client(base_url) as http:
        sign_in(http, "ann")
        listing = http.get("/staff/").text
        mine = http.get(f"/staff/conversations/{seeded.ann_checkin}")
        theirs = http.get(f"/staff/conversations/{seeded.bo_checkin}")
        trends = http.get("/staff/trends")
        note = http.post(
            f"/staff/conversations/{seeded.bo_checkin}", data={"csrf": csrf_of(mine.text), "tag": "x"}
        )
    assert f"/conversations/{seeded.ann_checkin}" in listing
    assert f"/conversations/{seeded.bo_checkin}" not in listing
    assert mine.status_code == 200 and "Ngozi Okafor" in mine.text  # their own client's words
    assert theirs.status_code == 403 and "Lupita" not in theirs.text
    assert note.status_code == 403
    assert trends.status_code == 200
    assert not [n for n in rows(seeded.url, ReviewNote) if n.checkin_id == seeded.bo_checkin]


def test_only_an_admin_manages_users(base_url: str) -> None:
    with client(base_url) as http:
        sign_in(http, "sam")
        assert http.get("/staff/users").status_code == 403
    with client(base_url) as http:
        sign_in(http, "root")
        page = http.get("/staff/users")
        assert page.status_code == 200
        added = http.post(
            "/staff/users",
            data={
                "csrf": csrf_of(page.text),
                "username": "newstaff",
                "password": "a long password",
                "role": "staff",
                "worker_id": "",
            },
        )
        assert added.status_code == 200 and "newstaff" in added.text
    with client(base_url) as http:
        assert sign_in(http, "newstaff", "a long password").status_code == 303
    with client(base_url) as http:
        sign_in(http, "root")
        token = csrf_of(http.get("/staff/users").text)
        removed = http.post("/staff/users", data={"csrf": token, "remove": "newstaff"})
        assert removed.status_code == 200 and "newstaff" not in removed.text
        assert http.post("/staff/users", data={"csrf": token, "remove": "root"}).status_code == 400
    with client(base_url) as http:
        assert sign_in(http, "newstaff", "a long password").status_code == 401


def test_a_post_without_the_csrf_token_is_refused(base_url: str, seeded: Seeded) -> None:
    with client(base_url) as http:
        sign_in(http, "sam")
        path = f"/staff/conversations/{seeded.ann_checkin}"
        refused = http.post(path, data={"tag": "no-token"})
        wrong = http.post(path, data={"tag": "wrong", "csrf": "forged"})
        good = http.post(
            path,
            data={"tag": "followed-up", "note": "Dana asked for help", "csrf": csrf_of(http.get(path).text)},
        )
        login_without = http.post("/staff/login", data={"username": "sam", "password": PASSWORD})
        page = http.get(path).text
    assert refused.status_code == 403 and wrong.status_code == 403 and login_without.status_code == 403
    assert good.status_code == 303
    tags = [n.tag for n in rows(seeded.url, ReviewNote)]
    assert "followed-up" in tags and "no-token" not in tags and "wrong" not in tags
    assert "followed-up" in page


def test_trends_are_drawn_without_script(base_url: str) -> None:
    with client(base_url) as http:
        sign_in(http, "sam")
        page = http.get("/staff/trends").text
    assert page.count("<svg") >= 4
    assert "median 4.0 min" in page and "<script" not in page


def test_failed_sign_ins_are_throttled_and_survive_a_restart(tmp_path: Path) -> None:
    seeded = seed(f"sqlite:///{tmp_path}/throttle.db")
    now = [dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)]

    def staff_app(secure: bool = False) -> Starlette:
        engine = make_engine(seeded.url)
        sessions = make_sessionmaker(engine)
        auth = Authenticator(sessions, max_failures=3, window=dt.timedelta(minutes=15), clock=lambda: now[0])
        review = Review(sessions, pseudonym_key="k", anonymise=lambda text, names: text)
        staff = create_staff_app(
            review=review, auth=auth, sessions=sessions, session_secret="x" * 32, secure_cookie=secure
        )
        return Starlette(routes=[Mount("/staff", app=staff)])

    with serve(staff_app()) as url, client(url) as http:
        assert [sign_in(http, "sam", "wrong").status_code for _ in range(3)] == [401, 401, 401]
        assert sign_in(http, "sam").status_code == 429  # even the right password waits
    with serve(staff_app()) as url, client(url) as http:  # a new process: the count is in the DB
        assert sign_in(http, "sam").status_code == 429
        now[0] += dt.timedelta(minutes=16)
        assert sign_in(http, "sam").status_code == 303
    assert rows(seeded.url, LoginAttempt) == []
    with serve(staff_app()) as url, client(url) as http:  # one address guessing many usernames
        assert {sign_in(http, f"guess{n}", "x").status_code for n in range(12)} == {401}
        assert sign_in(http, "ann").status_code == 429
    with serve(staff_app(secure=True)) as url, client(url) as http:  # PUBLIC_URL is https://
        assert "secure" in http.get("/staff/login").headers["set-cookie"].lower()


def test_export_has_pseudonyms_and_no_raw_text(seeded: Seeded) -> None:
    engine = make_engine(seeded.url)
    review = Review(make_sessionmaker(engine), pseudonym_key="k1", anonymise=shared_anonymiser().anonymise)
    try:
        out = io.StringIO()
        assert write(review.export(dt.date(2026, 11, 1)), "jsonl", out) == 2
        again = io.StringIO()
        write(review.export(dt.date(2026, 11, 1)), "jsonl", again)
        as_csv = io.StringIO()
        write(review.export(dt.date(2026, 11, 5)), "csv", as_csv)
    finally:
        engine.dispose()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert out.getvalue() == again.getvalue()
    assert all(line["client"].startswith("c-") for line in lines)
    for piece in RAW_PIECES + (SECRET_TEXT,):
        assert piece not in out.getvalue() and piece not in as_csv.getvalue()
    assert as_csv.getvalue().count("\n") == 2  # header and the one later message


def test_escalations_page_is_scoped_and_a_worker_resolves_their_own(tmp_path: Path) -> None:
    fresh = seed(f"sqlite:///{tmp_path}/escalations.db")
    engine = make_engine(fresh.url)
    with make_sessionmaker(engine).begin() as session:
        session.get_one(Client, fresh.ann_client).open_risk_level = "urgent"
        [escalation] = session.scalars(select(Escalation)).all()
        escalation_id = escalation.id
        session.add(AlertOutbox(client_id=fresh.ann_client, escalation_id=escalation_id,
                                kind="alert", payload={"level": "urgent"}))
    engine.dispose()
    settings = Settings(database_url=fresh.url, pseudonym_key="test-key", session_secret="s" * 32)
    with serve(build_app(settings)) as url:
        with client(url) as http:
            sign_in(http, "sam")
            staff_page = http.get("/staff/escalations")
        assert staff_page.status_code == 200
        assert "urgent" in staff_page.text and "scared" in staff_page.text
        assert f"/conversations/{fresh.ann_checkin}" in staff_page.text
        assert "/resolve" not in staff_page.text  # staff review, workers act
        for piece in RAW_PIECES:
            assert piece not in staff_page.text

        with client(url) as http:
            sign_in(http, "bo")
            theirs = http.get("/staff/escalations")
            refused = http.post(
                f"/staff/escalations/{escalation_id}/resolve",
                data={"csrf": csrf_of(theirs.text), "note": "not mine"},
            )
        assert "No escalations match." in theirs.text
        assert refused.status_code == 403

        with client(url) as http:
            sign_in(http, "ann")
            mine = http.get("/staff/escalations")
            assert f"/staff/escalations/{escalation_id}/resolve" in mine.text
            no_token = http.post(f"/staff/escalations/{escalation_id}/resolve", data={"note": "x"})
            assert no_token.status_code == 403
            done = http.post(
                f"/staff/escalations/{escalation_id}/resolve",
                data={"csrf": csrf_of(mine.text), "note": "Called her, she is safe with her sister"},
                follow_redirects=True,
            )
            assert "Escalation resolved." in done.text and "No escalations match." in done.text
            everything = http.get("/staff/escalations?status=any").text
            assert "resolved" in everything

    [resolved] = rows(fresh.url, Escalation)
    assert resolved.status == "resolved" and resolved.resolved_at is not None
    assert resolved.acknowledged_at is not None  # it had been acknowledged; that time is kept
    [client_row] = [c for c in rows(fresh.url, Client) if c.id == fresh.ann_client]
    assert client_row.open_risk_level == "none"
    assert all(a.closed_at is not None for a in rows(fresh.url, AlertOutbox))
    [note] = [n for n in rows(fresh.url, ReviewNote) if n.tag == "resolved"]
    assert note.checkin_id == fresh.ann_checkin and "safe with her sister" in note.note
