"""``access_protected`` is asked with the alert's id beside the cluster search.

See docs/resources.md (the `access_protected` row).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from cad_core.run.context import Resources

CLASSIC = "2h9pah3dia23jtu9or8f0kgt87lq15vc"  # an internal id: 32 lower-case letters, digits
PROTECTION = "/api/access_transparency/v1/access_protection"
SEARCH = "/api/clusters_mgmt/v1/clusters"
MEET_S = 10  # only reached when the two reads do not overlap: the test then fails


@pytest.fixture
def resources_for(world: Any, ref: Any, ocm_registry: Any) -> Iterator[Any]:
    world.add(ref("ocm_cluster_rosa_classic_sts"), pools=[], labels=[])
    made: list[Resources] = []

    def make(cluster_id: str) -> Resources:
        made.append(Resources(ocm_registry.resources(), cluster_id=cluster_id))
        return made[-1]

    yield make
    for resources in made:
        resources.close()


def _meeting(fake: Any, path: str, barrier: threading.Barrier) -> None:
    answer = fake.routes[("GET", path)]

    def handler(seen: Any) -> Any:
        barrier.wait()  # both requests are at the server at once, or this times out
        return answer(seen)

    fake.handle("GET", path, handler)


def test_an_internal_id_is_asked_beside_the_search_once(fake, resources_for) -> None:
    barrier = threading.Barrier(2, timeout=MEET_S)
    _meeting(fake, SEARCH, barrier)
    _meeting(fake, PROTECTION, barrier)
    assert resources_for(CLASSIC).get("access_protected") is False
    assert [call.query for call in fake.calls(path=PROTECTION)] == [{"clusterId": CLASSIC}]


@pytest.mark.parametrize("identifier", ["720ddb78-c7c5-4267-a1ac-bd8a27e485e0", "zac-rosa-3b"])
def test_an_external_id_or_a_name_is_never_guessed_with(fake, resources_for, identifier) -> None:
    assert resources_for(identifier).get("access_protected") is False
    paths = [call.path for call in fake.calls() if call.path in (SEARCH, PROTECTION)]
    assert paths == [SEARCH, PROTECTION]
    assert fake.calls(path=PROTECTION)[0].query == {"clusterId": CLASSIC}


def test_a_guess_the_search_does_not_confirm_is_asked_again(
    fake, world, ref, resources_for
) -> None:
    guess = "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"  # shaped like an id, but a display name here
    named = {**ref("ocm_cluster_rosa_classic_sts"), "display_name": guess}
    world.add(
        {**named, "id": "9h9pah3dia23jtu9or8f0kgt87lq15vc", "external_id": "x-1", "name": "n"},
        pools=[],
        labels=[],
    )
    resources = resources_for(guess)
    assert resources.get("access_protected") is False
    asked = [call.query["clusterId"] for call in fake.calls(path=PROTECTION)]
    assert sorted(asked) == sorted([guess, resources.get("cluster")["id"]])


def test_an_error_of_the_confirmed_guess_is_the_answer(fake, resources_for) -> None:
    from cad_core.errors import ResourceError

    fake.route("GET", PROTECTION, body={})
    with pytest.raises(ResourceError, match="did not say"):
        resources_for(CLASSIC).get("access_protected")
    assert len(fake.calls(path=PROTECTION)) == 1  # not asked a second time
