"""MLServer's scikit-learn runtime for published joblib/pickle files, each file read once (runs in MLServer).

``mlserver_sklearn.SKLearnModel`` reads its file on every load, on the event loop: MLServer loads every version of
a name when one is published (loaded_once.py). This runtime takes the model from ``loaded_once`` instead and
answers exactly as ``SKLearnModel`` does.
"""

from __future__ import annotations

import joblib
from mlserver.utils import get_model_uri
from mlserver_sklearn import SKLearnModel
from mlserver_sklearn.sklearn import WELLKNOWN_MODEL_FILENAMES

from embedded_mds.served.loaded_once import HoldsLoadedOnce


class PublishedSKLearnModel(HoldsLoadedOnce, SKLearnModel):
    async def load(self) -> bool:
        path = await get_model_uri(self._settings, wellknown_filenames=WELLKNOWN_MODEL_FILENAMES)
        self._model = await self.hold(path, lambda: joblib.load(path))
        return True
