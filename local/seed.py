"""What the local runtime adds after provisioning: the demo users of the local directory.

The entity catalogue is seeded the way it is on AWS — by the template's seeding custom resource,
if the template has one — so that local and deployed data agree. Only the local directory (which
exists nowhere on AWS: Cognito plays that part there) is seeded here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoUser:
    sub: str
    groups: tuple[str, ...]
    email: str | None = None


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("citizen-demo", ("citizen",), "citizen-demo@example.com"),
    DemoUser("oversight-demo", ("oversight",), "oversight-demo@example.com"),
)
