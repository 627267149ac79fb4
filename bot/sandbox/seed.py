"""Deterministic seed venues for the sandbox: invented but realistic UK restaurants.

Every id is derived from names with sha1, so the same venue has the same ids on every run.
Besides the Bookable-shaped venue JSON, each venue carries the rules the sandbox uses to
answer availability (opening hours, closed weekdays, disabled dates, enquiry-only products).

Scenarios worth knowing (weekday 0 = Monday):
- Dishoom Covent Garden "Dinner" is fully booked on Saturdays (`times: []`, NO_AVAILABILITY).
- Hawksmoor Seven Dials "Dinner" takes enquiries only on Saturdays (`fully_booked`).
- Saltwater Leith "Chef's Table" is always enquiry-only (`fully_booked`).
- Bancroft & Vale Mayfair "Private Dining Room" is always enquiry-only (`exceeds_auto_confirm`),
  its "Afternoon Tea" and Green Fig Hackney "Bottomless Brunch" need a preorder.
- Hawksmoor Guildhall is closed at weekends, Pasta Nostra Stockbridge on Mondays,
  Bramble & Oak on Tuesdays (availability → 422 AVAIL-N-004).
- Bancroft & Vale Mayfair is disabled on 24–26 December, Dishoom Edinburgh on 31 December and
  1 January (availability → 422 OPRUL-N-001).
- Parties above 8 get `request` slots with `exceeds_auto_confirm`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import time
from typing import Any

SATURDAY, SUNDAY = 5, 6
WEEKEND = frozenset({SATURDAY, SUNDAY})
AUTO_CONFIRM_MAX = 8


def hex_id(*parts: str, length: int = 32) -> str:
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:length]


@dataclass(frozen=True)
class ProductRules:
    """How one product's availability is generated."""

    opens: time = time(17, 0)
    last_seating: time = time(21, 30)
    duration: int = 120
    weekdays: frozenset[int] | None = None  # None: every day the venue is open
    enquiry_reason: str | None = None  # every slot is a `request` with this reason
    fully_booked_weekdays: frozenset[int] = frozenset()  # `times: []`
    enquiry_weekdays: frozenset[int] = frozenset()  # `request` slots, `fully_booked`
    auto_confirm_max: int = AUTO_CONFIRM_MAX
    max_party: int = 20
    deposit: float = 0.0
    policy: str = "Tables are held for 15 minutes after the booking time."
    cancellation_policy: str = "Free cancellation up to 24 hours before the booking."


@dataclass(frozen=True)
class VenueRules:
    closed_weekdays: frozenset[int] = frozenset()
    disabled_days: frozenset[tuple[int, int]] = frozenset()  # (month, day), every year


@dataclass(frozen=True)
class ProductSpec:
    name: str
    slug: str
    rules: ProductRules = field(default_factory=ProductRules)
    pre_order_required: bool = False
    spaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class SeedVenue:
    """A venue as the API shows it (`data`) plus the rules behind its availability."""

    data: dict[str, Any]
    rules: VenueRules
    products: dict[str, ProductRules]  # by product compositeId


# --- products ---------------------------------------------------------------------------

DINNER = ProductSpec("Dinner", "dinner")
LUNCH = ProductSpec("Lunch", "lunch", ProductRules(time(12, 0), time(14, 30), 90))
BREAKFAST = ProductSpec("Breakfast", "breakfast", ProductRules(time(8, 0), time(11, 0), 60))
ALL_DAY = ProductSpec("All Day Dining", "all-day", ProductRules(time(12, 0), time(22, 0), 90))
SUNDAY_ROAST = ProductSpec(
    "Sunday Roast", "sunday-roast", ProductRules(time(12, 0), time(17, 0), 120, frozenset({SUNDAY}))
)
BRUNCH = ProductSpec(
    "Bottomless Brunch",
    "brunch",
    ProductRules(time(10, 30), time(14, 0), 120, WEEKEND, deposit=10.0),
    pre_order_required=True,
)
AFTERNOON_TEA = ProductSpec(
    "Afternoon Tea",
    "afternoon-tea",
    ProductRules(time(13, 0), time(16, 30), 90, deposit=15.0),
    pre_order_required=True,
)
PRIVATE_DINING = ProductSpec(
    "Private Dining Room",
    "private-dining",
    ProductRules(
        time(18, 0),
        time(20, 30),
        180,
        enquiry_reason="exceeds_auto_confirm",
        max_party=30,
        deposit=250.0,
        cancellation_policy="Deposit refundable up to 7 days before the event.",
    ),
    spaces=("The Library", "The Garden Room"),
)
CHEFS_TABLE = ProductSpec(
    "Chef's Table",
    "chefs-table",
    ProductRules(time(19, 0), time(20, 30), 150, enquiry_reason="fully_booked", max_party=8),
)


def dinner(**changes: Any) -> ProductSpec:
    return ProductSpec("Dinner", "dinner", ProductRules(**changes))


def with_spaces(spec: ProductSpec, *spaces: str) -> ProductSpec:
    return ProductSpec(spec.name, spec.slug, spec.rules, spec.pre_order_required, spaces)


# --- preorder catalogues ----------------------------------------------------------------


def _package(name: str, price: float, kind: str, sub_type: str | None = None) -> dict[str, Any]:
    package: dict[str, Any] = {"id": hex_id("package", name, length=24), "name": name}
    package.update(price=price, type=kind)
    if sub_type:
        package["sub_type"] = sub_type
    return package


def _menu(name: str, description: str, *items: str) -> dict[str, Any]:
    return {
        "id": hex_id("menu", name, length=24),
        "name": name,
        "description": description,
        "items": [{"packageId": hex_id("item", item, length=24), "name": item} for item in items],
    }


PREORDERS: dict[str, dict[str, Any]] = {
    "dishoom": {
        "packages": [
            _package("House Chai pot", 9.5, "drink"),
            _package("Bombay Colada jug", 32.0, "drink"),
        ],
        "menus": [
            _menu(
                "Feasting Menu",
                "A generous sharing feast for the table",
                "Okra fries (V)",
                "Chicken ruby",
                "House black daal (V)",
            )
        ],
    },
    "steak": {
        "packages": [
            _package("Champagne on arrival", 14.0, "drink"),
            _package("Sommelier wine pairing", 65.0, "drink"),
            _package("Sharing charcuterie board", 18.0, "food", "starter"),
        ],
        "menus": [
            _menu(
                "Sunday Roast Set",
                "Roast rump of beef with all the trimmings",
                "Roast rump",
                "Yorkshire pudding",
            )
        ],
    },
    "brunch": {
        "packages": [
            _package("Bottomless prosecco (90 min)", 25.0, "drink"),
            _package("Bottomless Bloody Mary (90 min)", 28.0, "drink"),
            _package("Bottomless soft drinks", 12.0, "drink"),
        ],
        "menus": [
            _menu(
                "Brunch Set Menu",
                "2 or 3 courses from our seasonal brunch menu",
                "Shakshuka (V)",
                "Mushroom benedict (V)",
                "Pan roasted Padron peppers (V)",
            )
        ],
    },
    "afternoon_tea": {
        "packages": [
            _package("Classic Afternoon Tea", 45.0, "food"),
            _package("Champagne Afternoon Tea", 62.0, "food"),
        ],
        "menus": [],
    },
    "italian": {
        "packages": [_package("Prosecco on arrival", 8.5, "drink")],
        "menus": [],
    },
}

# --- venues -----------------------------------------------------------------------------

# group → (first composite-id segment, TMS slug, product-id hex length)
GROUPS: dict[str, tuple[str, str, int]] = {
    "Dishoom": ("29", "CO", 32),
    "Hawksmoor": ("31", "SR", 24),
    "Pasta Nostra": ("42", "ZO", 32),
    "The Copper Kettle": ("57", "CO", 32),
    "Saltwater": ("64", "SR", 24),
    "Green Fig": ("73", "ZO", 24),
    "Lantern House": ("81", "CO", 32),
    "Bancroft & Vale": ("88", "SR", 24),
}
INDEPENDENT = ("95", "CO", 32)

CITIES = {
    "London": "GB",
    "Manchester": "GB",
    "Edinburgh": "GB",
    "Bristol": "GB",
}


@dataclass(frozen=True)
class VenueSpec:
    name: str
    group: str | None
    city: str
    area: str
    address: str
    postcode: str
    features: tuple[str, ...]
    description: str
    products: tuple[ProductSpec, ...] = (DINNER,)
    rules: VenueRules = field(default_factory=VenueRules)
    preorders: str | None = None


DISHOOM_FEATURES = ("asian", "lively", "vegetarian", "family_friendly", "wheelchair_accessible")
DISHOOM_TEXT = (
    "An homage to the Irani cafés of Bombay: Bombay cuisine from breakfast to late, "
    "served in a buzzing, all-day café setting."
)
HAWKSMOOR_FEATURES = ("romantic", "wheelchair_accessible", "steak")
HAWKSMOOR_TEXT = (
    "Steaks from grass-fed British cattle cooked over charcoal, sustainable seafood and "
    "award-winning cocktails."
)
PASTA_TEXT = "Fresh pasta rolled by hand every morning, Italian wines by the glass and tiramisu."
KETTLE_TEXT = "A proper neighbourhood pub with cask ales, a Sunday roast and live sport."
SALTWATER_TEXT = "Day-boat fish and shellfish from British waters, oysters and a raw bar."
FIG_TEXT = "Seasonal vegetarian and vegan plates, natural wines and a famous weekend brunch."
LANTERN_TEXT = "Cantonese dim sum, roast meats and hand-pulled noodles; karaoke rooms downstairs."
BANCROFT_TEXT = "Modern British fine dining with tasting menus, an elegant dining room and a bar."

SPECS: tuple[VenueSpec, ...] = (
    VenueSpec(
        "Dishoom Covent Garden",
        "Dishoom",
        "London",
        "Covent Garden",
        "12 Upper St Martin's Lane",
        "WC2H 9FB",
        DISHOOM_FEATURES,
        DISHOOM_TEXT,
        (BREAKFAST, dinner(fully_booked_weekdays=frozenset({SATURDAY}))),
        preorders="dishoom",
    ),
    VenueSpec(
        "Dishoom Shoreditch",
        "Dishoom",
        "London",
        "Shoreditch",
        "7 Boundary Street",
        "E2 7JE",
        (*DISHOOM_FEATURES, "dog_friendly"),
        DISHOOM_TEXT + " With a verandah for warm evenings.",
        (BREAKFAST, DINNER),
        preorders="dishoom",
    ),
    VenueSpec(
        "Dishoom King's Cross",
        "Dishoom",
        "London",
        "King's Cross",
        "5 Stable Street",
        "N1C 4AB",
        DISHOOM_FEATURES,
        DISHOOM_TEXT + " Set in a restored Victorian railway goods shed.",
        (BREAKFAST, ALL_DAY),
    ),
    VenueSpec(
        "Dishoom Manchester",
        "Dishoom",
        "Manchester",
        "Spinningfields",
        "32 Bridge Street",
        "M3 3BT",
        DISHOOM_FEATURES,
        DISHOOM_TEXT,
        (BREAKFAST, DINNER),
        preorders="dishoom",
    ),
    VenueSpec(
        "Dishoom Edinburgh",
        "Dishoom",
        "Edinburgh",
        "New Town",
        "3a St Andrew Square",
        "EH2 2BD",
        DISHOOM_FEATURES,
        DISHOOM_TEXT + " Closed for Hogmanay.",
        (BREAKFAST, DINNER),
        VenueRules(disabled_days=frozenset({(12, 31), (1, 1)})),
    ),
    VenueSpec(
        "Hawksmoor Seven Dials",
        "Hawksmoor",
        "London",
        "Covent Garden",
        "11 Langley Street",
        "WC2H 9JG",
        HAWKSMOOR_FEATURES,
        HAWKSMOOR_TEXT,
        (LUNCH, dinner(enquiry_weekdays=frozenset({SATURDAY})), SUNDAY_ROAST),
        preorders="steak",
    ),
    VenueSpec(
        "Hawksmoor Guildhall",
        "Hawksmoor",
        "London",
        "City of London",
        "10 Basinghall Street",
        "EC2V 5BQ",
        (*HAWKSMOOR_FEATURES, "quiet"),
        HAWKSMOOR_TEXT + " A City favourite, closed at weekends.",
        (BREAKFAST, LUNCH, DINNER),
        VenueRules(closed_weekdays=WEEKEND),
        preorders="steak",
    ),
    VenueSpec(
        "Hawksmoor Borough",
        "Hawksmoor",
        "London",
        "Borough",
        "16 Winchester Walk",
        "SE1 9AQ",
        (*HAWKSMOOR_FEATURES, "dog_friendly"),
        HAWKSMOOR_TEXT,
        (LUNCH, DINNER, SUNDAY_ROAST),
        preorders="steak",
    ),
    VenueSpec(
        "Hawksmoor Manchester",
        "Hawksmoor",
        "Manchester",
        "Deansgate",
        "184-186 Deansgate",
        "M3 3WB",
        HAWKSMOOR_FEATURES,
        HAWKSMOOR_TEXT + " In a grand Edwardian courthouse.",
        (DINNER, SUNDAY_ROAST),
        preorders="steak",
    ),
    VenueSpec(
        "Hawksmoor Edinburgh",
        "Hawksmoor",
        "Edinburgh",
        "St Andrew Square",
        "23 West Register Street",
        "EH2 2AA",
        HAWKSMOOR_FEATURES,
        HAWKSMOOR_TEXT,
        (with_spaces(DINNER, "Main Dining Room", "Bar"),),
        preorders="steak",
    ),
    VenueSpec(
        "Pasta Nostra Soho",
        "Pasta Nostra",
        "London",
        "Soho",
        "41 Dean Street",
        "W1D 4PY",
        ("italian", "casual", "lively", "vegetarian"),
        PASTA_TEXT,
        (LUNCH, DINNER),
        preorders="italian",
    ),
    VenueSpec(
        "Pasta Nostra Northern Quarter",
        "Pasta Nostra",
        "Manchester",
        "Northern Quarter",
        "27 Thomas Street",
        "M4 1NA",
        ("italian", "casual", "family_friendly", "wifi"),
        PASTA_TEXT,
    ),
    VenueSpec(
        "Pasta Nostra Stockbridge",
        "Pasta Nostra",
        "Edinburgh",
        "Stockbridge",
        "14 Raeburn Place",
        "EH4 1HN",
        ("italian", "casual", "family_friendly", "quiet"),
        PASTA_TEXT + " Closed on Mondays.",
        (LUNCH, DINNER),
        VenueRules(closed_weekdays=frozenset({0})),
    ),
    VenueSpec(
        "Pasta Nostra Clifton",
        "Pasta Nostra",
        "Bristol",
        "Clifton",
        "8 The Mall",
        "BS8 4DR",
        ("italian", "romantic", "parking"),
        PASTA_TEXT,
    ),
    VenueSpec(
        "The Copper Kettle Camden",
        "The Copper Kettle",
        "London",
        "Camden",
        "49 Parkway",
        "NW1 7PN",
        ("dog_friendly", "tv_sports", "pool_table", "casual"),
        KETTLE_TEXT,
        (LUNCH, DINNER, SUNDAY_ROAST),
    ),
    VenueSpec(
        "The Copper Kettle Ancoats",
        "The Copper Kettle",
        "Manchester",
        "Ancoats",
        "2 Cutting Room Square",
        "M4 6AE",
        ("dog_friendly", "tv_sports", "casual", "wifi"),
        KETTLE_TEXT,
        (DINNER, SUNDAY_ROAST),
    ),
    VenueSpec(
        "The Copper Kettle Grassmarket",
        "The Copper Kettle",
        "Edinburgh",
        "Old Town",
        "66 Grassmarket",
        "EH1 2JR",
        ("live_music", "karaoke", "lively", "casual", "dog_friendly"),
        KETTLE_TEXT + " Live folk music every night.",
        (DINNER,),
    ),
    VenueSpec(
        "The Copper Kettle Harbourside",
        "The Copper Kettle",
        "Bristol",
        "Harbourside",
        "5 Canons Way",
        "BS1 5LL",
        ("tv_sports", "pool_table", "parking", "family_friendly"),
        KETTLE_TEXT,
        (LUNCH, DINNER),
    ),
    VenueSpec(
        "Saltwater Leith",
        "Saltwater",
        "Edinburgh",
        "Leith",
        "1 The Shore",
        "EH6 6QW",
        ("seafood", "romantic", "quiet"),
        SALTWATER_TEXT + " The chef's table overlooks the open kitchen.",
        (DINNER, CHEFS_TABLE),
    ),
    VenueSpec(
        "Saltwater Marylebone",
        "Saltwater",
        "London",
        "Marylebone",
        "19 New Cavendish Street",
        "W1G 9TZ",
        ("seafood", "romantic", "wheelchair_accessible"),
        SALTWATER_TEXT,
        (LUNCH, DINNER),
    ),
    VenueSpec(
        "Saltwater Spinningfields",
        "Saltwater",
        "Manchester",
        "Spinningfields",
        "3 Hardman Street",
        "M3 3HF",
        ("seafood", "lively", "wifi"),
        SALTWATER_TEXT,
    ),
    VenueSpec(
        "Green Fig Hackney",
        "Green Fig",
        "London",
        "Hackney",
        "230 Mare Street",
        "E8 1HE",
        ("vegetarian", "dog_friendly", "family_friendly", "casual"),
        FIG_TEXT,
        (BRUNCH, DINNER),
        preorders="brunch",
    ),
    VenueSpec(
        "Green Fig Chorlton",
        "Green Fig",
        "Manchester",
        "Chorlton",
        "512 Wilbraham Road",
        "M21 9AW",
        ("vegetarian", "quiet", "wifi"),
        FIG_TEXT,
        (BRUNCH, DINNER),
        preorders="brunch",
    ),
    VenueSpec(
        "Green Fig Bruntsfield",
        "Green Fig",
        "Edinburgh",
        "Bruntsfield",
        "150 Bruntsfield Place",
        "EH10 4ER",
        ("vegetarian", "family_friendly", "wheelchair_accessible"),
        FIG_TEXT,
    ),
    VenueSpec(
        "Lantern House Chinatown",
        "Lantern House",
        "London",
        "Chinatown",
        "17 Gerrard Street",
        "W1D 6JE",
        ("asian", "karaoke", "lively", "family_friendly"),
        LANTERN_TEXT,
        (LUNCH, DINNER),
    ),
    VenueSpec(
        "Lantern House Manchester",
        "Lantern House",
        "Manchester",
        "Chinatown",
        "46 Faulkner Street",
        "M1 4FH",
        ("asian", "karaoke", "casual"),
        LANTERN_TEXT,
    ),
    VenueSpec(
        "Lantern House Newington",
        "Lantern House",
        "Edinburgh",
        "Newington",
        "88 Clerk Street",
        "EH8 9JB",
        ("asian", "casual", "vegetarian"),
        LANTERN_TEXT,
    ),
    VenueSpec(
        "Bancroft & Vale Mayfair",
        "Bancroft & Vale",
        "London",
        "Mayfair",
        "22 Albemarle Street",
        "W1S 4HA",
        ("romantic", "quiet", "wheelchair_accessible"),
        BANCROFT_TEXT + " Private dining for up to 30 guests. Closed over Christmas.",
        (dinner(deposit=25.0), AFTERNOON_TEA, PRIVATE_DINING),
        VenueRules(disabled_days=frozenset({(12, 24), (12, 25), (12, 26)})),
        preorders="afternoon_tea",
    ),
    VenueSpec(
        "Bancroft & Vale New Town",
        "Bancroft & Vale",
        "Edinburgh",
        "New Town",
        "9 Queen Street",
        "EH2 1JQ",
        ("romantic", "quiet"),
        BANCROFT_TEXT,
        (DINNER, AFTERNOON_TEA),
        preorders="afternoon_tea",
    ),
    VenueSpec(
        "Bancroft & Vale Deansgate",
        "Bancroft & Vale",
        "Manchester",
        "Deansgate",
        "100 King Street",
        "M2 4WU",
        ("romantic", "parking", "wheelchair_accessible"),
        BANCROFT_TEXT,
        (DINNER, PRIVATE_DINING),
    ),
    VenueSpec(
        "Kiln Yard",
        None,
        "London",
        "Peckham",
        "133 Rye Lane",
        "SE15 4ST",
        ("asian", "lively", "casual"),
        "Thai grill plates cooked over clay pots and wood fire, with natural wines.",
        (DINNER,),
    ),
    VenueSpec(
        "The Botanist's Table",
        None,
        "Manchester",
        "Didsbury",
        "7 Lapwing Lane",
        "M20 2WS",
        ("romantic", "vegetarian", "quiet", "dog_friendly"),
        "A greenhouse dining room serving garden-led plates and botanical cocktails.",
        (LUNCH, DINNER),
    ),
    VenueSpec(
        "Bramble & Oak",
        None,
        "Edinburgh",
        "Morningside",
        "211 Morningside Road",
        "EH10 4QP",
        ("family_friendly", "quiet", "parking"),
        "Scottish larder cooking: Shetland mussels, venison and cranachan. Closed Tuesdays.",
        (LUNCH, DINNER),
        VenueRules(closed_weekdays=frozenset({1})),
    ),
    VenueSpec(
        "Harbour Lights",
        None,
        "Bristol",
        "Harbourside",
        "1 Lime Kiln Road",
        "BS1 5AD",
        ("seafood", "live_music", "family_friendly", "wheelchair_accessible"),
        "Fish and chips done properly, on the water, with live jazz on Fridays.",
        (LUNCH, DINNER),
    ),
)


def _product_json(
    spec: ProductSpec, venue_prefix: str, venue_name: str, hex_len: int
) -> dict[str, Any]:
    product_hex = hex_id("product", venue_name, spec.name, length=hex_len)
    product: dict[str, Any] = {
        "compositeId": f"{venue_prefix}|{product_hex}",
        "productName": spec.name,
        "feedUrl": None,  # the sandbox serves no feeds; Bookable sends null until one exists
        "preOrderRequired": spec.pre_order_required,
        "slug": spec.slug,
    }
    if spec.spaces:
        product["spaces"] = [{"id": i, "name": name} for i, name in enumerate(spec.spaces, 1)]
    return product


def build_venue(spec: VenueSpec) -> SeedVenue:
    owner, tms, hex_len = GROUPS[spec.group] if spec.group else INDEPENDENT
    venue_id = f"{owner}|{tms}|{hex_id('venue', spec.name)}"
    products = [_product_json(p, venue_id, spec.name, hex_len) for p in spec.products]
    data: dict[str, Any] = {
        "id": venue_id,
        "name": spec.name,
        "venueGroupName": spec.group or spec.name,
        "description": spec.description,
        "features": list(spec.features),
        "location": {
            "address": spec.address,
            "area": spec.area,
            "city": spec.city,
            "postalCode": spec.postcode,
            "country": CITIES[spec.city],
        },
        "products": products,
        "preorders": PREORDERS[spec.preorders] if spec.preorders else None,
    }
    rules = {p["compositeId"]: s.rules for p, s in zip(products, spec.products, strict=True)}
    return SeedVenue(data=data, rules=spec.rules, products=rules)


def seed_venues() -> list[SeedVenue]:
    return [build_venue(spec) for spec in SPECS]
