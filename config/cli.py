"""The `salesbot` command line (typer). Contract: ../shared/DESIGN.md and eval/README.md."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import structlog
import typer

from config.logging import configure_logging
from config.settings import ConfigError, Settings, load_settings
from knowledge_base.errors import KnowledgeBaseError

app = typer.Typer(no_args_is_help=True, add_completion=False, help="salesbot: an AI sales assistant.")
kb_app = typer.Typer(no_args_is_help=True, help="Build and query the knowledge base.")
app.add_typer(kb_app, name="kb")
log = structlog.get_logger()


class State:
    settings: Settings


STATE = State()


@app.callback()
def main_options(
    data_dir: Annotated[
        Path | None, typer.Option(envvar="SALESBOT_DATA_DIR", help="Folder for all local state.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option(envvar="SALESBOT_CONFIG", help="YAML settings file.")
    ] = None,
    log_level: Annotated[str | None, typer.Option(help="DEBUG, INFO, WARNING, ERROR.")] = None,
) -> None:
    """Options shared by every command."""
    try:
        STATE.settings = load_settings(config, data_dir=data_dir, log_level=log_level)
    except ConfigError as exc:
        fail(str(exc))
    configure_logging(STATE.settings.log_level, STATE.settings.log_format)


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def read_batch(path: Path) -> Iterator[dict[str, Any]]:
    """JSON lines of a batch file; a bad line is an error naming the line."""
    if not path.is_file():
        fail(f"batch file not found: {path}")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            fail(f"{path} line {number}: not JSON ({exc.msg})")
        if not isinstance(row, dict) or "id" not in row:
            fail(f"{path} line {number}: expected an object with an 'id'")
        yield row


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


@kb_app.command("ingest")
def kb_ingest(
    kb_dir: Annotated[Path, typer.Argument(help="Folder with documents, catalog.csv, discounts.csv.")],
) -> None:
    """Build or refresh the knowledge base (incremental)."""
    from config.ingesting import run_ingest

    try:
        report = run_ingest(STATE.settings, kb_dir)
    except KnowledgeBaseError as exc:
        fail(str(exc))
    for error in report.errors:
        typer.echo(f"warning: {error}", err=True)
    typer.echo(report.summary())


@kb_app.command("search")
def kb_search(
    query: Annotated[str | None, typer.Argument(help="A question (or use --batch).")] = None,
    batch: Annotated[Path | None, typer.Option(help="JSON lines of {id, question}.")] = None,
    top_k: Annotated[int, typer.Option(min=1, max=50)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines out.")] = False,
) -> None:
    """Search the knowledge base."""
    from config.knowledge import open_knowledge_base

    if (query is None) == (batch is None):
        fail("give a query or --batch FILE")
    rows = read_batch(batch) if batch else iter([{"id": "1", "question": query}])
    try:
        kb = open_knowledge_base(STATE.settings)
    except KnowledgeBaseError as exc:
        fail(str(exc))
    try:
        for row in rows:
            results = kb.retriever.search_sync(str(row.get("question", "")), top_k)
            if as_json:
                emit({"id": row["id"], "results": [
                    {"source": p.source, "heading": p.heading, "score": p.score, "text": p.text}
                    for p in results
                ]})
            else:
                for p in results:
                    typer.echo(f"{p.score:.4f}  {p.source}  [{p.heading}]\n    {p.text[:160]}")
    finally:
        kb.close()


@app.command("ask")
def ask(
    question: Annotated[str | None, typer.Argument(help="A question (or use --batch).")] = None,
    batch: Annotated[Path | None, typer.Option(help="JSON lines of {id, question}.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines out.")] = False,
) -> None:
    """Answer questions, each in a fresh conversation."""
    from config.conversations import ask_all

    if (question is None) == (batch is None):
        fail("give a question or --batch FILE")
    rows = list(read_batch(batch)) if batch else [{"id": "1", "question": question}]
    run_async(ask_all(STATE.settings, rows, emit if as_json else print_answer))


@app.command("converse")
def converse(
    file: Annotated[Path, typer.Argument(help="JSON lines of {id, channel, turns: [...]}.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines out.")] = False,
) -> None:
    """Replay customer turns; print the replies and the lead of each conversation."""
    from config.conversations import converse_all

    rows = list(read_batch(file))
    for row in rows:
        if not isinstance(row.get("turns"), list):
            fail(f"{file}: conversation {row['id']!r} has no 'turns' list")
    run_async(converse_all(STATE.settings, rows, emit if as_json else print_conversation))


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    kb_dir: Annotated[Path | None, typer.Option(help="Knowledge-base folder (default: the demo).")] = None,
) -> None:
    """Run the web server: channels, web chat, leads board, health, metrics and the worker."""
    import uvicorn

    from config.web.app import create_app
    from config.web.protocols import BoundedHttpToolsProtocol, Utf8CheckedWebSocketProtocol

    settings = STATE.settings.model_copy(
        update={k: v for k, v in {"host": host, "port": port, "kb_dir": kb_dir}.items() if v is not None}
    )
    try:
        app = create_app(settings)
    except ConfigError as exc:
        fail(str(exc))
    limits = settings.http
    http = BoundedHttpToolsProtocol.with_limits(
        max_url_bytes=limits.max_url_bytes,
        max_header_line_bytes=limits.max_header_line_bytes,
        max_head_bytes=limits.max_head_bytes,
    )
    typer.echo(f"salesbot: web chat on http://{settings.host}:{settings.port}/  (board: /board)", err=True)
    uvicorn.run(
        app, host=settings.host, port=settings.port, log_config=None,
        http=http, ws=Utf8CheckedWebSocketProtocol, ws_max_size=limits.max_ws_message_bytes,
    )


def print_answer(row: dict[str, Any]) -> None:
    typer.echo(f"[{row['id']}] {row['answer']}\n    sources: {', '.join(row['sources']) or '-'}")


def print_conversation(row: dict[str, Any]) -> None:
    typer.echo(f"== {row['id']}")
    for reply in row["replies"]:
        typer.echo(f"  bot: {reply}")
    typer.echo(f"  lead: {json.dumps(row['lead'], ensure_ascii=False)}")


def run_async(coro: Any) -> None:
    """Run a command's coroutine; user-fixable errors exit 2 with a message."""
    import asyncio

    try:
        asyncio.run(coro)
    except (KnowledgeBaseError, ConfigError) as exc:
        fail(str(exc))


def main() -> None:
    """Console entry point."""
    app()


if __name__ == "__main__":
    main()
