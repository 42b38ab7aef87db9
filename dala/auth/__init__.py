"""Identity (users, sessions, API tokens, password reset) and permissions (Casbin)."""
