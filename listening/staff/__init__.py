"""Staff accounts (coordinators and volunteers; residents have none): passwords, sign-in and browser sessions."""
