"""What building the AWS and PagerDuty clients costs a fresh alert process, step by step.

Each trial is a fresh interpreter (as each alert is) that times, as CPU
(``time.process_time``), the steps an alert takes to get its clients, in order:

* ``import boto3`` (with botocore, urllib3 and s3transfer, which boto3 imports);
* the process's botocore session (``cad_ocm.awsclients``) and its first EC2 client, with
  the service-model loading inside it measured apart (``Loader.load_service_model``);
* a CloudTrail client from the same session, then an EC2 client for other credentials
  from it (what a later run of a long-lived process pays), and an EC2 client from a new
  botocore session (what one session per run would pay again);
* the EC2 service model loaded by a new botocore ``Loader`` as botocore builds it, and by
  one with cad-ocm's plain-dict file loader (after everything else, so both read the
  files from the page cache);
* ``import pagerduty`` (httpx2), the first PagerDuty client (it imports httpcore2), then
  one built as httpx does by itself (its own TLS context from ``SSL_CERT_FILE``) and one
  as cad-pagerduty builds it (the process's shared context, already parsed for the other
  clients); and, first of all, one CA bundle parse (certifi's; the sandbox's is larger).
  ``SSL_CERT_FILE`` and ``AWS_CA_BUNDLE`` name certifi's bundle unless set.

Steps run in the same order in every trial; figures are medians over ``--trials`` fresh
processes; the ratios compare each shared or cached path with its uncached twin measured
in the same processes. No goal: it shows where a client's CPU goes.

    .venv/bin/python bench/clients.py [--trials 9]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRIAL = r"""
import json, os, ssl, sys, time, certifi
os.environ.setdefault("SSL_CERT_FILE", certifi.where())
os.environ.setdefault("AWS_CA_BUNDLE", certifi.where())
steps = {}
def step(name, make):
    started = time.process_time()
    made = make()
    steps[name] = time.process_time() - started
    return made
CREDS = ("AKIDEXAMPLE", "secret", "token")
step("one CA bundle parse (certifi's)",
     lambda: ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"]))
step("import boto3", lambda: __import__("boto3.session"))
from cad_ocm import awsclients
import botocore.loaders
loading = []
real = botocore.loaders.Loader.load_service_model
def timed(self, *args, **kwargs):
    started = time.process_time()
    try:
        return real(self, *args, **kwargs)
    finally:
        loading.append(time.process_time() - started)
botocore.loaders.Loader.load_service_model = timed
step("EC2 client, first (session and the shared context's one parse included)",
     lambda: awsclients.shared_client("ec2", "us-east-1", CREDS))
steps["  of which loading service models"] = sum(loading)
step("CloudTrail client, same session",
     lambda: awsclients.shared_client("cloudtrail", "us-east-1", CREDS))
step("EC2 client, other credentials, same session",
     lambda: awsclients.shared_client("ec2", "us-east-1", ("AKID2", "s2", "t2")))
import boto3.session
step("EC2 client from a new botocore session",
     lambda: boto3.session.Session(*CREDS, region_name="us-east-1").client("ec2"))
step("import pagerduty", lambda: __import__("pagerduty"))
import pagerduty
from cad_core.http import tls_context
step("PagerDuty client, first (imports httpcore2, anyio, truststore)",
     lambda: pagerduty.RestApiV2Client("k", default_from="a@b.c", base_url="https://127.0.0.1:9",
                                       verify=tls_context(os.environ["SSL_CERT_FILE"])))
step("PagerDuty client, httpx's own TLS context",
     lambda: pagerduty.RestApiV2Client("k", default_from="a@b.c", base_url="https://127.0.0.1:9"))
step("PagerDuty client, the shared TLS context",
     lambda: pagerduty.RestApiV2Client("k", default_from="a@b.c", base_url="https://127.0.0.1:9",
                                       verify=tls_context(os.environ["SSL_CERT_FILE"])))
def model(plain):
    loader = botocore.loaders.create_loader()
    if plain:
        loader.file_loader = awsclients.PlainJSONFileLoader()
    return loader.load_service_model("ec2", "service-2")
step("EC2 model, a new botocore Loader", lambda: model(False))
step("EC2 model, a new Loader with cad-ocm's plain-dict file loader", lambda: model(True))
print(json.dumps(steps))
"""
PAIRS = (
    (
        "EC2 model, a new Loader with cad-ocm's plain-dict file loader",
        "EC2 model, a new botocore Loader",
    ),
    ("EC2 client, other credentials, same session", "EC2 client from a new botocore session"),
    (
        "CloudTrail client, same session",
        "EC2 client, first (session and the shared context's one parse included)",
    ),
    ("PagerDuty client, the shared TLS context", "PagerDuty client, httpx's own TLS context"),
)


def trial() -> dict[str, float]:
    result = subprocess.run(
        [str(REPO / ".venv" / "bin" / "python"), "-c", TRIAL],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"a trial failed:\n{result.stderr[-2000:]}")
    steps: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=9)
    options = parser.parse_args()
    runs = [trial() for _ in range(options.trials)]
    medians = {name: statistics.median(run[name] for run in runs) for name in runs[0]}
    print(f"CPU per step in a fresh process, median of {options.trials}:")
    for name, value in medians.items():
        print(f"  {name}: {value * 1000:.1f} ms")
    print("ratios (cached or shared / uncached, same processes):")
    for cheap, dear in PAIRS:
        print(f"  {cheap} / {dear}: {medians[cheap] / medians[dear]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
