"""One read of an incident (and of its notes) serves every incident action of a plan.

A plan's incident actions run one at a time (one lane) while CAD holds the incident's
lock, so nothing but CAD's own writes changes the incident meanwhile; those writes update
the view from their replies. A new plan (a new execution context) reads afresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from cad_core.context import ExecutionContext
from cad_core.overlap import concurrently
from cad_pagerduty import incidents

VIEWS = "cad_pagerduty.views"  # ctx.shared key: id(plan context) -> (context, view)


class IncidentView:
    def __init__(self, incident_id: str) -> None:
        self.incident_id = incident_id
        self._incident: dict[str, Any] | None = None
        self._notes: list[str] | None = None
        self._ours: list[str] = []  # notes this plan posted
        # The title a silence or escalation of this plan set in its own request.
        self.carried_title: str | None = None
        self.lock = threading.RLock()  # writes, and the state they update
        # One lock per read, so the incident and its notes can be read side by side.
        self._incident_lock = threading.Lock()
        self._notes_lock = threading.Lock()
        self._warming = False
        # A warm-up read's failure, raised once to the check that asks next (as if that
        # check had read), so a rejected token costs one request, not two.
        self._failed: dict[str, BaseException] = {}
        self._tried: set[str] = set()  # a warm-up never repeats a read a check made

    def incident(self) -> dict[str, Any]:
        with self._incident_lock:
            self._raise_warm_failure("incident")
            incident = self._incident
            if incident is None:
                self._tried.add("incident")
                incident = incidents.get_incident(self.incident_id)
                self._store_incident(incident)
            return incident

    def notes(self) -> list[str]:
        with self._notes_lock:
            self._raise_warm_failure("notes")
            notes = self._notes
            if notes is None:
                self._tried.add("notes")
                notes = incidents.note_contents(self.incident_id)
                self._store_notes(notes)
            return list(notes)

    def _store_incident(self, incident: dict[str, Any]) -> None:
        with self.lock:
            self._incident = incident

    def _store_notes(self, notes: list[str]) -> None:
        with self.lock:
            self._notes = notes

    def warm(self, *, incident: bool, notes: bool) -> None:
        """Read what the plan's checks will need, side by side, once per view (the
        executors' warm-up, started when the plan starts, while earlier actions run)."""
        with self.lock:
            if self._warming:
                return
            self._warming = True
        reads: list[Callable[[], None]] = []
        if incident:
            reads.append(
                lambda: self._warm_read("incident", self._incident_lock, self._warm_incident)
            )
        if notes:
            reads.append(lambda: self._warm_read("notes", self._notes_lock, self._warm_notes))
        concurrently(*reads)

    def _warm_incident(self) -> None:
        self._store_incident(incidents.get_incident(self.incident_id))

    def _warm_notes(self) -> None:
        self._store_notes(incidents.note_contents(self.incident_id))

    def _warm_read(self, what: str, lock: threading.Lock, read: Callable[[], None]) -> None:
        """One warm-up read, unless a check made it already. A failure is kept, within
        the read's lock, and raised to the check that asks next, as if that check had
        read: a rejected token costs one request per read, not two."""
        with lock:
            if what in self._tried:
                return
            self._tried.add(what)
            try:
                read()
            except Exception as error:
                with self.lock:
                    self._failed[what] = error

    def _raise_warm_failure(self, what: str) -> None:
        with self.lock:
            error = self._failed.pop(what, None)
        if error is not None:
            raise error

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
            if self._notes is not None:
                self._notes.append(content)

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
                self._incident = self._notes = None
            raise
        if returns_incident:
            with self.lock:
                self._incident = reply if isinstance(reply, dict) else None


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
