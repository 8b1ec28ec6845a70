"""Where the demo's customers live: countries, cities, names, phone ranges."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class City:
    name: str
    region: str
    zip: str
    latitude: float
    longitude: float
    zone: str
    """The IANA zone."""
    prefixes: tuple[str, ...]
    """NANP area codes, or the first national digits of a mobile number."""


@dataclass(frozen=True)
class Mobile:
    """A country's mobile numbers: how their national digits start, how many there are."""

    starts: tuple[str, ...]
    length: int


@dataclass(frozen=True)
class Country:
    name: str
    """The English name, as Klaviyo writes a profile's country."""
    continent: str
    currency: str
    weight: int
    """How often its people are drawn, relative to the others."""
    cities: tuple[City, ...]
    streets: tuple[str, ...]
    address: str
    """An address line: {n} the number, {s} the street."""
    first: tuple[str, ...]
    last: tuple[str, ...]
    mobile: Mobile | None = None
    """None for the NANP countries: their numbers are the fictional 555-01XX range."""

    def city(self, name: str) -> City:
        return next(c for c in self.cities if c.name == name)


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split(", "))


_US = (
    City("New York", "NY", "10001", 40.7506, -73.9971, "America/New_York", ("212", "646")),
    City("Boston", "MA", "02108", 42.3588, -71.0638, "America/New_York", ("617",)),
    City("Miami", "FL", "33130", 25.767, -80.204, "America/New_York", ("305",)),
    City("Atlanta", "GA", "30303", 33.7527, -84.3915, "America/New_York", ("404",)),
    City("Chicago", "IL", "60601", 41.8853, -87.6216, "America/Chicago", ("312", "773")),
    City("Houston", "TX", "77002", 29.7566, -95.365, "America/Chicago", ("713",)),
    City("Austin", "TX", "78701", 30.2711, -97.7437, "America/Chicago", ("512",)),
    City("Denver", "CO", "80202", 39.7527, -104.9992, "America/Denver", ("303", "720")),
    City("Salt Lake City", "UT", "84101", 40.7567, -111.8968, "America/Denver", ("801",)),
    City("Phoenix", "AZ", "85004", 33.4514, -112.0702, "America/Phoenix", ("602", "480")),
    City("San Francisco", "CA", "94103", 37.7725, -122.4091, "America/Los_Angeles", ("415",)),
    City("Los Angeles", "CA", "90012", 34.0614, -118.2385, "America/Los_Angeles", ("213",)),
    City("Seattle", "WA", "98101", 47.6101, -122.3344, "America/Los_Angeles", ("206",)),
    City("Portland", "OR", "97205", 45.5202, -122.6869, "America/Los_Angeles", ("503",)),
    City("Anchorage", "AK", "99501", 61.2176, -149.8997, "America/Anchorage", ("907",)),
    City("Honolulu", "HI", "96813", 21.3069, -157.8583, "Pacific/Honolulu", ("808",)),
)
_CA = (
    City("Toronto", "ON", "M5V 2T6", 43.6426, -79.3871, "America/Toronto", ("416", "647")),
    City("Ottawa", "ON", "K1P 5J9", 45.4215, -75.6972, "America/Toronto", ("613",)),
    City("Montréal", "QC", "H2Y 1C6", 45.5048, -73.5566, "America/Toronto", ("514",)),
    City("Vancouver", "BC", "V6B 1A1", 49.2827, -123.1207, "America/Vancouver", ("604",)),
    City("Calgary", "AB", "T2P 1J9", 51.0447, -114.0719, "America/Edmonton", ("403",)),
)
_MX = (
    City("Ciudad de México", "CDMX", "06700", 19.4326, -99.1332, "America/Mexico_City", ("55",)),
    City("Guadalajara", "JAL", "44100", 20.6597, -103.3496, "America/Mexico_City", ("33",)),
    City("Monterrey", "NL", "64000", 25.6866, -100.3161, "America/Monterrey", ("81",)),
)
_BR = (
    City("São Paulo", "SP", "01310-100", -23.5614, -46.6559, "America/Sao_Paulo", ("119",)),
    City("Rio de Janeiro", "RJ", "20040-002", -22.9035, -43.1767, "America/Sao_Paulo", ("219",)),
    City("Manaus", "AM", "69005-000", -3.119, -60.0217, "America/Manaus", ("929",)),
)
_GB = (
    City("London", "England", "EC1A 1BB", 51.5202, -0.0975, "Europe/London", ("7",)),
    City("Manchester", "England", "M1 1AE", 53.4808, -2.2426, "Europe/London", ("7",)),
    City("Edinburgh", "Scotland", "EH1 1YZ", 55.9533, -3.1883, "Europe/London", ("7",)),
)
_PT = (
    City("Lisboa", "Lisboa", "1100-148", 38.7139, -9.1394, "Europe/Lisbon", ("91",)),
    City("Porto", "Porto", "4000-322", 41.1496, -8.6109, "Europe/Lisbon", ("93",)),
)
_FR = (
    City("Paris", "Île-de-France", "75004", 48.8566, 2.3522, "Europe/Paris", ("6",)),
    City("Lyon", "Auvergne-Rhône-Alpes", "69002", 45.764, 4.8357, "Europe/Paris", ("6",)),
    City(
        "Marseille", "Provence-Alpes-Côte d'Azur", "13001", 43.2965, 5.3698, "Europe/Paris", ("7",)
    ),
)
_DE = (
    City("Berlin", "Berlin", "10117", 52.52, 13.405, "Europe/Berlin", ("151", "176")),
    City("München", "Bayern", "80331", 48.1372, 11.5756, "Europe/Berlin", ("160", "170")),
    City("Hamburg", "Hamburg", "20095", 53.5511, 9.9937, "Europe/Berlin", ("157", "171")),
)
_ES = (
    City("Madrid", "Comunidad de Madrid", "28013", 40.4168, -3.7038, "Europe/Madrid", ("6",)),
    City("Barcelona", "Cataluña", "08002", 41.3851, 2.1734, "Europe/Madrid", ("6",)),
)
_ZA = (
    City("Johannesburg", "Gauteng", "2001", -26.2041, 28.0473, "Africa/Johannesburg", ("82",)),
    City("Cape Town", "Western Cape", "8001", -33.9249, 18.4241, "Africa/Johannesburg", ("83",)),
)
_NG = (
    City("Lagos", "Lagos", "101233", 6.5244, 3.3792, "Africa/Lagos", ("803", "806")),
    City("Abuja", "FCT", "900211", 9.0765, 7.3986, "Africa/Lagos", ("813", "816")),
)
_KE = (
    City("Nairobi", "Nairobi County", "00100", -1.2921, 36.8219, "Africa/Nairobi", ("71",)),
    City("Mombasa", "Mombasa County", "80100", -4.0435, 39.6682, "Africa/Nairobi", ("72",)),
)
_IN = (
    City("Mumbai", "Maharashtra", "400001", 18.9388, 72.8354, "Asia/Kolkata", ("98", "99")),
    City("Bengaluru", "Karnataka", "560001", 12.9716, 77.5946, "Asia/Kolkata", ("97", "90")),
    City("New Delhi", "Delhi", "110001", 28.6139, 77.209, "Asia/Kolkata", ("98", "88")),
)
_NP = (
    City("Kathmandu", "Bagmati", "44600", 27.7172, 85.324, "Asia/Kathmandu", ("98",)),
    City("Pokhara", "Gandaki", "33700", 28.2096, 83.9856, "Asia/Kathmandu", ("98",)),
)
_JP = (
    City("Tokyo", "Tokyo", "150-0001", 35.6702, 139.7027, "Asia/Tokyo", ("90", "80")),
    City("Osaka", "Osaka", "530-0001", 34.7025, 135.4959, "Asia/Tokyo", ("70", "90")),
)
_AU = (
    City("Sydney", "NSW", "2000", -33.8688, 151.2093, "Australia/Sydney", ("4",)),
    City("Melbourne", "VIC", "3000", -37.8136, 144.9631, "Australia/Melbourne", ("4",)),
    City("Brisbane", "QLD", "4000", -27.4698, 153.0251, "Australia/Brisbane", ("4",)),
    City("Perth", "WA", "6000", -31.9523, 115.8613, "Australia/Perth", ("4",)),
    City("Adelaide", "SA", "5000", -34.9285, 138.6007, "Australia/Adelaide", ("4",)),
)
_NZ = (
    City("Auckland", "Auckland", "1010", -36.8485, 174.7633, "Pacific/Auckland", ("21",)),
    City("Wellington", "Wellington", "6011", -41.2865, 174.7762, "Pacific/Auckland", ("22",)),
    City("Christchurch", "Canterbury", "8011", -43.5321, 172.6362, "Pacific/Auckland", ("27",)),
)

COUNTRIES: Mapping[str, Country] = MappingProxyType(
    {
        "US": Country(
            name="United States",
            continent="North America",
            currency="USD",
            weight=70,
            cities=_US,
            streets=_names(
                "Main St, Oak Ave, Maple Dr, Cedar Ln, Park Pl, Washington Blvd, Lakeview Ter, "
                "Elm St, Sunset Ave, Pine St"
            ),
            address="{n} {s}",
            first=_names(
                "James, Emily, Michael, Olivia, Daniel, Sophia, Carlos, Jasmine, Wei, Aaliyah, "
                "Ethan, Mei, Jamal, Hannah, Diego, Grace, Mateo, Isabella, DeShawn, Lauren, Minh,"
                " Rachel, Omar, Samantha, Tyler, Andre, Nicole, Jin, Megan, Marcus, Leah, Kevin"
            ),
            last=_names(
                "Johnson, Williams, Brown, Garcia, Martinez, Nguyen, Kim, Patel, Robinson, "
                "Jackson, Lee, Rodriguez, Thompson, Chen, Davis, Lopez, Walker, Hernandez, "
                "Wright, Washington, Murphy, Cohen, Okafor, Rivera, Bennett, Foster"
            ),
        ),
        "CA": Country(
            name="Canada",
            continent="North America",
            currency="CAD",
            weight=14,
            cities=_CA,
            streets=_names("Queen St, Main St, Church St, Park Ave, Maple Ave"),
            address="{n} {s}",
            first=_names(
                "Liam, Emma, Noah, Charlotte, Olivier, Léa, Gabriel, Chloé, Aiden, Maya, Ravi, "
                "Amélie, Connor, Harpreet"
            ),
            last=_names(
                "Tremblay, Roy, Gagnon, Côté, Smith, MacDonald, Singh, Wong, Bouchard, Campbell, "
                "Leblanc, Morrison"
            ),
        ),
        "MX": Country(
            name="Mexico",
            continent="North America",
            currency="MXN",
            weight=8,
            cities=_MX,
            streets=_names("Av. Álvaro Obregón, Calle Colima, Av. Chapultepec, Calle Hidalgo"),
            address="{s} {n}",
            first=_names(
                "Sofía, Alejandro, Valentina, Diego, Ximena, Santiago, Regina, Emiliano, "
                "Fernanda, Leonardo"
            ),
            last=_names(
                "Hernández, García, Martínez, López, González, Pérez, Sánchez, Ramírez, Flores, "
                "Morales"
            ),
            mobile=Mobile(("55", "33", "81"), 10),
        ),
        "BR": Country(
            name="Brazil",
            continent="South America",
            currency="BRL",
            weight=12,
            cities=_BR,
            streets=_names("Rua Augusta, Av. Paulista, Rua das Laranjeiras, Rua Oscar Freire"),
            address="{s}, {n}",
            first=_names(
                "João, Ana, Pedro, Beatriz, Rafael, Juliana, Thiago, Larissa, Matheus, Letícia, "
                "Gabriel, Fernanda"
            ),
            last=_names(
                "Santos, Oliveira, Souza, Lima, Costa, Ferreira, Rodrigues, Almeida, Carvalho, "
                "Ribeiro, Araújo"
            ),
            mobile=Mobile(("119", "219", "929"), 11),
        ),
        "GB": Country(
            name="United Kingdom",
            continent="Europe",
            currency="GBP",
            weight=16,
            cities=_GB,
            streets=_names("High Street, Church Road, Victoria Road, Station Road, Mill Lane"),
            address="{n} {s}",
            first=_names(
                "Oliver, Amelia, Harry, Isla, George, Ava, Freya, Arjun, Poppy, Alfie, Imogen, "
                "Kwame, Niamh, Callum, Zara"
            ),
            last=_names(
                "Smith, Jones, Taylor, Davies, Evans, Thomas, Roberts, Walsh, Khan, Hughes, "
                "Clarke, Ahmed"
            ),
            mobile=Mobile(("74", "75", "77", "78", "79"), 10),
        ),
        "PT": Country(
            name="Portugal",
            continent="Europe",
            currency="EUR",
            weight=6,
            cities=_PT,
            streets=_names("Rua Augusta, Avenida da Liberdade, Rua de Santa Catarina"),
            address="{s} {n}",
            first=_names("Tiago, Inês, Rodrigo, Mariana, Duarte, Leonor, Martim, Carolina"),
            last=_names("Silva, Santos, Ferreira, Costa, Martins, Sousa, Gonçalves"),
            mobile=Mobile(("91", "92", "93", "96"), 9),
        ),
        "FR": Country(
            name="France",
            continent="Europe",
            currency="EUR",
            weight=10,
            cities=_FR,
            streets=_names("rue de Rivoli, rue de la République, boulevard Voltaire, rue du Bac"),
            address="{n} {s}",
            first=_names(
                "Louis, Camille, Hugo, Manon, Jules, Inès, Arthur, Léa, Nathan, Yanis, Élodie"
            ),
            last=_names(
                "Martin, Bernard, Thomas, Robert, Richard, Petit, Durand, Moreau, Lefèvre, Benali"
            ),
            mobile=Mobile(("6", "7"), 9),
        ),
        "DE": Country(
            name="Germany",
            continent="Europe",
            currency="EUR",
            weight=12,
            cities=_DE,
            streets=_names("Hauptstraße, Schillerstraße, Gartenweg, Bahnhofstraße, Lindenallee"),
            address="{s} {n}",
            first=_names(
                "Lukas, Anna, Leon, Lena, Finn, Mia, Jonas, Hannah, Paul, Emre, Johanna, Maximilian"
            ),
            last=_names(
                "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Schulz, Hoffmann, "
                "Yılmaz, Koch, Schäfer"
            ),
            mobile=Mobile(("151", "152", "157", "160", "170", "171", "176"), 11),
        ),
        "ES": Country(
            name="Spain",
            continent="Europe",
            currency="EUR",
            weight=6,
            cities=_ES,
            streets=_names("Calle Mayor, Gran Vía, Carrer de Balmes, Calle de Alcalá"),
            address="{s} {n}",
            first=_names("Lucía, Pablo, Martina, Álvaro, Paula, Daniela, Javier, Carmen"),
            last=_names("Fernández, González, Rodríguez, López, Sánchez, Gómez, Ruiz"),
            mobile=Mobile(("6",), 9),
        ),
        "ZA": Country(
            name="South Africa",
            continent="Africa",
            currency="ZAR",
            weight=8,
            cities=_ZA,
            streets=_names("Long Street, Jan Smuts Ave, Main Road, Bree Street"),
            address="{n} {s}",
            first=_names("Thabo, Lerato, Sipho, Naledi, Pieter, Annika, Themba, Ayesha"),
            last=_names("Nkosi, Dlamini, Mokoena, van der Merwe, Botha, Naidoo, Khumalo"),
            mobile=Mobile(("82", "83", "72", "73", "84", "71"), 9),
        ),
        "NG": Country(
            name="Nigeria",
            continent="Africa",
            currency="NGN",
            weight=6,
            cities=_NG,
            streets=_names("Admiralty Way, Awolowo Road, Adeola Odeku Street, Aminu Kano Crescent"),
            address="{n} {s}",
            first=_names("Chinedu, Ngozi, Oluwaseun, Aisha, Emeka, Funmilayo, Ibrahim"),
            last=_names("Adeyemi, Eze, Bello, Okonkwo, Abubakar, Nwosu, Balogun"),
            mobile=Mobile(("803", "806", "813", "816", "802", "905"), 10),
        ),
        "KE": Country(
            name="Kenya",
            continent="Africa",
            currency="KES",
            weight=6,
            cities=_KE,
            streets=_names("Kenyatta Avenue, Ngong Road, Moi Avenue, Waiyaki Way"),
            address="{n} {s}",
            first=_names("Wanjiru, Achieng, Otieno, Njeri, Mwangi, Akinyi, Baraka, Amina"),
            last=_names("Kamau, Odhiambo, Wanjiku, Mutua, Kiprop, Njoroge, Chebet"),
            mobile=Mobile(("70", "71", "72", "79"), 9),
        ),
        "IN": Country(
            name="India",
            continent="Asia",
            currency="INR",
            weight=12,
            cities=_IN,
            streets=_names("MG Road, Linking Road, Residency Road, Connaught Place"),
            address="{n} {s}",
            first=_names(
                "Aarav, Ananya, Rohan, Isha, Vikram, Kavya, Arjun, Diya, Rahul, Meera, Siddharth"
            ),
            last=_names("Sharma, Iyer, Reddy, Gupta, Singh, Menon, Das, Kapoor, Rao"),
            mobile=Mobile(("98", "99", "97", "90", "88", "70"), 10),
        ),
        "NP": Country(
            name="Nepal",
            continent="Asia",
            currency="NPR",
            weight=3,
            cities=_NP,
            streets=_names("Durbar Marg, Lakeside Road, New Road"),
            address="{s} {n}",
            first=_names("Aayush, Sabina, Bishal, Anjali, Prakash, Srijana"),
            last=_names("Shrestha, Thapa, Tamang, Rai, Adhikari, Karki"),
            mobile=Mobile(("98",), 10),
        ),
        "JP": Country(
            name="Japan",
            continent="Asia",
            currency="JPY",
            weight=8,
            cities=_JP,
            streets=_names("Jingumae 1-chome, Umeda 2-chome, Shibuya 3-chome"),
            address="{s} {n}",
            first=_names("Haruto, Yui, Sota, Hina, Yuto, Aoi, Ren, Sakura, Takumi"),
            last=_names("Sato, Suzuki, Takahashi, Tanaka, Ito, Yamamoto, Nakamura"),
            mobile=Mobile(("90", "80", "70"), 10),
        ),
        "AU": Country(
            name="Australia",
            continent="Oceania",
            currency="AUD",
            weight=12,
            cities=_AU,
            streets=_names("George St, Collins St, Queen St, Hay St, Rundle Mall"),
            address="{n} {s}",
            first=_names(
                "Charlotte, William, Lachlan, Ruby, Jayden, Sienna, Thomas, Chloe, Mia, Cooper"
            ),
            last=_names("Smith, Jones, Brown, Nguyen, Kelly, Ryan, Papadopoulos, Murray"),
            mobile=Mobile(("4",), 9),
        ),
        "NZ": Country(
            name="New Zealand",
            continent="Oceania",
            currency="NZD",
            weight=6,
            cities=_NZ,
            streets=_names("Queen Street, Cuba Street, Ponsonby Road, Colombo Street"),
            address="{n} {s}",
            first=_names("Nikau, Ava, Tama, Isla, Hunter, Wiremu, Olivia, Sione"),
            last=_names("Williams, Tane, Taylor, Walker, Parata, Fifita, Te Whata"),
            mobile=Mobile(("21", "22", "27"), 9),
        ),
    }
)


def continent_of_zone(zone: str) -> str:
    """The continent of a zone the demo uses (a city's, or a story profile's)."""
    for country in COUNTRIES.values():
        if any(city.zone == zone for city in country.cities):
            return country.continent
    return _OTHER_ZONES[zone]


_OTHER_ZONES: Mapping[str, str] = MappingProxyType(
    {"Asia/Kathmandu": "Asia", "Australia/Lord_Howe": "Oceania", "Europe/Berlin": "Europe"}
)
"""Zones of story profiles that no generated city has."""
