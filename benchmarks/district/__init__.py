"""The generated district behind benchmarks/gen_district.py, in parts: `base` (the bulk writer), `people`
(accounts, volunteers, their training and availability), `requests` (residents, requests, visits, logs, SMS),
`volunteering` (applications, vetting, competencies, supervision) and `programme` (feedback, holds, complaints,
activities, suggestions and their follow-ups, journey plans)."""
