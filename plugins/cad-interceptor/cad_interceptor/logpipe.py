"""Logging that can never stop the front door.

Issue 22.5: with its stderr a pipe nobody drained fast enough, the interceptor's request
threads blocked in ``write()`` on their log lines; 16 of 369 webhooks got no answer within
30 s. Here records go through a bounded queue to one writer thread. When the queue is
full (the log reader is stuck), records are dropped and counted, never waited for, and
the count is reported in the log as soon as there is room again.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from logging.handlers import QueueHandler, QueueListener

QUEUE_RECORDS = 10_000

log = logging.getLogger("cad.interceptor")


class DroppingQueueHandler(QueueHandler):
    """A QueueHandler whose ``put`` never blocks: a full queue drops the record."""

    def __init__(self, records: queue.Queue[logging.LogRecord], on_drop: Callable[[], None]):
        super().__init__(records)
        self.on_drop = on_drop
        self.unreported = 0
        self._count = threading.Lock()

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            with self._count:
                self.unreported += 1
            self.on_drop()
            return
        with self._count:
            dropped, self.unreported = self.unreported, 0
        if dropped:
            note = logging.LogRecord(
                log.name,
                logging.WARNING,
                __file__,
                0,
                "%d log records were dropped: the log output was not read fast enough",
                (dropped,),
                None,
            )
            try:
                self.queue.put_nowait(self.prepare(note))
            except queue.Full:
                with self._count:
                    self.unreported += dropped


class LogPipe:
    """Moves the root logger's handlers behind a bounded queue; ``close()`` flushes."""

    def __init__(self, on_drop: Callable[[], None] = lambda: None) -> None:
        root = logging.getLogger()
        self.handlers = list(root.handlers)
        records: queue.Queue[logging.LogRecord] = queue.Queue(QUEUE_RECORDS)
        self.listener = QueueListener(records, *self.handlers, respect_handler_level=True)
        self.handler = DroppingQueueHandler(records, on_drop)
        root.handlers[:] = [self.handler]
        self.listener.start()

    def close(self) -> None:
        self.listener.stop()  # writes what is queued
        logging.getLogger().handlers[:] = self.handlers
