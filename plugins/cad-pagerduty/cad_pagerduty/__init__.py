"""CAD plugin for PagerDuty: webhooks become alerts; incident actions become API calls.

See ``docs/pagerduty.md`` for settings, behaviour and the permissions the key needs.
"""

__version__ = "0.1.0"
