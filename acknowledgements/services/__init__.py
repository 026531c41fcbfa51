"""Writes of the acknowledgements app, one module a concern: `signoff`, `reminders`,
`declarations`, `approvals` (and `common`, what the last three share). Import from the module:
this package re-exports nothing."""
