"""Where V2 servers differ: how much each one minds a payload's quirk, by the server's ``GET /v2`` name.

What every V2 server refuses (a shape that does not match the data, text in a numeric tensor) is an error
everywhere and is not listed here. What one server refuses and another takes is an error only for the server that
refuses it, nothing for a server that takes it, and a warning when the server is unknown (it may be either).
Measured on MLServer 1.7.1 and Triton 2.51 (nvidia-pytriton 0.7.0); KServe's ModelServer (0.21) is taken as
MLServer is where its custom models see the same request, and as unknown elsewhere.
"""

from __future__ import annotations

from mds_client.payload_check.report import Severity
from mds_client.server_info import ServerInfo

# rule -> server family -> severity (None: that server takes it, say nothing); "" is a server that did not say.
RULES: dict[str, dict[str, Severity | None]] = {
    # MLServer's runtimes join several inputs into one frame only with the request-level content_type 'pd'
    # (else "... only supports a single input"); Triton and KServe hand each input to the model by name.
    "inputs_without_pd": {"mlserver": "error", "triton": None, "kserve": None, "": "warning"},
    # Without content_type 'str' MLServer 1.7's pd codec happens to read text, other codecs hand the model bytes;
    # Triton ignores content types: its models always get bytes.
    "bytes_without_str": {"mlserver": "warning", "triton": None, "kserve": "warning", "": "warning"},
    # The protocol sends data flat; MLServer and Triton 2.51 both accept nested lists.
    "nested_data": {"mlserver": "info", "triton": "info", "kserve": "warning", "": "warning"},
    # FP64 where the model declares FP32: MLServer converts; Triton refuses ("data-type is 'FP64', but model
    # expects 'FP32'").
    "datatype_in_family": {"mlserver": "warning", "triton": "error", "kserve": "warning", "": "warning"},
    # A shape other than the declared one ([n] for [-1, 1]): Triton refuses ("Expected [-1,1], got [1]");
    # MLServer does not look at declared shapes.
    "declared_shape": {"mlserver": None, "triton": "error", "kserve": "warning", "": "warning"},
    # An input the model does not declare: MLServer leaves it to the runtime (the sklearn runtime drops an
    # unknown column); Triton refuses ("expected 1 inputs but got 2").
    "unknown_input": {"mlserver": "warning", "triton": "error", "kserve": "warning", "": "warning"},
    # Several rows for a model whose inputs have no batch dimension (Triton's max_batch_size 0).
    "rows_per_request": {"mlserver": None, "triton": "error", "kserve": "warning", "": "warning"},
}


def severity(rule: str, server: ServerInfo) -> Severity | None:
    """How much ``server`` minds what ``rule`` names; None: it takes it as it is."""
    return RULES[rule][server.family]


def refuses(server: ServerInfo) -> str:
    """How a finding names who refuses: the server itself when known, else 'some servers'."""
    return server.name or "some V2 servers"
