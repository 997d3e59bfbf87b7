"""MLServer's MLflow runtime, keeping the inputs and outputs that model-settings.json declares (published MLflow models).

``mlserver_mlflow.MLflowRuntime`` replaces the declared metadata with what the MLmodel's signature says (names,
datatypes, ``[-1, 1]`` shapes), which drops the feature facts the workbench's form is made from (kind, categories,
ranges, description, default: embedded_mds/model_schema.py). This runtime keeps the declared entries when there
are any, and names a model's single answer as the one declared output (``predict``) instead of ``output-0``. When
``predict`` and ``predict_proba`` are declared (a classifier whose probabilities the check found: mlflow_proba.py),
it answers the class and each class's probability, as MLServer's sklearn runtime does for a pickled classifier.
The signature's params (name, type, default) are in the metadata's model-level ``parameters.params``, so that
the workbench can offer them; a request's ``parameters`` besides ``content_type`` reach ``predict(params=...)``
as MLflowRuntime sends them (mlflow checks them against the params schema and fills in the defaults).
Each folder is read (``mlflow.pyfunc.load_model``) once, however often MLServer reloads its version
(loaded_once.py). Everything else is MLflowRuntime's: signature enforcement, ``params`` from the request's
parameters.
"""

from __future__ import annotations

from typing import Any

import mlflow
import numpy as np
import pandas as pd
from mlserver.codecs import NumpyCodec
from mlserver.types import InferenceRequest, InferenceResponse, MetadataModelResponse, Parameters
from mlserver.utils import get_model_uri
from mlserver_mlflow import MLflowRuntime
from mlserver_mlflow.codecs import TensorDictCodec

from embedded_mds.served.loaded_once import HoldsLoadedOnce
from embedded_mds.served.mlflow_proba import probabilities, probability_model

CLASS_AND_PROBA = ["predict", "predict_proba"]


class PublishedMLflowModel(HoldsLoadedOnce, MLflowRuntime):
    _proba_model: Any = None

    async def load(self) -> bool:
        # MLflowRuntime.load, the model read once per folder (loaded_once.py: MLServer reloads every version)
        path = await get_model_uri(self._settings)
        self._model = await self.hold(path, lambda: mlflow.pyfunc.load_model(path))
        self._input_schema = self._model.metadata.get_input_schema()
        self._signature = self._model.metadata.signature
        self._sync_metadata()
        declared = [o.name for o in self.outputs or []]
        self._proba_model = probability_model(self._model) if declared == CLASS_AND_PROBA else None
        return True

    async def metadata(self) -> MetadataModelResponse:
        answer = await super().metadata()
        schema = self._model.metadata.get_params_schema() if getattr(self, "_model", None) else None
        if schema is not None:
            extra = (answer.parameters.model_dump(exclude_none=True) if answer.parameters else {})
            answer.parameters = Parameters(**extra, params=schema.to_dict())
        return answer

    def _sync_metadata(self) -> None:
        declared_inputs, declared_outputs = self.inputs, self.outputs
        super()._sync_metadata()  # the model-level content type (pd, np or dict) comes from the signature
        if declared_inputs:
            self.inputs = declared_inputs
        if declared_outputs:
            self.outputs = declared_outputs

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        decoded = self.decode_request(payload)
        params = payload.parameters.model_extra if payload.parameters and payload.parameters.model_extra else None
        answer = self._model.predict(decoded, params=params)
        declared = [o.name for o in self.outputs or []]
        if isinstance(answer, (pd.Series, list, tuple)):
            answer = np.asarray(answer)
        if isinstance(answer, np.ndarray) and len(declared) == 1:
            return InferenceResponse(model_name=self.name, model_version=self.version,
                                     outputs=[NumpyCodec.encode_output(declared[0], answer)])
        if isinstance(answer, np.ndarray) and self._proba_model is not None:
            proba = probabilities(self._model, self._proba_model, decoded, params)
            return InferenceResponse(model_name=self.name, model_version=self.version,
                                     outputs=[NumpyCodec.encode_output("predict", answer),
                                              NumpyCodec.encode_output("predict_proba", proba)])
        return self.encode_response(answer, default_codec=TensorDictCodec)

