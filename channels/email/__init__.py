"""Email threads: IMAP in (IDLE, or polling), SMTP out, one conversation per thread.

The registry imports `channels.email.channel` only when email is on, and
`config` imports `channels.email.settings` without pulling in the mail clients.
"""
