"""The Elasticsearch reader against a loopback replay of Elasticsearch's answers (no cluster can run here)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from logsink.attribution import Attribution
from logsink.errors import ElasticReadError
from logsink.es_reader import import_es, parse_since
from mds_client import ModelRef
from workbench.store.tables import RequestLogRow

from .es_replay import ReplayElastic, logger_documents

NAMES = ["alcohol", "malic_acid", "ash"]
CLASSES = ["class_0", "class_1", "class_2"]


def _documents(calls: int, batch: int = 1, day: str = "2026-11-30") -> list:
    docs = []
    for c in range(calls):
        rows = [[13.0 + c + i / 10, 2.0, 2.4] for i in range(batch)]
        probs = [[0.7, 0.2, 0.1] if i % 2 == 0 else [0.1, 0.8, 0.1] for i in range(batch)]
        docs += logger_documents(service="wine-sdep", namespace="prod", request_id=f"req-{day}-{c}", names=NAMES,
                                 rows=rows, probabilities=probs, classes=CLASSES,
                                 asked=f"{day}T10:{c // 60:02d}:{c % 60:02d}.123456789Z",
                                 answered=f"{day}T10:{c // 60:02d}:{c % 60:02d}.200Z")
    return docs


def _attribution() -> Attribution:
    return Attribution(None, refs=[ModelRef(name="wine", protocol="seldon", endpoint="http://127.0.0.1:9",
                                            log_name="wine-sdep")])


def _rows(engine) -> list[RequestLogRow]:  # type: ignore[no-untyped-def]
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        return list(session.scalars(select(RequestLogRow).order_by(RequestLogRow.request_id, RequestLogRow.row_index)))


def test_documents_become_joined_rows_paged_and_reimport_changes_nothing(engine) -> None:
    with ReplayElastic(_documents(7) + _documents(3, batch=4, day="2026-11-29")) as es:
        result = import_es(engine, es.url, attribution=_attribution(), page=5)
        assert (result.documents, result.rows, result.skipped, result.truncated) == (19, 19, 0, False)
        assert len(es.searches) == 1 and es.searches[0]["index"] == "inference-log-*"
        assert es.cleared, "the scroll was not cleared"
        rows = _rows(engine)
        assert len(rows) == 19
        assert {r.model for r in rows} == {"wine"} and all(r.known_model for r in rows)
        assert {r.source for r in rows} == {"elasticsearch"} and {r.status for r in rows} == {"ok"}
        batch = [r for r in rows if r.request_id == "req-2026-11-29-1"]
        assert [r.row_index for r in batch] == [0, 1, 2, 3]  # <id>-item-<n> is instance n of one call
        assert batch[1].inputs == {"alcohol": pytest.approx(14.1), "malic_acid": 2.0, "ash": 2.4}
        assert [r.label for r in batch] == ["class_0", "class_1", "class_0", "class_1"]
        assert batch[1].confidence == pytest.approx(0.8)
        single = next(r for r in rows if r.request_id == "req-2026-11-30-0")
        assert single.event_time.isoformat().startswith("2026-11-30T10:00:00.123456")
        assert single.namespace == "prod" and single.endpoint == "default"

        again = import_es(engine, es.url, attribution=_attribution(), page=7)
        assert again.rows == 19
        assert [(r.log_key, r.inputs, r.label) for r in _rows(engine)] == [(r.log_key, r.inputs, r.label) for r in rows]


def test_since_index_and_limit_are_sent_and_honoured(engine) -> None:
    with ReplayElastic(_documents(4, day="2026-11-28") + _documents(5)) as es:
        result = import_es(engine, es.url, index="inference-log-seldon-prod-*", attribution=_attribution(),
                           since=parse_since("2026-11-30"), page=2)
        assert result.rows == 5
        assert es.searches[0]["index"] == "inference-log-seldon-prod-*"
        limited = import_es(engine, es.url, attribution=_attribution(), page=3, max_docs=4)
        assert limited.documents == 4 and limited.truncated


def test_unknown_model_kept_and_broken_documents_skipped_with_reason(engine) -> None:
    docs = _documents(2)
    docs.append(("inference-log-seldon-prod-x-default", "broken", {"RequestId": "broken", "Ce-Modelid": "x"}))
    with ReplayElastic(docs) as es:
        result = import_es(engine, es.url)  # no catalog: the deployment's own name, flagged unknown
        assert (result.rows, result.skipped) == (2, 1)
        assert "neither a request nor a response" in result.reasons[0]
        assert {(r.model, r.known_model) for r in _rows(engine)} == {("wine-sdep", False)}


def test_not_elasticsearch_and_down_are_plain_errors(engine) -> None:
    with ReplayElastic(_documents(1)) as es:
        es.product_header = False
        with pytest.raises(ElasticReadError, match="not as Elasticsearch"):
            import_es(engine, es.url)
    with pytest.raises(ElasticReadError, match="not reachable"):
        import_es(engine, "http://127.0.0.1:9")
    with pytest.raises(ElasticReadError, match="neither a duration"):
        parse_since("last tuesday")


def test_import_es_command(tmp_path, monkeypatch, capsys) -> None:
    import argparse

    import yaml

    from workbench.cli.logs import register
    from workbench.settings import get_settings

    monkeypatch.setenv("WORKBENCH_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"models": [{"name": "wine", "protocol": "seldon", "url": "http://127.0.0.1:9",
                                                   "log_name": "wine-sdep"}]}))
    parser = argparse.ArgumentParser(prog="mds")
    parser.add_argument("--catalog", default=None)
    register(parser.add_subparsers(dest="command", required=True))
    with ReplayElastic(_documents(3, batch=2)) as es:
        args = parser.parse_args(["--catalog", str(catalog), "logs", "import-es", "--url", es.url, "--since", "3650d"])
        assert args.func(args) == 0
        assert "6 documents read, 6 instances" in capsys.readouterr().out
        args = parser.parse_args(["--catalog", str(catalog), "logs", "import-es", "--url", es.url, "--since", "soon"])
        assert args.func(args) == 1
        assert "neither a duration" in capsys.readouterr().err
    get_settings.cache_clear()
