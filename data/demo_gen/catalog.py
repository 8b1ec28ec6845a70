"""The shop's products and their prices in each currency."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .records import OrderLine


@dataclass(frozen=True)
class Product:
    name: str
    sku: str
    """The SKU stem; a sized product's SKU ends in its size."""
    usd_cents: int
    sized: bool


PRODUCTS = (
    Product("Harbor Chelsea Boot", "BT-HCB", 14_900, True),
    Product("Summit Hiking Boot", "BT-SHB", 18_900, True),
    Product("Suede Desert Boot", "BT-SDB", 15_900, True),
    Product("Everyday Knit Sneaker", "SN-EKS", 9_500, True),
    Product("Alpine Down Jacket", "JK-ADJ", 22_900, False),
    Product("Rain Shell Jacket", "JK-RSJ", 13_900, False),
    Product("Merino Crew Socks (3-pack)", "AC-MCS", 2_400, False),
    Product("Cashmere Beanie", "AC-CBN", 4_500, False),
    Product("Waxed Canvas Tote", "AC-WCT", 6_800, False),
    Product("Leather Care Kit", "AC-LCK", 1_900, False),
    Product("Classic Aviator Sunglasses", "AC-CAS", 8_900, False),
)
PRODUCT: Mapping[str, Product] = MappingProxyType({p.name: p for p in PRODUCTS})
SIZED = tuple(p for p in PRODUCTS if p.sized)
FX: Mapping[str, float] = MappingProxyType(
    {
        "USD": 1.0,
        "CAD": 1.37,
        "MXN": 18.0,
        "BRL": 5.0,
        "GBP": 0.79,
        "EUR": 0.92,
        "ZAR": 18.0,
        "NGN": 1500.0,
        "KES": 130.0,
        "INR": 83.0,
        "NPR": 133.0,
        "JPY": 150.0,
        "AUD": 1.52,
        "NZD": 1.66,
    }
)
SIZES = ("37", "38", "39", "40", "41", "42", "43", "44")


def price(usd_cents: int, currency: str) -> int:
    """A shop price in hundredths of the currency unit (JPY included: ¥12,800 -> 1280000)."""
    amount = usd_cents / 100 * FX[currency]
    if FX[currency] >= 100:
        return int(round(amount, -2)) * 100
    if FX[currency] >= 10:
        return int(round(amount, -1)) * 100
    return max(int(amount), 1) * 100 + 99 if amount % 1 else int(amount) * 100


def product_url(product: Product) -> str:
    return "https://acme.example/p/" + product.sku.lower()


def line(
    rng: random.Random, name: str, currency: str, quantity: int = 1, size: str | None = None
) -> OrderLine:
    """An order line; a sized product without `size` gets a random one."""
    product = PRODUCT[name]
    sku = f"{product.sku}-{size or rng.choice(SIZES)}" if product.sized else product.sku
    return {
        "product": name,
        "sku": sku,
        "quantity": quantity,
        "unit_price_cents": price(product.usd_cents, currency),
    }
