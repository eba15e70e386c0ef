"""One read of an incident (and of its notes) serves every incident action of a plan.

A plan's incident actions run one at a time (one lane) while CAD holds the incident's
lock, so nothing but CAD's own writes changes the incident meanwhile; those writes update
the view from their replies. A new plan (a new execution context) reads afresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from cad_core.run.context import ExecutionContext
from cad_core.run.overlap import concurrently
from cad_pagerduty import incidents

T = TypeVar("T")
VIEWS = "cad_pagerduty.views"  # ctx.shared key: id(plan context) -> (context, view)


class CachedRead(Generic[T]):
    """One PagerDuty read, made at most once until dropped.

    ``get()`` is the idempotency check's read. ``warm()`` is the same read started early
    (the executors' warm-up): it never repeats a read a check made, and its failure is
    kept and raised to the check that asks next, as if that check had read, so a
    rejected token costs one request per read, not two.
    """

    def __init__(self, fetch: Callable[[], T]) -> None:
        self._fetch = fetch
        self._lock = threading.Lock()  # one per read: the reads can run side by side
        self._value: T | None = None
        self._tried = False
        self._failed: BaseException | None = None

    def get(self) -> T:
        with self._lock:
            failed, self._failed = self._failed, None
            if failed is not None:
                raise failed
            if self._value is None:
                self._tried = True
                self._value = self._fetch()
            return self._value

    def warm(self) -> None:
        with self._lock:
            if self._tried:
                return
            self._tried = True
            try:
                self._value = self._fetch()
            except Exception as error:
                self._failed = error

    def peek(self) -> T | None:
        return self._value

    def set(self, value: T | None) -> None:
        self._value = value


class IncidentView:
    def __init__(self, incident_id: str) -> None:
        self.incident_id = incident_id
        self._incident = CachedRead(lambda: incidents.get_incident(incident_id))
        self._notes = CachedRead(lambda: incidents.note_contents(incident_id))
        self._ours: list[str] = []  # notes this plan posted
        # The title a silence or escalation of this plan set in its own request.
        self.carried_title: str | None = None
        self.lock = threading.RLock()  # writes, and the state they update
        self._warming = False

    def incident(self) -> dict[str, Any]:
        return self._incident.get()

    def notes(self) -> list[str]:
        return list(self._notes.get())

    def warm(self, *, incident: bool, notes: bool) -> None:
        """Read what the plan's checks will need, side by side, once per view (the
        executors' warm-up, started when the plan starts, while earlier actions run)."""
        with self.lock:
            if self._warming:
                return
            self._warming = True
        reads = ((self._incident, incident), (self._notes, notes))
        concurrently(*(read.warm for read, wanted in reads if wanted))

    def has_line(self, text: str, *, earlier_only: bool = False) -> bool:
        """Whether some note holds ``text`` (CAD folds several reasons into one note).

        ``earlier_only`` leaves out the notes this plan posted itself.
        """
        wanted = text.strip()
        notes = self.notes()
        if earlier_only:
            for ours in self._ours:
                if ours in notes:
                    notes.remove(ours)
        return any(wanted in note for note in notes)

    def post_note(self, content: str) -> None:
        self.write(incidents.add_note, self.incident_id, content, returns_incident=False)
        with self.lock:
            self._ours.append(content)
            known = self._notes.peek()
            if known is not None:
                known.append(content)

    def post_note_once(self, content: str) -> None:
        if not self.has_line(content):
            self.post_note(content)

    def write(self, request: Callable[..., Any], *args: Any, returns_incident: bool = True) -> None:
        """Send a write. Its reply, when it is the incident, becomes the view's incident.

        After a failure nothing cached can be trusted (the write may have landed without
        its reply), so the next idempotency check reads PagerDuty again.
        """
        try:
            reply = request(*args)
        except Exception:
            with self.lock:
                self._incident.set(None)
                self._notes.set(None)
            raise
        if returns_incident:
            with self.lock:
                self._incident.set(reply if isinstance(reply, dict) else None)


def view_of(ctx: ExecutionContext, incident_id: str) -> IncidentView:
    """The view for this plan (each plan has its own execution context)."""
    with ctx.shared_lock:
        views = ctx.shared.setdefault(VIEWS, {})
        # Keeping the context itself in the entry keeps its id from being reused.
        owner, view = views.get(id(ctx), (None, None))
        if owner is not ctx or view is None or view.incident_id != incident_id:
            view = IncidentView(incident_id)
            views[id(ctx)] = (ctx, view)
        assert isinstance(view, IncidentView)
        return view
