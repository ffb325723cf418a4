"""Slack: the sales team's channel. Hot leads and requests for a person post an alert; a rep
claims the lead or takes the conversation over and talks to the customer from the thread."""
