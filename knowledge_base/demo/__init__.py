"""The demo knowledge base: "Northwind Panels", a fictional seller of LED office lighting (EUR).

A package only so that its files (catalog, discounts, documents) ship inside the wheel as
package data; ingestion skips files whose names start with "_", such as this one.
"""

from pathlib import Path

DEMO_KB_DIR = Path(__file__).resolve().parent
