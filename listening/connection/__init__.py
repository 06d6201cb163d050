"""The way back to real people: the centre's catalogue of activities (`activities`), an activity suggested in a
session log with its SMS and its follow-ups at two and six weeks (`suggestions`), and a resident's journey plan
with its review (`journeys`). Signals for a coordinator's review are in listening/residents/signals.py."""
