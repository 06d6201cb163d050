"""Residents and their requests for a listening hour: the public form and entry on a resident's behalf (intake),
the request's life from new to completed, the coordinator's triage queue, and the communities they live in."""
