"""Small extractors that read lead fields out of one customer message.

Each module holds one kind of fact (contacts, names, companies, money, time,
quantities, authority, products); `bot.extraction.extract_update` composes
them into a `LeadUpdate`. Every extractor is a pure function of the text, so
each can be tested alone. Patterns use bounded repetition only, which keeps
matching linear in the length of the message.
"""
