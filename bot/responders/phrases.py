"""Reply templates in the languages the offline responder speaks.

Templates carry no facts: every number comes from the catalog or a document.
"""

from __future__ import annotations

from typing import Any

PHRASES: dict[str, dict[str, str]] = {
    "empty": {
        "en": "I didn't catch a question there. What are you looking for? I can help with products, prices and delivery.",
        "ru": "Кажется, сообщение пустое. Что вас интересует? Могу рассказать о товарах, ценах и доставке.",
    },
    "greeting": {
        "en": "Hello! I'm the sales assistant. We offer {categories}. I can help you choose a product, get a price quote or answer questions about delivery and terms.",
        "ru": "Здравствуйте! Я ассистент отдела продаж. У нас есть: {categories}. Помогу подобрать товар, рассчитать стоимость и отвечу на вопросы о доставке и условиях.",
    },
    "greeting_named": {
        "en": "Hello! I'm the {company} assistant. We offer {categories}. I can help you choose a product, get a price quote or answer questions about delivery and terms.",
        "ru": "Здравствуйте! Я ассистент {company}. У нас есть: {categories}. Помогу подобрать товар, рассчитать стоимость и отвечу на вопросы о доставке и условиях.",
    },
    "catalog": {
        "en": "Here is what we offer: {items}. Which of these are you interested in?",
        "ru": "Вот что мы предлагаем: {items}. Что из этого вас интересует?",
    },
    "category_item": {
        "en": "{category} ({count}, e.g. {name}; from {price})",
        "ru": "{category} ({count} поз., например {name}; от {price})",
    },
    "other_language": {
        "en": "Our document on this is in Russian; here is what it says:",
        "ru": "Об этом у нас есть документ на английском языке; вот что в нём сказано:",
    },
    "ack": {
        "en": "Got it.",
        "ru": "Понял.",
    },
    "thanks": {
        "en": "You're welcome! Is there anything else I can help with?",
        "ru": "Пожалуйста! Чем ещё могу помочь?",
    },
    "price": {
        "en": "{name} ({sku}) costs {unit_price} per {unit}.",
        "ru": "{name} ({sku}) стоит {unit_price} за {unit}.",
    },
    "quote_discount": {
        "en": "For {qty} × {name}: {subtotal}, less the {percent}% volume discount ({discount}) — total {total}.",
        "ru": "За {qty} × {name}: {subtotal}, скидка {percent}% ({discount}) — итого {total}.",
    },
    "quote_plain": {
        "en": "For {qty} × {name}: total {total}.",
        "ru": "За {qty} × {name}: итого {total}.",
    },
    "next_tier": {
        "en": "Order {min_qty} or more to get {percent}% off.",
        "ru": "При заказе от {min_qty} — скидка {percent}%.",
    },
    "stock": {
        "en": "{name}: {stock} {unit} in stock. Lead time is {days} days.",
        "ru": "{name}: в наличии {stock} {unit}. Срок поставки — {days} дн.",
    },
    "out_of_stock": {
        "en": "{name} is out of stock right now; lead time is {days} days.",
        "ru": "{name} сейчас нет в наличии; срок поставки — {days} дн.",
    },
    "lead_time": {
        "en": "Lead time for {name} is {days} days ({stock} {unit} in stock now).",
        "ru": "Срок поставки {name} — {days} дн. (в наличии сейчас: {stock} {unit}).",
    },
    "choose": {
        "en": "Which one do you mean? {items}",
        "ru": "Какой именно вас интересует? {items}",
    },
    "cross_sell": {
        "en": "With {name} customers usually also take: {items}.",
        "ru": "Вместе с {name} обычно берут: {items}.",
    },
    "no_cross_sell": {
        "en": "{name} works on its own; there are no accessories I'd add to it.",
        "ru": "{name} не требует дополнительных товаров.",
    },
    "upsell": {
        "en": "The step up from {name} is the {upgrade} at {price}: {description}",
        "ru": "Следующая модель после {name} — {upgrade} за {price}: {description}",
    },
    "no_upsell": {
        "en": "{name} is already the top of its line.",
        "ru": "{name} — старшая модель в своей линейке.",
    },
    "from_docs": {
        "en": "{answer}",
        "ru": "{answer}",
    },
    "source": {
        "en": "(Source: {sources})",
        "ru": "(Источник: {sources})",
    },
    "unknown": {
        "en": "I'm sorry, I don't have that information in our documents, and I won't guess. I can pass your question to a colleague who will get back to you — would you like that?",
        "ru": "К сожалению, в наших материалах нет этой информации, и гадать я не буду. Могу передать вопрос коллеге, он ответит вам — передать?",
    },
    "unknown_product": {
        "en": "I don't have that detail about {name} in our documents, and I won't guess. A colleague can check it for you — shall I pass the question on?",
        "ru": "В наших материалах нет этих данных о {name}, гадать не буду. Могу попросить коллегу уточнить — передать вопрос?",
    },
    "objection_intro": {
        "en": "I understand. Here's how we look at it:",
        "ru": "Понимаю. Вот что мы можем предложить:",
    },
    "objection_generic": {
        "en": "I understand. Tell me what matters most to you — budget, timing or something else — and I'll look for the best option.",
        "ru": "Понимаю. Расскажите, что для вас важнее всего — бюджет, сроки или что-то ещё, — и я подберу лучший вариант.",
    },
    "handoff": {
        "en": "Of course — I've asked a colleague from our sales team to take over. They will reply here shortly.",
        "ru": "Конечно — я попросил коллегу из отдела продаж подключиться. Он скоро ответит здесь.",
    },
    "contact_thanks": {
        "en": "Thank you, I've noted your contact details.",
        "ru": "Спасибо, я записал ваши контакты.",
    },
    "hot": {
        "en": "A sales manager will contact you shortly to finalize the details.",
        "ru": "Менеджер свяжется с вами в ближайшее время, чтобы согласовать детали.",
    },
    "ask_product": {
        "en": "Which product are you interested in? Here is what we offer: {items}.",
        "ru": "Какой товар вас интересует? Вот что у нас есть: {items}.",
    },
    "apology": {
        "en": "Sorry, something went wrong on our side. Your message is saved and a colleague will follow up.",
        "ru": "Извините, у нас произошёл сбой. Ваше сообщение сохранено, коллега свяжется с вами.",
    },
}


# Unit codes of catalog.csv as a customer reads them; unknown codes are shown as written.
UNITS: dict[str, dict[str, str]] = {
    "pcs": {"en": "unit", "ru": "шт"},
    "pc": {"en": "unit", "ru": "шт"},
    "kg": {"en": "kg", "ru": "кг"},
    "year": {"en": "year", "ru": "год"},
    "month": {"en": "month", "ru": "месяц"},
    "pack": {"en": "pack", "ru": "уп"},
    "kit": {"en": "kit", "ru": "компл"},
    "set": {"en": "set", "ru": "компл"},
    "m": {"en": "m", "ru": "м"},
    "m2": {"en": "m²", "ru": "м²"},
    "l": {"en": "l", "ru": "л"},
}


# English plurals of the word units above; symbols (kg, m, l) and the Russian abbreviations do not change.
_EN_PLURALS = {"unit": "units", "year": "years", "month": "months", "pack": "packs", "kit": "kits", "set": "sets"}


def unit_name(unit: str, language: str, count: int = 1) -> str:
    """The unit as the customer reads it after `count` ("240 units", but "per unit")."""
    names = UNITS.get(unit.lower())
    if names is None:
        return unit
    if language != "en" and language in names:
        return names[language]
    return names["en"] if count == 1 else _EN_PLURALS.get(names["en"], names["en"])


def say(key: str, language: str, **values: Any) -> str:
    """The template `key` in `language` (English when missing), filled in."""
    templates = PHRASES[key]
    return templates.get(language, templates["en"]).format(**values)
