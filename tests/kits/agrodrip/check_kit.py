#!/usr/bin/env python3
"""Self-check of the AgroDrip evaluation kit (standard library only).

    python3 check_kit.py [KIT_DIR]

- recomputes every quote in qa.jsonl from kb/catalog.csv and kb/discounts.csv with Decimal
  (best single matching discount, never stacked; discount amount rounded half-up to cents;
  the fact is the integer part of the total);
- checks that cited sources exist and that every fact of a non-quote question occurs in a cited
  document after the scorer's normalisation (cross-language questions: numeric facts only);
- checks lead SKUs, E.164 phones, e-mails and the hot rule (a hot lead always has a contact);
- checks that attacker-invented figures never occur in the KB, that playbook / qualification-guide
  phrases used as forbidden strings occur verbatim there, and that contacts an attacker asks
  for come from leads.jsonl and not from the KB;
- checks counts and formats required by the brief.
Exit status 0 when everything passes.
"""
from __future__ import annotations

import csv
import html
import json
import re
import sys
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path

KIT = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parent
CATALOG_COLUMNS = "sku,name,category,price,currency,unit,stock,lead_time_days,description,related,upgrade".split(",")
DISCOUNT_COLUMNS = ["applies_to", "min_qty", "percent"]
PLAYBOOK = "kb/sales-playbook.md"
GUIDE = "kb/lead-qualification.md"
WARRANTY = "kb/Гарантия и возврат.md"
DEFECT_DAYS = 28  # the defect-replacement period stated in the warranty document

# qa id -> (sku, quantity) behind each quote question
QUOTES = {
    "qa-01": ("AD-DT0620", 120),
    "qa-02": ("AD-DT0820", 60),
    "qa-03": ("AD-PC4", 6000),
    "qa-04": ("AD-CTL6R", 12),
    "qa-05": ("AD-GF200-12", 800),
    "qa-06": ("AD-PMP110", 6),
    "qa-07": ("AD-FD200", 40),
    "qa-08": ("AD-SC16", 2000),
    "qa-09": ("AD-DT0630", 30),
    "qa-10": ("AD-PC2", 25000),
}
# adversarial ids whose forbidden strings are invented by the attacker: must not occur in the KB
FAKE = {"adv-03", "adv-04", "adv-05", "adv-12"}
# ids whose forbidden strings are internal phrases: verbatim in the playbook or the qualification guide
INTERNAL = {"adv-01", "adv-02", "adv-07", "adv-08"}
# the three objections: forbidden strings are rep-directed imperatives, verbatim in the playbook
OBJECTIONS = {"adv-09", "adv-10", "adv-11"}
# another customer's contact: forbidden strings come from leads.jsonl and are not in the KB
OTHER_CUSTOMER = {"adv-06"}
IMPERATIVE = re.compile(r"^(do not|don't|never|remind|offer|ask|agree|send|point out|mention|show|if |move|hold)", re.I)

errors: list[str] = []


def err(msg: str) -> None:
    errors.append(msg)


def norm_text(s: str) -> str:
    """Same normalisation as score.py."""
    s = s.lower().replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")
    s = re.sub(r"[\u002d\u2010\u2011]", "", s)
    s = re.sub(r"(?<=\d)[ ,.'](?=\d{3}\b)", "", s)
    s = re.sub(r"(?<=\d)[ ,.'](?=\d{3}\b)", "", s)
    return re.sub(r"\s+", "", s)


def doc_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".html", ".htm"):
        text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
        text = html.unescape(re.sub(r"(?s)<[^>]+>", " ", text))
    return text


def read_jsonl(name: str) -> list[dict]:
    rows = []
    for n, line in enumerate((KIT / name).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                err(f"{name}:{n}: bad JSON ({e})")
    return rows


# ------------------------------------------------------------------ catalog and discounts
with open(KIT / "kb/catalog.csv", encoding="utf-8", newline="") as f:
    reader = csv.DictReader(f)
    if reader.fieldnames != CATALOG_COLUMNS:
        err(f"catalog columns {reader.fieldnames} != {CATALOG_COLUMNS}")
    rows = list(reader)
catalog = {r["sku"]: r for r in rows}
if len(catalog) != len(rows):
    err("duplicate SKUs in catalog.csv")
if not 18 <= len(catalog) <= 26:
    err(f"catalog has {len(catalog)} SKUs, want 18-26")
categories = {r["category"] for r in catalog.values()}
lead_times = set()
for sku, r in catalog.items():
    try:
        if Decimal(r["price"]) <= 0:
            err(f"{sku}: price must be positive")
        stock, lead = int(r["stock"]), int(r["lead_time_days"])
        lead_times.add(lead)
    except Exception as e:
        err(f"{sku}: bad number ({e})")
        continue
    if r["currency"] != "EUR":
        err(f"{sku}: currency {r['currency']!r}, want EUR")
    for field in ("related", "upgrade"):
        for ref in filter(None, r[field].split(";")):
            if ref not in catalog:
                err(f"{sku}.{field}: unknown SKU {ref}")
            if ref == sku:
                err(f"{sku}.{field}: refers to itself")
    if ";" in r["upgrade"]:
        err(f"{sku}: upgrade must be a single SKU")
if not any(int(r["stock"]) == 0 and int(r["lead_time_days"]) >= 30 for r in catalog.values()):
    err("want an out-of-stock item with a long lead time")
if sum(bool(r["related"]) for r in catalog.values()) < 5 or sum(bool(r["upgrade"]) for r in catalog.values()) < 3:
    err("fill related for 5+ rows and upgrade for 3+ rows")
units = {r["unit"] for r in catalog.values()}
if not {"pcs", "m", "roll", "kit", "l"} <= units:
    err(f"units {sorted(units)}: want pcs, m, roll, kit and l")
if DEFECT_DAYS in lead_times:
    err(f"defect-replacement period {DEFECT_DAYS} equals a catalog lead time")

with open(KIT / "kb/discounts.csv", encoding="utf-8", newline="") as f:
    reader = csv.DictReader(f)
    if reader.fieldnames != DISCOUNT_COLUMNS:
        err(f"discount columns {reader.fieldnames} != {DISCOUNT_COLUMNS}")
    discounts = [(r["applies_to"], int(r["min_qty"]), Decimal(r["percent"])) for r in reader]
if not 5 <= len(discounts) <= 9:
    err(f"discounts.csv has {len(discounts)} rows, want 5-9")
for applies_to, _, _ in discounts:
    if applies_to != "*" and applies_to not in categories and applies_to not in catalog:
        err(f"discount row for unknown target {applies_to!r}")
kinds = {"*" if a == "*" else "sku" if a in catalog else "category" for a, _, _ in discounts}
if kinds != {"*", "sku", "category"}:
    err(f"discounts.csv needs '*', category and SKU rows, has {sorted(kinds)}")


def quote(sku: str, qty: int) -> tuple[Decimal, Decimal, Decimal]:
    item = catalog[sku]
    subtotal = Decimal(item["price"]) * qty
    percent = max(
        (p for a, m, p in discounts if a in ("*", item["category"], sku) and qty >= m),
        default=Decimal(0),
    )
    amount = (subtotal * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return subtotal, percent, subtotal - amount


# ------------------------------------------------------------------ documents
files = [p for p in (KIT / "kb").iterdir() if p.is_file()]
docs = [p for p in files if p.suffix.lower() in (".md", ".txt", ".html", ".htm")]
if not 6 <= len(docs) <= 10:
    err(f"{len(docs)} documents, want 6-10")
texts = {f"kb/{p.name}": doc_text(p) for p in files}
for need in (PLAYBOOK, GUIDE, WARRANTY):
    if need not in texts:
        err(f"missing {need}")
playbook = texts.get(PLAYBOOK, "")
guide = texts.get(GUIDE, "")
if "internal, do not forward" not in playbook.lower():
    err("playbook lacks its internal marker")
if f"{DEFECT_DAYS} дней" not in texts.get(WARRANTY, ""):
    err(f"warranty does not state the {DEFECT_DAYS}-day defect replacement")
ru_docs = [p for p in docs if re.search(r"[а-яё]{20,}", "".join(re.findall(r"[а-яё]+", texts[f'kb/{p.name}'].lower())))
           and len(re.findall(r"[а-яё]", texts[f'kb/{p.name}'].lower())) > len(re.findall(r"[a-z]", texts[f'kb/{p.name}'].lower()))]
if not 2 <= len(ru_docs) <= 3:
    err(f"{len(ru_docs)} Russian documents, want 2-3")
kb_norm = norm_text("\n".join(texts.values()))
kb_lower = "\n".join(texts.values()).lower()

# ------------------------------------------------------------------ qa.jsonl
qa = read_jsonl("qa.jsonl")
ids = [q["id"] for q in qa]
if not 36 <= len(qa) <= 40 or len(set(ids)) != len(ids):
    err(f"qa.jsonl: {len(qa)} lines, {len(set(ids))} distinct ids; want 36-40 distinct")
unanswerable = [q for q in qa if q.get("unanswerable")]
xlang = [q for q in qa if q.get("xlang")]
if not 6 <= len(unanswerable) <= 8:
    err(f"{len(unanswerable)} unanswerable questions, want about 7")
if not 4 <= len(xlang) <= 6:
    err(f"{len(xlang)} cross-language questions, want about 4-5")
langs = [q["lang"] for q in qa]
if not 0.5 <= langs.count("en") / len(langs) <= 0.7:
    err(f"English share of questions {langs.count('en')}/{len(langs)}, want about 60%")
for q in qa:
    qid = q["id"]
    if set(q) - {"id", "lang", "question", "facts", "sources", "xlang", "unanswerable"}:
        err(f"{qid}: unexpected keys {sorted(q)}")
    if q.get("lang") not in ("en", "ru"):
        err(f"{qid}: lang {q.get('lang')!r}")
    if q["lang"] == "ru" and not re.search(r"[а-яё]", q["question"].lower()):
        err(f"{qid}: marked ru but has no Cyrillic")
    if q.get("unanswerable"):
        if q["facts"] or q["sources"]:
            err(f"{qid}: unanswerable lines need empty facts and sources")
        continue
    if not q["facts"] or not q["sources"]:
        err(f"{qid}: answerable line without facts or sources")
    for src in q["sources"]:
        if not src.startswith("kb/") or not (KIT / src).is_file():
            err(f"{qid}: source {src!r} does not exist")
    if qid in QUOTES:
        sku, qty = QUOTES[qid]
        if sku not in catalog:
            err(f"{qid}: unknown SKU {sku}")
            continue
        subtotal, percent, total = quote(sku, qty)
        want = str(total.to_integral_value(rounding=ROUND_DOWN))
        if q["facts"] != [want]:
            err(f"{qid}: {qty} x {sku} = {subtotal} - {percent}% = {total}; fact should be {want!r}, is {q['facts']}")
        want_src = ["kb/catalog.csv"] + (["kb/discounts.csv"] if percent else [])
        if sorted(q["sources"]) != sorted(want_src):
            err(f"{qid}: sources {q['sources']} should be {want_src}")
        continue
    facts = [f for f in q["facts"] if f.isdigit()] if q.get("xlang") else q["facts"]
    if q.get("xlang") and not facts:
        err(f"{qid}: a cross-language question needs language-neutral (numeric) facts")
    cited = " ".join(norm_text(texts.get(s, "")) for s in q["sources"])
    for fact in facts:
        if norm_text(fact) not in cited:
            err(f"{qid}: fact {fact!r} not found in {q['sources']}")
if set(QUOTES) - set(ids):
    err(f"QUOTES ids missing from qa.jsonl: {sorted(set(QUOTES) - set(ids))}")

# ------------------------------------------------------------------ leads.jsonl
leads = read_jsonl("leads.jsonl")
if not 14 <= len(leads) <= 16:
    err(f"leads.jsonl: {len(leads)} lines, want 14-16")
keys = {"name", "email", "phone", "company", "skus", "quantity", "hot"}
channels = set()
for l in leads:
    lid, exp = l["id"], l["expect"]
    channels.add(l.get("channel"))
    said = "\n".join(l["turns"])
    if l.get("channel") not in ("web", "telegram", "sms", "email"):
        err(f"{lid}: channel {l.get('channel')!r}")
    if l.get("lang") not in ("en", "ru"):
        err(f"{lid}: lang {l.get('lang')!r}")
    if set(exp) != keys:
        err(f"{lid}: expect keys {sorted(exp)}")
        continue
    for sku in exp["skus"]:
        if sku not in catalog:
            err(f"{lid}: unknown SKU {sku}")
    if exp["phone"] is not None:
        if not re.fullmatch(r"\+[1-9]\d{7,14}", exp["phone"]):
            err(f"{lid}: phone {exp['phone']!r} is not E.164")
        digits = re.sub(r"\D", "", said)
        # the subscriber part (last 8 digits) must have been said; the country code may be implied
        if exp["phone"][-8:] not in digits:
            err(f"{lid}: phone {exp['phone']} not found in the turns")
    if exp["email"] is not None and exp["email"] not in said:
        err(f"{lid}: email {exp['email']} not found in the turns")
    if exp["name"] is not None and exp["name"] not in said:
        err(f"{lid}: name {exp['name']!r} not found in the turns")
    if exp["company"] is not None and exp["company"] not in said:
        err(f"{lid}: company {exp['company']!r} not found in the turns")
    if exp["quantity"] is not None and (not isinstance(exp["quantity"], int) or isinstance(exp["quantity"], bool)):
        err(f"{lid}: quantity must be an integer or null")
    if exp["hot"] and not (exp["phone"] or exp["email"]):
        err(f"{lid}: a hot lead needs a phone or an e-mail (qualification guide)")
    if exp["hot"] and not (exp["skus"] and exp["quantity"]):
        err(f"{lid}: a hot lead needs a product and a quantity (qualification guide)")
if channels != {"web", "telegram", "sms", "email"}:
    err(f"lead channels {sorted(channels)}: want all of web, telegram, sms, email")
hot = sum(bool(l["expect"]["hot"]) for l in leads)
if not 4 <= hot <= len(leads) - 4:
    err(f"{hot} hot leads: want a mix of hot and not hot")

# ------------------------------------------------------------------ adversarial.jsonl
adv = read_jsonl("adversarial.jsonl")
if not 10 <= len(adv) <= 12:
    err(f"adversarial.jsonl: {len(adv)} lines, want 10-12")
if not any(len(a["message"]) >= 10000 for a in adv):
    err("no 10,000+ character message")
if not any(a["message"].strip() and not re.search(r"[\w]", a["message"]) for a in adv):
    err("no emoji-only message")
if not any("<script" in a["message"].lower() and "<script" in [s.lower() for s in a["must_not_include"]] for a in adv):
    err("no script-injection message forbidding <script")
leads_text = json.dumps(leads, ensure_ascii=False).lower()
leads_digits = re.sub(r"\D", "", leads_text)
adv_ids = {a["id"] for a in adv}
for group in (FAKE, INTERNAL, OBJECTIONS, OTHER_CUSTOMER):
    if group - adv_ids:
        err(f"adversarial ids {sorted(group - adv_ids)} missing")
for a in adv:
    aid, forbidden = a["id"], a["must_not_include"]
    if not forbidden:
        err(f"{aid}: empty must_not_include")
    if aid in FAKE:
        for s in forbidden:
            if s == "<script":
                continue
            if s.lower() in kb_lower or norm_text(s) in kb_norm:
                err(f"{aid}: invented {s!r} occurs in the KB; an honest reply could trip it")
    if aid in INTERNAL:
        for s in forbidden:
            if s.lower() not in playbook.lower() and s.lower() not in guide.lower():
                err(f"{aid}: {s!r} is not verbatim in the playbook or the qualification guide")
    if aid in OBJECTIONS:
        for s in forbidden:
            if s.lower() not in playbook.lower():
                err(f"{aid}: {s!r} is not verbatim in the playbook")
            if not IMPERATIVE.match(s):
                err(f"{aid}: {s!r} is not a rep-directed imperative")
    if aid in OTHER_CUSTOMER:
        for s in forbidden:
            if s.lower() not in leads_text and re.sub(r"\D", "", s) not in leads_digits:
                err(f"{aid}: {s!r} is not a contact from leads.jsonl")
            if s.lower() in kb_lower or norm_text(s) in kb_norm:
                err(f"{aid}: {s!r} occurs in the KB")

# ------------------------------------------------------------------ report
if errors:
    print("\n".join(f"FAIL {e}" for e in errors))
    print(f"{len(errors)} problem(s)")
    sys.exit(1)
print(
    f"OK: {len(catalog)} SKUs, {len(discounts)} discount rows, {len(docs)} documents "
    f"({len(ru_docs)} Russian), {len(qa)} questions ({len(unanswerable)} unanswerable, "
    f"{len(xlang)} cross-language), {len(leads)} leads ({hot} hot), {len(adv)} hostile messages"
)
for qid, (sku, qty) in QUOTES.items():
    subtotal, percent, total = quote(sku, qty)
    print(f"  {qid}: {qty} x {sku} @ {catalog[sku]['price']} = {subtotal} - {percent}% -> {total}")
