"""The inquiries service with two replicas behind one gateway, against one replica, in the
same run: GET /v1/inquiries/{id} and POST /v1/inquiries (the inquiries scenarios' data,
token and body). The 1-replica target is the baseline of the ratio column.

A second inquiries process and a second gateway (whose route table names both inquiries
processes, `GOVHUB_INQUIRIES_URL=a,b`) are started beside the stack on first use; the
first gateway keeps its one replica. On the 2-core machine wrk, both gateways' work, both
replicas and PostgreSQL share the same cores: a second replica cannot add CPU, so this
shows what balancing costs (a second process's share of the cores, its own pools and
caches), not a speed-up.
"""

from __future__ import annotations

from bench import inquiries, seed
from bench.harness import Stack, uvicorn
from bench.scenarios import Scenario, Target


def start_replicas(stack: Stack) -> None:
    """inquiries-2 and gateway-2r (both inquiries replicas behind it), once."""
    if "gateway-2r" in stack.ports:
        return
    stack.start_extra(
        "inquiries-2", lambda port: uvicorn("services.inquiries.app:create_app", port)
    )
    both = f"{stack.url('inquiries')},{stack.url('inquiries-2')}"
    stack.start_extra(
        "gateway-2r",
        lambda port: uvicorn("gateway.app:create_gateway_app", port),
        GOVHUB_INQUIRIES_URL=both,
    )


def get_targets(stack: Stack) -> list[Target]:
    start_replicas(stack)
    token = inquiries.ministry_token(stack)
    path = f"/v1/inquiries/{seed.inquiry_id(inquiries.GET_ROW)}"
    return [
        Target("gateway → 1 inquiries replica", f"{stack.url('gateway')}{path}", token),
        Target("gateway → 2 inquiries replicas", f"{stack.url('gateway-2r')}{path}", token),
    ]


def post_targets(stack: Stack) -> list[Target]:
    start_replicas(stack)
    body = inquiries.post_body_file()
    token = inquiries.staff_token(stack)
    return [
        Target(
            "gateway → 1 inquiries replica",
            f"{stack.url('gateway')}/v1/inquiries",
            token,
            body_file=body,
        ),
        Target(
            "gateway → 2 inquiries replicas",
            f"{stack.url('gateway-2r')}/v1/inquiries",
            token,
            body_file=body,
        ),
    ]


SCENARIOS = [
    Scenario("GET inquiry by id, 2 replicas", inquiries.prepare, get_targets),
    Scenario("POST inquiry, 2 replicas", inquiries.prepare, post_targets),
]
