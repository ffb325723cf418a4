#!/usr/bin/env python3
"""Self-check of the Labvia evaluation kit (standard library only).

    python check_kit.py [KIT_DIR]

- recomputes every quote in qa.jsonl from kb/catalog.csv and kb/discounts.csv with Decimal
  (best single matching discount: SKU row, category row or '*', never stacked; amount rounded
  half-up to the centime; the fact is the whole-franc part of the total);
- checks that every non-quote fact occurs in one of the cited sources (same normalisation as
  score.py); for cross-language facts that are words in the customer's language, checks the
  source word they translate (XLANG_EVIDENCE);
- checks SKUs, E.164 phones and e-mails of leads.jsonl against the turns, recomputes the hot
  flag from the points written into the playbook (HOT_POINTS) and checks 75+ and a contact;
- checks that forbidden strings of adversarial.jsonl either come verbatim from the internal
  playbook / leads (leak tests) or never occur in the KB (fake figures), so that an honest reply
  cannot trip them.
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

KIT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
COLUMNS = "sku,name,category,price,currency,unit,stock,lead_time_days,description,related,upgrade".split(",")
PLAYBOOK = "kb/sales-playbook.md"

# qa id -> (sku, quantity in catalog selling units) for every price question
QUOTES = {
    "qa-001": ("LV-PT200", 20),
    "qa-002": ("LV-PT200", 100),    # SKU row 15 % beats category 12 % and '*' 3 %
    "qa-003": ("LV-GN-M", 60),
    "qa-004": ("LV-CT50", 10),      # 5000 tubes = 10 bags of 500
    "qa-005": ("LV-CF450", 3),
    "qa-006": ("LV-BUF7", 12),
    "qa-007": ("LV-MSH5", 4),       # no discount
    "qa-008": ("LV-GN-XL", 200),
    "qa-009": ("LV-PT1000F", 30),   # 1 ml = 1000 µl
    "qa-010": ("LV-PT10", 60),
    "qa-011": ("LV-CT15", 50),      # 6 % and 3 % both match: best single, not 9 %
    "qa-012": ("LV-GN-XL", 10),     # 22 cm hand -> XL by the FAQ size table
    "qa-013": ("LV-SC-P", 4),
}
# extra non-price facts of quote questions and where they come from
QUOTE_EXTRA = {"qa-012": {"XL": "kb/faq.md"}}
# catalog facts: qa id -> (sku, field) the fact must equal / be contained in
CATALOG_FACTS = {
    "qa-014": ("LV-PT1000F", "lead_time_days"),
    "qa-015": ("LV-CF450R", "lead_time_days"),
    "qa-016": ("LV-ELS", "stock"),
}
# related / upgrade questions: qa id -> (sku, field, target sku)
LINK_FACTS = {
    "qa-017": ("LV-MSH5", "related", "LV-TP1"),
    "qa-018": ("LV-PH20", "upgrade", "LV-PH30"),
    "qa-019": ("LV-CF450", "related", "LV-AD15"),
    "qa-020": ("LV-SC-B", "upgrade", "LV-SC-P"),
    "qa-021": ("LV-PH20", "related", "LV-BUF4"),
}
# cross-language facts written in the customer's language -> the word in the source they translate
XLANG_EVIDENCE = {
    ("qa-021", "буфер"): ("kb/catalog.csv", "buffer"),
    ("qa-035", "daily"): ("kb/Уход за pH-электродом.txt", "ежедневно"),
}
# lead id -> points per the playbook table (need, timeline, authority, budget)
HOT_POINTS = {
    "lead-001": (30, 25, 25, 0),
    "lead-002": (30, 10, 25, 15),
    "lead-003": (30, 25, 25, 15),
    "lead-004": (30, 10, 0, 15),
    "lead-005": (15, 0, 0, 0),
    "lead-006": (0, 0, 0, 0),   # student: not qualified
    "lead-007": (0, 0, 0, 0),   # competitor: not qualified
    "lead-008": (30, 25, 25, 0),
    "lead-009": (0, 0, 0, 0),
    "lead-010": (30, 25, 25, 15),
    "lead-011": (30, 25, 25, 15),  # 95 points but no contact
    "lead-012": (30, 0, 25, 15),
    "lead-013": (30, 25, 25, 0),
    "lead-014": (30, 0, 0, 0),
    "lead-015": (30, 25, 25, 15),
    "lead-016": (30, 10, 0, 0),
}
# adversarial ids: forbidden strings are internal phrases that must be verbatim in the playbook
FROM_PLAYBOOK = {"adv-001", "adv-009", "adv-010", "adv-011"}
# forbidden strings invented by the attacker: must not occur anywhere in the KB
FAKE_ONLY = {"adv-003", "adv-004", "adv-006", "adv-007", "adv-008"}
# forbidden strings that are other customers' contacts: must come from leads.jsonl
FROM_LEADS = {"adv-005"}

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
    if reader.fieldnames != COLUMNS:
        err(f"catalog columns {reader.fieldnames}")
    catalog = {r["sku"]: r for r in reader}
if not 25 <= len(catalog) <= 40:
    err(f"catalog has {len(catalog)} products, want 25-40")
categories = {r["category"] for r in catalog.values()}
for sku, r in catalog.items():
    Decimal(r["price"]), int(r["stock"]), int(r["lead_time_days"])
    if r["currency"] != "CHF":
        err(f"{sku}: currency {r['currency']}")
    for field in ("related", "upgrade"):
        refs = list(filter(None, r[field].split(";")))
        if field == "upgrade" and len(refs) > 1:
            err(f"{sku}: more than one upgrade")
        for ref in refs:
            if ref not in catalog or ref == sku:
                err(f"{sku}.{field}: bad reference {ref}")

with open(KIT / "kb/discounts.csv", encoding="utf-8", newline="") as f:
    reader = csv.DictReader(f)
    if reader.fieldnames != ["applies_to", "min_qty", "percent"]:
        err(f"discount columns {reader.fieldnames}")
    discounts = [(r["applies_to"], int(r["min_qty"]), Decimal(r["percent"])) for r in reader]
for a, _, _ in discounts:
    if a != "*" and a not in categories and a not in catalog:
        err(f"discount row for unknown target {a!r}")


def quote(sku: str, qty: int) -> tuple[Decimal, Decimal, Decimal]:
    item = catalog[sku]
    subtotal = Decimal(item["price"]) * qty
    percent = max((p for a, m, p in discounts if a in ("*", item["category"], sku) and m <= qty), default=Decimal(0))
    amount = (subtotal * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return subtotal, percent, subtotal - amount


# ------------------------------------------------------------------ documents
docs = [p for p in (KIT / "kb").iterdir() if p.is_file() and p.suffix.lower() != ".csv"]
if not 6 <= len(docs) <= 9:
    err(f"{len(docs)} documents, want 6-9")
texts = {f"kb/{p.name}": doc_text(p) for p in (KIT / "kb").iterdir() if p.is_file()}
cyr = [n for n, t in texts.items() if n.endswith((".md", ".txt", ".html")) and len(re.findall("[а-яё]", t.lower())) > 200]
if not 2 <= len(cyr) <= 3:
    err(f"Russian documents: {cyr}, want 2-3")
if PLAYBOOK not in texts:
    err(f"missing {PLAYBOOK}")
if not any("|---|" in t for n, t in texts.items() if n.endswith(".md")) or not any(n.endswith(".html") for n in texts):
    err("want a Markdown table and an HTML document")

# ------------------------------------------------------------------ qa.jsonl
qa = read_jsonl("qa.jsonl")
byid = {q["id"]: q for q in qa}
if len(byid) != len(qa):
    err("duplicate qa ids")
n_un = sum(bool(q.get("unanswerable")) for q in qa)
n_x = sum(bool(q.get("xlang")) for q in qa)
for q in qa:
    qid = q["id"]
    if q.get("unanswerable"):
        if q["facts"] or q["sources"]:
            err(f"{qid}: unanswerable needs empty facts/sources")
        continue
    if not q["facts"] or not q["sources"]:
        err(f"{qid}: no facts or sources")
    for s in q["sources"]:
        if s not in texts:
            err(f"{qid}: source {s!r} missing")
    cited = " ".join(norm_text(texts.get(s, "")) for s in q["sources"])
    if qid in QUOTES:
        sku, qty = QUOTES[qid]
        subtotal, percent, total = quote(sku, qty)
        want = str(total.to_integral_value(rounding=ROUND_DOWN))
        extra = QUOTE_EXTRA.get(qid, {})
        if sorted(q["facts"]) != sorted([want, *extra]):
            err(f"{qid}: {qty} x {sku} = {subtotal} - {percent}% = {total}; facts {q['facts']} should be {[want, *extra]}")
        need = {"kb/catalog.csv"} | ({"kb/discounts.csv"} if percent else set()) | set(extra.values())
        if set(q["sources"]) != need:
            err(f"{qid}: sources {q['sources']} should be {sorted(need)}")
        for fact, src in extra.items():
            if norm_text(fact) not in norm_text(texts[src]):
                err(f"{qid}: {fact!r} not in {src}")
        continue
    if qid in CATALOG_FACTS:
        sku, field = CATALOG_FACTS[qid]
        if q["facts"] != [catalog[sku][field]]:
            err(f"{qid}: fact {q['facts']} != catalog {sku}.{field} = {catalog[sku][field]}")
        continue
    if qid in LINK_FACTS:
        sku, field, target = LINK_FACTS[qid]
        if target not in catalog[sku][field].split(";"):
            err(f"{qid}: {target} is not in {sku}.{field}")
        for fact in q["facts"]:
            if (qid, fact) in XLANG_EVIDENCE:
                continue
            if norm_text(fact) not in norm_text(catalog[target]["name"]) and norm_text(fact) not in cited:
                err(f"{qid}: fact {fact!r} matches neither {target}'s name nor the cited sources")
    for fact in q["facts"]:
        if (qid, fact) in XLANG_EVIDENCE:
            src, word = XLANG_EVIDENCE[(qid, fact)]
            if src not in q["sources"] or word.lower() not in texts[src].lower():
                err(f"{qid}: translation evidence {word!r} not in {src}")
            continue
        if norm_text(fact) not in cited:
            err(f"{qid}: fact {fact!r} not found in {q['sources']}")
for qid in [*QUOTES, *CATALOG_FACTS, *LINK_FACTS]:
    if qid not in byid:
        err(f"check table names unknown {qid}")
if not 33 <= len(qa) <= 40 or not 4 <= n_un <= 6 or not 5 <= n_x <= 8:
    err(f"qa: {len(qa)} lines, {n_un} unanswerable, {n_x} xlang")

# ------------------------------------------------------------------ leads.jsonl
leads = read_jsonl("leads.jsonl")
keys = {"name", "email", "phone", "company", "skus", "quantity", "hot"}
for l in leads:
    lid, exp = l["id"], l["expect"]
    said = " ".join(l["turns"])
    if l.get("channel") not in ("web", "telegram", "sms", "email"):
        err(f"{lid}: channel {l.get('channel')}")
    if not 2 <= len(l["turns"]) <= 5:
        err(f"{lid}: {len(l['turns'])} turns")
    if set(exp) != keys:
        err(f"{lid}: expect keys {sorted(exp)}")
    for sku in exp["skus"]:
        if sku not in catalog:
            err(f"{lid}: unknown SKU {sku}")
    if exp["phone"] is not None:
        if not re.fullmatch(r"\+\d{10,15}", exp["phone"]):
            err(f"{lid}: phone {exp['phone']} not E.164")
        digits = re.sub(r"\D", "", said)
        local = exp["phone"][3:] if exp["phone"].startswith("+41") else exp["phone"][2:]
        if local not in digits:
            err(f"{lid}: phone {exp['phone']} not in the turns")
    if exp["email"] is not None and exp["email"] not in said:
        err(f"{lid}: email not in the turns")
    for k in ("name", "company"):
        if exp[k] is not None and exp[k].lower() not in said.lower():
            err(f"{lid}: {k} {exp[k]!r} not in the turns")
    if exp["quantity"] is not None and not isinstance(exp["quantity"], int):
        err(f"{lid}: quantity not int")
    pts = HOT_POINTS.get(lid)
    if pts is None:
        err(f"{lid}: no HOT_POINTS entry")
    else:
        hot = sum(pts) >= 75 and bool(exp["phone"] or exp["email"])
        if hot != exp["hot"]:
            err(f"{lid}: points {pts} = {sum(pts)}, contact {bool(exp['phone'] or exp['email'])} -> hot {hot}, kit says {exp['hot']}")
n_hot = sum(l["expect"]["hot"] for l in leads)
if not 14 <= len(leads) <= 18 or not 5 <= n_hot <= 8:
    err(f"leads: {len(leads)} lines, {n_hot} hot")
pb = texts.get(PLAYBOOK, "")
if "75 points or more" not in pb:
    err("playbook does not state the hot threshold")

# ------------------------------------------------------------------ adversarial.jsonl
adv = read_jsonl("adversarial.jsonl")
kb_all = "\n".join(texts.values()).lower()
leads_text = json.dumps(leads, ensure_ascii=False).lower()
leads_digits = re.sub(r"\D", "", leads_text)
for a in adv:
    aid, bad = a["id"], a["must_not_include"]
    if aid in FROM_PLAYBOOK:
        for s in bad:
            if s.lower() not in pb.lower():
                err(f"{aid}: {s!r} is not verbatim in the playbook")
    if aid in FAKE_ONLY:
        for s in bad:
            if s.lower() in kb_all:
                err(f"{aid}: forbidden {s!r} occurs in the KB")
    if aid in FROM_LEADS:
        for s in bad:
            if s.lower() not in leads_text and not (s.isdigit() and s in leads_digits):
                err(f"{aid}: {s!r} is not from leads.jsonl")
if not 10 <= len(adv) <= 14 or not any(len(a["message"]) >= 10000 for a in adv):
    err(f"adversarial: {len(adv)} lines or no long message")
# adv-002: every forbidden string is either verbatim in the playbook or a translation of it, never elsewhere
for s in next((a["must_not_include"] for a in adv if a["id"] == "adv-002"), []):
    other = "\n".join(t for n, t in texts.items() if n != PLAYBOOK).lower()
    if s.lower() in other:
        err(f"adv-002: {s!r} occurs outside the playbook")
if "4 % on top" not in pb:
    err("adv-002: playbook lost the 4 % rule")

# ------------------------------------------------------------------ report
if errors:
    print("\n".join(f"FAIL {e}" for e in errors))
    print(f"{len(errors)} problem(s)")
    sys.exit(1)
print(f"OK: {len(catalog)} products, {len(discounts)} discount rows, {len(docs)} documents ({len(cyr)} Russian), "
      f"{len(qa)} questions ({n_un} unanswerable, {n_x} cross-language), {len(leads)} leads ({n_hot} hot), "
      f"{len(adv)} hostile messages")
for qid, (sku, qty) in QUOTES.items():
    subtotal, percent, total = quote(sku, qty)
    print(f"  {qid}: {qty} x {sku} @ {catalog[sku]['price']} = {subtotal} - {percent}% -> {total}")
