"""A catalog entry names a V2 server's gRPC API (``grpc_url``) and may call it by default (``transport: grpc``)."""

from pathlib import Path

import pytest

from mds_client import CatalogError, load_catalog


def test_an_entry_names_its_grpc_api_and_which_transport_it_uses(tmp_path: Path):
    path = tmp_path / "catalog.yaml"
    path.write_text("models:\n"
                    "  - {name: a, protocol: v2, url: http://127.0.0.1:9500, grpc_url: grpc://127.0.0.1:9501}\n"
                    "  - {name: b, protocol: v2, url: http://127.0.0.1:9500, grpc_url: '127.0.0.1:9501', "
                    "transport: grpc}\n"
                    "  - {name: c, protocol: seldon, url: http://127.0.0.1:9510}\n")
    a, b, c = load_catalog(path)
    assert (a.transport, a.grpc_url, a.uses_grpc) == ("rest", "grpc://127.0.0.1:9501", False)
    assert (b.transport, b.grpc_url, b.uses_grpc) == ("grpc", "127.0.0.1:9501", True)
    assert (c.transport, c.grpc_url) == ("rest", "")
    assert a.over("grpc").uses_grpc and not b.over("rest").uses_grpc


@pytest.mark.parametrize(("entry", "words"), [
    ("{name: a, protocol: v2, url: http://x, transport: grpc}", "transport grpc needs grpc_url: grpc://host:port"),
    ("{name: a, protocol: v2, url: http://x, transport: http2}", "transport must be one of rest, grpc, not 'http2'"),
    ("{name: a, protocol: v2, url: http://x, grpc_url: 'http://x:1'}", "grpc_url must be grpc://host:port"),
    ("{name: a, protocol: v2, url: http://x, grpc_url: 'grpc://x'}", "grpc_url must be grpc://host:port"),
    ("{name: a, protocol: seldon, url: http://x, grpc_url: 'grpc://x:1'}", "a seldon model has no V2 gRPC API"),
])
def test_a_bad_grpc_entry_says_what_to_write(tmp_path: Path, entry, words):
    path = tmp_path / "catalog.yaml"
    path.write_text(f"models:\n  - {entry}\n")
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert words in str(info.value) and "('a')" in str(info.value)
