"""Helpers that know nothing of schools, people or policies: the portal's bottom layer."""
