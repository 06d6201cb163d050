"""The demo centre: `seed_demo` (centre.py) fills an empty database with a believable Shenzhen community centre;
the other modules each seed one part of it (applications, supervision, feedback, connections)."""

from listening.demo.centre import DEMO_ACCOUNTS, DEMO_PASSWORD, is_seeded, seed_demo

__all__ = ["DEMO_ACCOUNTS", "DEMO_PASSWORD", "is_seeded", "seed_demo"]
