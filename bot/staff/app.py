"""The staff pages, a Starlette app the gateway mounts at /staff.

Sessions are signed cookies (HttpOnly, SameSite=Strict, Secure over https); every POST carries
the session's CSRF token; the templates autoescape and the pages load no inline script.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import secrets
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.db import row_id
from bot.staff.auth import ROLES, Authenticator, SignedIn, UserError, add_user, list_users, remove_user
from bot.staff.charts import bar_chart
from bot.staff.queries import ESCALATION_STATUSES, LEVEL_ORDER, Filters, Review

HERE = Path(__file__).parent
COOKIE = "companion_staff"


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def create_staff_app(
    *,
    review: Review,
    auth: Authenticator,
    session_secret: str,
    secure_cookie: bool,
    sessions: sessionmaker[Session],
) -> Starlette:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape())

    def page(request: Request, name: str, status: int = 200, **context: object) -> Response:
        context.setdefault("user", None)
        html = env.get_template(name).render(
            csrf=_csrf(request), root=request.scope.get("root_path", ""), **context
        )
        return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})

    def _csrf(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = request.session["csrf"] = secrets.token_urlsafe(32)
        return token

    async def _form(request: Request) -> dict[str, str] | None:
        """The posted form, or None when its CSRF token is not this session's."""
        form = await request.form()
        sent = str(form.get("csrf", ""))
        expected = request.session.get("csrf", "")
        if not expected or not hmac.compare_digest(sent, expected):
            return None
        # A NUL is never meant in a form, and PostgreSQL text cannot hold one.
        return {key: str(value).replace("\x00", "") for key, value in form.items()}

    async def current(request: Request) -> SignedIn | None:
        user_id = request.session.get("user_id")
        if not isinstance(user_id, int):
            return None
        return await asyncio.to_thread(auth.user, user_id)

    def to(request: Request, path: str) -> Response:
        return RedirectResponse(request.scope.get("root_path", "") + path, status_code=303)

    def forbidden(request: Request, user: SignedIn | None) -> Response:
        return page(request, "error.html", status=403, user=user, message="Not yours to see.")

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return page(request, "login.html")
        form = await _form(request)
        if form is None:
            return page(request, "login.html", status=403, error="Your form expired; please try again.")
        username = form.get("username", "").strip()
        ip = request.client.host if request.client else "unknown"
        if await asyncio.to_thread(auth.throttled, username, ip):
            return page(
                request,
                "login.html",
                status=429,
                error="Too many failed sign-ins. Wait a few minutes and try again.",
            )
        user = await asyncio.to_thread(auth.sign_in, username, form.get("password", ""), ip)
        if user is None:
            return page(request, "login.html", status=401, error="Wrong username or password.")
        request.session.clear()
        request.session["user_id"] = user.id
        request.session["csrf"] = secrets.token_urlsafe(32)
        return to(request, "/users" if user.role == "admin" else "/")

    async def logout(request: Request) -> Response:
        if await _form(request) is None:
            return Response("CSRF token missing or wrong", status_code=403)
        request.session.clear()
        return to(request, "/login")

    async def conversations(request: Request) -> Response:
        user = await current(request)
        if user is None:
            return to(request, "/login")
        params = request.query_params
        escalated = {"yes": True, "no": False}.get(params.get("escalated", ""))
        filters = Filters(
            since=_date(params.get("since")),
            until=_date(params.get("until")),
            # A NUL is never a channel, and PostgreSQL text cannot hold one.
            channel=params.get("channel", "").replace("\x00", "") or None,
            escalated=escalated,
        )
        rows = await asyncio.to_thread(review.conversations, user, filters)
        channels = await asyncio.to_thread(review.channels)
        return page(
            request,
            "conversations.html",
            user=user,
            rows=rows,
            filters=filters,
            channels=channels,
            params=params,
        )

    async def transcript(request: Request) -> Response:
        user = await current(request)
        if user is None:
            return to(request, "/login")
        checkin_id = request.path_params["checkin_id"]
        if request.method == "POST":
            form = await _form(request)
            if form is None:
                return Response("CSRF token missing or wrong", status_code=403)
            tag = form.get("tag", "").strip()[:40] or None
            note = form.get("note", "").strip()[:4000] or None
            if tag or note:
                if not await asyncio.to_thread(review.add_note, user, checkin_id, tag, note):
                    return forbidden(request, user)
            return to(request, f"/conversations/{checkin_id}")
        found = await asyncio.to_thread(review.transcript, user, checkin_id)
        if found is None:
            return forbidden(request, user)
        return page(request, "transcript.html", user=user, t=found)

    async def escalations(request: Request) -> Response:
        user = await current(request)
        if user is None:
            return to(request, "/login")
        params = request.query_params
        status = params.get("status", "unresolved")
        level = params.get("level") or None
        rows = await asyncio.to_thread(review.escalations, user, status=status, level=level)
        return page(
            request,
            "escalations.html",
            user=user,
            rows=rows,
            status_filter=status,
            level=level,
            statuses=ESCALATION_STATUSES,
            levels=LEVEL_ORDER,
            message=params.get("done"),
        )

    async def resolve(request: Request) -> Response:
        user = await current(request)
        if user is None:
            return to(request, "/login")
        form = await _form(request)
        if form is None:
            return Response("CSRF token missing or wrong", status_code=403)
        escalation_id = request.path_params["escalation_id"]
        if not await asyncio.to_thread(review.resolve, user, escalation_id, form.get("note")):
            return forbidden(request, user)
        return to(request, "/escalations?done=resolved")

    async def trends(request: Request) -> Response:
        user = await current(request)
        if user is None:
            return to(request, "/login")
        data = await asyncio.to_thread(review.trends, user)
        ack = data["acknowledge_minutes"]
        charts = [
            bar_chart("Check-ins per week", data["checkins_per_week"]),
            bar_chart("Escalations by level", data["escalations_by_level"]),
            bar_chart("Values named (clients)", data["values"]),
        ]
        if ack["count"]:
            charts.insert(
                2,
                bar_chart(
                    "Minutes to acknowledge",
                    [("median", round(ack["median"], 1)), ("p90", round(ack["p90"], 1))],
                    unit=" min",
                ),
            )
        if data["mood"]:
            charts.append(bar_chart("Mood, weekly mean", data["mood"]))
        return page(request, "trends.html", user=user, charts=charts, ack=ack)

    async def users(request: Request) -> Response:
        user = await current(request)
        if user is None:
            return to(request, "/login")
        if user.role != "admin":
            return forbidden(request, user)
        message = None
        status = 200
        if request.method == "POST":
            form = await _form(request)
            if form is None:
                return Response("CSRF token missing or wrong", status_code=403)
            worker = form.get("worker_id", "").strip()
            try:
                if worker and row_id(worker) is None:
                    raise UserError("the worker id is a number, as `companion worker list` shows")
                if form.get("remove"):
                    if form["remove"] == user.username:
                        raise UserError("you cannot remove yourself")
                    await asyncio.to_thread(remove_user, sessions, form["remove"])
                    message = "User removed."
                    listed = await asyncio.to_thread(list_users, sessions)
                    return page(request, "users.html", user=user, users=listed, roles=ROLES, message=message)
                await asyncio.to_thread(
                    add_user,
                    sessions,
                    username=form.get("username", "").strip(),
                    password=form.get("password", ""),
                    role=form.get("role", ""),
                    worker_id=row_id(worker),
                )
                message = "User added."
            except UserError as exc:
                message, status = str(exc), 400
        listed = await asyncio.to_thread(list_users, sessions)
        return page(
            request, "users.html", status=status, user=user, users=listed, roles=ROLES, message=message
        )

    return Starlette(
        routes=[
            Route("/", conversations),
            Route("/login", login, methods=["GET", "POST"]),
            Route("/logout", logout, methods=["POST"]),
            Route("/conversations/{checkin_id:int}", transcript, methods=["GET", "POST"]),
            Route("/escalations", escalations),
            Route("/escalations/{escalation_id:int}/resolve", resolve, methods=["POST"]),
            Route("/trends", trends),
            Route("/users", users, methods=["GET", "POST"]),
            Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
        ],
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=session_secret,
                session_cookie=COOKIE,
                same_site="strict",
                https_only=secure_cookie,
                max_age=8 * 3600,
                path="/staff",
            )
        ],
    )
