"""Whatever a client sends, `salesbot serve`'s application answers 2xx-4xx, never 500, and logs no traceback.

Property-based (hypothesis) over every route: arbitrary methods, path parameters, query
strings, headers, cookies and bodies, signed in or not; and over the web chat's socket:
arbitrary query parameters and frames. The whole app runs in-process on the embedded
defaults (the HTTP parser's own limits are tested against the real server in
test_serve_hostile.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import structlog
import structlog.testing
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from starlette.websockets import WebSocketDisconnect

from config.settings import DEMO_KB
from config.web.app import create_app
from tests.conftest import embedded_settings

TOKEN = "any-input-board-token-0123456789"
ROUTES = (
    "/", "/healthz", "/readyz", "/metrics", "/docs", "/openapi.json", "/board", "/board/login",
    "/board/logout", "/board/leads/{}", "/board/leads/{}/stage", "/board/board.css",
    "/webchat/widget.js", "/webchat/demo", "/webchat/ws", "/{}",
)
ASCII = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
ANY_TEXT = st.text(max_size=40)
IDS = st.one_of(
    ANY_TEXT,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["²", "١٢", "9223372036854775808", "2147483648", "1e3", "0x10", " 1", "+1", "1_0"]),
)
QUERY = st.dictionaries(st.sampled_from(["visitor", "last_seq", "moved", "told", "unchanged", "x"]), ANY_TEXT)
HEADERS = st.dictionaries(
    st.sampled_from(["content-type", "origin", "accept", "x-forwarded-for", "content-length"]), ASCII, max_size=3
)
FRAMES = st.one_of(
    ANY_TEXT,
    st.binary(max_size=40),
    st.fixed_dictionaries(
        {"type": st.one_of(st.sampled_from(["message", "ping"]), ANY_TEXT)},
        optional={"id": st.one_of(ANY_TEXT, st.integers()), "text": st.one_of(ANY_TEXT, st.integers(), st.none())},
    ).map(json.dumps),
)


class Collect(logging.Handler):
    """Every record any logger emits during the test."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def client(demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    import shutil

    data_dir = tmp_path_factory.mktemp("any-input") / "data"
    shutil.copytree(demo_data_dir, data_dir)
    app = create_app(embedded_settings(data_dir, kb_dir=DEMO_KB, board_token=SecretStr(TOKEN)))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def logs() -> Iterator[Collect]:
    """Records of the standard library's loggers and structlog's events; none may be an error."""
    handler = Collect()
    logging.getLogger().addHandler(handler)
    with structlog.testing.capture_logs() as events:
        yield handler
    logging.getLogger().removeHandler(handler)
    tracebacks = [r.getMessage() for r in handler.records if r.exc_info or r.levelno >= logging.ERROR]
    tracebacks += [str(e) for e in events if e.get("exc_info") or e.get("log_level") in ("error", "critical")]
    assert not tracebacks


def sign_in(client: TestClient, yes: bool) -> None:
    client.cookies.clear()
    if yes:
        client.post("/board/login", data={"token": TOKEN})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    route=st.sampled_from(ROUTES),
    ident=IDS,
    method=st.sampled_from(["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS"]),
    query=QUERY,
    headers=HEADERS,
    body=st.one_of(st.binary(max_size=200), QUERY.map(lambda q: "&".join(f"{k}={quote(v)}" for k, v in q.items()))),
    login=st.booleans(),
)
def test_no_http_input_gets_a_500(
    client: TestClient, logs: Collect, route: str, ident: str, method: str, query: dict[str, str],
    headers: dict[str, str], body: Any, login: bool,
) -> None:
    sign_in(client, login)
    path = route.format(quote(ident, safe=""))
    response = client.request(method, path, params=query, headers=headers, content=body)
    assert response.status_code < 500, (method, path, query, response.status_code)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=QUERY, frames=st.lists(FRAMES, max_size=3), origin=st.sampled_from(["http://testserver", "", "null"]))
def test_no_websocket_input_gets_a_server_error(
    client: TestClient, logs: Collect, query: dict[str, str], frames: list[Any], origin: str
) -> None:
    path = "/webchat/ws?" + "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in query.items())
    try:
        with client.websocket_connect(path, headers={"origin": origin}) as ws:
            for frame in frames:
                if isinstance(frame, bytes):
                    ws.send_bytes(frame)
                else:
                    ws.send_text(frame)
            ws.close()
    except WebSocketDisconnect as closed:
        assert closed.code != 1011, (query, frames)  # 1011 is the server failing
