"""The chat service the executor talks to is the plugin's own sandbox simulator.

cad-sandbox's ``cad_simulator`` fixture serves it on loopback HTTPS and points
CAD_EXAMPLE_CHAT_URL at it; see cad_example/simulator.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def chat(cad_simulator: Callable[..., Any]) -> Any:
    """The simulated chat service: ``.world`` holds its messages, ``.requests`` its log."""
    return cad_simulator("chat")
