"""Private: the gRPC channel, request building, proto <-> Python conversion, error mapping."""

import importlib


def _allow_deep_messages() -> None:
    """Lets upb (the default protobuf runtime) carry values 64 JSON levels deep.

    upb refuses messages nested past 100 levels and counts three per JSON level of a
    Struct, so a value 33 levels deep could not even be built. Depth is bounded
    elsewhere: the SDK checks it before sending, the orchestrator refuses values past
    its limit. Other protobuf runtimes have no such module and keep their defaults.
    """
    try:
        upb = importlib.import_module("google._upb._message")
    except ImportError:
        return
    allow = getattr(upb, "SetAllowOversizeProtos", None)
    if callable(allow):
        allow(True)


_allow_deep_messages()
