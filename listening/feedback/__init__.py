"""A resident's feedback after each visit held: two questions, answered by SMS with two digits or, for a +86
number or a resident without SMS, by a coordinator's call (`asking`); what a worrying answer opens: a follow-up
for a coordinator (`followups`) and, for money or private contact, a safeguarding escalation with the
volunteer's other visits held (safeguarding/holds.py). Demo rows: `demo`."""
