"""The leads board: login, the board, a lead's page with its transcript, and stage changes.

    GET  /board/login                 the token form
    POST /board/login                 token → session cookie → /board
    POST /board/logout
    GET  /board                       leads as cards in one column per stage
    GET  /board/leads/{id}            the lead, its transcript and what the LLM cost, a stage selector
    POST /board/leads/{id}/stage      move it; the customer is told on their channel
    GET  /board/board.css

Pages are server-rendered HTML without scripts, and the Content-Security-Policy
forbids scripts outright: even if escaping ever failed, nothing would run.
"""

from __future__ import annotations

import functools
import re
from typing import cast
from urllib.parse import parse_qs, urlencode

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.records import STAGES
from config.moves import move_lead
from config.web.board.auth import COOKIE, BoardAuth
from config.web.board.views import STAGE_TITLES, TEMPLATES, columns, lead_view, line_views, render, spend_views
from config.wiring import Runtime

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/board", tags=["board"], include_in_schema=False)

# Lead ids are SQL INTEGER keys: PostgreSQL's is 32-bit, and anything larger never names a lead.
_LEAD_ID = re.compile(r"[0-9]{1,10}")
_MAX_LEAD_ID = 2**31 - 1
_FORM_LIMIT = 8 * 1024  # bytes: a token and a stage name, with room to spare
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",  # lead data must not linger in shared caches or the back button
}


def _page(html: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def _message(title: str, text: str, status: int) -> HTMLResponse:
    return _page(render("message.html", title=title, text=text, signed_in=False, csrf=""), status)


def _auth(request: Request) -> BoardAuth:
    return cast(BoardAuth, request.app.state.board_auth)


def _runtime(request: Request) -> Runtime | None:
    return cast("Runtime | None", getattr(request.app.state, "runtime", None))


def _to_login() -> RedirectResponse:
    return RedirectResponse("/board/login", status_code=303)


def _signed_in_runtime(request: Request) -> Runtime | Response:
    """The runtime for a signed-in request, or the response that sends the visitor elsewhere."""
    if not _auth(request).signed_in(request):
        return _to_login()
    runtime = _runtime(request)
    if runtime is None:
        return _message("Starting", "salesbot is still starting. Reload in a moment.", 503)
    return runtime


async def _form(request: Request) -> dict[str, str] | None:
    """The urlencoded form of a POST (first value per field), or None when it is not one."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _FORM_LIMIT:
            return None
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


@router.get("/board.css")
async def stylesheet() -> Response:
    headers = {"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"}
    return Response(_css(), media_type="text/css; charset=utf-8", headers=headers)


@functools.cache
def _css() -> bytes:
    return (TEMPLATES / "board.css").read_bytes()


@router.get("/login")
async def login_form(request: Request) -> Response:
    if _auth(request).signed_in(request):
        return RedirectResponse("/board", status_code=303)
    return _page(render("login.html", error=None, signed_in=False, csrf=""))


@router.post("/login")
async def login(request: Request) -> Response:
    form = await _form(request)
    auth = _auth(request)
    if form is None or not auth.token_matches(form.get("token", "")):
        client = request.client.host if request.client else "?"
        log.warning("board.login_refused", client=client)  # never log what was typed
        error = "That token is not right. Use the board token of this server (see its start-up log)."
        return _page(render("login.html", error=error, signed_in=False, csrf=""), 401)
    response = RedirectResponse("/board", status_code=303)
    response.set_cookie(
        COOKIE,
        auth.new_session(),
        max_age=auth.session_seconds,
        path="/board",
        httponly=True,
        samesite="strict",
        secure=_https(request),
    )
    return response


def _https(request: Request) -> bool:
    # Behind a TLS-terminating proxy the request itself may look like plain http.
    public_url = getattr(request.app.state.settings, "public_url", None) or ""
    return request.url.scheme == "https" or public_url.startswith("https://")


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await _form(request) or {}
    if not _auth(request).csrf_valid(request, form.get("csrf", "")):
        return _message("Not signed out", "The form expired. Reload the page and try again.", 403)
    response = _to_login()
    response.delete_cookie(COOKIE, path="/board")
    return response


@router.get("")
async def board(request: Request) -> Response:
    runtime = _signed_in_runtime(request)
    if isinstance(runtime, Response):
        return runtime
    auth = _auth(request)
    leads = await runtime.storage.list_leads()
    html = render(
        "board.html",
        columns=columns(leads, runtime.kb.catalog),
        total=len(leads),
        unsynced=await runtime.crm_outbox.unsynced(),
        signed_in=True,
        csrf=auth.csrf_token(request),
    )
    return _page(html)


def _lead_id(text: str) -> int | None:
    """A lead id from the URL: ASCII digits within the database's integer range, else None."""
    if not _LEAD_ID.fullmatch(text):
        return None
    value = int(text)
    return value if value <= _MAX_LEAD_ID else None


def _no_such_lead() -> HTMLResponse:
    return _message("No such lead", "There is no lead with this number.", 404)


@router.get("/leads/{lead_id}")
async def lead_page(request: Request, lead_id: str, moved: str = "", told: str = "", unchanged: str = "") -> Response:
    runtime = _signed_in_runtime(request)
    if isinstance(runtime, Response):
        return runtime
    auth = _auth(request)
    number = _lead_id(lead_id)
    record = await runtime.storage.get_lead(number) if number is not None else None
    if record is None:
        return _no_such_lead()
    lines = await runtime.storage.transcript(record.key)
    html = render(
        "lead.html",
        lead=lead_view(record, runtime.kb.catalog),
        lines=line_views(lines),
        spend=spend_views(await runtime.spending.spent(record.key)),
        notice=_notice(moved, told, unchanged),
        unreachable=await runtime.ledger.blocked(record.key),
        unsynced=await runtime.crm_outbox.unsynced(),  # why the bot may not write to them
        signed_in=True,
        csrf=auth.csrf_token(request),
    )
    return _page(html)


def _notice(moved: str, told: str, unchanged: str) -> str | None:
    """The line shown after a stage change; only known stage names, never arbitrary query text."""
    if moved in STAGES:
        outcome = "The customer was told." if told == "1" else "The customer could not be told right now."
        return f"Moved to {STAGE_TITLES[moved]}. {outcome}"
    if unchanged in STAGES:
        return f"Already in {STAGE_TITLES[unchanged]}; nothing changed and nobody was told."
    return None


@router.post("/leads/{lead_id}/stage")
async def change_stage(request: Request, lead_id: str) -> Response:
    auth = _auth(request)
    form = await _form(request) or {}
    if not auth.signed_in(request):
        return _to_login()
    if not auth.csrf_valid(request, form.get("csrf", "")):
        return _message("Not moved", "The form expired. Go back, reload the page and try again.", 403)
    stage = form.get("stage", "")
    if stage not in STAGES:
        return _message("Not moved", f"Unknown stage. Choose one of: {', '.join(STAGES)}.", 400)
    runtime = _runtime(request)
    if runtime is None:
        return _message("Starting", "salesbot is still starting. Try again in a moment.", 503)
    number = _lead_id(lead_id)
    before = await runtime.storage.get_lead(number) if number is not None else None
    if number is None or before is None:
        return _no_such_lead()
    if before.stage == stage:  # re-submitting the same stage tells nobody anything
        query = urlencode({"unchanged": stage})
    else:
        told = await move_lead(runtime, number, stage)
        query = urlencode({"moved": stage, "told": "1" if told else "0"})
    return RedirectResponse(f"/board/leads/{number}?{query}", status_code=303)

