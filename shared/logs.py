"""The services' log lines: one JSON object per line on stdout (`configure_logging`), written by
`LineHandler` and rendered by `JSONLogFormatter`, each with the request and trace ids of the work that
wrote it; `AccessRecord` is the record of a request's access line (`shared.observability`)."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

import orjson
import structlog

from shared.tracing import current_ids


def add_trace_ids(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    ids = current_ids()
    if ids is not None:
        event.setdefault("trace_id", ids[0])
        event.setdefault("span_id", ids[1])
    return event


class JSONLogFormatter(logging.Formatter):
    """One JSON object per record, `service` first. A structlog record carries its processed event dict
    (`wrap_for_formatter`): it is rendered as it is. A standard-library record (uvicorn, SQLAlchemy,
    the services' `logging` loggers) gets the same fields: message as `event`, the request context
    (request and trace ids), level and UTC time. Rendering in one step (orjson; `str()` of anything it
    cannot encode), without copying the record or running a second processor chain, keeps the access
    line, written once per request, cheap."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        if isinstance(record.msg, dict) and not record.args:  # from structlog, processed already
            event: dict[str, Any] = {"service": self.service, **record.msg}
        else:
            event = {"service": self.service, "event": record.getMessage()}
            event.update(structlog.contextvars.get_contextvars())
            add_trace_ids(None, "", event)
            event["level"] = record.levelname.lower()
        if "timestamp" not in event:
            event["timestamp"] = _utc_iso(record.created)
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        elif "exc_info" in event:  # structlog's `log.exception(…)`: render the exception it names
            event = dict(structlog.processors.format_exc_info(None, "", event))
        return orjson.dumps(event, default=str).decode()


_second: tuple[int, str] = (-1, "")


def _utc_iso(created: float) -> str:
    """`created` (seconds since the epoch) as ISO 8601 UTC with microseconds and a `Z`, as structlog's
    TimeStamper writes it; the part up to the second is formatted once per second."""
    global _second
    whole = int(created)
    if _second[0] != whole:
        _second = (whole, dt.datetime.fromtimestamp(whole, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    return f"{_second[1]}.{int((created - whole) * 1e6):06d}Z"  # microseconds, truncated


class LineHandler(logging.StreamHandler):
    """Lines to a stream, flushed at once for a warning or worse and otherwise at most `every` seconds
    later (by a daemon thread), rather than with a write of its own for every line: the access line of
    every request would otherwise cost a system call. At exit `logging.shutdown` flushes what is left;
    a process killed outright loses at most `every` seconds of info lines, never an error. The thread
    waits its `every` seconds with `sleep` (`time.sleep`; a test passes one it ends itself)."""

    def __init__(self, stream: Any, every: float = 0.2, *, sleep: Callable[[float], object] = time.sleep) -> None:
        super().__init__(stream)
        self.every = every
        self.sleep = sleep
        self._pending = threading.Event()
        self._closed = False
        self.flusher = threading.Thread(target=self._flusher, name="log-flush", daemon=True)
        self.flusher.start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(self.format(record) + self.terminator)
            if record.levelno >= logging.WARNING:
                self.flush()
        except RecursionError:  # as StreamHandler.emit
            raise
        except Exception:
            self.handleError(record)
            return
        if not self._pending.is_set():
            self._pending.set()

    def close(self) -> None:
        """Flush what is written and let the flushing thread end."""
        self._closed = True
        self._pending.set()
        self._flush_quietly()
        super().close()

    def _flush_quietly(self) -> None:
        """Flush; a stream closed meanwhile (by its owner: a test's captured stdout) has nothing to flush,
        as `logging.shutdown` also takes it."""
        try:
            self.flush()
        except (OSError, ValueError):
            pass

    def _flusher(self) -> None:
        # `close` sets `_closed` before `_pending`: whenever it comes (during the sleep too, whose
        # `clear` would otherwise leave the thread waiting for good), the loop's test or the wait sees it.
        while not self._closed:
            self._pending.wait()
            if self._closed:
                return
            self.sleep(self.every)
            self._pending.clear()
            self._flush_quietly()  # under the handler's lock (StreamHandler.flush)


def configure_logging(service: str, level: str = "INFO", json_logs: bool = True) -> None:
    """One JSON object per line on stdout (or a readable console line when `json_logs` is off)."""
    shared_processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared_processors, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter: logging.Formatter = JSONLogFormatter(service)
    if not json_logs:
        formatter = structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared_processors,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.dev.ConsoleRenderer(),
            ],
        )
    # The lines say nothing of source file, thread or process: the records need not look them up
    # (the logging HOWTO's "Optimization"; findCaller walks the stack on every record otherwise).
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = LineHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for replaced in root.handlers:  # an app started again in the same process (tests) replaces its handler
        if isinstance(replaced, LineHandler):
            replaced.close()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our middleware logs each request once


class AccessRecord(logging.LogRecord):
    """An access line's record: a logging record like any (every handler and formatter can read it, in its
    `__dict__` too), whose fields that do not vary — no source location, thread or process (see
    `configure_logging`) — are copied in one step, so that making one computes only its time."""

    _FIXED: ClassVar[dict[str, Any]] = {
        "name": "access",
        "args": (),
        "levelname": "INFO",
        "levelno": logging.INFO,
        "pathname": "",
        "filename": "",
        "module": "",
        "lineno": 0,
        "funcName": None,
        "exc_info": None,
        "exc_text": None,
        "stack_info": None,
        "thread": None,
        "threadName": None,
        "processName": None,
        "process": None,
    }

    def __init__(self, event: dict[str, Any]) -> None:
        fields = self.__dict__
        fields.update(self._FIXED)
        fields["msg"] = event
        fields["created"] = created = time.time()
        fields["msecs"] = int((created - int(created)) * 1000) + 0.0
        fields["relativeCreated"] = (created - logging._startTime) * 1000  # type: ignore[attr-defined]
