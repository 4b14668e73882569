"""Notifications for staff: a ticket dispatched to you, a deadline missed on your ticket.

Built on the same events as any plugin (the core is the always-on plugin "core_notifications"),
so they arrive through the outbox and the job queue, and a redelivered event notifies only once.

    models.py   Notification: one row per person and event
    hooks.py    TicketNotifications: the hook implementations that write them
    routes.py   /api/v1/notifications: a person's own notifications, marking one read

Nothing registers on import: app.py adds TicketNotifications to the plugin host and the
blueprint to the API.
"""
