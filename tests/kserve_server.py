"""A KServe 0.21 ModelServer serving the tests' own ``kserve.Model`` classes (run with ``.venvs/kserve``'s python).

    python tests/kserve_server.py --pipeline PIPELINE.joblib --rows ROWS.csv --port PORT

Two models from one fitted scikit-learn pipeline over mixed columns (a number, a whole number, a text
category, a boolean) with text class names:

- ``orchard`` answers labels: V1 ``{"predictions": ["gold", ...]}``, V2 one BYTES output ``label``;
  its ``:explain`` answers an Alibi AnchorTabular document (one condition on ``city``, with the precision
  and coverage measured on the reference rows), as KServe's alibi explainer did;
- ``orchard-proba`` answers each row's class probabilities (V1 lists in the pipeline's class order).

V1 instances may be rows (the pipeline's column order) or named objects; ``inputs`` is read as
``instances``, as KServe's own runtimes read it. KServe binds 0.0.0.0 and starts gRPC on all interfaces
by default: this server binds 127.0.0.1 only (its REST server's uvicorn config) and has no gRPC.
This file imports nothing of the workbench: it runs in KServe's environment.
"""

from __future__ import annotations

import argparse
import uuid
from typing import Any

import joblib
import kserve
import kserve.model_server
import numpy as np
import pandas as pd
from kserve import InferOutput, InferRequest, InferResponse
from kserve.protocol.rest.server import RESTServer

HOST = "127.0.0.1"
ANCHOR_FEATURE = "city"


class LoopbackRESTServer(RESTServer):
    """KServe's REST server with uvicorn bound to the loopback address (0.21 writes host="0.0.0.0")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config.host = HOST


class Orchard(kserve.Model):
    def __init__(self, name: str, pipeline: Any, reference: pd.DataFrame, *, probabilities: bool = False) -> None:
        super().__init__(name)
        self.pipeline = pipeline
        self.columns = [str(c) for c in pipeline.feature_names_in_]
        self.classes = [str(c) for c in pipeline.classes_]
        self.reference = reference[self.columns]
        self.probabilities = probabilities
        self.ready = True

    def _frame(self, payload: dict[str, Any] | InferRequest) -> pd.DataFrame:
        if isinstance(payload, InferRequest):
            frame = payload.as_dataframe()
        else:
            instances = payload["inputs"] if "inputs" in payload else payload["instances"]
            if instances and isinstance(instances[0], dict):
                frame = pd.DataFrame.from_records(instances)
            else:
                frame = pd.DataFrame(instances, columns=self.columns)
                categories = sorted(self.reference[ANCHOR_FEATURE].unique())
                if frame[ANCHOR_FEATURE].map(lambda v: isinstance(v, (int, float))).all():
                    # an explainer's rows: the category as its index (the workbench's feature space)
                    frame[ANCHOR_FEATURE] = [categories[int(v)] for v in frame[ANCHOR_FEATURE]]
        return frame[self.columns].astype(self.reference.dtypes.to_dict())

    def predict(self, payload: dict[str, Any] | InferRequest, headers: dict[str, str] | None = None) -> Any:
        frame = self._frame(payload)
        if self.probabilities:
            result = self.pipeline.predict_proba(frame)
            if isinstance(payload, InferRequest):
                out = InferOutput(name="probabilities", shape=list(result.shape), datatype="FP64")
                out.set_data_from_numpy(result)
                return InferResponse(model_name=self.name, infer_outputs=[out], response_id=payload.id or uuid.uuid4().hex)
            return {"predictions": result.tolist()}
        labels = [str(v) for v in self.pipeline.predict(frame)]
        if isinstance(payload, InferRequest):
            out = InferOutput(name="label", shape=[len(labels)], datatype="BYTES")
            out.set_data_from_numpy(np.asarray(labels, dtype=object))
            return InferResponse(model_name=self.name, infer_outputs=[out], response_id=payload.id or uuid.uuid4().hex)
        return {"predictions": labels}

    def explain(self, payload: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        """IF city = <the row's city> THEN <its label>, measured on the reference rows."""
        row = self._frame(payload).head(1)
        label = str(self.pipeline.predict(row)[0])
        city = row[ANCHOR_FEATURE].iloc[0]
        same_city = self.reference[self.reference[ANCHOR_FEATURE] == city]
        answers = self.pipeline.predict(same_city) if len(same_city) else np.asarray([])
        precision = float(np.mean(answers.astype(str) == label)) if len(answers) else 0.0
        return {"meta": {"name": "AnchorTabular", "type": ["blackbox"], "explanations": ["local"]},
                "data": {"anchor": [f"{ANCHOR_FEATURE} = {city}"], "precision": precision,
                         "coverage": len(same_city) / len(self.reference),
                         "raw": {"prediction": [self.classes.index(label)], "instance": row.iloc[0].tolist()}}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Not --model: KServe parses sys.argv itself at import and would read it as its --model_name.
    parser.add_argument("--pipeline", required=True, help="the fitted pipeline (joblib)")
    parser.add_argument("--rows", required=True, help="its training rows (CSV)")
    parser.add_argument("--port", type=int, required=True)
    args, _ = parser.parse_known_args()
    pipeline = joblib.load(args.pipeline)
    reference = pd.read_csv(args.rows)
    kserve.model_server.RESTServer = LoopbackRESTServer  # the name ModelServer.start builds its REST server with
    server = kserve.ModelServer(http_port=args.port, enable_grpc=False, workers=1)
    server.start([Orchard("orchard", pipeline, reference),
                  Orchard("orchard-proba", pipeline, reference, probabilities=True)])


if __name__ == "__main__":
    main()
