"""Invocations: their statuses (``nenc.invocation.status``) and handles (``nenc.invocation.handle``)."""

from nenc.invocation.info import InvocationInfo, Provenance, TaskErrorInfo
from nenc.invocation.status import InvocationStatus

__all__ = ["InvocationInfo", "InvocationStatus", "Provenance", "TaskErrorInfo"]
