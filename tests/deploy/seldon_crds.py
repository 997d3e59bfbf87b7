"""Seldon Core's CRDs (``crds/``, their sources in each file's header) as offline checks of custom resources.

``problems(obj)`` lists what a cluster with Seldon installed would refuse, in sentences (empty: it takes it):

- the CRD's ``openAPIV3Schema`` (``jsonschema``), made strict as ``kubectl apply`` is by default
  (``--validate=strict``): a field the schema does not name is an error, unless the schema keeps unknown fields;
- the metadata as the API server checks any object's: the ObjectMeta schema (``kubernetes-validate``, strict),
  a DNS-1123 subdomain name, well-formed label and annotation keys, label values;
- what Seldon adds beyond the schema, for the fields the workbench writes: Core 1's admission webhook
  (``seldondeployment_webhook.go``: the protocol, a prepackaged server with a modelUri and an entry in the
  operator's ``predictor_servers`` for that protocol) and Services named after the deployment (a DNS-1035
  label); Core 2's scheduler (a Model's requirements must be capabilities of a Server, here the stock ones).

No API server runs here: these are the parts of its answer that can be known offline.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

CRDS = Path(__file__).resolve().parent / "crds"
K8S_VERSION = "1.32.0"  # as tests/deploy/test_manifests.py: Debian's kubectl is 1.32
SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
QUALIFIED = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
# Seldon Core 1.17.1: the webhook's protocols, and helm-charts/seldon-core-operator/values.yaml predictor_servers.
V1_PROTOCOLS = {"seldon", "tensorflow", "kfserving", "v2"}
V1_SERVERS = {"MLFLOW_SERVER": {"seldon", "v2"}, "SKLEARN_SERVER": {"seldon", "v2"},
              "TENSORFLOW_SERVER": {"seldon", "tensorflow"}, "XGBOOST_SERVER": {"seldon", "v2"},
              "TRITON_SERVER": {"v2"}, "HUGGINGFACE_SERVER": {"v2"}, "TEMPO_SERVER": {"v2"}}
# Seldon Core 2.6.0: operator/config/serverconfigs/{mlserver,triton}.yaml SELDON_SERVER_CAPABILITIES.
V2_CAPABILITIES = {
    "mlserver": {"mlserver", "alibi-detect", "alibi-explain", "huggingface", "lightgbm", "mlflow", "python", "sklearn",
                 "spark-mlib", "xgboost"},
    "triton": {"triton", "dali", "fil", "onnx", "openvino", "python", "pytorch", "tensorflow", "tensorrt"},
}


def strict(schema: Any) -> Any:
    """A structural schema with ``additionalProperties: false`` wherever it names the fields and keeps no others."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: {name: strict(sub) for name, sub in value.items()} if key == "properties"
           else strict(value) if key in ("items", "additionalProperties", "not", "anyOf", "allOf", "oneOf")
           else value for key, value in schema.items()}
    if "properties" in out and "additionalProperties" not in out and not out.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out


@functools.cache
def validators() -> dict[tuple[str, str], jsonschema.Draft7Validator]:
    """(apiVersion, kind) -> the validator of that CRD version's schema."""
    found = {}
    for path in sorted(CRDS.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        for version in crd["spec"]["versions"]:
            schema = strict(version["schema"]["openAPIV3Schema"])
            jsonschema.Draft7Validator.check_schema(schema)
            found[(f"{crd['spec']['group']}/{version['name']}", crd["spec"]["names"]["kind"])] = \
                jsonschema.Draft7Validator(schema)
    return found


def _where(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(the object)"


def _key_problems(what: str, key: str) -> list[str]:
    prefix, _, name = key.rpartition("/")
    if (prefix and (len(prefix) > 253 or not SUBDOMAIN.match(prefix))) or len(name) > 63 or not QUALIFIED.match(name):
        return [f"{what} key {key!r} is not a qualified name"]
    return []


def metadata_problems(meta: dict[str, Any]) -> list[str]:
    found = []
    try:  # the ObjectMeta schema, through an object kubernetes-validate knows
        kubernetes_validate.validate({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}, K8S_VERSION,
                                     strict=True)
    except kubernetes_validate.ValidationError as exc:
        found.append(f"metadata: {exc.message}")
    name = str(meta.get("name", ""))
    if len(name) > 253 or not SUBDOMAIN.match(name):
        found.append(f"metadata.name {name!r} is not a DNS-1123 subdomain")
    for key, value in (meta.get("labels") or {}).items():
        found += _key_problems("label", key)
        if not isinstance(value, str) or len(value) > 63 or not LABEL_VALUE.match(value):
            found.append(f"label {key} has the value {value!r}, which a label cannot hold")
    for key in meta.get("annotations") or {}:
        found += _key_problems("annotation", key)
    return found


def _graph_units(unit: dict[str, Any]) -> list[dict[str, Any]]:
    return [unit, *(u for child in unit.get("children") or [] for u in _graph_units(child))]


def seldon_deployment_problems(obj: dict[str, Any]) -> list[str]:
    spec = obj.get("spec") or {}
    protocol = spec.get("protocol") or "seldon"
    found = [] if protocol in V1_PROTOCOLS else [f"spec.protocol {protocol!r}: Invalid protocol"]
    name = str((obj.get("metadata") or {}).get("name", ""))
    if not DNS_LABEL.match(name):
        found.append(f"metadata.name {name!r}: Seldon names Services after it, and a Service name is a DNS-1035 label")
    for predictor in spec.get("predictors") or []:
        for unit in _graph_units(predictor.get("graph") or {}):
            implementation = unit.get("implementation")
            if not implementation or implementation == "UNKNOWN_IMPLEMENTATION":
                continue
            if not unit.get("modelUri"):
                found.append(f"{unit.get('name')}: Predictive unit modelUri required when using standalone servers")
            protocols = V1_SERVERS.get(implementation)
            if protocols is None:
                found.append(f"{unit.get('name')}: No entry in predictors map for {implementation}")
            elif {"kfserving": "v2"}.get(protocol, protocol) not in protocols:
                found.append(f"{unit.get('name')}: {implementation} has no image for protocol {protocol}")
    return found


def model_problems(obj: dict[str, Any]) -> list[str]:
    wanted = set((obj.get("spec") or {}).get("requirements") or [])
    if not any(wanted <= capabilities for capabilities in V2_CAPABILITIES.values()):
        return [f"spec.requirements {sorted(wanted)}: no stock Server has them all"]
    return []


SELDON_RULES: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "SeldonDeployment": seldon_deployment_problems, "Model": model_problems}


def problems(obj: dict[str, Any]) -> list[str]:
    """What a cluster with Seldon's CRDs would refuse of ``obj``; empty when it would take it."""
    validator = validators().get((obj.get("apiVersion"), obj.get("kind")))
    if validator is None:
        return [f"no CRD here for {obj.get('apiVersion')} {obj.get('kind')}"]
    found = [f"{_where(e)}: {e.message}" for e in validator.iter_errors(obj)]
    return found + metadata_problems(obj.get("metadata") or {}) + SELDON_RULES[obj["kind"]](obj)
