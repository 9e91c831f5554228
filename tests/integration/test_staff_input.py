"""Whatever is posted to the staff pages (odd text, huge fields, wrong types, missing fields,
forged ids) gets a page or a clear refusal, never a server error, and changes nothing it may not."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.models import ReviewNote
from bot.settings import Settings
from bot.wiring import build_app
from tests.integration.test_staff import rows
from tests.services import open_postgres
from tests.staff_fixtures import Seeded, csrf_of, seed

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.integration

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
ODD = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", " ", "\x00", "\ud800", "🙂" * 500, "a" * 20_000, "<script>x</script>",
                     "'; DROP TABLE users; --", "-1", "99999999999999999999", "NaN", "admin"]),
)
FIELDS = st.dictionaries(
    st.sampled_from(["username", "password", "role", "worker_id", "remove", "tag", "note",
                     "csrf", "x"]),
    ODD,
    max_size=6,
)
ALLOWED = {200, 303, 400, 401, 403, 404, 405, 413, 429}
FORM = {"content-type": "application/x-www-form-urlencoded"}


def form(fields: dict[str, str]) -> bytes:
    """Fields as a browser would post them, lone surrogates becoming invalid UTF-8 bytes."""
    return urlencode(
        {k: v.encode("utf-8", "surrogatepass") for k, v in fields.items()}
    ).encode()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """The staff fixtures' data, on SQLite and on a PostgreSQL database of its own (which, unlike
    SQLite, refuses a NUL in text)."""
    if request.param == "sqlite":
        yield seed(f"sqlite:///{tmp_path_factory.mktemp('staff-input')}/staff.db")
        return
    database = open_postgres()
    try:
        yield seed(database.url)
    finally:
        database.drop()


@pytest.fixture(scope="module")
def app(seeded: Seeded):  # type: ignore[no-untyped-def]
    built = build_app(Settings(
        database_url=seeded.url, pseudonym_key="k", session_secret="s" * 32, login_max_failures=10_000
    ))
    # Started and stopped once, so its database connections are closed before the database goes.
    with TestClient(built):
        yield built


def signed_in(app, username: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    http = TestClient(app, base_url="http://testserver")
    token = csrf_of(http.get("/staff/login").text)
    http.post("/staff/login", data={"username": username, "password": "correct horse battery",
                                    "csrf": token})
    return http, csrf_of(http.get("/staff/").text)


@FUZZ
@given(fields=FIELDS, with_token=st.booleans())
def test_sign_in_form(app, fields: dict[str, str], with_token: bool) -> None:  # type: ignore[no-untyped-def]
    http = TestClient(app)
    if with_token:
        fields = {**fields, "csrf": csrf_of(http.get("/staff/login").text)}
    answer = http.post("/staff/login", content=form(fields), headers=FORM)
    assert answer.status_code in ALLOWED
    assert answer.status_code != 303 or fields.get("password") == "correct horse battery"


@pytest.fixture(scope="module")
def as_bo(app) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    return signed_in(app, "bo")


@pytest.fixture(scope="module")
def as_sam(app) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    return signed_in(app, "sam")


@FUZZ
@given(fields=FIELDS, path=st.sampled_from(
    ["/staff/users", "/staff/conversations/{mine}", "/staff/conversations/{theirs}",
     "/staff/conversations/999999999", "/staff/escalations/1/resolve",
     "/staff/escalations/999999999/resolve"]))
def test_forms_of_a_signed_in_worker(
    as_bo: tuple[TestClient, str], seeded: Seeded, fields: dict[str, str], path: str
) -> None:
    http, token = as_bo
    url = path.format(mine=seeded.bo_checkin, theirs=seeded.ann_checkin)
    fields = {"csrf": token, **{k: v for k, v in fields.items() if k != "csrf"}}
    answer = http.post(url, content=form(fields), headers=FORM)
    assert answer.status_code in ALLOWED
    # Bo is a worker: never a user made, never a note on Ann's client's conversation.
    assert not [n for n in rows(seeded.url, ReviewNote) if n.checkin_id == seeded.ann_checkin]


@FUZZ
@given(query=st.dictionaries(st.sampled_from(["since", "until", "channel", "escalated",
                                               "status", "level", "done"]),
                             ODD.map(lambda value: value[:200]), max_size=5))
def test_filters_in_the_address(as_sam: tuple[TestClient, str], query: dict[str, str]) -> None:
    http, _ = as_sam
    for path in ("/staff/", "/staff/escalations", "/staff/trends"):
        answer = http.get(path + "?" + form(query).decode())
        assert answer.status_code == 200


def test_an_admin_gets_a_clear_error_for_a_bad_new_user(app) -> None:  # type: ignore[no-untyped-def]
    http, token = signed_in(app, "root")
    for fields in (
        {"username": "", "password": "long enough password", "role": "staff"},
        {"username": "x" * 500, "password": "long enough password", "role": "staff"},
        {"username": "new", "password": "long enough password", "role": "wizard"},
        {"username": "new", "password": "long enough password", "role": "worker",
         "worker_id": "99999999999999999999"},
        {"username": "new\x01", "password": "\ud800 long enough", "role": "staff"},
        {"username": "new", "password": "long enough password", "role": "worker",
         "worker_id": "²"},
    ):
        answer = http.post("/staff/users", content=form({"csrf": token, **fields}), headers=FORM)
        assert answer.status_code == 400, fields


