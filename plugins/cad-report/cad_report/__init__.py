"""cad-report: the HTML run report (``--output html``, ``cad report``)."""
