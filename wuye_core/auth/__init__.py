"""Who is calling: staff users and platform operators, their roles, passwords and tokens."""
