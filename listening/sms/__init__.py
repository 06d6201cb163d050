"""SMS for residents: provider transports, segment counting and inbound reply parsing (no database access)."""
