"""SIGTERM in `cad run`: an exception (exit 143) after clean-up, never in the middle of it.

The whole path (a real `cad run` holding a remediation, SIGTERMed) is tested in
plugins/cad-ocm/tests/test_ocm_remediation_killed_run.py."""

from __future__ import annotations

import os
import signal
import time

import pytest

from cad_core.run.shutdown import Terminated, clean_exit_on_sigterm, shielded


def _deliver_sigterm() -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(0.05)  # the handler runs in the main thread, between two bytecodes


def test_sigterm_raises_terminated_with_exit_code_143() -> None:
    with pytest.raises(Terminated) as caught, clean_exit_on_sigterm():
        _deliver_sigterm()
        pytest.fail("SIGTERM did not interrupt the run")
    assert caught.value.code == 143


def test_sigterm_during_clean_up_waits_for_its_end() -> None:
    cleaned = []
    with pytest.raises(Terminated), clean_exit_on_sigterm():
        with shielded():
            _deliver_sigterm()
            cleaned.append("remediation deleted")
        pytest.fail("the pending SIGTERM was lost")
    assert cleaned == ["remediation deleted"]
    assert signal.getsignal(signal.SIGTERM) is not None  # the previous handler is back
