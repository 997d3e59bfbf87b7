"""Codecs: a pandas frame plus a schema becomes a request body; a response body becomes a result.

One module per wire protocol, found by name with ``codec_for``. Bodies are
plain dicts that may hold numpy arrays (``dump_json`` writes them natively),
so large frames never pass through per-value Python objects.
"""

from __future__ import annotations

from mds_client.codecs.base import Codec
from mds_client.codecs.kserve_v1 import KServeV1Codec
from mds_client.codecs.seldon import SeldonCodec
from mds_client.codecs.v2 import V2Codec
from mds_client.errors import CatalogError

CODECS: dict[str, Codec] = {"v2": V2Codec(), "seldon": SeldonCodec(), "kserve-v1": KServeV1Codec()}


def codec_for(protocol: str) -> Codec:
    try:
        return CODECS[protocol]
    except KeyError:
        raise CatalogError(f"unknown protocol {protocol!r}; use one of: {', '.join(CODECS)}") from None


__all__ = ["CODECS", "Codec", "KServeV1Codec", "SeldonCodec", "V2Codec", "codec_for"]
