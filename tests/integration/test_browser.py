"""End to end in headless Chromium: the real `salesbot serve`, its web chat demo page and the board.

One server process for the module (start-up embeds the demo knowledge base),
one browser, a fresh browser context per customer. Screenshots go to
artifacts/screenshots/ (git-ignored; CI keeps them as artifacts).

Skipped only when /usr/bin/chromium is missing and CI is unset; under CI a
missing browser fails (tests/services.sh installs it).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import stat
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
from structlog.testing import capture_logs
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from config.settings import DEMO_KB, Settings
from knowledge_base.catalog import CsvCatalog

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TOKEN = "board-" + secrets.token_urlsafe(18)
REPLY_MS = 60_000  # a bound, not a speed check: e5 on OpenMP slows 3-20x when both cores are busy
SHADOW = "salesbot-chat"

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="Chromium is not installed at /usr/bin/chromium"
)


def browser_test(test: Any) -> Any:
    """Marks of a test that drives the real server (and usually the browser): one loop for the module."""
    for mark in (pytest.mark.browser, needs_chromium, pytest.mark.asyncio(loop_scope="module")):
        test = mark(test)
    return test


@dataclass(frozen=True)
class Server:
    url: str
    log: Path

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/webchat/ws"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _salesbot() -> str:
    beside = Path(sys.executable).with_name("salesbot")
    return str(beside if beside.exists() else ROOT / ".venv" / "bin" / "salesbot")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`salesbot serve` in a subprocess on a free port, on the embedded defaults and the demo KB."""
    yield from _serve(tmp_path_factory, {})


@pytest.fixture(scope="module")
def streaming_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The same, with a responder that streams (tests/integration/streaming_responder.py)."""
    responder = "tests.integration.streaming_responder:word_by_word"
    yield from _serve(tmp_path_factory, {"SALESBOT_RESPONDER": responder, "PYTHONPATH": str(ROOT)})


def _serve(tmp_path_factory: pytest.TempPathFactory, extra_env: dict[str, str]) -> Iterator[Server]:
    if not CHROMIUM.exists():
        pytest.fail("CI is set but /usr/bin/chromium is missing (tests/services.sh installs it)")
    tmp = tmp_path_factory.mktemp("serve")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    services = {"REDIS_URL", "DATABASE_URL", "WEAVIATE_URL", "QDRANT_URL", "ANTHROPIC_API_KEY"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESBOT_") and k not in services}
    env |= {"SALESBOT_BOARD_TOKEN": TOKEN, "SALESBOT_WEBCHAT__ALLOWED_ORIGINS": json.dumps([url])} | extra_env
    log = tmp / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [_salesbot(), "--data-dir", str(tmp / "data"), "serve", "--port", str(port)],
            cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        _wait_ready(url, process, log)
        yield Server(url, log)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert TOKEN not in log.read_text(errors="replace"), "the board token leaked into the server log"


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"salesbot serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"salesbot serve not ready after {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def customer(browser: Browser, server: Server) -> AsyncIterator[Page]:
    """A new visitor on the demo host page, chat open and connected."""
    context = await browser.new_context(viewport={"width": 1280, "height": 760})
    page = await open_chat(context, server)
    yield page
    await context.close()


async def open_chat(context: BrowserContext, server: Server) -> Page:
    # Bounds, not speed checks: under load one reply can take a while (see REPLY_MS).
    context.set_default_timeout(REPLY_MS)
    page = await context.new_page()
    await page.goto(f"{server.url}/webchat/demo")
    await page.locator(f"{SHADOW} .launcher").click()
    await page.wait_for_function("() => window.salesbotChat && window.salesbotChat.element.ready")
    return page


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def staff(browser: Browser, server: Server) -> AsyncIterator[Page]:
    """A sales rep signed in to the board through its login form."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(REPLY_MS)
    page = await context.new_page()
    await page.goto(f"{server.url}/board")
    assert page.url.endswith("/board/login"), "an anonymous visit must land on the login page"
    await page.get_by_label("Board token").fill(TOKEN)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Leads", exact=True)).to_be_visible()
    yield page
    await context.close()


# -- the customer's side ------------------------------------------------------------------------


async def say(page: Page, text: str) -> None:
    """Type a message into the widget like a person and press Enter."""
    await page.locator(f"{SHADOW} textarea").fill(text)
    await page.locator(f"{SHADOW} textarea").press("Enter")


async def stored(page: Page) -> list[tuple[int, str, str]]:
    """(seq, direction, text) of every stored line on screen, in screen order."""
    rows: list[list[Any]] = await page.evaluate(
        """() => Array.from(window.salesbotChat.element.shadowRoot.querySelectorAll("li.msg[data-seq]"),
             li => [Number(li.dataset.seq), li.dataset.direction, li.querySelector("span.text").textContent])"""
    )
    return [(int(seq), direction, text) for seq, direction, text in rows]


def bot_line(page: Page, text: str | re.Pattern[str]) -> Any:
    return page.locator(f"{SHADOW} li.msg[data-seq][data-direction='out'] span.text").filter(has_text=text)


async def settled(page: Page) -> list[tuple[int, str, str]]:
    """The lines once nothing is pending and no new line arrived for a moment."""
    await page.wait_for_function(
        "() => !window.salesbotChat.element.shadowRoot.querySelector('li.msg[data-state]')", timeout=REPLY_MS
    )
    previous: list[tuple[int, str, str]] = []
    for _ in range(40):
        current = await stored(page)
        if current and current == previous:
            return current
        previous = current
        await page.wait_for_timeout(300)
    return previous


async def server_transcript(server: Server, visitor: str) -> list[tuple[int, str, str]]:
    """What the server replays to a socket of `visitor` that has seen nothing."""
    lines = []
    async with connect(f"{server.ws_url}?visitor={visitor}&last_seq=0", origin=server.url) as ws:  # type: ignore[arg-type]
        while (frame := json.loads(await ws.recv()))["type"] != "ready":
            if frame["type"] == "message":
                lines.append((frame["seq"], frame["direction"], frame["text"]))
    return lines


def assert_each_seq_once_and_none_missing(lines: list[tuple[int, str, str]]) -> None:
    seqs = [seq for seq, _, _ in lines]
    assert len(seqs) == len(set(seqs)), f"a message is shown twice: {seqs}"
    assert seqs == list(range(1, len(seqs) + 1)), f"messages missing or out of order: {seqs}"


async def shoot(page: Page, name: str, scheme: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    await page.wait_for_timeout(150)  # let the theme's transitions settle
    await page.screenshot(path=str(SHOTS / f"{name}-{scheme}.png"), full_page=True)


async def open_lead(staff: Page, server: Server, email: str) -> None:
    await staff.goto(f"{server.url}/board")
    card = staff.locator("article.card", has_text=email)
    await expect(card).to_have_count(1)
    await card.get_by_role("link").first.click()
    await expect(staff.get_by_role("heading", name=re.compile("^Transcript"))).to_be_visible()


# -- the tests ----------------------------------------------------------------------------------


@browser_test
async def test_exact_quote_in_the_widget_then_the_lead_on_the_board_and_its_stage_change_in_the_chat(
    customer: Page, staff: Page, server: Server
) -> None:
    catalog = CsvCatalog.load(DEMO_KB)
    quote = catalog.quote("NW-P6060", 25)
    assert quote.discount is not None, "the question is meant to earn a volume discount"
    total = catalog.format_money(quote.total, quote.currency, "en")

    await say(customer, f"How much are 25 {quote.product.name}?")
    await expect(bot_line(customer, total)).to_have_count(1, timeout=REPLY_MS)
    email = f"jane.{secrets.token_hex(3)}@example.com"
    await say(
        customer,
        "I'm Jane Doe, office manager at Acme Logistics, and I make the decision. Our budget is 3000 EUR "
        f"and we need them within 2 weeks. My email is {email}",
    )
    await settled(customer)

    card = staff.locator("section[data-stage='new'] article.card", has_text=email)
    for _ in range(REPLY_MS // 1000):  # the board is a page: staff reload it
        await staff.goto(f"{server.url}/board")
        if await card.count():
            break
        print("BOARD-RELOAD")
        await staff.wait_for_timeout(1000)
    await expect(card).to_have_count(1)
    await expect(card).to_contain_text("Jane Doe")
    await expect(card).to_contain_text("Acme Logistics")
    await expect(card).to_contain_text(f"{quote.product.name} {quote.product.sku} × 25")
    await expect(card).to_have_class(re.compile(r"\bhot\b"))  # highlighted
    await expect(card.locator(".score")).to_contain_text(re.compile(r"hot\s*score \d+"))
    await expect(card.locator(".why li").first).to_be_visible()

    await open_lead(staff, server, email)
    await expect(staff.locator("li.line.in .text").filter(has_text="How much are 25")).to_have_count(1)
    await expect(staff.locator("li.line.out .text").filter(has_text=total)).to_have_count(1)
    shown = await staff.locator("li.line").evaluate_all("lines => lines.map(l => Number(l.dataset.seq))")
    assert shown == sorted(shown) and len(shown) >= 4, shown

    await staff.get_by_label("Stage").select_option("proposal")
    await staff.get_by_role("button", name="Move").click()
    await expect(staff.get_by_role("status")).to_have_text("Moved to Proposal. The customer was told.")
    await expect(bot_line(customer, "Your request has moved to: proposal")).to_have_count(1, timeout=REPLY_MS)
    await staff.set_viewport_size({"width": 1400, "height": 800})
    await shoot(staff, "lead", "light")
    await shoot(staff, "lead", "dark")
    await staff.emulate_media(color_scheme="light")
    await staff.get_by_role("button", name="Move").click()  # the same stage again: nobody is told twice
    await expect(staff.get_by_role("status")).to_contain_text("Already in Proposal")
    await staff.goto(f"{server.url}/board")
    await expect(staff.locator("section[data-stage='proposal'] article.card", has_text=email)).to_have_count(1)
    await expect(bot_line(customer, "Your request has moved to")).to_have_count(1)

    assert_each_seq_once_and_none_missing(await settled(customer))
    await shoot(customer, "widget", "light")
    await shoot(customer, "widget", "dark")


@browser_test
async def test_dropped_socket_loses_and_repeats_nothing_and_a_reload_restores_the_conversation(
    customer: Page, server: Server
) -> None:
    catalog = CsvCatalog.load(DEMO_KB)
    one = catalog.format_money(catalog.quote("NW-DL15", 1).total, "EUR", "en")
    thirty = catalog.format_money(catalog.quote("NW-DL15", 30).total, "EUR", "en")
    await say(customer, "Hello! Do you sell downlights?")
    before = await settled(customer)

    # Mid-conversation: a message goes out, and the network drops before its answer can arrive.
    await say(customer, "How much is one Downlight Round 15?")
    # The widget learns it from the browser's offline event; a close handshake could not complete.
    await customer.context.set_offline(True)
    await customer.wait_for_function("() => !window.salesbotChat.element.ready", timeout=5000)
    await expect(customer.locator(f"{SHADOW} p.status")).to_contain_text("offline")
    await say(customer, "How much are 30 Downlight Round 15?")
    await expect(customer.locator(f"{SHADOW} li.msg[data-state]").last).to_have_text(re.compile("How much are 30"))
    await customer.wait_for_timeout(1500)  # reconnect attempts fail while offline
    assert await customer.evaluate("() => window.salesbotChat.element.ready") is False
    await customer.context.set_offline(False)

    # The quote for 30 names the unit price too, so "one" is the €34.00 line without the total for 30.
    await expect(bot_line(customer, one).filter(has_not_text=thirty)).to_have_count(1, timeout=REPLY_MS)
    await expect(bot_line(customer, thirty)).to_have_count(1, timeout=REPLY_MS)
    after = await settled(customer)
    assert_each_seq_once_and_none_missing(after)
    assert after[: len(before)] == before
    customer_texts = [text for _, direction, text in after if direction == "in"]
    assert customer_texts.count("How much is one Downlight Round 15?") == 1
    assert customer_texts.count("How much are 30 Downlight Round 15?") == 1
    visitor = await customer.evaluate("() => window.salesbotChat.element.visitor")
    assert after == await server_transcript(server, visitor)

    await customer.reload()
    await customer.wait_for_function("() => window.salesbotChat && window.salesbotChat.element.ready")
    assert await customer.evaluate("() => window.salesbotChat.element.visitor") == visitor
    assert await settled(customer) == after
    # A new tab has no session cache: everything comes back from the server by the kept visitor id.
    tab = await customer.context.new_page()
    await tab.goto(f"{server.url}/webchat/demo")
    await tab.wait_for_function("() => window.salesbotChat && window.salesbotChat.element.ready")
    assert await tab.evaluate("() => window.salesbotChat.element.visitor") == visitor
    assert await settled(tab) == after


@browser_test
async def test_markup_in_a_message_is_shown_as_text_in_the_widget_and_on_the_board(
    customer: Page, staff: Page, server: Server
) -> None:
    script = "<script>window.__pwned=1</script>"
    image = '<img src=x onerror="window.__pwned=2">'
    email = f"markup.{secrets.token_hex(3)}@example.com"
    await say(customer, script)
    await say(customer, image)
    await say(customer, f"my email is {email}")
    await settled(customer)

    mine = customer.locator(f"{SHADOW} li.msg[data-seq][data-direction='in'] span.text")
    await expect(mine.filter(has_text=script)).to_have_count(1)
    await expect(mine.filter(has_text=image)).to_have_count(1)
    assert await customer.evaluate("() => window.__pwned") is None
    assert await customer.evaluate(
        "() => window.salesbotChat.element.shadowRoot.querySelectorAll('.messages script, .messages img').length"
    ) == 0

    await open_lead(staff, server, email)
    await expect(staff.locator("li.line.in .text").filter(has_text=script)).to_have_count(1)
    await expect(staff.locator("li.line.in .text").filter(has_text=image)).to_have_count(1)
    assert await staff.locator("main script, main img").count() == 0
    assert await staff.evaluate("() => window.__pwned") is None

    # The board with the leads of this module's customers (hot, cold, moved): light, dark, phone.
    await staff.goto(f"{server.url}/board")
    await shoot(staff, "board", "light")
    await shoot(staff, "board", "dark")
    await staff.set_viewport_size({"width": 390, "height": 844})
    await shoot(staff, "board-mobile", "light")
    await staff.set_viewport_size({"width": 1400, "height": 900})
    await staff.emulate_media(color_scheme="light")


@browser_test
async def test_bad_frames_oversized_messages_and_foreign_origins_are_refused_while_others_are_served(
    server: Server,
) -> None:
    async def opened(visitor: str) -> ClientConnection:
        ws = await connect(f"{server.ws_url}?visitor={visitor}&last_seq=0", origin=server.url)  # type: ignore[arg-type]
        while json.loads(await ws.recv())["type"] != "ready":
            pass
        return ws

    async def refused(ws: ClientConnection, frame: str | bytes, error: str, close_code: int) -> None:
        await ws.send(frame)
        assert json.loads(await ws.recv())["code"] == error
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == close_code

    good = await opened("good-" + secrets.token_hex(6))
    try:
        await refused(await opened("bad-json-" + secrets.token_hex(4)), "{not json", "bad_frame", 1003)
        await refused(await opened("bad-type-" + secrets.token_hex(4)), '{"type": "shout"}', "bad_frame", 1003)
        await refused(await opened("binary-" + secrets.token_hex(4)), b"\x00\x01", "bad_frame", 1003)
        long_text = json.dumps({"type": "message", "id": "m1", "text": "x" * 2001})
        await refused(await opened("long-" + secrets.token_hex(4)), long_text, "too_big", 1009)
        await refused(await opened("huge-" + secrets.token_hex(4)), "x" * 1_000_000, "too_big", 1009)
        with pytest.raises(InvalidStatus) as foreign:
            await connect(f"{server.ws_url}?visitor=evil-{secrets.token_hex(4)}", origin="https://evil.example")  # type: ignore[arg-type]
        assert foreign.value.response.status_code == 403

        price = CsvCatalog.load(DEMO_KB).format_money(CsvCatalog.load(DEMO_KB).quote("NW-SNS1", 1).total, "EUR", "en")
        await good.send(json.dumps({"type": "message", "id": "q1", "text": "How much is one Motion Sensor Click?"}))
        while True:
            frame = json.loads(await good.recv())
            if frame["type"] == "message" and frame["direction"] == "out":
                break
        assert price in frame["text"]
    finally:
        await good.close()


@browser_test
async def test_board_refuses_wrong_tokens_forged_forms_and_keeps_the_token_out_of_the_cookie(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        anonymous = await http.get("/board")
        assert anonymous.status_code == 303 and anonymous.headers["location"] == "/board/login"
        wrong = await http.post("/board/login", data={"token": TOKEN + "x"})
        assert wrong.status_code == 401 and "That token is not right" in wrong.text
        right = await http.post("/board/login", data={"token": TOKEN})
        assert right.status_code == 303 and right.headers["location"] == "/board"
        cookie = right.headers["set-cookie"]
        assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and TOKEN not in cookie
        assert (await http.get("/board")).status_code == 200
        forged = await http.post("/board/leads/1/stage", data={"stage": "won", "csrf": "0" * 64})
        assert forged.status_code == 403
    async with httpx.AsyncClient(base_url=server.url, cookies={"salesbot_board": "1.2.3"}) as http:
        assert (await http.get("/board")).status_code == 303


def test_without_a_configured_token_one_is_generated_into_the_data_dir_and_only_its_path_is_logged(
    tmp_path: Path,
) -> None:
    from config.web.app import create_app

    settings = Settings(data_dir=tmp_path / "data", board_token=None)
    with capture_logs() as logs:
        first = create_app(settings)
    path = tmp_path / "data" / "board_token"
    token = path.read_text().strip()
    assert len(token) >= 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.state.board_auth.token == token
    assert str(path.resolve()) in repr(logs) and token not in repr(logs)
    assert create_app(settings).state.board_auth.token == token, "the token is generated once, then kept"


# -- a streaming responder ----------------------------------------------------------------------

WATCH_DRAFTS = """() => {
  const root = window.salesbotChat.element.shadowRoot;
  window.__drafts = [];
  new MutationObserver(() => {
    const draft = root.querySelector("li.msg[data-draft] span.text");
    if (draft && draft.textContent !== window.__drafts.at(-1)) window.__drafts.push(draft.textContent);
  }).observe(root, { subtree: true, childList: true, characterData: true });
}"""


@browser_test
async def test_a_streamed_reply_grows_in_place_and_is_replaced_by_the_stored_line(
    browser: Browser, streaming_server: Server
) -> None:
    context = await browser.new_context()
    page = await open_chat(context, streaming_server)
    await page.evaluate(WATCH_DRAFTS)
    await say(page, "What is your warranty on panels?")
    await expect(page.locator(f"{SHADOW} li.msg[data-draft]")).to_have_count(1, timeout=REPLY_MS)
    await expect(bot_line(page, re.compile("."))).to_have_count(1)
    lines = await settled(page)
    await expect(page.locator(f"{SHADOW} li.msg[data-draft]")).to_have_count(0)
    replies = [text for _, direction, text in lines if direction == "out"]
    assert len(replies) == 1
    drafts: list[str] = await page.evaluate("() => window.__drafts")
    # Seen growing, each a beginning of what was finally said; the final line is shown once.
    assert len(drafts) >= 2, drafts
    assert all(replies[0].startswith(d) for d in drafts), (drafts, replies)
    assert [len(d) for d in drafts] == sorted(len(d) for d in drafts)
    assert len(drafts[0]) < len(replies[0])
    visitor = await page.evaluate("() => window.salesbotChat.element.visitor")
    assert await server_transcript(streaming_server, visitor) == lines  # drafts are never stored
    await context.close()
