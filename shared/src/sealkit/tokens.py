"""`python -m sealkit.tokens SUB ROLE[,ROLE]` prints a dev token (what `make token` runs)."""

from __future__ import annotations

import argparse

from sealkit.auth import ROLES, mint_token
from sealkit.settings import ServiceSettings


def dev_token(
    sub: str,
    roles: list[str],
    *,
    name: str | None = None,
    email: str | None = None,
    enterprise_id: str | None = None,
    hours: int = 12,
) -> str:
    """A token signed with this environment's SEALFLOW_JWT_SECRET (what the suite's services accept)."""
    return mint_token(
        sub,
        roles,
        secret=ServiceSettings().jwt_secret,
        name=name,
        email=email,
        enterprise_id=enterprise_id,
        ttl_seconds=hours * 3600,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Print a Sealflow dev JWT signed with SEALFLOW_JWT_SECRET")
    parser.add_argument("sub")
    parser.add_argument(
        "roles", nargs="?", default="", help=f"comma-separated, of: {', '.join(sorted(ROLES))}"
    )
    parser.add_argument("--email")
    parser.add_argument("--enterprise-id")
    parser.add_argument("--hours", type=int, default=12)
    args = parser.parse_args()
    roles = [r for r in args.roles.split(",") if r]
    unknown = set(roles) - ROLES
    if unknown:
        parser.error(f"unknown roles: {', '.join(sorted(unknown))}")
    print(dev_token(args.sub, roles, email=args.email, enterprise_id=args.enterprise_id, hours=args.hours))


if __name__ == "__main__":
    main()
