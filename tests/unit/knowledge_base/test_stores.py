"""Vector-store wiring: embedded Qdrant, a Qdrant server URL, Weaviate.

No Weaviate or Qdrant server can run on the development machines, so for them only what is
honest without one is tested: connection parameters, the node mapping and the error when the
server cannot be reached. Adding, querying and deleting against a live server is untested.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from config.ingesting import store_config
from config.settings import load_settings
from knowledge_base.chunking import Chunk
from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.stores import (
    COLLECTION,
    StoreConfig,
    open_vector_index,
    to_node,
    weaviate_connection_params,
    weaviate_index_name,
)

CLOSED_PORT_URL = "http://127.0.0.1:9"  # the discard port: nothing listens there


def test_weaviate_params_for_plain_http() -> None:
    assert weaviate_connection_params("http://weaviate.internal:8080") == {
        "http_host": "weaviate.internal",
        "http_port": 8080,
        "http_secure": False,
        "grpc_host": "weaviate.internal",
        "grpc_port": 50051,
        "grpc_secure": False,
    }


def test_weaviate_params_for_https_default_port() -> None:
    params = weaviate_connection_params("https://my-cluster.weaviate.example")

    assert params["http_port"] == 443
    assert params["http_secure"] is True
    assert params["grpc_secure"] is True
    assert params["grpc_host"] == "my-cluster.weaviate.example"


def test_weaviate_params_for_http_without_port() -> None:
    assert weaviate_connection_params("http://localhost")["http_port"] == 80


def test_weaviate_params_with_a_custom_grpc_port() -> None:
    params = weaviate_connection_params("http://10.0.0.5:8080/?grpc_port=50052&other=x")

    assert params["grpc_port"] == 50052
    assert params["http_port"] == 8080


@pytest.mark.parametrize(
    "url",
    [
        "weaviate.internal:8080",  # no scheme
        "ftp://weaviate.internal",
        "http://",
        "",
        "http://weaviate.internal:99999",  # port out of range
        "http://weaviate.internal:http",  # port not a number
        "http://weaviate.internal:8080?grpc_port=fast",
        "http://weaviate.internal:8080?grpc_port=70000",
    ],
)
def test_weaviate_invalid_urls_are_a_knowledge_base_error(url: str) -> None:
    with pytest.raises(KnowledgeBaseError, match="WEAVIATE_URL"):
        weaviate_connection_params(url)


def test_weaviate_index_name_is_a_capitalized_class_name() -> None:
    assert weaviate_index_name(COLLECTION) == "SalesbotKb"
    assert weaviate_index_name("kb") == "Kb"
    assert weaviate_index_name("acme_sales_kb") == "AcmeSalesKb"


def test_to_node_carries_source_and_heading() -> None:
    chunk = Chunk("0b1f3c7e-0000-5000-8000-000000000001", "docs/warranty.md", "Warranty / Panels", "Five years.")

    node = to_node(chunk, [0.1, 0.2, 0.3])

    assert node.id_ == chunk.id
    assert node.text == "Five years."
    assert node.metadata == {"source": "docs/warranty.md", "heading": "Warranty / Panels"}
    assert node.embedding == [0.1, 0.2, 0.3]


def test_store_kind_follows_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WEAVIATE_URL", "SALESBOT_WEAVIATE_URL", "QDRANT_URL", "SALESBOT_QDRANT_URL"):
        monkeypatch.delenv(name, raising=False)
    assert store_config(load_settings(data_dir=tmp_path)).kind == "qdrant-local"

    monkeypatch.setenv("QDRANT_URL", "http://qdrant:6333")
    assert store_config(load_settings(data_dir=tmp_path)).kind == "qdrant-server"

    monkeypatch.setenv("WEAVIATE_URL", "http://weaviate:8080")
    monkeypatch.setenv("WEAVIATE_API_KEY", "k3y")
    config = store_config(load_settings(data_dir=tmp_path))
    assert config.kind == "weaviate"
    assert config.weaviate_api_key == "k3y"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("api_key", [None, "secret"])
def test_unreachable_weaviate_is_a_knowledge_base_error_naming_the_url(tmp_path: Path, api_key: str | None) -> None:
    config = StoreConfig(tmp_path, weaviate_url=CLOSED_PORT_URL, weaviate_api_key=api_key)

    with pytest.raises(KnowledgeBaseError, match=r"Weaviate at http://127\.0\.0\.1:9 cannot be reached"):
        open_vector_index(config)


@pytest.mark.filterwarnings("ignore::UserWarning")  # qdrant-client cannot check the server's version
def test_unreachable_qdrant_server_is_a_knowledge_base_error_naming_the_url(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match=r"Qdrant at http://127\.0\.0\.1:9 cannot be reached"):
        open_vector_index(StoreConfig(tmp_path, qdrant_url=CLOSED_PORT_URL))


def test_embedded_qdrant_lives_in_the_data_dir_and_starts_empty(tmp_path: Path) -> None:
    index = open_vector_index(StoreConfig(tmp_path))
    try:
        assert (tmp_path / "vectors").is_dir()
        assert index.nearest([0.1] * 384, 5) == []  # no collection before the first ingest
    finally:
        index.close()


def test_embedded_qdrant_round_trip(tmp_path: Path) -> None:
    a = Chunk("0b1f3c7e-0000-5000-8000-00000000000a", "a.md", "A", "alpha")
    b = Chunk("0b1f3c7e-0000-5000-8000-00000000000b", "b.md", "B", "beta")
    index = open_vector_index(StoreConfig(tmp_path))
    try:
        index.add([a, b], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        assert [cid for cid, _ in index.nearest([0.9, 0.1, 0.0], 2)] == [a.id, b.id]

        index.delete([a.id])
        assert [cid for cid, _ in index.nearest([0.9, 0.1, 0.0], 2)] == [b.id]
    finally:
        index.close()


def test_second_client_on_the_same_local_store_is_refused_clearly(tmp_path: Path) -> None:
    """Qdrant local mode allows one client per folder, across and within processes."""
    first = open_vector_index(StoreConfig(tmp_path))
    try:
        with pytest.raises(KnowledgeBaseError, match="in use by another salesbot process") as caught:
            open_vector_index(StoreConfig(tmp_path))
        assert str(tmp_path / "vectors") in str(caught.value)
    finally:
        first.close()

    open_vector_index(StoreConfig(tmp_path)).close()  # free again once the first is closed
