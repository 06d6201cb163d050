"""What every part of the programme stands on: settings, the database and its transactions, the one clock,
translations, errors, the audit trail, permissions, labels, phone numbers and incident ids. Nothing here knows about
requests, visits or volunteers beyond the models; everything else may import from here."""
