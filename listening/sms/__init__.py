"""SMS to residents, volunteers and coordinators: the outbox every message is first written to, its templates (never
a URL, never asking a +86 number to reply), the reminders a visit causes, the worker that sends due rows through a
transport (Twilio, or the outbox only), inbound replies and delivery status, and segment counting."""
