"""SMS and WhatsApp through Twilio's Messaging API.

The registry imports `channels.twilio.channel` only when Twilio is on, and
`config` imports `channels.twilio.settings` without pulling in the SDK.
"""
