"""Names of countries, US states and capitals, and the adjectives that point to a country.

What a "which country" or "which state" question can be answered with: a
short answer to such a question must be one of these (or the adjective of
one: "a Chinese balloon" answers "which country?" with China).
"""

from __future__ import annotations

__all__ = ["COUNTRIES", "US_STATES", "CAPITALS", "REGIONS", "country_of", "place_kind"]

COUNTRIES = frozenset(n.lower() for n in """
Afghanistan|Albania|Algeria|Andorra|Angola|Antigua and Barbuda|Argentina|Armenia|Australia|
Austria|Azerbaijan|Bahamas|Bahrain|Bangladesh|Barbados|Belarus|Belgium|Belize|Benin|Bhutan|
Bolivia|Bosnia and Herzegovina|Botswana|Brazil|Brunei|Bulgaria|Burkina Faso|Burundi|Cambodia|
Cameroon|Canada|Cape Verde|Central African Republic|Chad|Chile|China|Colombia|Comoros|Congo|
Costa Rica|Croatia|Cuba|Cyprus|Czech Republic|Czechia|Denmark|Djibouti|Dominica|
Dominican Republic|East Timor|Ecuador|Egypt|El Salvador|England|Equatorial Guinea|Eritrea|
Estonia|Eswatini|Ethiopia|Fiji|Finland|France|Gabon|Gambia|Georgia|Germany|Ghana|Greece|
Grenada|Guatemala|Guinea|Guinea-Bissau|Guyana|Haiti|Honduras|Hong Kong|Hungary|Iceland|India|
Indonesia|Iran|Iraq|Ireland|Israel|Italy|Ivory Coast|Jamaica|Japan|Jordan|Kazakhstan|Kenya|
Kiribati|Kosovo|Kuwait|Kyrgyzstan|Laos|Latvia|Lebanon|Lesotho|Liberia|Libya|Liechtenstein|
Lithuania|Luxembourg|Madagascar|Malawi|Malaysia|Maldives|Mali|Malta|Marshall Islands|
Mauritania|Mauritius|Mexico|Micronesia|Moldova|Monaco|Mongolia|Montenegro|Morocco|Mozambique|
Myanmar|Namibia|Nauru|Nepal|Netherlands|New Zealand|Nicaragua|Niger|Nigeria|North Korea|
North Macedonia|Northern Ireland|Norway|Oman|Pakistan|Palau|Palestine|Panama|Papua New Guinea|
Paraguay|Peru|Philippines|Poland|Portugal|Qatar|Romania|Russia|Rwanda|Saint Lucia|Samoa|
San Marino|Saudi Arabia|Scotland|Senegal|Serbia|Seychelles|Sierra Leone|Singapore|Slovakia|
Slovenia|Solomon Islands|Somalia|South Africa|South Korea|South Sudan|Spain|Sri Lanka|Sudan|
Suriname|Sweden|Switzerland|Syria|Taiwan|Tajikistan|Tanzania|Thailand|Togo|Tonga|
Trinidad and Tobago|Tunisia|Turkey|Turkmenistan|Tuvalu|Uganda|Ukraine|United Arab Emirates|
United Kingdom|United States|Uruguay|Uzbekistan|Vanuatu|Vatican City|Venezuela|Vietnam|
Wales|Yemen|Zambia|Zimbabwe|UK|US|USA|UAE|Britain|Great Britain|America
""".replace("\n", "").split("|"))

US_STATES = frozenset(n.lower() for n in """
Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|
Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|
Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|
New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|
Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|
West Virginia|Wisconsin|Wyoming
""".replace("\n", "").split("|"))

#: National capitals: what "which capital" is answered with.
CAPITALS = frozenset(n.lower() for n in """
Abu Dhabi|Abuja|Accra|Addis Ababa|Algiers|Amman|Amsterdam|Ankara|Antananarivo|Apia|Ashgabat|
Asmara|Astana|Asuncion|Athens|Baghdad|Baku|Bamako|Bangkok|Bangui|Banjul|Beijing|Beirut|
Belgrade|Belmopan|Berlin|Bern|Bishkek|Bissau|Bogota|Brasilia|Bratislava|Brazzaville|
Bridgetown|Brussels|Bucharest|Budapest|Buenos Aires|Bujumbura|Cairo|Canberra|Caracas|Cardiff|
Castries|Chisinau|Colombo|Conakry|Copenhagen|Dakar|Damascus|Dhaka|Dili|Djibouti|Dodoma|Doha|
Dublin|Dushanbe|Edinburgh|Freetown|Funafuti|Gaborone|Georgetown|Guatemala City|Hanoi|Harare|
Havana|Helsinki|Honiara|Islamabad|Jakarta|Jerusalem|Juba|Kabul|Kampala|Kathmandu|Khartoum|
Kigali|Kingston|Kinshasa|Kuala Lumpur|Kuwait City|Kyiv|Kiev|La Paz|Libreville|Lilongwe|Lima|
Lisbon|Ljubljana|Lome|London|Luanda|Lusaka|Luxembourg|Madrid|Majuro|Malabo|Male|Managua|
Manama|Manila|Maputo|Maseru|Mbabane|Mexico City|Minsk|Mogadishu|Monaco|Monrovia|Montevideo|
Moroni|Moscow|Muscat|Nairobi|Nassau|Naypyidaw|N'Djamena|New Delhi|Niamey|Nicosia|Nouakchott|
Nuku'alofa|Oslo|Ottawa|Ouagadougou|Palikir|Panama City|Paramaribo|Paris|Phnom Penh|Podgorica|
Port Louis|Port Moresby|Port of Spain|Port-au-Prince|Porto-Novo|Prague|Praia|Pretoria|
Pristina|Pyongyang|Quito|Rabat|Reykjavik|Riga|Riyadh|Rome|Roseau|San Jose|San Marino|
San Salvador|Sanaa|Santiago|Santo Domingo|Sao Tome|Sarajevo|Seoul|Singapore|Skopje|Sofia|
Stockholm|Suva|Taipei|Tallinn|Tarawa|Tashkent|Tbilisi|Tegucigalpa|Tehran|Thimphu|Tirana|
Tokyo|Tripoli|Tunis|Ulaanbaatar|Vaduz|Valletta|Vatican City|Victoria|Vienna|Vientiane|
Vilnius|Warsaw|Washington|Washington DC|Wellington|Windhoek|Yamoussoukro|Yaounde|Yerevan|Zagreb
""".replace("\n", "").split("|"))

#: Parts of the world larger than a country or across countries: no city, state or country.
REGIONS = frozenset(("europe", "asia", "africa", "america", "americas", "antarctica",
                     "oceania", "arctic", "middle east", "west coast", "east coast",
                     "midwest", "latin america", "south america", "north america"))

#: Adjectives (and peoples) that name a country: "Chinese" -> China.
_DEMONYMS = {a.lower(): c.lower() for a, c in (pair.split("=") for pair in """
Afghan=Afghanistan|American=United States|Argentine=Argentina|Argentinian=Argentina|
Australian=Australia|Austrian=Austria|Belgian=Belgium|Brazilian=Brazil|British=United Kingdom|
Canadian=Canada|Chilean=Chile|Chinese=China|Colombian=Colombia|Cuban=Cuba|Czech=Czech Republic|
Danish=Denmark|Dutch=Netherlands|Egyptian=Egypt|English=England|Ethiopian=Ethiopia|
Finnish=Finland|French=France|German=Germany|Greek=Greece|Hungarian=Hungary|Indian=India|
Indonesian=Indonesia|Iranian=Iran|Iraqi=Iraq|Irish=Ireland|Israeli=Israel|Italian=Italy|
Japanese=Japan|Kenyan=Kenya|Korean=South Korea|Mexican=Mexico|Nigerian=Nigeria|
North Korean=North Korea|Norwegian=Norway|Pakistani=Pakistan|Palestinian=Palestine|
Peruvian=Peru|Filipino=Philippines|Polish=Poland|Portuguese=Portugal|Romanian=Romania|
Russian=Russia|Saudi=Saudi Arabia|Scottish=Scotland|Serbian=Serbia|South African=South Africa|
South Korean=South Korea|Spanish=Spain|Swedish=Sweden|Swiss=Switzerland|Syrian=Syria|
Taiwanese=Taiwan|Thai=Thailand|Turkish=Turkey|Ukrainian=Ukraine|Venezuelan=Venezuela|
Vietnamese=Vietnam|Welsh=Wales|New Zealander=New Zealand
""".replace("\n", "").split("|"))}

_ALIASES = {"us": "united states", "usa": "united states", "america": "united states",
            "uk": "united kingdom", "britain": "united kingdom",
            "great britain": "united kingdom", "uae": "united arab emirates",
            "czechia": "czech republic"}


def country_of(name: str) -> str | None:
    """The country ``name`` names or points to, lower case ("Chinese" ->
    "china", "the US" -> "united states"), else ``None``."""
    key = " ".join(name.lower().replace("the ", " ").split())
    key = _DEMONYMS.get(key.rstrip("s"), _DEMONYMS.get(key, key))
    key = _ALIASES.get(key, key)
    return key if key in COUNTRIES else None


def place_kind(name: str) -> str | None:
    """``"country"``, ``"state"`` (a US state) or ``None`` for ``name``. Georgia
    and Washington are both; a state is asked for by its noun."""
    key = " ".join(name.lower().split())
    if key in US_STATES:
        return "state"
    return "country" if country_of(name) else None
