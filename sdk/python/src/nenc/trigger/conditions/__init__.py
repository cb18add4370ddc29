"""The contexts handed to argument provider functions, one module per condition kind."""

from nenc.trigger.conditions.base import Arguments, TaskContext
from nenc.trigger.conditions.cron import CronContext
from nenc.trigger.conditions.event import EventContext
from nenc.trigger.conditions.exception import ExceptionContext
from nenc.trigger.conditions.result import ResultContext
from nenc.trigger.conditions.status import StatusContext

TriggerContext = StatusContext | ResultContext | ExceptionContext | EventContext | CronContext

__all__ = [
    "Arguments",
    "CronContext",
    "EventContext",
    "ExceptionContext",
    "ResultContext",
    "StatusContext",
    "TaskContext",
    "TriggerContext",
]
