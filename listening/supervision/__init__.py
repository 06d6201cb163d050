"""Supervised practice and supervision: competency sign-offs (`competencies`, read by the training ladder), each
volunteer's supervisor and the supervision sessions they hold (`sessions`), and who is overdue for supervision or a
listening session, with the reminder SMS (`overdue`)."""
