"""Generate the convo demo data set: data/demo/*.json and data/demo/README.md.

Deterministic (random.Random(2026), no network, no clock): running it twice
writes the same bytes. Times are minutes before load time ("minutes_ago"),
so the loader can replay the timeline relative to whatever "now" it has.

The story profiles (first in profiles.json) are hand-written, fixed data that
tests can assert; everything else is generated. Before writing, the script
replays the whole timeline with the SMS rules (consent, keywords, blocking,
attribution, conversation status and read state) and asserts that it obeys
them, and that the stories end in their documented state.

Usage: python data/make_demo.py [OUTPUT_DIR]   (default: data/demo beside this file)
"""

from __future__ import annotations

import json
import random
import re
import sys
import unicodedata
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import phonenumbers
import pytz

rng = random.Random(2026)

BUSINESS = "+14155550100"
WINDOW = 24 * 60  # SMS attribution window, minutes
SPAN = 45 * 24 * 60  # the timeline covers about 45 days before load time
PREFIX = "ACME"
EMAIL = "help@acme.example"
CDN = "https://cdn.acme.example"

OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
OPT_IN = {"START", "YES", "UNSTOP", "JOIN"}
HELP = {"HELP", "INFO"}

KW_REPLY = {
    "opt_out": f"{PREFIX}: You are unsubscribed and will receive no more messages. "
    "Reply START to resubscribe.",
    "opt_in": f"{PREFIX}: Thanks for subscribing! Expect up to 6 msgs/month about offers "
    "& orders. Msg & data rates may apply. Reply HELP for help, STOP to cancel.",
    "help": f"{PREFIX}: Help is on the way! Email {EMAIL} or visit "
    "https://acme.example/help. Msg & data rates may apply. Reply STOP to opt out.",
}

AGENTS = [
    {"login": "ana", "name": "Ana Souza", "role": "owner", "timezone": "America/Sao_Paulo"},
    {"login": "ben", "name": "Ben Carter", "role": "admin", "timezone": "America/New_York"},
    {"login": "chloe", "name": "Chloe Martin", "role": "support", "timezone": "Europe/London"},
    {"login": "dev", "name": "Dev Malhotra", "role": "support", "timezone": "Asia/Kolkata"},
    {"login": "femi", "name": "Femi Adeyemi", "role": "manager", "timezone": "Africa/Lagos"},
    {"login": "eve", "name": "Eve Laurent", "role": "analyst", "timezone": "Europe/Paris"},
]
REPLYING_AGENTS = ["chloe", "dev", "ana", "ben", "femi"]
AGENT_WEIGHTS = [35, 25, 15, 10, 15]

SETTINGS = {
    "organization.prefix": PREFIX,
    "organization.email": EMAIL,
    "business.number": BUSINESS,
    "auto_reply.enabled": True,
    "auto_reply.audience": "non_consented",
    "notifications.email_addresses": ["support@acme.example"],
}

# ---------------------------------------------------------------- identifiers

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE_MS = 1_760_000_000_000  # a fixed instant: ULID time parts never depend on the clock


def ulid() -> str:
    """A 26-character ULID-like id (Klaviyo style), deterministic."""
    ms = BASE_MS - rng.randrange(400 * 86_400_000)
    head = ""
    for _ in range(10):
        head = CROCKFORD[ms % 32] + head
        ms //= 32
    bits = rng.getrandbits(80)
    tail = ""
    for _ in range(16):
        tail = CROCKFORD[bits % 32] + tail
        bits //= 32
    return head + tail


def message_sid(media: list[dict[str, str]] | None = None) -> str:
    return ("MM" if media else "SM") + f"{rng.getrandbits(128):032x}"


def event_uuid() -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def short_code(n: int = 6) -> str:
    return "".join(rng.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(n))


# ---------------------------------------------------------------- sources

SOURCES: list[dict[str, str]] = []
SOURCE_NAME: dict[str, str] = {}


def _source(kind: str, name: str) -> str:
    sid = ("cmp_" if kind == "campaign" else "flw_") + ulid()
    SOURCES.append({"id": sid, "kind": kind, "name": name})
    SOURCE_NAME[sid] = name
    return sid


def media(path: str, content_type: str) -> list[dict[str, str]]:
    return [{"url": f"{CDN}/{path}", "content_type": content_type}]


CAMPAIGNS: list[dict[str, Any]] = [
    {
        "name": "Fall Favorites",
        "at": 63_950,
        "share": 0.40,
        "body": PREFIX + ": Hi {first}! Fall favorites are here 🍂 Cozy knits & trail boots, "
        "up to 30% off this week: https://acme.example/s/fall Reply STOP to opt out",
        "media": None,
        "link": "https://acme.example/s/fall",
    },
    {
        "name": "New Arrivals: Boots",
        "at": 43_530,
        "share": 0.45,
        "body": PREFIX + ": New boots just landed{comma_first}: Chelsea, hiking & suede. "
        "Shop the drop: https://acme.example/s/boots Reply STOP to opt out",
        "media": media("campaigns/new-arrivals-boots/hero.jpg", "image/jpeg"),
        "link": "https://acme.example/s/boots",
    },
    {
        "name": "Winter Sale",
        "at": 20_350,
        "share": 0.45,
        "body": PREFIX + ": Winter Sale starts now! 40% off jackets & beanies until Sunday. "
        "https://acme.example/s/winter Reply STOP to opt out",
        "media": None,
        "link": "https://acme.example/s/winter",
    },
    {
        "name": "Flash Sale: 24 Hours Only",
        "at": 3_065,
        "share": 0.40,
        "body": PREFIX + ": ⚡ 24h flash sale{comma_first}: 25% off everything with code FLASH25. "
        "https://acme.example/s/flash Reply STOP to opt out",
        "media": None,
        "link": "https://acme.example/s/flash",
    },
    {
        "name": "Black Friday Early Access",
        "at": 93,
        "share": 0.55,
        "body": PREFIX + ": You're in{comma_first}! Black Friday Early Access is open: 25% off "
        "every boot before anyone else 🖤 https://acme.example/s/bf Reply STOP to opt out",
        "media": media("campaigns/black-friday/early-access.gif", "image/gif"),
        "link": "https://acme.example/s/bf",
    },
]
for _c in CAMPAIGNS:
    _c["id"] = _source("campaign", _c["name"])
CAMPAIGN = {c["name"]: c for c in CAMPAIGNS}

FLOW_NAMES = ["Welcome Series", "Abandoned Cart", "Shipping Update", "Win-back", "Back in Stock"]
FLOW = {name: _source("flow", name) for name in FLOW_NAMES}

# ---------------------------------------------------------------- catalog

PRODUCTS = [
    # name, sku stem, USD cents, sized?
    ("Harbor Chelsea Boot", "BT-HCB", 14_900, True),
    ("Summit Hiking Boot", "BT-SHB", 18_900, True),
    ("Suede Desert Boot", "BT-SDB", 15_900, True),
    ("Everyday Knit Sneaker", "SN-EKS", 9_500, True),
    ("Alpine Down Jacket", "JK-ADJ", 22_900, False),
    ("Rain Shell Jacket", "JK-RSJ", 13_900, False),
    ("Merino Crew Socks (3-pack)", "AC-MCS", 2_400, False),
    ("Cashmere Beanie", "AC-CBN", 4_500, False),
    ("Waxed Canvas Tote", "AC-WCT", 6_800, False),
    ("Leather Care Kit", "AC-LCK", 1_900, False),
    ("Classic Aviator Sunglasses", "AC-CAS", 8_900, False),
]
PRODUCT = {p[0]: p for p in PRODUCTS}
FX = {
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
SIZES = ["37", "38", "39", "40", "41", "42", "43", "44"]


def price(usd_cents: int, currency: str) -> int:
    """A shop price in hundredths of the currency unit (JPY included: ¥12,800 -> 1280000)."""
    amount = usd_cents / 100 * FX[currency]
    if FX[currency] >= 100:
        return int(round(amount, -2)) * 100
    if FX[currency] >= 10:
        return int(round(amount, -1)) * 100
    return max(int(amount), 1) * 100 + 99 if amount % 1 else int(amount) * 100


def line(name: str, currency: str, quantity: int = 1, size: str | None = None) -> dict[str, Any]:
    _, stem, usd, sized = PRODUCT[name]
    sku = f"{stem}-{size or rng.choice(SIZES)}" if sized else stem
    return {
        "product": name,
        "sku": sku,
        "quantity": quantity,
        "unit_price_cents": price(usd, currency),
    }


# ---------------------------------------------------------------- geography


def split(names: str) -> list[str]:
    return names.split(", ")


# city, region, zip, latitude, longitude, IANA zone, phone prefixes (NANP area codes,
# or the first national digits of a mobile number)
CITY = tuple[str, str, str, float, float, str, list[str]]

COUNTRIES: dict[str, dict[str, Any]] = {
    "US": {
        "name": "United States",
        "continent": "North America",
        "currency": "USD",
        "weight": 70,
        "cities": [
            ("New York", "NY", "10001", 40.7506, -73.9971, "America/New_York", ["212", "646"]),
            ("Boston", "MA", "02108", 42.3588, -71.0638, "America/New_York", ["617"]),
            ("Miami", "FL", "33130", 25.7670, -80.2040, "America/New_York", ["305"]),
            ("Atlanta", "GA", "30303", 33.7527, -84.3915, "America/New_York", ["404"]),
            ("Chicago", "IL", "60601", 41.8853, -87.6216, "America/Chicago", ["312", "773"]),
            ("Houston", "TX", "77002", 29.7566, -95.3650, "America/Chicago", ["713"]),
            ("Austin", "TX", "78701", 30.2711, -97.7437, "America/Chicago", ["512"]),
            ("Denver", "CO", "80202", 39.7527, -104.9992, "America/Denver", ["303", "720"]),
            ("Salt Lake City", "UT", "84101", 40.7567, -111.8968, "America/Denver", ["801"]),
            ("Phoenix", "AZ", "85004", 33.4514, -112.0702, "America/Phoenix", ["602", "480"]),
            ("San Francisco", "CA", "94103", 37.7725, -122.4091, "America/Los_Angeles", ["415"]),
            ("Los Angeles", "CA", "90012", 34.0614, -118.2385, "America/Los_Angeles", ["213"]),
            ("Seattle", "WA", "98101", 47.6101, -122.3344, "America/Los_Angeles", ["206"]),
            ("Portland", "OR", "97205", 45.5202, -122.6869, "America/Los_Angeles", ["503"]),
            ("Anchorage", "AK", "99501", 61.2176, -149.8997, "America/Anchorage", ["907"]),
            ("Honolulu", "HI", "96813", 21.3069, -157.8583, "Pacific/Honolulu", ["808"]),
        ],
        "streets": split(
            "Main St, Oak Ave, Maple Dr, Cedar Ln, Park Pl, Washington Blvd, Lakeview Ter, "
            "Elm St, Sunset Ave, Pine St"
        ),
        "address": "{n} {s}",
        "first": split(
            "James, Emily, Michael, Olivia, Daniel, Sophia, Carlos, Jasmine, Wei, Aaliyah, "
            "Ethan, Mei, Jamal, Hannah, Diego, Grace, Mateo, Isabella, DeShawn, Lauren, Minh, "
            "Rachel, Omar, Samantha, Tyler, Andre, Nicole, Jin, Megan, Marcus, Leah, Kevin"
        ),
        "last": split(
            "Johnson, Williams, Brown, Garcia, Martinez, Nguyen, Kim, Patel, Robinson, Jackson, "
            "Lee, Rodriguez, Thompson, Chen, Davis, Lopez, Walker, Hernandez, Wright, "
            "Washington, Murphy, Cohen, Okafor, Rivera, Bennett, Foster"
        ),
    },
    "CA": {
        "name": "Canada",
        "continent": "North America",
        "currency": "CAD",
        "weight": 14,
        "cities": [
            ("Toronto", "ON", "M5V 2T6", 43.6426, -79.3871, "America/Toronto", ["416", "647"]),
            ("Ottawa", "ON", "K1P 5J9", 45.4215, -75.6972, "America/Toronto", ["613"]),
            ("Montréal", "QC", "H2Y 1C6", 45.5048, -73.5566, "America/Toronto", ["514"]),
            ("Vancouver", "BC", "V6B 1A1", 49.2827, -123.1207, "America/Vancouver", ["604"]),
            ("Calgary", "AB", "T2P 1J9", 51.0447, -114.0719, "America/Edmonton", ["403"]),
        ],
        "streets": ["Queen St", "Main St", "Church St", "Park Ave", "Maple Ave"],
        "address": "{n} {s}",
        "first": split(
            "Liam, Emma, Noah, Charlotte, Olivier, Léa, Gabriel, Chloé, Aiden, Maya, Ravi, "
            "Amélie, Connor, Harpreet"
        ),
        "last": split(
            "Tremblay, Roy, Gagnon, Côté, Smith, MacDonald, Singh, Wong, Bouchard, Campbell, "
            "Leblanc, Morrison"
        ),
    },
    "MX": {
        "name": "Mexico",
        "continent": "North America",
        "currency": "MXN",
        "weight": 8,
        "cities": [
            ("Ciudad de México", "CDMX", "06700", 19.4326, -99.1332, "America/Mexico_City", ["55"]),
            ("Guadalajara", "JAL", "44100", 20.6597, -103.3496, "America/Mexico_City", ["33"]),
            ("Monterrey", "NL", "64000", 25.6866, -100.3161, "America/Monterrey", ["81"]),
        ],
        "streets": ["Av. Álvaro Obregón", "Calle Colima", "Av. Chapultepec", "Calle Hidalgo"],
        "address": "{s} {n}",
        "first": split(
            "Sofía, Alejandro, Valentina, Diego, Ximena, Santiago, Regina, Emiliano, Fernanda, "
            "Leonardo"
        ),
        "last": split(
            "Hernández, García, Martínez, López, González, Pérez, Sánchez, Ramírez, Flores, Morales"
        ),
        "mobile": (["55", "33", "81"], 10),
    },
    "BR": {
        "name": "Brazil",
        "continent": "South America",
        "currency": "BRL",
        "weight": 12,
        "cities": [
            ("São Paulo", "SP", "01310-100", -23.5614, -46.6559, "America/Sao_Paulo", ["119"]),
            ("Rio de Janeiro", "RJ", "20040-002", -22.9035, -43.1767, "America/Sao_Paulo", ["219"]),
            ("Manaus", "AM", "69005-000", -3.1190, -60.0217, "America/Manaus", ["929"]),
        ],
        "streets": ["Rua Augusta", "Av. Paulista", "Rua das Laranjeiras", "Rua Oscar Freire"],
        "address": "{s}, {n}",
        "first": split(
            "João, Ana, Pedro, Beatriz, Rafael, Juliana, Thiago, Larissa, Matheus, Letícia, "
            "Gabriel, Fernanda"
        ),
        "last": split(
            "Santos, Oliveira, Souza, Lima, Costa, Ferreira, Rodrigues, Almeida, Carvalho, "
            "Ribeiro, Araújo"
        ),
        "mobile": (["119", "219", "929"], 11),
    },
    "GB": {
        "name": "United Kingdom",
        "continent": "Europe",
        "currency": "GBP",
        "weight": 16,
        "cities": [
            ("London", "England", "EC1A 1BB", 51.5202, -0.0975, "Europe/London", ["7"]),
            ("Manchester", "England", "M1 1AE", 53.4808, -2.2426, "Europe/London", ["7"]),
            ("Edinburgh", "Scotland", "EH1 1YZ", 55.9533, -3.1883, "Europe/London", ["7"]),
        ],
        "streets": ["High Street", "Church Road", "Victoria Road", "Station Road", "Mill Lane"],
        "address": "{n} {s}",
        "first": split(
            "Oliver, Amelia, Harry, Isla, George, Ava, Freya, Arjun, Poppy, Alfie, Imogen, "
            "Kwame, Niamh, Callum, Zara"
        ),
        "last": split(
            "Smith, Jones, Taylor, Davies, Evans, Thomas, Roberts, Walsh, Khan, Hughes, Clarke, "
            "Ahmed"
        ),
        "mobile": (["74", "75", "77", "78", "79"], 10),
    },
    "PT": {
        "name": "Portugal",
        "continent": "Europe",
        "currency": "EUR",
        "weight": 6,
        "cities": [
            ("Lisboa", "Lisboa", "1100-148", 38.7139, -9.1394, "Europe/Lisbon", ["91"]),
            ("Porto", "Porto", "4000-322", 41.1496, -8.6109, "Europe/Lisbon", ["93"]),
        ],
        "streets": ["Rua Augusta", "Avenida da Liberdade", "Rua de Santa Catarina"],
        "address": "{s} {n}",
        "first": ["Tiago", "Inês", "Rodrigo", "Mariana", "Duarte", "Leonor", "Martim", "Carolina"],
        "last": ["Silva", "Santos", "Ferreira", "Costa", "Martins", "Sousa", "Gonçalves"],
        "mobile": (["91", "92", "93", "96"], 9),
    },
    "FR": {
        "name": "France",
        "continent": "Europe",
        "currency": "EUR",
        "weight": 10,
        "cities": [
            ("Paris", "Île-de-France", "75004", 48.8566, 2.3522, "Europe/Paris", ["6"]),
            ("Lyon", "Auvergne-Rhône-Alpes", "69002", 45.7640, 4.8357, "Europe/Paris", ["6"]),
            (
                "Marseille",
                "Provence-Alpes-Côte d'Azur",
                "13001",
                43.2965,
                5.3698,
                "Europe/Paris",
                ["7"],
            ),
        ],
        "streets": ["rue de Rivoli", "rue de la République", "boulevard Voltaire", "rue du Bac"],
        "address": "{n} {s}",
        "first": split(
            "Louis, Camille, Hugo, Manon, Jules, Inès, Arthur, Léa, Nathan, Yanis, Élodie"
        ),
        "last": split(
            "Martin, Bernard, Thomas, Robert, Richard, Petit, Durand, Moreau, Lefèvre, Benali"
        ),
        "mobile": (["6", "7"], 9),
    },
    "DE": {
        "name": "Germany",
        "continent": "Europe",
        "currency": "EUR",
        "weight": 12,
        "cities": [
            ("Berlin", "Berlin", "10117", 52.5200, 13.4050, "Europe/Berlin", ["151", "176"]),
            ("München", "Bayern", "80331", 48.1372, 11.5756, "Europe/Berlin", ["160", "170"]),
            ("Hamburg", "Hamburg", "20095", 53.5511, 9.9937, "Europe/Berlin", ["157", "171"]),
        ],
        "streets": ["Hauptstraße", "Schillerstraße", "Gartenweg", "Bahnhofstraße", "Lindenallee"],
        "address": "{s} {n}",
        "first": split(
            "Lukas, Anna, Leon, Lena, Finn, Mia, Jonas, Hannah, Paul, Emre, Johanna, Maximilian"
        ),
        "last": split(
            "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Schulz, Hoffmann, "
            "Yılmaz, Koch, Schäfer"
        ),
        "mobile": (["151", "152", "157", "160", "170", "171", "176"], 11),
    },
    "ES": {
        "name": "Spain",
        "continent": "Europe",
        "currency": "EUR",
        "weight": 6,
        "cities": [
            ("Madrid", "Comunidad de Madrid", "28013", 40.4168, -3.7038, "Europe/Madrid", ["6"]),
            ("Barcelona", "Cataluña", "08002", 41.3851, 2.1734, "Europe/Madrid", ["6"]),
        ],
        "streets": ["Calle Mayor", "Gran Vía", "Carrer de Balmes", "Calle de Alcalá"],
        "address": "{s} {n}",
        "first": ["Lucía", "Pablo", "Martina", "Álvaro", "Paula", "Daniela", "Javier", "Carmen"],
        "last": ["Fernández", "González", "Rodríguez", "López", "Sánchez", "Gómez", "Ruiz"],
        "mobile": (["6"], 9),
    },
    "ZA": {
        "name": "South Africa",
        "continent": "Africa",
        "currency": "ZAR",
        "weight": 8,
        "cities": [
            ("Johannesburg", "Gauteng", "2001", -26.2041, 28.0473, "Africa/Johannesburg", ["82"]),
            ("Cape Town", "Western Cape", "8001", -33.9249, 18.4241, "Africa/Johannesburg", ["83"]),
        ],
        "streets": ["Long Street", "Jan Smuts Ave", "Main Road", "Bree Street"],
        "address": "{n} {s}",
        "first": ["Thabo", "Lerato", "Sipho", "Naledi", "Pieter", "Annika", "Themba", "Ayesha"],
        "last": ["Nkosi", "Dlamini", "Mokoena", "van der Merwe", "Botha", "Naidoo", "Khumalo"],
        "mobile": (["82", "83", "72", "73", "84", "71"], 9),
    },
    "NG": {
        "name": "Nigeria",
        "continent": "Africa",
        "currency": "NGN",
        "weight": 6,
        "cities": [
            ("Lagos", "Lagos", "101233", 6.5244, 3.3792, "Africa/Lagos", ["803", "806"]),
            ("Abuja", "FCT", "900211", 9.0765, 7.3986, "Africa/Lagos", ["813", "816"]),
        ],
        "streets": ["Admiralty Way", "Awolowo Road", "Adeola Odeku Street", "Aminu Kano Crescent"],
        "address": "{n} {s}",
        "first": ["Chinedu", "Ngozi", "Oluwaseun", "Aisha", "Emeka", "Funmilayo", "Ibrahim"],
        "last": ["Adeyemi", "Eze", "Bello", "Okonkwo", "Abubakar", "Nwosu", "Balogun"],
        "mobile": (["803", "806", "813", "816", "802", "905"], 10),
    },
    "KE": {
        "name": "Kenya",
        "continent": "Africa",
        "currency": "KES",
        "weight": 6,
        "cities": [
            ("Nairobi", "Nairobi County", "00100", -1.2921, 36.8219, "Africa/Nairobi", ["71"]),
            ("Mombasa", "Mombasa County", "80100", -4.0435, 39.6682, "Africa/Nairobi", ["72"]),
        ],
        "streets": ["Kenyatta Avenue", "Ngong Road", "Moi Avenue", "Waiyaki Way"],
        "address": "{n} {s}",
        "first": ["Wanjiru", "Achieng", "Otieno", "Njeri", "Mwangi", "Akinyi", "Baraka", "Amina"],
        "last": ["Kamau", "Odhiambo", "Wanjiku", "Mutua", "Kiprop", "Njoroge", "Chebet"],
        "mobile": (["70", "71", "72", "79"], 9),
    },
    "IN": {
        "name": "India",
        "continent": "Asia",
        "currency": "INR",
        "weight": 12,
        "cities": [
            ("Mumbai", "Maharashtra", "400001", 18.9388, 72.8354, "Asia/Kolkata", ["98", "99"]),
            ("Bengaluru", "Karnataka", "560001", 12.9716, 77.5946, "Asia/Kolkata", ["97", "90"]),
            ("New Delhi", "Delhi", "110001", 28.6139, 77.2090, "Asia/Kolkata", ["98", "88"]),
        ],
        "streets": ["MG Road", "Linking Road", "Residency Road", "Connaught Place"],
        "address": "{n} {s}",
        "first": split(
            "Aarav, Ananya, Rohan, Isha, Vikram, Kavya, Arjun, Diya, Rahul, Meera, Siddharth"
        ),
        "last": ["Sharma", "Iyer", "Reddy", "Gupta", "Singh", "Menon", "Das", "Kapoor", "Rao"],
        "mobile": (["98", "99", "97", "90", "88", "70"], 10),
    },
    "NP": {
        "name": "Nepal",
        "continent": "Asia",
        "currency": "NPR",
        "weight": 3,
        "cities": [
            ("Kathmandu", "Bagmati", "44600", 27.7172, 85.3240, "Asia/Kathmandu", ["98"]),
            ("Pokhara", "Gandaki", "33700", 28.2096, 83.9856, "Asia/Kathmandu", ["98"]),
        ],
        "streets": ["Durbar Marg", "Lakeside Road", "New Road"],
        "address": "{s} {n}",
        "first": ["Aayush", "Sabina", "Bishal", "Anjali", "Prakash", "Srijana"],
        "last": ["Shrestha", "Thapa", "Tamang", "Rai", "Adhikari", "Karki"],
        "mobile": (["98"], 10),
    },
    "JP": {
        "name": "Japan",
        "continent": "Asia",
        "currency": "JPY",
        "weight": 8,
        "cities": [
            ("Tokyo", "Tokyo", "150-0001", 35.6702, 139.7027, "Asia/Tokyo", ["90", "80"]),
            ("Osaka", "Osaka", "530-0001", 34.7025, 135.4959, "Asia/Tokyo", ["70", "90"]),
        ],
        "streets": ["Jingumae 1-chome", "Umeda 2-chome", "Shibuya 3-chome"],
        "address": "{s} {n}",
        "first": ["Haruto", "Yui", "Sota", "Hina", "Yuto", "Aoi", "Ren", "Sakura", "Takumi"],
        "last": ["Sato", "Suzuki", "Takahashi", "Tanaka", "Ito", "Yamamoto", "Nakamura"],
        "mobile": (["90", "80", "70"], 10),
    },
    "AU": {
        "name": "Australia",
        "continent": "Oceania",
        "currency": "AUD",
        "weight": 12,
        "cities": [
            ("Sydney", "NSW", "2000", -33.8688, 151.2093, "Australia/Sydney", ["4"]),
            ("Melbourne", "VIC", "3000", -37.8136, 144.9631, "Australia/Melbourne", ["4"]),
            ("Brisbane", "QLD", "4000", -27.4698, 153.0251, "Australia/Brisbane", ["4"]),
            ("Perth", "WA", "6000", -31.9523, 115.8613, "Australia/Perth", ["4"]),
            ("Adelaide", "SA", "5000", -34.9285, 138.6007, "Australia/Adelaide", ["4"]),
        ],
        "streets": ["George St", "Collins St", "Queen St", "Hay St", "Rundle Mall"],
        "address": "{n} {s}",
        "first": split(
            "Charlotte, William, Lachlan, Ruby, Jayden, Sienna, Thomas, Chloe, Mia, Cooper"
        ),
        "last": ["Smith", "Jones", "Brown", "Nguyen", "Kelly", "Ryan", "Papadopoulos", "Murray"],
        "mobile": (["4"], 9),
    },
    "NZ": {
        "name": "New Zealand",
        "continent": "Oceania",
        "currency": "NZD",
        "weight": 6,
        "cities": [
            ("Auckland", "Auckland", "1010", -36.8485, 174.7633, "Pacific/Auckland", ["21"]),
            ("Wellington", "Wellington", "6011", -41.2865, 174.7762, "Pacific/Auckland", ["22"]),
            ("Christchurch", "Canterbury", "8011", -43.5321, 172.6362, "Pacific/Auckland", ["27"]),
        ],
        "streets": ["Queen Street", "Cuba Street", "Ponsonby Road", "Colombo Street"],
        "address": "{n} {s}",
        "first": ["Nikau", "Ava", "Tama", "Isla", "Hunter", "Wiremu", "Olivia", "Sione"],
        "last": ["Williams", "Tane", "Taylor", "Walker", "Parata", "Fifita", "Te Whata"],
        "mobile": (["21", "22", "27"], 9),
    },
}
CONTINENT_OF_ZONE = {
    "Asia/Kathmandu": "Asia",
    "Australia/Lord_Howe": "Oceania",
    "Europe/Berlin": "Europe",
}
for _iso, _c in COUNTRIES.items():
    for _city in _c["cities"]:
        CONTINENT_OF_ZONE[_city[5]] = _c["continent"]

# ---------------------------------------------------------------- phones

USED_PHONES: set[str] = {BUSINESS}


def valid_for(number: str, iso: str) -> bool:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return (
        phonenumbers.is_valid_number(parsed)
        and phonenumbers.region_code_for_number(parsed) == iso
        and phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number
        and phonenumbers.number_type(parsed)
        in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    )


def new_phone(iso: str, prefixes: list[str] | None = None) -> str:
    country = COUNTRIES[iso]
    if iso in ("US", "CA"):
        codes = prefixes or [p for c in country["cities"] for p in c[6]]
        for _ in range(2000):
            number = f"+1{rng.choice(codes)}55501{rng.randrange(100):02d}"
            if number not in USED_PHONES and valid_for(number, iso):
                USED_PHONES.add(number)
                return number
        raise AssertionError(f"no free fictional number for {iso} {codes}")
    starts, length = country["mobile"]
    starts = prefixes or starts
    cc = str(phonenumbers.country_code_for_region(iso))
    for _ in range(2000):
        head = rng.choice(starts)
        number = f"+{cc}{head}" + "".join(str(rng.randrange(10)) for _ in range(length - len(head)))
        if number not in USED_PHONES and valid_for(number, iso):
            USED_PHONES.add(number)
            return number
    raise AssertionError(f"no valid mobile number for {iso}")


def claim(number: str, iso: str | None) -> str:
    """A hand-picked number: must be valid (for `iso` when given) and unused."""
    parsed = phonenumbers.parse(number, None)
    assert phonenumbers.is_valid_number(parsed), number
    if iso is not None:
        assert phonenumbers.region_code_for_number(parsed) == iso, (number, iso)
    assert number not in USED_PHONES, number
    USED_PHONES.add(number)
    return number


# ---------------------------------------------------------------- profiles

PROFILES: list[dict[str, Any]] = []
BY_PHONE: dict[str, dict[str, Any]] = {}
META: dict[str, dict[str, Any]] = {}  # phone -> iso, currency, city (not written)
FIXED: set[str] = set()  # story and fixture profiles: hand-written timelines only


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", plain.lower())


def email_for(first: str | None, last: str | None) -> str:
    domain = rng.choice(["example.com", "example.net", "example.org", "mail.example"])
    if not first or not last:
        return f"customer{rng.randrange(1000, 9999)}@{domain}"
    f, la = ascii_slug(first), ascii_slug(last)
    style = rng.randrange(4)
    local = [f"{f}.{la}", f"{f}{la}{rng.randrange(10, 99)}", f"{f[0]}.{la}", f"{f}_{la}"][style]
    return f"{local}@{domain}"


def full_location(iso: str, city: CITY, address1: str | None = None) -> dict[str, Any]:
    country = COUNTRIES[iso]
    name, region, zip_code, lat, lon, tz, _ = city
    if address1 is None:
        address1 = country["address"].format(
            n=rng.randrange(1, 240), s=rng.choice(country["streets"])
        )
    return {
        "address1": address1,
        "address2": None,
        "city": name,
        "region": region,
        "country": country["name"],
        "zip": zip_code,
        "timezone": tz,
        "latitude": round(lat + rng.uniform(-0.03, 0.03), 4),
        "longitude": round(lon + rng.uniform(-0.03, 0.03), 4),
    }


def empty_location() -> dict[str, Any]:
    keys = ("address1", "address2", "city", "region", "country", "zip", "timezone")
    return {**dict.fromkeys(keys), "latitude": None, "longitude": None}


def add_profile(
    phone: str,
    first: str | None,
    last: str | None,
    email: str | None,
    consent: str,
    location: dict[str, Any] | None,
    iso: str,
    city: str | None,
    fixed: bool = False,
) -> dict[str, Any]:
    profile = {
        "id": ulid(),
        "phone": phone,
        "email": email,
        "first_name": first,
        "last_name": last,
        "consent": consent,
        "location": location,
    }
    assert phone not in BY_PHONE
    PROFILES.append(profile)
    BY_PHONE[phone] = profile
    META[phone] = {"iso": iso, "currency": COUNTRIES[iso]["currency"], "city": city}
    if fixed:
        FIXED.add(phone)
    return profile


def city_of(iso: str, name: str) -> CITY:
    return next(c for c in COUNTRIES[iso]["cities"] if c[0] == name)


def names(phone: str) -> dict[str, str]:
    """Template values: {first} ("Hi {first}!") and {comma_first} ("Sorry{comma_first}!")."""
    first = BY_PHONE[phone]["first_name"]
    return {"first": first or "there", "comma_first": f", {first}" if first else ""}


# ---------------------------------------------------------------- timeline

MESSAGE_TYPES = ("send", "inbound", "reply", "action")
ENTRIES: list[tuple[int, int, dict[str, Any]]] = []
BUSY: dict[str, set[int]] = defaultdict(set)  # phone -> minutes holding its messages/actions
INITIAL: dict[str, str] = {}
CONSENT_CHANGES: dict[str, list[tuple[int, str]]] = defaultdict(list)
BLOCKED_AT: dict[str, int] = {}
LAST_ACT: dict[str, int] = {}  # phone -> latest minute of an agent reply or action
SENDS_TO: dict[str, list[tuple[int, str, str]]] = defaultdict(list)  # minute, source, status
ORDERS: list[dict[str, Any]] = []
ORDERS_OF: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)


def party(entry: dict[str, Any]) -> str:
    return str(entry.get("to") or entry.get("from") or entry.get("phone"))


def put(entry: dict[str, Any]) -> dict[str, Any]:
    m = entry["minutes_ago"]
    assert isinstance(m, int) and m >= 0, entry
    if entry["type"] in MESSAGE_TYPES:
        phone = party(entry)
        assert m not in BUSY[phone], ("minute taken", entry)
        BUSY[phone].add(m)
    ENTRIES.append((m, len(ENTRIES), entry))
    return entry


def free(phone: str, m: int) -> int | None:
    """`m`, or the first later minute with nothing else of this profile's; None if none."""
    while m in BUSY[phone]:
        m -= 1
    return m if m >= 0 else None


def consent_at(phone: str, m: int) -> str:
    state = INITIAL[phone]
    for when, value in sorted(CONSENT_CHANGES[phone], key=lambda c: -c[0]):
        if when > m:
            state = value
    return state


def can_text(phone: str, m: int) -> bool:
    """Whether the business may text `phone` at minute `m` (consent, not blocked)."""
    blocked = phone in BLOCKED_AT and BLOCKED_AT[phone] >= m
    return consent_at(phone, m) == "SUBSCRIBED" and not blocked


def delivery() -> tuple[str, int | None]:
    r = rng.random()
    if r < 0.87:
        return "delivered", None
    if r < 0.91:
        return "sent", None
    if r < 0.96:
        return "undelivered", rng.choice([30003, 30006, 30007, 30003])
    return "failed", rng.choice([30004, 30007, 30006])


def send(
    phone: str,
    m: int,
    source: str,
    body: str,
    media_items: list[dict[str, str]] | None = None,
    status: str | None = None,
    error: int | None = None,
    message_name: str | None = None,
) -> dict[str, Any]:
    if source != "keyword_reply":
        assert can_text(phone, m), ("send to a profile without consent", phone, m)
    if status is None:
        status, error = delivery()
    entry = put(
        {
            "type": "send",
            "minutes_ago": m,
            "sid": message_sid(media_items),
            "to": phone,
            "source": source,
            "body": body,
            "media": media_items or [],
            "status": status,
            "error_code": error,
        }
    )
    if source == "keyword_reply":
        return entry
    SENDS_TO[phone].append((m, source, status))
    key = "Flow Name" if source.startswith("flw_") else "Campaign Name"
    props: dict[str, Any] = {key: SOURCE_NAME[source], "Message Body": body}
    if message_name:
        props["Message Name"] = message_name
    if status == "delivered":
        event(phone, m, "Received SMS", props)
    elif status in ("undelivered", "failed"):
        event(phone, m, "Failed to Deliver SMS", {**props, "Error Code": error})
    return entry


def inbound(
    phone: str, m: int, body: str, media_items: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    return put(
        {
            "type": "inbound",
            "minutes_ago": m,
            "sid": message_sid(media_items),
            "from": phone,
            "body": body,
            "media": media_items or [],
        }
    )


def reply(
    phone: str,
    m: int,
    agent: str,
    body: str,
    media_items: list[dict[str, str]] | None = None,
    status: str = "delivered",
    error: int | None = None,
) -> dict[str, Any]:
    assert can_text(phone, m), ("reply to a profile without consent", phone, m)
    LAST_ACT[phone] = min(m, LAST_ACT.get(phone, m))
    return put(
        {
            "type": "reply",
            "minutes_ago": m,
            "agent": agent,
            "to": phone,
            "body": body,
            "media": media_items or [],
            "status": status,
            "error_code": error,
        }
    )


def action(
    phone: str, m: int, agent: str, what: str, snooze_minutes: int | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": "action",
        "minutes_ago": m,
        "agent": agent,
        "phone": phone,
        "action": what,
    }
    if what == "snooze":
        assert snooze_minutes and snooze_minutes > 0
        entry["snooze_minutes"] = snooze_minutes
    if what == "block":
        BLOCKED_AT[phone] = m
    LAST_ACT[phone] = min(m, LAST_ACT.get(phone, m))
    return put(entry)


def event(phone: str, m: int, metric: str, properties: dict[str, Any]) -> dict[str, Any]:
    return put(
        {
            "type": "event",
            "minutes_ago": m,
            "uuid": event_uuid(),
            "phone": phone,
            "metric": metric,
            "properties": properties,
        }
    )


def keyword(phone: str, m: int, body: str) -> int:
    """A keyword text and the business's automatic keyword reply a minute later."""
    word = body.strip().upper()
    kind = "opt_out" if word in OPT_OUT else "opt_in" if word in OPT_IN else "help"
    assert word in OPT_OUT | OPT_IN | HELP, body
    inbound(phone, m, body)
    if kind == "opt_out":
        CONSENT_CHANGES[phone].append((m, "UNSUBSCRIBED"))
    elif kind == "opt_in":
        CONSENT_CHANGES[phone].append((m, "SUBSCRIBED"))
    r = free(phone, m - 1)
    assert r is not None and m - r <= 3
    send(phone, r, "keyword_reply", KW_REPLY[kind], status="delivered")
    return r


def campaign_body(name: str, phone: str) -> str:
    return str(CAMPAIGN[name]["body"]).format(**names(phone))


def campaign_send(name: str, phone: str, m: int, **kw: Any) -> dict[str, Any]:
    c = CAMPAIGN[name]
    return send(phone, m, c["id"], campaign_body(name, phone), c["media"], **kw)


def order(
    phone: str,
    m: int,
    lines: list[dict[str, Any]],
    status: str,
    fulfilled_m: int | None = None,
    browse: bool = True,
) -> dict[str, Any]:
    """An order with its shop events (viewed, checkout, placed, fulfilled). Ids come later."""
    currency = META[phone]["currency"]
    has_email = BY_PHONE[phone]["email"] is not None
    total = sum(x["quantity"] * x["unit_price_cents"] for x in lines)
    names = [x["product"] for x in lines]
    if browse:
        viewed = m + rng.randint(30, 1440)
        if viewed <= SPAN:
            event(
                phone,
                viewed,
                "Viewed Product",
                {
                    "ProductName": names[0],
                    "Price": lines[0]["unit_price_cents"] / 100,
                    "Currency": currency,
                    "URL": "https://acme.example/p/" + PRODUCT[names[0]][1].lower(),
                },
            )
        event(
            phone,
            m + rng.randint(2, 25),
            "Started Checkout",
            {"$value": total / 100, "Currency": currency, "Items": names},
        )
    entry = put(
        {
            "type": "order",
            "minutes_ago": m,
            "order_id": None,  # numbered in time order once all orders exist
            "phone": phone,
            "status": status,
            "currency": currency,
            "lines": lines,
        }
    )
    ORDERS.append(entry)
    ORDERS_OF[phone].append((m, entry))
    if has_email:
        placed = event(
            phone,
            m,
            "Placed Order",
            {"$value": total / 100, "Currency": currency, "Items": names, "OrderId": None},
        )
        entry["_events"] = [placed]
    if fulfilled_m is not None:
        entry["_fulfilled"] = fulfilled_m
        if has_email:
            done = event(
                phone,
                fulfilled_m,
                "Fulfilled Order",
                {"$value": total / 100, "Currency": currency, "Items": names, "OrderId": None},
            )
            entry["_events"].append(done)
    return entry


def last_order_before(phone: str, m: int) -> dict[str, Any] | None:
    done = [o for when, o in ORDERS_OF[phone] if when > m]
    return max(done, key=lambda o: -o["minutes_ago"]) if done else None


# ---------------------------------------------------------------- story profiles

STORY = {
    "maria": "+14155550123",
    "tom": "+4915123456789",
    "priya": "+919812345678",
    "lucas": "+5511912345678",
    "spam": "+12125550199",
    "kenji": "+819012345678",
    "aroha": "+64211234567",
    "sita": "+9779801234567",
    "jack": "+61412345678",
}
FIXTURE = {
    "dana": "+13125550142",
    "noah": "+12065550147",
    "helene": "+33612345678",
    "margaret": "+447700123456",
    "camila": "+525512345678",
    "oliver": "+447400123456",
}
LONG_TEXT = (
    "Hi, I hope this is the right place to ask. I ordered two pairs of the Harbor Chelsea "
    "Boot three weeks ago, one in EU 39 for me and one in EU 42 for my husband, and only one "
    "box arrived. The packing slip lists both pairs, but the box only had mine, and the "
    "tracking page says the shipment is complete. I've already checked with the building "
    "concierge and my neighbours. His birthday is on Saturday, so I'd really appreciate it if "
    "you could send the second pair by express, or tell me what to do next. Thank you so much!"
)


def add_story_profiles() -> None:
    def loc(
        address1: str | None,
        city: str | None,
        region: str | None,
        country: str | None,
        zip_code: str | None,
        tz: str | None,
        lat: float | None,
        lon: float | None,
    ) -> dict[str, Any]:
        return {
            "address1": address1,
            "address2": None,
            "city": city,
            "region": region,
            "country": country,
            "zip": zip_code,
            "timezone": tz,
            "latitude": lat,
            "longitude": lon,
        }

    us, de, inn = "United States", "Germany", "India"
    rows: list[tuple[Any, ...]] = [
        # key, iso, first, last, email, consent, location, city
        ("maria", "US", "Maria", "Silva", "maria.silva@example.com", "SUBSCRIBED",
         loc("2150 Mission St", "San Francisco", "CA", us, "94110", "America/Los_Angeles",
             37.7627, -122.4194), "San Francisco"),
        ("tom", "DE", "Tom", "Becker", "tom.becker@example.net", "SUBSCRIBED",
         loc("Oranienstraße 25", "Berlin", "Berlin", de, "10999", "Europe/Berlin",
             52.5016, 13.4180), "Berlin"),
        ("priya", "IN", "Priya", "Nair", "priya.nair@example.com", "SUBSCRIBED",
         loc("14 MG Road", "Bengaluru", "Karnataka", inn, "560001", "Asia/Kolkata",
             12.9756, 77.6050), "Bengaluru"),
        ("lucas", "BR", "Lucas", "Pereira", "lucas.pereira@example.org", "SUBSCRIBED",
         loc("Rua Augusta, 1500", "São Paulo", "SP", "Brazil", "01304-001",
             "America/Sao_Paulo", -23.5587, -46.6600), "São Paulo"),
        ("spam", "US", "Spam", "Sender", None, "NEVER_SUBSCRIBED", None, None),
        ("kenji", "JP", "Kenji", "Watanabe", "kenji.watanabe@example.com", "NEVER_SUBSCRIBED",
         loc("1-9-1 Marunouchi", "Tokyo", "Tokyo", "Japan", "100-0005", "Asia/Tokyo",
             35.6812, 139.7671), "Tokyo"),
        ("aroha", "NZ", "Aroha", "Ngata", "aroha.ngata@example.net", "SUBSCRIBED",
         loc("12 Ponsonby Road", "Auckland", "Auckland", "New Zealand", "1011",
             "Pacific/Auckland", -36.8560, 174.7460), "Auckland"),
        ("sita", "NP", "Sita", "Gurung", "sita.gurung@example.com", "SUBSCRIBED",
         loc(None, None, None, None, None, None, 27.7172, 85.3240), None),
        ("jack", "AU", "Jack", "Wilson", "jack.wilson@example.com", "SUBSCRIBED",
         loc("Lagoon Road", "Lord Howe Island", "NSW", "Australia", "2898",
             "Australia/Lord_Howe", -31.5553, 159.0821), "Lord Howe Island"),
    ]  # fmt: skip
    fixtures: list[tuple[Any, ...]] = [
        ("dana", "US", "Dana", "Brooks", "dana.brooks@example.com", "SUBSCRIBED",
         full_location("US", city_of("US", "Chicago"), "1120 N State St"), "Chicago"),
        ("noah", "US", "Noah", "Kim", "noah.kim@example.org", "SUBSCRIBED",
         full_location("US", city_of("US", "Seattle"), "400 Pine St"), "Seattle"),
        ("helene", "FR", "Hélène", "Dubois", "helene.dubois@example.net", "SUBSCRIBED",
         full_location("FR", city_of("FR", "Paris"), "18 rue des Écouffes"), "Paris"),
        ("margaret", "GB", "Margaret", "O'Neill", "margaret.oneill@example.com", "SUBSCRIBED",
         full_location("GB", city_of("GB", "London"), "7 Coldbath Square"), "London"),
        ("camila", "MX", "Camila", "Rojas", "camila.rojas@example.com", "UNSUBSCRIBED",
         full_location("MX", city_of("MX", "Ciudad de México"), "Calle Colima 212"),
         "Ciudad de México"),
        ("oliver", "GB", "Oliver", "Grant", None, "SUBSCRIBED",
         {**empty_location(), "city": "Manchester", "country": "United Kingdom"}, "Manchester"),
    ]  # fmt: skip
    numbers = {**STORY, **FIXTURE}
    for key, iso, first, last, email, consent, location, city in rows + fixtures:
        phone = claim(numbers[key], iso)
        add_profile(phone, first, last, email, consent, location, iso, city, fixed=True)
        INITIAL[phone] = consent


def story_orders() -> None:
    s, f = STORY, FIXTURE
    order(s["maria"], 29_870, [line("Harbor Chelsea Boot", "USD", size="38")], "fulfilled", 27_200)
    order(s["tom"], 14_420, [line("Rain Shell Jacket", "EUR")], "fulfilled", 13_050)
    order(
        s["kenji"],
        4_200,
        [
            line("Everyday Knit Sneaker", "JPY", size="42"),
            line("Merino Crew Socks (3-pack)", "JPY"),
        ],
        "placed",
    )
    order(s["aroha"], 8_900, [line("Classic Aviator Sunglasses", "NZD")], "fulfilled", 5_950)
    order(s["priya"], 2_300, [line("Cashmere Beanie", "INR", quantity=2)], "placed")
    order(f["dana"], 7_300, [line("Summit Hiking Boot", "USD", size="40")], "placed")
    order(f["helene"], 11_600, [line("Suede Desert Boot", "EUR", size="37")], "fulfilled", 8_700)
    order(
        f["margaret"],
        31_000,
        [
            line("Harbor Chelsea Boot", "GBP", size="39"),
            line("Harbor Chelsea Boot", "GBP", size="42"),
        ],
        "fulfilled",
        27_900,
    )


def story_timeline() -> None:
    s, f = STORY, FIXTURE
    # Maria Silva: a campaign reply, two texts in a row (only the first attributed).
    campaign_send("New Arrivals: Boots", s["maria"], 43_530, status="delivered")
    campaign_send("Black Friday Early Access", s["maria"], 90, status="delivered")
    inbound(s["maria"], 30, "Do you have the boots in size 38?")
    inbound(s["maria"], 29, "Also in black?")

    # Tom Becker: question, chloe's answer, chloe closes it.
    campaign_send("Winter Sale", s["tom"], 20_350, status="delivered")
    send(
        s["tom"],
        13_048,
        FLOW["Shipping Update"],
        f"{PREFIX}: Good news, Tom! Your order has shipped. Track it: https://acme.example/t/k7p2qd",
        status="delivered",
        message_name="Shipped",
    )
    inbound(s["tom"], 4_320, "Hi! Can I wash the Rain Shell Jacket in the machine?")
    reply(
        s["tom"],
        4_290,
        "chloe",
        "Hi Tom! Yes: cold, gentle cycle, no fabric softener, then hang it to dry. "
        "Re-proof it with a spray every few washes.",
    )
    action(s["tom"], 2_880, "chloe", "close")

    # Priya Nair: dev reads it and snoozes it until tomorrow.
    campaign_send("Flash Sale: 24 Hours Only", s["priya"], 3_065, status="delivered")
    inbound(s["priya"], 300, "Hi, I placed an order 2 days back. Can I still add a second beanie?")
    action(s["priya"], 242, "dev", "mark_read")
    action(s["priya"], 240, "dev", "snooze", snooze_minutes=1440)

    # Lucas Pereira: STOP after a campaign.
    campaign_send("Winter Sale", s["lucas"], 20_350, status="delivered")
    campaign_send("Flash Sale: 24 Hours Only", s["lucas"], 3_064, status="delivered")
    keyword(s["lucas"], 2_880, "STOP")

    # Spam Sender: junk, blocked by ben, junk again (stored, nothing else).
    inbound(
        s["spam"], 360, "CONGRATS!!! You WON a $1000 gift card. Claim now: http://bit.ly/cl4im-n0w"
    )
    action(s["spam"], 300, "ben", "block")
    inbound(s["spam"], 60, "Last chance!!! Your prize expires today, reply CLAIM to get it")

    # Kenji Watanabe: never subscribed, asks about his order.
    inbound(s["kenji"], 20, "Is my order shipped?")

    # Aroha Ngata: MMS of a broken item, ana answers with an MMS.
    send(
        s["aroha"],
        5_948,
        FLOW["Shipping Update"],
        f"{PREFIX}: Good news, Aroha! Your order has shipped. Track it: "
        "https://acme.example/t/x9f3ma",
        status="delivered",
        message_name="Shipped",
    )
    inbound(
        s["aroha"],
        40,
        "It arrived broken",
        [
            {
                "url": f"{CDN}/mms/inbound/aroha-ngata/IMG_4471.jpg",
                "content_type": "image/jpeg",
            }
        ],
    )
    reply(
        s["aroha"],
        35,
        "ana",
        "Oh no, so sorry Aroha! Here's a prepaid return label. A new pair ships today 📦",
        media("support/return-label-nz.png", "image/png"),
    )

    # Sita Gurung: texts 26 h after an abandoned-cart text, outside the window.
    event(
        s["sita"],
        1_800,
        "Started Checkout",
        {"$value": 18_990.0, "Currency": "NPR", "Items": ["Alpine Down Jacket"]},
    )
    send(
        s["sita"],
        1_620,
        FLOW["Abandoned Cart"],
        f"{PREFIX}: Still thinking about the Alpine Down Jacket, Sita? Your cart is saved: "
        "https://acme.example/cart/r8n2wq Reply STOP to opt out",
        media("products/alpine-down-jacket.jpg", "image/jpeg"),
        status="delivered",
        message_name="Cart reminder",
    )
    inbound(s["sita"], 120, "Does the jacket come in a smaller size? XS?")

    # Jack Wilson: HELP keyword only.
    keyword(s["jack"], 180, "HELP")

    # Fixtures: untrusted, accented, long, opt-in and opt-out texts.
    inbound(f["dana"], 180, "[bold red]URGENT[/] where is my order??")

    inbound(f["noah"], 420, "pls check \x1b[31mthis\x1b[0m")
    reply(
        f["noah"],
        400,
        "chloe",
        "Hi Noah, part of your text came through garbled. Could you resend your order number?",
    )
    action(f["noah"], 390, "chloe", "mark_unread")  # to follow up on it later

    campaign_send("Winter Sale", f["helene"], 20_349, status="delivered")
    inbound(
        f["helene"],
        1_500,
        "Bonjour ! Ma commande {order} n'est toujours pas arrivée… Pouvez-vous vérifier ? "
        "Merci beaucoup 🙏",
    )
    reply(
        f["helene"],
        1_460,
        "chloe",
        "Bonjour Hélène ! Votre colis est à Lyon, livraison prévue demain. "
        "Désolée pour l'attente 💐",
    )
    action(f["helene"], 1_400, "chloe", "close")

    inbound(f["margaret"], 600, LONG_TEXT)
    reply(
        f["margaret"],
        560,
        "ben",
        "Hi Margaret, I'm so sorry! The second pair (EU 42) ships today by express and will "
        "arrive before Saturday. No need to send anything back.",
    )

    keyword(f["camila"], 2_000, " Start ")
    send(
        f["camila"],
        1_997,
        FLOW["Welcome Series"],
        f"{PREFIX}: Welcome to {PREFIX} texts, Camila! 🎉 Here's 10% off your first order: "
        "WELCOME10 https://acme.example/s/welcome Reply STOP to opt out",
        media("flows/welcome/hello.gif", "image/gif"),
        status="delivered",
        message_name="Welcome #1",
    )
    inbound(f["camila"], 1_900, "Hola! Do you ship to Mexico City? 🇲🇽")
    reply(
        f["camila"],
        1_880,
        "ana",
        "¡Hola Camila! Yes, we ship to CDMX: 3-5 business days, free over $1,500 MXN.",
    )

    campaign_send("Winter Sale", f["oliver"], 20_348, status="delivered")
    # Flagged as a possible opt-out; his STOP then settles it (no agent may insist on
    # the keyword: 47 CFR 64.1200(a)(10)).
    inbound(f["oliver"], 20_200, "please remove me from this list")
    keyword(f["oliver"], 20_185, "STOP")
    action(f["oliver"], 20_181, "femi", "mark_read")
    action(f["oliver"], 20_180, "femi", "close")


# ---------------------------------------------------------------- generated profiles


def add_random_profiles(count: int) -> None:
    isos = list(COUNTRIES)
    weights = [COUNTRIES[i]["weight"] for i in isos]
    names_taken = {(p["first_name"], p["last_name"]) for p in PROFILES}
    kinds = ["full"] * 60 + ["latlong"] * 8 + ["citycountry"] * 15 + ["none"] * 17
    for n in range(count):
        iso = rng.choices(isos, weights)[0]
        country = COUNTRIES[iso]
        while True:
            first, last = rng.choice(country["first"]), rng.choice(country["last"])
            if (first, last) not in names_taken:
                names_taken.add((first, last))
                break
        city = rng.choice(country["cities"])
        kind = rng.choice(kinds)
        location: dict[str, Any] | None
        if kind == "full":
            location = full_location(iso, city)
        elif kind == "latlong":
            location = {
                **empty_location(),
                "latitude": round(city[3] + rng.uniform(-0.03, 0.03), 4),
                "longitude": round(city[4] + rng.uniform(-0.03, 0.03), 4),
            }
        elif kind == "citycountry":
            location = {**empty_location(), "city": city[0], "country": country["name"]}
        else:
            location = None
        phone = new_phone(iso, city[6] if kind != "none" else None)
        f: str | None = first
        la: str | None = last
        if n % 61 == 7:
            f = la = None
        elif n % 67 == 11:
            la = None
        email = email_for(f, la) if rng.random() < 0.88 else None
        consent = rng.choices(["SUBSCRIBED", "NEVER_SUBSCRIBED", "UNSUBSCRIBED"], [78, 13, 9])[0]
        add_profile(
            phone, f, la, email, consent, location, iso, city[0] if kind != "none" else None
        )
        INITIAL[phone] = consent


def generated() -> list[str]:
    return [p["phone"] for p in PROFILES if p["phone"] not in FIXED]


# ---------------------------------------------------------------- generated history


def random_orders() -> None:
    for phone in generated():
        if rng.random() > 0.26:
            continue
        for _ in range(1 if rng.random() < 0.75 else 2):
            m = rng.randint(60, SPAN - 1500)
            currency = META[phone]["currency"]
            picks = rng.sample(PRODUCTS, rng.choice([1, 1, 1, 2, 2, 3]))
            lines = [
                line(p[0], currency, quantity=rng.choice([1, 1, 2, 3]) if "Socks" in p[0] else 1)
                for p in picks
            ]
            fulfilled_m = m - rng.randint(720, 4320)
            if fulfilled_m < 0 or m < 2880:
                status, fulfilled_m = "placed", None
            else:
                status = rng.choices(["fulfilled", "cancelled", "refunded"], [84, 8, 8])[0]
                if status == "cancelled":
                    fulfilled_m = None
            order(phone, m, lines, status, fulfilled_m, browse=rng.random() < 0.7)


def number_orders() -> None:
    for n, entry in enumerate(sorted(ORDERS, key=lambda o: -o["minutes_ago"])):
        entry["order_id"] = f"#{1001 + n}"
        for ev in entry.pop("_events", []):
            ev["properties"]["OrderId"] = entry["order_id"]


OPT_OUT_WORDS = ["stop", "UNSUBSCRIBE", "Stop", "CANCEL", "STOP", "quit", "STOP", "End", "STOP"]
# word, the consent of whoever texts it (UNSTOP is what someone who opted out sends)
OPT_IN_WORDS = [
    ("JOIN", "NEVER_SUBSCRIBED"),
    ("START", "UNSUBSCRIBED"),
    ("Unstop", "UNSUBSCRIBED"),
    ("yes", "NEVER_SUBSCRIBED"),
    ("join", "NEVER_SUBSCRIBED"),
]
HELP_WORDS = ["HELP", "info", "Help"]
OPT_INS: list[tuple[str, int]] = []  # phone, minute of its keyword reply


def random_keywords() -> None:
    pool = generated()
    rng.shuffle(pool)
    subscribed = [p for p in pool if INITIAL[p] == "SUBSCRIBED"]
    others = {
        consent: [p for p in pool if INITIAL[p] == consent]
        for consent in ("NEVER_SUBSCRIBED", "UNSUBSCRIBED")
    }
    # Opt-outs right after a campaign (the usual STOP), two of them opt in again later.
    for n, word in enumerate(OPT_OUT_WORDS):
        phone = subscribed.pop()
        c = CAMPAIGNS[n % 4]
        CAMPAIGN_FORCED[c["name"]].add(phone)
        m = c["at"] - rng.randint(8, 400)
        keyword(phone, m, word)
        if n < 2:
            back = m - rng.randint(2000, 9000)
            r = keyword(phone, back, "START" if n == 0 else " join ")
            OPT_INS.append((phone, r))
    # Opt-ins by keyword from people without consent.
    for word, consent in OPT_IN_WORDS:
        phone = others[consent].pop()
        m = rng.randint(600, SPAN - 600)
        r = keyword(phone, m, word)
        OPT_INS.append((phone, r))
    for word in HELP_WORDS:
        phone = subscribed.pop()
        keyword(phone, rng.randint(100, SPAN - 100), word)


CAMPAIGN_FORCED: dict[str, set[str]] = defaultdict(set)


def campaigns() -> None:
    for c in CAMPAIGNS:
        for phone in generated():
            forced = phone in CAMPAIGN_FORCED[c["name"]]
            if not forced and (rng.random() > c["share"] or not can_text(phone, c["at"])):
                continue
            m = free(phone, c["at"] - rng.randint(0, 3))
            assert m is not None and can_text(phone, m), (phone, c["name"])
            campaign_send(c["name"], phone, m)
            if SENDS_TO[phone][-1][2] == "delivered" and rng.random() < 0.16:
                clicked = m - rng.randint(1, 240)
                if clicked >= 0:
                    event(
                        phone,
                        clicked,
                        "Clicked SMS",
                        {"Campaign Name": c["name"], "URL": c["link"]},
                    )


def flows() -> None:
    welcome_1 = (
        PREFIX
        + ": Welcome to "
        + PREFIX
        + " texts{comma_first}! 🎉 Here's 10% off your first order: "
        "WELCOME10 https://acme.example/s/welcome Reply STOP to opt out"
    )
    welcome_2 = (
        PREFIX + ": Psst{comma_first}: your WELCOME10 code expires in 48h ⏳ "
        "https://acme.example/s/welcome Reply STOP to opt out"
    )
    gif = media("flows/welcome/hello.gif", "image/gif")

    def welcome(phone: str, m: int) -> None:
        m1 = free(phone, m)
        if m1 is None or not can_text(phone, m1):
            return
        fn = names(phone)
        send(phone, m1, FLOW["Welcome Series"], welcome_1.format(**fn), gif,
             message_name="Welcome #1")  # fmt: skip
        m2 = free(phone, m1 - 1440)
        if m2 is not None and can_text(phone, m2) and rng.random() < 0.6:
            send(phone, m2, FLOW["Welcome Series"], welcome_2.format(**fn),
                 message_name="Welcome #2")  # fmt: skip

    for phone, r in OPT_INS:
        welcome(phone, r - 2)
    subscribed = [p for p in generated() if INITIAL[p] == "SUBSCRIBED"]
    for phone in rng.sample(subscribed, 14):
        welcome(phone, rng.randint(100, SPAN - 200))

    # Abandoned carts: a checkout without an order, then the flow's reminder.
    for phone in rng.sample(generated(), 26):
        m = rng.randint(30, SPAN - 300)
        product = rng.choice(PRODUCTS)
        currency = META[phone]["currency"]
        event(
            phone,
            m,
            "Started Checkout",
            {"$value": price(product[2], currency) / 100, "Currency": currency,
             "Items": [product[0]]},
        )  # fmt: skip
        at = free(phone, m - rng.randint(60, 240))
        if at is None or not can_text(phone, at):
            continue
        send(
            phone,
            at,
            FLOW["Abandoned Cart"],
            f"{PREFIX}: Still thinking about the {product[0]}{names(phone)['comma_first']}? "
            f"Your cart is saved: https://acme.example/cart/{short_code()} Reply STOP to opt out",
            media(f"products/{product[1].lower()}.jpg", "image/jpeg")
            if rng.random() < 0.6
            else None,
            message_name="Cart reminder",
        )

    # Shipping updates for fulfilled orders.
    for entry in ORDERS:
        phone = entry["phone"]
        if phone in FIXED or "_fulfilled" not in entry:
            continue
        at = free(phone, entry["_fulfilled"] - rng.randint(1, 5))
        if at is None or not can_text(phone, at) or rng.random() > 0.8:
            continue
        send(
            phone,
            at,
            FLOW["Shipping Update"],
            f"{PREFIX}: Good news{names(phone)['comma_first']}! Order {{order}} has shipped. "
            f"Track it: https://acme.example/t/{short_code()}",
            message_name="Shipped",
        )["_order"] = entry

    # Win-back and back-in-stock to a few subscribed people.
    for phone in rng.sample(subscribed, 12):
        at = free(phone, rng.randint(3000, SPAN - 3000))
        if at is None or not can_text(phone, at):
            continue
        send(
            phone,
            at,
            FLOW["Win-back"],
            f"{PREFIX}: We miss you{names(phone)['comma_first']}! Take 15% off with code "
            "COMEBACK15, valid 7 days: https://acme.example/s/wb Reply STOP to opt out",
            message_name="Win-back #1",
        )
    for phone in rng.sample(subscribed, 7):
        at = free(phone, rng.randint(200, SPAN - 200))
        if at is None or not can_text(phone, at):
            continue
        product = rng.choice([p for p in PRODUCTS if p[3]])
        send(
            phone,
            at,
            FLOW["Back in Stock"],
            f"{PREFIX}: Good news! The {product[0]} in EU {rng.choice(SIZES)} is back in stock: "
            f"https://acme.example/p/{product[1].lower()} Reply STOP to opt out",
            media(f"products/{product[1].lower()}.jpg", "image/jpeg"),
            message_name="Back in stock",
        )


# ---------------------------------------------------------------- conversations

PHOTO_SCUFF = {"url": f"{CDN}/mms/inbound/scuffed-boot.jpg", "content_type": "image/jpeg"}
PHOTO_BOX = {"url": f"{CDN}/mms/inbound/crushed-box.jpg", "content_type": "image/jpeg"}
SIZE_CHART = media("support/size-chart-jackets.png", "image/png")

Turn = tuple[str, str] | tuple[str, str, list[dict[str, str]]]

SUBSCRIBED_DIALOGUES: list[tuple[tuple[str, ...], list[Turn]]] = [
    ((), [
        ("c", "Hi! Does the {footwear} run true to size? I'm usually {size}"),
        ("a", "Hi {first}! It runs true to size. If you're between sizes or wear thick socks, "
              "go half a size up."),
        ("c", "Perfect, thank you!"),
    ]),
    ((), [
        ("c", "what size should I get in the Alpine Down Jacket? I'm 5'9 and 160 lbs"),
        ("a", "Hi {first}, a Medium should fit you well. Here's the size chart 📏", SIZE_CHART),
        ("c", "M it is, thanks"),
    ]),
    (("order",), [
        ("c", "Hey, when will {order} ship?"),
        ("a", "Hi {first}! {order} is packed and leaves our warehouse today. You'll get a "
              "tracking link by text."),
        ("c", "Great 👍"),
    ]),
    (("order",), [
        ("c", "My tracking hasn't updated in 4 days. Order {order}"),
        ("c", "Is it lost??"),
        ("a", "Sorry about that{comma_first}! I've opened a trace with the carrier and will "
              "text you tomorrow with an update."),
        ("c", "ok thanks"),
    ]),
    ((), [
        ("c", "How do I return something? The jacket is too big"),
        ("a", "Hi {first}, returns are free within 30 days: https://acme.example/returns. Want me "
              "to email you a prepaid label?"),
        ("c", "Yes please"),
        ("a", "Done! The label is in your inbox. Drop the parcel at any post office."),
    ]),
    ((), [
        ("c", "The code WELCOME10 isn't working at checkout"),
        ("a", "Hi {first}! That code works on full-price items only. I've applied 10% to your "
              "cart manually, just refresh the page."),
        ("c", "It worked!! thank you 🙌"),
    ]),
    (("order",), [
        ("c", "Can I change the shipping address on {order}? I moved last week"),
        ("a", "Sure{comma_first}. Reply with the new address and I'll update it before it ships."),
        ("c", "{address}"),
        ("a", "Updated ✅ You're all set."),
    ]),
    ((), [
        ("c", "Will the {footwear} in {size} be back in stock?"),
        ("a", "Hi {first}, we expect a restock next week. I can text you when it lands!"),
        ("c", "yes please!"),
    ]),
    ((), [
        ("c", "Do you do gift wrapping? It's for my mom's birthday"),
        ("a", "We do! Tick 'gift wrap' at checkout and add a note, it's free this month 🎁"),
    ]),
    (("order",), [
        ("c", "I got the wrong color. Ordered black but got brown"),
        ("c", "order {order}"),
        ("a", "So sorry{comma_first}! A black pair ships today by express. Keep the brown ones or "
              "send them back for free, your call."),
        ("c", "wow ok, thanks a lot"),
    ]),
    (("country",), [
        ("c", "Do you ship to {country}? How long does it take?"),
        ("a", "Yes! Standard delivery to {country} takes 5-8 business days, express 2-3."),
    ]),
    (("order",), [
        ("c", "I bought the {product} last week and now it's on sale. Can I get the difference "
              "back?"),
        ("a", "Of course{comma_first}. I've refunded the difference to your card, it shows up "
              "in 3-5 days."),
    ]),
    ((), [
        ("c", "Just got my boots and I love them! 😍"),
        ("a", "That makes our day{comma_first}! Enjoy them 🥾"),
    ]),
    ((), [
        ("c", "how do i clean suede?? got a coffee stain already 😬"),
        ("a", "Oh no! Let it dry, then brush gently with a suede brush. Our Leather Care Kit "
              "works on suede too."),
        ("c", "thx"),
    ]),
    (("order",), [
        ("c", "Please cancel {order}, I ordered twice by mistake"),
        ("a", "No problem{comma_first}. The duplicate is cancelled and the refund shows up in 3-5 "
              "business days."),
    ]),
    ((), [
        ("c", "Tracking says delivered but nothing's here"),
        ("c", "I checked with the neighbours too"),
        ("a", "Sorry{comma_first}! Carriers sometimes mark parcels delivered a day early. If it "
              "hasn't shown up by tomorrow evening, text me and I'll reship it."),
        ("c", "ok will do"),
    ]),
    (("city",), [
        ("c", "Is your store in {city} open on Sunday?"),
        ("a", "Hi {first}, we're online-only for now, but we answer texts 7 days a week 🙂"),
    ]),
    ((), [
        ("c", "", [PHOTO_SCUFF]),
        ("c", "this is how the left boot arrived, scuffed on the toe"),
        ("a", "Thanks for the photo{comma_first}. That shouldn't happen! A new pair is on its way, "
              "no need to return these."),
        ("c", "amazing, thank you"),
    ]),
    ((), [
        ("c", "are boots included in the sale?"),
        ("a", "Yes! Every boot is 25% off until Sunday, no code needed."),
        ("c", "🔥🔥🔥"),
    ]),
    (("order",), [
        ("c", "Will {order} arrive before Friday? It's a gift"),
        ("a", "Hi {first}, it's out for delivery tomorrow, so yes! 🎉"),
        ("c", "phew 😅 thanks"),
    ]),
    ((), [
        ("c", "what's your return window?"),
        ("a", "Hi {first}! 30 days from delivery, and returns are free 🙂"),
    ]),
    ((), [
        ("c", "Hi, I need to exchange the Harbor Chelsea Boot for a bigger size"),
        ("c", "EU 42 instead of 41"),
        ("a", "No problem{comma_first}! I've reserved a pair in EU 42. Start the exchange here and "
              "we'll ship it as soon as the carrier scans your return: "
              "https://acme.example/exchange"),
        ("c", "Done, thanks!"),
    ]),
    ((), [
        ("c", "Is the Summit Hiking Boot waterproof? Going to Iceland in March"),
        ("a", "Hi {first}! Yes, it has a waterproof membrane and sealed seams. Perfect for "
              "Iceland 🏔️"),
    ]),
]  # fmt: skip

OTHER_DIALOGUES: list[tuple[tuple[str, ...], list[Turn]]] = [
    ((), [("c", "Hi, is this ACME? I have a question about my order")]),
    ((), [("c", "How do I track my package?")]),
    ((), [("c", "Who is this?")]),
    (("city",), [("c", "Do you have a store near {city}?")]),
    ((), [("c", "can someone call me back please"), ("c", "it's about a refund")]),
    ((), [("c", "Hello? My package is damaged"), ("c", "", [PHOTO_BOX])]),
    ((), [("c", "Do you price match?")]),
    ((), [("c", "Is the Summit Hiking Boot waterproof?")]),
]
FOLLOW_UP = [
    "Hi {first}, just checking in: did everything arrive OK?",
    "Hi {first}, following up: the replacement was delivered this morning. Anything else?",
]


def fill(text: str, phone: str, at: int, ctx: dict[str, str]) -> str:
    return text.format(**names(phone), **ctx)


def context(phone: str, m: int) -> dict[str, str]:
    meta = META[phone]
    last = last_order_before(phone, m)
    product = last["lines"][0]["product"] if last else rng.choice(PRODUCTS)[0]
    footwear = [x["product"] for x in last["lines"] if PRODUCT[x["product"]][3]] if last else []
    country = COUNTRIES[meta["iso"]]
    return {
        "order": "{order}",  # filled with the real id when orders are numbered
        "product": product,
        "footwear": footwear[0] if footwear else rng.choice([p for p in PRODUCTS if p[3]])[0],
        "size": "EU " + rng.choice(SIZES),
        "city": meta["city"] or "",
        "country": country["name"],
        "address": country["address"].format(
            n=rng.randrange(2, 300), s=rng.choice(country["streets"])
        )
        + (f", {meta['city']}" if meta["city"] else ""),
    }


def episode(phone: str, start: int, agent: str) -> tuple[int, str] | None:
    """One exchange starting at `start`; returns (last minute, last speaker) or None."""
    subscribed = can_text(phone, start)
    has_order = last_order_before(phone, start) is not None
    pool = SUBSCRIBED_DIALOGUES if subscribed else OTHER_DIALOGUES
    ctx = context(phone, start)
    options = [
        turns
        for needs, turns in pool
        if ("order" not in needs or has_order) and ("city" not in needs or ctx["city"])
    ]
    turns = rng.choice(options)
    m = start
    last: tuple[int, str] | None = None
    order_entry = last_order_before(phone, start)
    for n, turn in enumerate(turns):
        speaker, text = turn[0], turn[1]
        items = turn[2] if len(turn) == 3 else None
        if n:
            previous = turns[n - 1][0]
            if speaker == "c":
                m -= rng.randint(1, 3) if previous == "c" else rng.randint(4, 300)
            else:
                m -= rng.randint(3, 240)
        at = free(phone, m)
        if at is None:
            break
        m = at
        body = fill(text, phone, m, ctx)
        if speaker == "c":
            entry = inbound(phone, m, body, items)
        else:
            if not can_text(phone, m):
                break
            failed = rng.random() < 0.04
            entry = reply(
                phone,
                m,
                agent,
                body,
                items,
                status="failed" if failed else ("sent" if m < 3 else "delivered"),
                error=30003 if failed else None,
            )
        if "{order}" in body:
            assert order_entry is not None
            entry["_order"] = order_entry
        last = (m, speaker)
    return last


def conversations() -> None:
    pool = generated()
    weights = {"SUBSCRIBED": 1.0, "NEVER_SUBSCRIBED": 0.45, "UNSUBSCRIBED": 0.45}
    chosen: list[str] = []
    for phone in pool:
        if rng.random() < 0.40 * weights[INITIAL[phone]]:
            chosen.append(phone)
    for phone in chosen:
        agent = rng.choices(REPLYING_AGENTS, AGENT_WEIGHTS)[0]
        episodes = 2 if rng.random() < 0.22 else 1
        start = pick_start(phone)
        for k in range(episodes):
            if start is None:
                break
            result = episode(phone, start, agent)
            if result is None:
                break
            end, speaker = result
            disposition(phone, end, speaker, agent, last_episode=k == episodes - 1)
            later = min(end, LAST_ACT.get(phone, end)) - rng.randint(900, 9000)
            start = free(phone, later) if later > 0 else None


def pick_start(phone: str) -> int | None:
    received = [s for s in SENDS_TO[phone] if s[2] == "delivered" and s[0] > 10]
    r = rng.random()
    if received and r < 0.45:
        sent_at = rng.choice(received)[0]
        start = sent_at - rng.randint(2, min(1380, sent_at - 1))
    elif received and r < 0.65:
        sent_at = rng.choice(received)[0]
        start = sent_at - rng.randint(1500, 6000)
    elif rng.random() < 0.5:
        start = rng.randint(1, 2880)
    else:
        start = rng.randint(2880, SPAN - 2000)
    return free(phone, start) if start > 0 else None


def disposition(phone: str, end: int, speaker: str, agent: str, last_episode: bool) -> None:
    """What the agent did after an exchange: close, snooze, mark read/unread, or nothing."""

    def later(lo: int, hi: int) -> int | None:
        m = end - rng.randint(lo, hi)
        return free(phone, m) if m >= 0 else None

    r = rng.random()
    consented = can_text(phone, end)
    old = end > 2880  # exchanges from before the last two days are mostly done with
    if speaker == "a":
        close, snooze, unread = (0.75, 0.80, 0.84) if old else (0.35, 0.50, 0.60)
        if r < close:
            at = later(20, 1440)
            if at is not None:
                action(phone, at, agent, "close")
                if last_episode and consented and rng.random() < 0.3:
                    again = later(1500, 4000)
                    if again is not None and again < at and can_text(phone, again):
                        action(phone, again, agent, "reopen")
                        nxt = free(phone, again - 1)
                        if nxt is not None:
                            reply(phone, nxt, agent, FOLLOW_UP[rng.randrange(2)].format(
                                **names(phone)))  # fmt: skip
        elif r < snooze:
            at = later(5, 120)
            if at is not None:
                action(phone, at, agent, "snooze", rng.choice([180, 1440, 1440, 10080]))
        elif r < unread:
            at = later(5, 300)
            if at is not None:
                action(phone, at, agent, "mark_unread")
        return
    if not consented or old:
        # Nothing to answer (no consent), or an old text: read, and mostly closed.
        if r < (0.75 if old else 0.35):
            at = later(10, 600)
            if at is not None:
                action(phone, at, agent, "mark_read")
                close_at = free(phone, at - rng.randint(1, 30))
                if close_at is not None:
                    action(phone, close_at, agent, "close")
        elif r < (0.9 if old else 0.6):
            at = later(10, 600)
            if at is not None:
                action(phone, at, agent, "mark_read")
        return
    if r < 0.3:
        at = later(5, 240)
        if at is not None:
            action(phone, at, agent, "mark_read")
            snooze_at = free(phone, at - 1)
            if snooze_at is not None:
                action(phone, snooze_at, agent, "snooze", rng.choice([180, 1440, 10080]))


# ---------------------------------------------------------------- extra activity


def browsing() -> None:
    for phone in rng.sample(generated(), 40):
        product = rng.choice(PRODUCTS)
        currency = META[phone]["currency"]
        event(
            phone,
            rng.randint(5, SPAN),
            "Viewed Product",
            {
                "ProductName": product[0],
                "Price": price(product[2], currency) / 100,
                "Currency": currency,
                "URL": "https://acme.example/p/" + product[1].lower(),
            },
        )


# ---------------------------------------------------------------- checks


def classify(body: str) -> str | None:
    word = body.strip().upper()
    if word in OPT_OUT:
        return "opt_out"
    if word in OPT_IN:
        return "opt_in"
    if word in HELP:
        return "help"
    return None


SID = re.compile(r"(SM|MM)[0-9a-f]{32}")


def replay(
    agents: list[dict[str, Any]],
    sources: list[dict[str, Any]],
    profiles: list[dict[str, Any]],
    timeline: list[dict[str, Any]],
) -> dict[str, Any]:
    """Replay the timeline with the SMS rules, asserting them; returns the end state."""
    logins = {a["login"]: a for a in agents}
    acting = {a["login"] for a in agents if a["role"] in ("owner", "admin", "manager", "support")}
    source_ids = {s["id"]: s for s in sources}
    people = {p["phone"]: p for p in profiles}
    assert len(people) == len(profiles), "duplicate phones"
    ids = [p["id"] for p in profiles]
    assert len(set(ids)) == len(ids), "duplicate profile ids"
    for p in profiles:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", p["id"]), p["id"]
        parsed = phonenumbers.parse(p["phone"], None)
        assert phonenumbers.is_valid_number(parsed), p["phone"]
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        assert e164 == p["phone"], p["phone"]
        assert p["phone"] != BUSINESS
        assert p["consent"] in ("SUBSCRIBED", "UNSUBSCRIBED", "NEVER_SUBSCRIBED")
        loc = p["location"]
        if loc is not None:
            assert set(loc) == {
                "address1", "address2", "city", "region", "country", "zip", "timezone",
                "latitude", "longitude",
            }  # fmt: skip
            if loc["timezone"] is not None:
                pytz.timezone(loc["timezone"])
            if loc["country"] is not None:
                iso = phonenumbers.region_code_for_number(parsed)
                assert COUNTRIES[iso]["name"] == loc["country"], (p["phone"], loc["country"])

    consent = {ph: p["consent"] for ph, p in people.items()}
    blocked: set[str] = set()
    conv: dict[str, dict[str, Any]] = {}
    last_send: dict[str, tuple[int, str]] = {}
    replied_since: dict[str, bool] = {}
    last_message: dict[str, tuple[int, str, str | None]] = {}  # minute, type, keyword kind
    attributed: dict[str, str | None] = {}
    sids: set[str] = set()
    minutes: dict[str, set[int]] = defaultdict(set)
    previous = None
    order_ids: set[str] = set()
    uuids: set[str] = set()

    def wake(phone: str, m: int) -> None:
        c = conv.get(phone)
        if c and c["status"] == "snoozed" and c["until"] >= m:
            c["status"], c["until"] = "open", None

    for e in timeline:
        m = e["minutes_ago"]
        assert isinstance(m, int) and 0 <= m <= SPAN + 1440, e
        assert previous is None or m <= previous, "timeline not sorted"
        previous = m
        kind = e["type"]
        phone = party(e)
        assert phone in people, ("unknown profile", e)
        if kind in MESSAGE_TYPES:
            assert m not in minutes[phone], ("two messages/actions in one minute", e)
            minutes[phone].add(m)
        wake(phone, m)
        if kind in ("send", "inbound"):
            assert SID.fullmatch(e["sid"]), e["sid"]
            assert e["sid"] not in sids, "duplicate sid"
            sids.add(e["sid"])
            assert e["sid"].startswith("MM") == bool(e["media"]), e
        for item in e.get("media", []):
            assert set(item) == {"url", "content_type"} and item["url"].startswith("https://")
            assert item["content_type"].startswith("image/")
        if kind == "inbound":
            word = classify(e["body"])
            if word == "opt_out":
                consent[phone] = "UNSUBSCRIBED"
            elif word == "opt_in":
                consent[phone] = "SUBSCRIBED"
            if word is None:
                source = None
                if phone in last_send:
                    sent_at, src = last_send[phone]
                    if sent_at - m <= WINDOW and not replied_since[phone]:
                        source = src
                    replied_since[phone] = True
                attributed[e["sid"]] = source
                if phone not in blocked:
                    c = conv.setdefault(
                        phone, {"status": "open", "unread": True, "until": None, "source": None}
                    )
                    c["status"], c["until"], c["unread"] = "open", None, True
                    if source is not None:
                        c["source"] = source
            last_message[phone] = (m, "inbound", word)
        elif kind == "send":
            assert e["status"] in ("delivered", "sent", "undelivered", "failed")
            assert (e["error_code"] is not None) == (e["status"] in ("undelivered", "failed"))
            assert e["error_code"] in (None, 30003, 30004, 30006, 30007)
            if e["source"] == "keyword_reply":
                prev = last_message.get(phone)
                assert prev and prev[1] == "inbound" and prev[2], ("keyword reply w/o keyword", e)
                assert prev[0] - m <= 3
                assert e["body"] == KW_REPLY[prev[2]]
            else:
                assert e["source"] in source_ids, e
                assert consent[phone] == "SUBSCRIBED", ("send without consent", e)
                assert phone not in blocked
                last_send[phone] = (m, e["source"])
                replied_since[phone] = False
            last_message[phone] = (m, "send", None)
        elif kind == "reply":
            assert e["agent"] in acting, e
            assert consent[phone] == "SUBSCRIBED", ("reply without consent", e)
            assert phone not in blocked
            assert phone in conv, ("reply before the customer texted", e)
            assert conv[phone]["status"] == "open", ("reply to a closed conversation", e)
            assert e["status"] in ("delivered", "sent", "failed")
            assert (e["error_code"] is not None) == (e["status"] == "failed")
            assert e["body"].strip() and "{" not in e["body"]
            conv[phone]["unread"] = False
            last_message[phone] = (m, "reply", None)
        elif kind == "action":
            assert e["agent"] in acting, e
            what = e["action"]
            assert ("snooze_minutes" in e) == (what == "snooze"), e
            if what == "block":
                blocked.add(phone)
            assert phone in conv, ("action without a conversation", e)
            c = conv[phone]
            if what == "snooze":
                assert isinstance(e["snooze_minutes"], int) and e["snooze_minutes"] > 0
                c["status"], c["until"] = "snoozed", m - e["snooze_minutes"]
            elif what in ("close", "block"):
                c["status"], c["until"] = "closed", None
                if what == "block":
                    c["unread"] = False
            elif what == "reopen":
                c["status"], c["until"] = "open", None
            elif what == "mark_read":
                c["unread"] = False
            elif what == "mark_unread":
                c["unread"] = True
            else:
                raise AssertionError(e)
        elif kind == "event":
            assert e["uuid"] not in uuids
            uuids.add(e["uuid"])
            assert e["metric"] in (
                "Received SMS", "Clicked SMS", "Failed to Deliver SMS", "Placed Order",
                "Viewed Product", "Started Checkout", "Fulfilled Order",
            )  # fmt: skip
            if e["metric"] in ("Placed Order", "Fulfilled Order"):
                assert people[phone]["email"], e
                assert e["properties"]["OrderId"], e
        elif kind == "order":
            assert e["order_id"] not in order_ids and re.fullmatch(r"#\d+", e["order_id"])
            order_ids.add(e["order_id"])
            assert e["status"] in ("placed", "fulfilled", "cancelled", "refunded")
            assert e["lines"] and all(x["quantity"] > 0 for x in e["lines"])
        else:
            raise AssertionError(f"unknown entry type {kind}")
        if kind in ("send", "inbound", "reply"):
            assert not re.search(r"\{[a-z_]+\}", e["body"]), e
    for phone in conv:
        wake(phone, 0)
    assert logins
    return {
        "consent": consent,
        "blocked": blocked,
        "conv": conv,
        "attributed": attributed,
    }


# ---------------------------------------------------------------- output


def fill_orders(timeline: list[dict[str, Any]]) -> None:
    for e in timeline:
        target = e.pop("_order", None)
        if target is not None:
            e["body"] = e["body"].replace("{order}", target["order_id"])
    helene = FIXTURE["helene"]
    his = ORDERS_OF[helene][0][1]["order_id"]
    for e in timeline:
        if e["type"] == "inbound" and e["from"] == helene:
            e["body"] = e["body"].replace("{order}", his.replace("#", "n°"))
    for e in timeline:
        e.pop("_fulfilled", None)


def dump(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "demo"
    out.mkdir(parents=True, exist_ok=True)

    add_story_profiles()
    add_random_profiles(215)
    story_orders()
    random_orders()
    number_orders()
    story_timeline()
    random_keywords()
    campaigns()
    flows()
    conversations()
    browsing()

    timeline = [e for _, _, e in sorted(ENTRIES, key=lambda x: (-x[0], x[1]))]
    fill_orders(timeline)
    state = replay(AGENTS, SOURCES, PROFILES, timeline)
    summary = check_stories(state, timeline)
    stats = statistics(state, timeline)

    dump(out / "agents.json", AGENTS)
    dump(out / "settings.json", SETTINGS)
    dump(out / "sources.json", SOURCES)
    dump(out / "profiles.json", PROFILES)
    dump(out / "timeline.json", timeline)
    (out / "README.md").write_text(readme(summary, stats), encoding="utf-8")
    print(json.dumps(stats, indent=1, ensure_ascii=False))


def end_state(state: dict[str, Any], phone: str) -> dict[str, Any]:
    c = state["conv"].get(phone)
    return {
        "consent": state["consent"][phone],
        "blocked": phone in state["blocked"],
        "status": c["status"] if c else None,
        "unread": c["unread"] if c else None,
        "source": SOURCE_NAME[c["source"]] if c and c["source"] else None,
    }


def check_stories(state: dict[str, Any], timeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    s, f = STORY, FIXTURE
    bf = "Black Friday Early Access"
    expected = {
        # phone: consent, blocked, status, unread, attributed source
        s["maria"]: ("SUBSCRIBED", False, "open", True, bf),
        s["tom"]: ("SUBSCRIBED", False, "closed", False, None),
        s["priya"]: ("SUBSCRIBED", False, "snoozed", False, None),
        s["lucas"]: ("UNSUBSCRIBED", False, None, None, None),
        s["spam"]: ("NEVER_SUBSCRIBED", True, "closed", False, None),
        s["kenji"]: ("NEVER_SUBSCRIBED", False, "open", True, None),
        s["aroha"]: ("SUBSCRIBED", False, "open", False, None),
        s["sita"]: ("SUBSCRIBED", False, "open", True, None),
        s["jack"]: ("SUBSCRIBED", False, None, None, None),
        f["dana"]: ("SUBSCRIBED", False, "open", True, None),
        f["noah"]: ("SUBSCRIBED", False, "open", True, None),
        f["helene"]: ("SUBSCRIBED", False, "closed", False, None),
        f["margaret"]: ("SUBSCRIBED", False, "open", False, None),
        f["camila"]: ("SUBSCRIBED", False, "open", False, "Welcome Series"),
        f["oliver"]: ("UNSUBSCRIBED", False, "closed", False, "Winter Sale"),
    }
    rows = []
    for phone, want in expected.items():
        got = end_state(state, phone)
        have = (got["consent"], got["blocked"], got["status"], got["unread"], got["source"])
        assert have == want, (phone, have, want)
        texts = [e for e in timeline if e["type"] == "inbound" and e["from"] == phone]
        rows.append({"phone": phone, **got, "texts": texts})
    maria = [state["attributed"][e["sid"]] for e in rows[0]["texts"]]
    assert maria == [CAMPAIGN[bf]["id"], None], maria
    assert state["conv"][s["priya"]]["until"] == 240 - 1440
    return rows


def statistics(state: dict[str, Any], timeline: list[dict[str, Any]]) -> dict[str, Any]:
    zones = Counter(
        p["location"]["timezone"] for p in PROFILES if p["location"] and p["location"]["timezone"]
    )
    continents = sorted({CONTINENT_OF_ZONE[z] for z in zones})
    countries = Counter(META[p["phone"]]["iso"] for p in PROFILES)
    kinds = Counter(e["type"] for e in timeline)
    conv = state["conv"]
    by_status = Counter(c["status"] for c in conv.values())
    stats = {
        "profiles": len(PROFILES),
        "countries": len(countries),
        "timezones": len(zones),
        "continents": continents,
        "consent_before": dict(Counter(p["consent"] for p in PROFILES)),
        "consent_after": dict(Counter(state["consent"].values())),
        "location_kinds": dict(
            Counter(
                "none"
                if p["location"] is None
                else "full"
                if p["location"]["timezone"]
                else "lat/long only"
                if p["location"]["latitude"] is not None
                else "city/country only"
                for p in PROFILES
            )
        ),
        "no_email": sum(p["email"] is None for p in PROFILES),
        "no_name": sum(p["first_name"] is None for p in PROFILES),
        "timeline_entries": len(timeline),
        "entries_by_type": dict(kinds),
        "sends_by_source": dict(
            Counter(
                SOURCE_NAME.get(e["source"], e["source"]) for e in timeline if e["type"] == "send"
            )
        ),
        "send_statuses": dict(Counter(e["status"] for e in timeline if e["type"] == "send")),
        "mms_sends": sum(bool(e["media"]) for e in timeline if e["type"] == "send"),
        "mms_inbound": sum(bool(e["media"]) for e in timeline if e["type"] == "inbound"),
        "keyword_texts": sum(1 for e in timeline if e["type"] == "inbound" and classify(e["body"])),
        "keyword_bodies": sorted(
            {e["body"] for e in timeline if e["type"] == "inbound" and classify(e["body"])},
            key=lambda b: (classify(b) or "", b.strip().upper(), b),
        ),
        "events_by_metric": dict(Counter(e["metric"] for e in timeline if e["type"] == "event")),
        "actions": dict(Counter(e["action"] for e in timeline if e["type"] == "action")),
        "conversations": len(conv),
        "conversations_by_status": dict(by_status),
        "unread_conversations": sum(c["unread"] for c in conv.values()),
        "attributed_conversations": dict(
            Counter(SOURCE_NAME[c["source"]] for c in conv.values() if c["source"])
        ),
        "entries_last_48h": sum(1 for e in timeline if e["minutes_ago"] <= 2880),
        "oldest_minutes_ago": timeline[0]["minutes_ago"],
    }
    assert stats["profiles"] >= 200
    assert stats["timezones"] >= 12 and len(continents) >= 5
    assert 60 <= stats["conversations"] <= 120, stats["conversations"]
    assert 1000 <= stats["timeline_entries"] <= 2000, stats["timeline_entries"]
    assert set(by_status) == {"open", "snoozed", "closed"}
    assert stats["consent_after"].get("UNSUBSCRIBED") and stats["consent_after"].get(
        "NEVER_SUBSCRIBED"
    )
    assert len(state["blocked"]) == 1
    assert set(stats["actions"]) == {
        "snooze",
        "close",
        "reopen",
        "block",
        "mark_read",
        "mark_unread",
    }
    assert stats["actions"]["reopen"] >= 2 and stats["actions"]["mark_unread"] >= 1
    assert {"STOP", "stop", " Start ", "HELP", "UNSUBSCRIBE", "JOIN"} <= set(
        stats["keyword_bodies"]
    )
    bodies = [e["body"] for e in timeline if e["type"] == "inbound"]
    assert "[bold red]URGENT[/] where is my order??" in bodies
    assert "pls check \x1b[31mthis\x1b[0m" in bodies
    assert any(len(b) >= 480 for b in bodies) and any("é" in b for b in bodies)
    assert stats["mms_inbound"] and {"image/jpeg", "image/gif"} <= {
        m["content_type"] for e in timeline if e["type"] == "send" for m in e["media"]
    }
    return stats


# ---------------------------------------------------------------- README


STORY_TEXT = {
    "maria": (
        "America/Los_Angeles (San Francisco, full location)",
        "Received campaign “Black Friday Early Access” 90 min ago; texted “Do you have the boots "
        "in size 38?” 30 min ago and “Also in black?” 29 min ago.",
        "first text attributed to Black Friday Early Access, second not",
    ),
    "tom": (
        "Europe/Berlin (full location)",
        "Texted a question 72 h ago (4,320 min); chloe replied 4,290 min ago; chloe closed the "
        "conversation 48 h ago (2,880 min).",
        "",
    ),
    "priya": (
        "Asia/Kolkata (Bengaluru, full location)",
        "Texted 5 h ago (300 min); dev marked it read 242 min ago and snoozed it 240 min ago "
        "with snooze_minutes 1440, so the snooze ends 1,200 min (20 h) after load.",
        "",
    ),
    "lucas": (
        "America/Sao_Paulo (full location)",
        "Got “Flash Sale: 24 Hours Only” 3,064 min ago; texted “STOP” 48 h ago (2,880 min); "
        "keyword reply (opt-out confirmation) 2,879 min ago. No campaign after that.",
        "",
    ),
    "spam": (
        "no location, no email",
        "Texted junk 6 h ago (360 min); ben blocked it 5 h ago (300 min); texted junk again "
        "60 min ago (stored, no reopen, no notification).",
        "",
    ),
    "kenji": (
        "Asia/Tokyo (full location)",
        "Texted “Is my order shipped?” 20 min ago. Has order {kenji_order} (JPY, placed). "
        "The loader's auto-reply (audience non_consented) answers it.",
        "",
    ),
    "aroha": (
        "Pacific/Auckland (full location)",
        "Sent an MMS (image/jpeg) “It arrived broken” 40 min ago; ana replied 35 min ago with "
        "an MMS (image/png return label).",
        "",
    ),
    "sita": (
        "lat/long only (27.7172, 85.324), no timezone, no country: Asia/Kathmandu by coordinates",
        "Flow “Abandoned Cart” text (MMS) 27 h ago (1,620 min); texted a question 2 h ago "
        "(120 min): 25 h after the send, outside the 24 h window.",
        "",
    ),
    "jack": (
        "Australia/Lord_Howe (full location)",
        "Texted the keyword “HELP” 3 h ago (180 min); got the help keyword reply 179 min ago.",
        "",
    ),
    "dana": (
        "America/Chicago (full location)",
        "Untrusted markup: texted `[bold red]URGENT[/] where is my order??` 180 min ago "
        "(must show literally).",
        "",
    ),
    "noah": (
        "America/Los_Angeles (Seattle, full location)",
        "Untrusted escapes: texted `pls check \\u001b[31mthis\\u001b[0m` (real ESC characters) "
        "420 min ago; chloe replied 400 min ago, then marked it unread 390 min ago.",
        "",
    ),
    "helene": (
        "Europe/Paris (full location)",
        "Accented text with emoji 1,500 min ago (“Bonjour ! Ma commande {helene_order} n'est "
        "toujours pas arrivée…”); chloe replied in French 1,460 min ago and closed it 1,400 min "
        "ago.",
        "",
    ),
    "margaret": (
        "Europe/London (full location)",
        "Long text ({long} characters) 600 min ago about a missing pair (order {margaret_order});"
        " ben replied 560 min ago.",
        "",
    ),
    "camila": (
        "America/Mexico_City (full location)",
        "Was UNSUBSCRIBED; texted “ Start ” (spaces around) 2,000 min ago → keyword reply, then "
        "flow “Welcome Series” MMS 1,997 min ago; texted a question with emoji 1,900 min ago; "
        "ana replied 1,880 min ago.",
        "the question came 97 min after the Welcome Series text",
    ),
    "oliver": (
        "city/country only (Manchester, United Kingdom), no email",
        "Got “Winter Sale” 20,348 min ago; texted “please remove me from this list” (not a "
        "keyword) 20,200 min ago; femi told him to reply STOP; he texted “STOP” 20,185 min ago; "
        "femi closed the conversation 20,180 min ago.",
        "",
    ),
}


def readme(rows: list[dict[str, Any]], stats: dict[str, Any]) -> str:
    keys = list(STORY) + list(FIXTURE)
    numbers = {**STORY, **FIXTURE}
    order_of = {k: ORDERS_OF[numbers[k]][0][1]["order_id"] for k in ("kenji", "helene", "margaret")}
    fill_in = {
        "kenji_order": order_of["kenji"],
        "helene_order": order_of["helene"].replace("#", "n°"),
        "margaret_order": order_of["margaret"],
        "long": len(LONG_TEXT),
    }

    def state_cell(key: str, row: dict[str, Any]) -> str:
        parts = []
        if row["status"] is None:
            parts.append("**no conversation**")
        else:
            parts.append(f"**{row['status']}**, {'unread' if row['unread'] else 'read'}")
            parts.append(f"attributed to {row['source']}" if row["source"] else "not attributed")
        parts.append(row["consent"])
        if row["blocked"]:
            parts.append("**blocked**")
        if row["blocked"]:
            parts.append("reply refused (blocked)")
        elif row["consent"] == "UNSUBSCRIBED":
            parts.append("reply refused (opted out)")
        elif row["consent"] != "SUBSCRIBED":
            parts.append("reply refused (not consented)")
        elif row["status"] is None:
            parts.append("reply refused (has not texted)")
        else:
            parts.append("reply allowed")
        note = STORY_TEXT[key][2]
        return "; ".join(parts) + (f" ({note})" if note else "")

    def table(selection: list[str]) -> list[str]:
        out = [
            "| # | Name | Phone | Location | Consent before | Timeline | Expected end state |",
            "|---|---|---|---|---|---|---|",
        ]
        for key in selection:
            n = keys.index(key)
            row = rows[n]
            profile = BY_PHONE[row["phone"]]
            name = f"{profile['first_name']} {profile['last_name']}"
            where, what, _ = STORY_TEXT[key]
            out.append(
                f"| {n + 1} | {name} | `{row['phone']}` | {where} | {profile['consent']} | "
                f"{what.format(**fill_in)} | {state_cell(key, row)} |"
            )
        return out

    def counter(d: dict[str, Any]) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(d.items(), key=lambda kv: -kv[1]))

    zones = sorted(
        {p["location"]["timezone"] for p in PROFILES if p["location"] and p["location"]["timezone"]}
    )
    lines = [
        "# Demo data set",
        "",
        "Generated by `data/make_demo.py` (deterministic: `random.Random(2026)`, no network, no "
        "clock). Do not edit the JSON by hand: change the generator and run",
        "`.venv/bin/python data/make_demo.py` (it replays the timeline with the SMS rules and "
        "asserts them, and the story end states below, before writing anything).",
        "`convo demo` loads it (`convo_tui/demo.py`).",
        "",
        "## Files",
        "",
        "All UTF-8 JSON, `indent=1`, `ensure_ascii=False`.",
        "",
        "- `agents.json`: the support team: ana (owner), ben (admin), femi (manager), chloe and "
        "dev (support), eve (analyst: may not use the inbox, so she never acts).",
        "- `settings.json`: organization prefix/email, business number `+14155550100`, "
        "auto-reply on for non-consented profiles, notification address.",
        "- `sources.json`: the campaigns and flows (ids `cmp_…` / `flw_…` + a 26-character "
        "ULID-like id).",
        "- `profiles.json`: the profiles, story profiles first. `consent` is the state "
        "*before* the timeline; keyword texts in the timeline change it. `country` is an "
        "English country name (Klaviyo style) that always matches the phone number's country.",
        "- `timeline.json`: everything that happened, oldest first (`minutes_ago` descending; "
        "ties keep file order). Entry types: `send` (campaign, flow or keyword reply), "
        "`inbound` (customer text), `reply` (agent), `action` (agent), `event` (Klaviyo "
        "activity), `order` (shop order).",
        "",
        "Conventions:",
        "",
        "- Times are integer minutes before load time; the loader maps them to `now - minutes`.",
        "- A profile never has two messages/actions in the same minute, so replaying in file "
        "order and ordering by time agree (this matters for attribution).",
        "- `unit_price_cents` is always hundredths of the currency unit, JPY included "
        "(¥12,800 → 1280000); amounts in event properties (`$value`, `Price`) are in units.",
        "- Order ids are numbered in time order (`#1001` is the oldest). `Placed Order` and "
        "`Fulfilled Order` events exist only for profiles with an email.",
        "- The loader itself adds, while replaying: auto-replies to non-keyword texts from "
        "non-consented profiles, the consent activity events of keyword texts "
        "(`Unsubscribed from SMS`, `Consented to Receive SMS`, `Requested SMS Help`) and "
        "notifications. They are not in the JSON.",
        "- Phone numbers are valid for `phonenumbers`: US/Canada numbers are the fictional "
        "555-01XX range; other countries use valid mobile ranges.",
        "- Media URLs are under `https://cdn.acme.example/` (business MMS and customer photos).",
        "",
        "## Counts",
        "",
        f"- Profiles: {stats['profiles']} in {stats['countries']} countries; "
        f"{stats['timezones']} IANA zones on {len(stats['continents'])} continents "
        f"({', '.join(stats['continents'])}).",
        f"- Zones: {', '.join(zones)}.",
        f"- Locations: {counter(stats['location_kinds'])}. Without email: {stats['no_email']}; "
        f"without a name: {stats['no_name']} (a few more have no last name).",
        f"- SMS consent before the timeline: {counter(stats['consent_before'])}; after it: "
        f"{counter(stats['consent_after'])}. Blocked: 1 (Spam Sender).",
        f"- Timeline: {stats['timeline_entries']} entries "
        f"({counter(stats['entries_by_type'])}), {stats['entries_last_48h']} of them in the last "
        f"48 hours; the oldest is {stats['oldest_minutes_ago']} minutes (about "
        f"{stats['oldest_minutes_ago'] // 1440} days) before load.",
        f"- Business texts by source: {counter(stats['sends_by_source'])}. "
        f"Delivery: {counter(stats['send_statuses'])} (errors 30003, 30004, 30006, 30007). "
        f"MMS: {stats['mms_sends']} sent, {stats['mms_inbound']} received.",
        f"- Keyword texts: {stats['keyword_texts']}. Events: "
        f"{counter(stats['events_by_metric'])}. Agent actions: {counter(stats['actions'])}.",
        f"- Conversations at load: {stats['conversations']} "
        f"({counter(stats['conversations_by_status'])}), {stats['unread_conversations']} unread. "
        f"Attributed: {counter(stats['attributed_conversations'])}.",
        "",
        "## Story profiles",
        "",
        "Hand-written (fixed data, not random); the generator asserts these end states. "
        "“Attributed” is the conversation's campaign/flow (the attribution window is 24 h; only "
        "the first text after a send counts). Snoozes whose time has passed count as open.",
        "",
        *table(list(STORY)),
        "",
        "## Fixture profiles",
        "",
        "Also hand-written, for texts that must survive display literally and for keyword "
        "edge cases. Keyword texts in the whole timeline, as sent (JSON-quoted): "
        + ", ".join(f"`{json.dumps(k, ensure_ascii=False)}`" for k in stats["keyword_bodies"])
        + ".",
        "",
        *table(list(FIXTURE)),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
