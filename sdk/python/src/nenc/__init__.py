"""nenc — the Python SDK of the nenc orchestrator: tasks, declarative triggers, workers.

Example::

    from nenc import Nenc
    from nenc.trigger.trigger_builder import TriggerBuilder

    app = Nenc()  # NENC_URL, NENC_APP_ID

    @app.task
    def source_task(x: int) -> str:
        return f"Processed {x}"

    @app.task(triggers=TriggerBuilder().on_status(source_task, statuses=["SUCCESS"]))
    def notification_task() -> str:
        return "Source task completed successfully"
"""

from nenc.app import Nenc, WorkerHandle
from nenc.current import CurrentInvocation, current_invocation
from nenc.errors import (
    AlreadyExistsError,
    InvalidArgumentError,
    InvocationTimeoutError,
    NencError,
    NotFoundError,
    PermissionDeniedError,
    ResourceExhaustedError,
    ResultNotAcceptedError,
    TaskFailedError,
    UnauthenticatedError,
    UnavailableError,
)
from nenc.invocation import InvocationInfo, InvocationStatus
from nenc.invocation.handle import Invocation
from nenc.task import RetryPolicy, Task
from nenc.trigger.cel import Cel, cel
from nenc.trigger.client import RuntimeTriggerBuilder, TriggerClient
from nenc.trigger.conditions import (
    Arguments,
    CronContext,
    EventContext,
    ExceptionContext,
    ResultContext,
    StatusContext,
    TriggerContext,
)
from nenc.trigger.trigger_builder import TriggerBuilder

__version__ = "0.1.0"

#: The seed's name for the app class, so that `from pynenc import Pynenc` becomes
#: `from nenc import Pynenc` with nothing else changed.
Pynenc = Nenc

__all__ = [
    "AlreadyExistsError",
    "Arguments",
    "Cel",
    "CronContext",
    "CurrentInvocation",
    "EventContext",
    "ExceptionContext",
    "InvalidArgumentError",
    "Invocation",
    "InvocationInfo",
    "InvocationStatus",
    "InvocationTimeoutError",
    "Nenc",
    "NencError",
    "NotFoundError",
    "PermissionDeniedError",
    "Pynenc",
    "ResourceExhaustedError",
    "ResultContext",
    "ResultNotAcceptedError",
    "RetryPolicy",
    "RuntimeTriggerBuilder",
    "StatusContext",
    "Task",
    "TaskFailedError",
    "TriggerBuilder",
    "TriggerClient",
    "TriggerContext",
    "UnauthenticatedError",
    "UnavailableError",
    "WorkerHandle",
    "cel",
    "current_invocation",
]
