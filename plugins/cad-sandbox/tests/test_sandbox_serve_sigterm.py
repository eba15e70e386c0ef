"""`cad sandbox serve` stopped with SIGTERM cleans up and prints the world, as on Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path


def test_sigterm_removes_the_temp_folder_and_prints_the_world() -> None:
    serve = subprocess.Popen(
        [sys.executable, "-c", "from cad_core.cli.commands import main; main()"]
        + ["sandbox", "serve", "chgm-customer-stopped-instances"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stdout is not None
        payload = ""
        for line in serve.stdout:
            if line.startswith("# then: cad run --payload-path "):
                payload = line.strip().rsplit(" ", 1)[-1]
                break
        assert Path(payload).exists()
        serve.send_signal(signal.SIGTERM)
        _, err = serve.communicate(timeout=60)
    finally:
        serve.kill()
    assert serve.returncode == 0, err
    assert not Path(payload).parent.exists()
    world = json.loads(err[err.index("{") :])
    assert "clusters" in world["ocm"]
