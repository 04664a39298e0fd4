"""The seed article (Antiwar.com, 2024-04-22) modelled as tracker data.

Only what the article says is recorded: where it gives no URL, quote, time of day or
verdict, the field stays empty. The sentences quoted on Antiwar.com's hops are the
article's own words.
"""

from factcheck.moments import parse_moment

# A day, not a time: the article gives no time of day, and the demo invents nothing.
ARTICLE_DATE = parse_moment("2024-04-22")

SOURCES = [
    # name, kind, anonymous, country, affiliated_with, affiliation, description
    ("Antiwar.com", "news_outlet", False, "", None, "", "News outlet; published the seed article."),
    ("Reuters", "news_agency", False, "", None, "", "International news agency."),
    (
        "Stars and Stripes",
        "news_outlet",
        False,
        "US",
        None,
        "",
        "News outlet covering the US military.",
    ),
    ("US officials", "official", True, "US", None, "", "Unnamed US officials cited by Reuters."),
    (
        "Iraqi officials",
        "official",
        True,
        "IQ",
        None,
        "",
        "Unnamed Iraqi officials cited by Reuters.",
    ),
    (
        "Pentagon official",
        "official",
        True,
        "US",
        None,
        "",
        "Unnamed Pentagon official who spoke to Stars and Stripes.",
    ),
    (
        "Popular Mobilization Forces",
        "armed_group",
        False,
        "IQ",
        None,
        "",
        "Umbrella group of Iraqi militias that is part of Iraq's security forces (PMF).",
    ),
    (
        "Kataib Hezbollah",
        "armed_group",
        False,
        "IQ",
        "Popular Mobilization Forces",
        "part_of",
        "One of Iraq's most powerful Shia militias.",
    ),
    (
        "Telegram channel affiliated with Kataib Hezbollah",
        "social_channel",
        False,
        "",
        "Kataib Hezbollah",
        "affiliated",
        "Telegram channel Reuters described as affiliated with Kataib Hezbollah.",
    ),
]

ARTICLE = {
    "key": "article",
    "kind": "article",
    "title": "US Bases in Iraq and Syria Come Under Rocket and Drone Attack",
    "publisher": "Antiwar.com",
    "author": "Dave DeCamp",
    "published_at": ARTICLE_DATE,
    "language": "en",
}
DOCUMENTS = [
    ARTICLE,
    {
        "key": "reuters",
        "kind": "article",
        "title": "Reuters report on rocket and drone attacks on US bases in Iraq and Syria",
        "publisher": "Reuters",
        "author": "",
        # "Reuters reported Monday": the Monday of the article, 2024-04-22.
        "published_at": ARTICLE_DATE,
        "language": "en",
    },
    {
        "key": "stripes",
        "kind": "article",
        "title": "Stars and Stripes report on a coalition airstrike against a rocket launcher",
        "publisher": "Stars and Stripes",
        "author": "",
        "published_at": None,  # the article says only "later"
        "language": "en",
    },
]

OFFICIALS = ["US officials", "Iraqi officials"]

# Each claim: text, location, topics, chain steps (origin first; a step lists its sources),
# the document each source's hop appears in, and Antiwar.com's own words for its hop.
CLAIMS = [
    {
        "text": "A drone attack targeted the Ain al-Asad air base in western Iraq",
        "location": "Ain al-Asad air base, western Iraq",
        "topics": ["Attacks on US forces in Iraq and Syria"],
        "steps": [OFFICIALS, ["Reuters"], ["Antiwar.com"]],
        "quote": "A drone attack targeted the Ain al-Asad air base in western Iraq, and five rockets "
        "were fired at a base in Rumalyn, a remote area of northeast Syria.",
    },
    {
        "text": "Five rockets were fired at a US base in Rumalyn, northeast Syria",
        "location": "Rumalyn, northeast Syria",
        "topics": ["Attacks on US forces in Iraq and Syria"],
        "steps": [OFFICIALS, ["Reuters"], ["Antiwar.com"]],
        "quote": "A drone attack targeted the Ain al-Asad air base in western Iraq, and five rockets "
        "were fired at a base in Rumalyn, a remote area of northeast Syria.",
    },
    {
        "text": "No casualties were reported in either attack",
        "location": "",
        "topics": ["Attacks on US forces in Iraq and Syria"],
        "steps": [["Reuters"], ["Antiwar.com"]],
        "quote": "No casualties were reported in either attack.",
    },
    {
        "text": "The attacks were the first since a pause that began in February",
        "location": "",
        "topics": ["Attacks on US forces in Iraq and Syria"],
        "steps": [OFFICIALS, ["Reuters"], ["Antiwar.com"]],
        "quote": "The officials said the attacks were the first since a nearly three-month pause "
        "started in February.",
    },
    {
        "text": "A coalition fighter jet struck a rocket launcher",
        "location": "",
        "topics": ["Attacks on US forces in Iraq and Syria"],
        "steps": [["Pentagon official"], ["Stars and Stripes"], ["Antiwar.com"]],
        "quote": "A Pentagon official later told Stars and Stripes that a fighter jet from the US-led "
        "coalition in Iraq and Syria launched an airstrike against a rocket launcher but did not "
        "specify where.",
    },
    {
        "text": "An explosion at a base south of Baghdad killed one PMF member",
        "location": "South of Baghdad, Iraq",
        "topics": ["Attacks on US forces in Iraq and Syria"],
        "steps": [["Antiwar.com"]],
        "quote": "The attacks came after an explosion hit a base south of Baghdad that killed one "
        "member of the Popular Mobilization Forces (PMF).",
    },
    {
        "text": "Attacks on US forces resumed because there was no progress toward a US withdrawal",
        "location": "",
        "topics": ["Attacks on US forces in Iraq and Syria", "US withdrawal from Iraq"],
        "steps": [
            ["Telegram channel affiliated with Kataib Hezbollah"],
            ["Reuters"],
            ["Antiwar.com"],
        ],
        "quote": "Reuters initially reported that after the rocket attacks, a Telegram channel "
        "affiliated with Kataib Hezbollah, one of Iraq’s most powerful Shia militias, announced "
        "that attacks on US forces resumed because there was no progress toward a US withdrawal.",
        "dispute": {
            "disputed_by": "Kataib Hezbollah",
            "kind": "authorship_denial",
            "target_source": "Telegram channel affiliated with Kataib Hezbollah",
            "statement": "Kataib Hezbollah denied issuing the statement.",
            "quote": "fabricated news",
        },
    },
    {
        "text": "Al-Sudani left Washington with no clear timeline for a US withdrawal",
        "location": "Washington",
        "topics": ["US withdrawal from Iraq"],
        "steps": [["Antiwar.com"]],
        "quote": "Iraqi Prime Minister Mohammed Shia al-Sudani visited Washington last week but left "
        "with no clear timeline for a US withdrawal.",
    },
    {
        "text": "US bases were targeted hundreds of times from October 2023 to the end of January 2024",
        "location": "Iraq and Syria",
        "topics": ["Attacks on US forces in Iraq and Syria"],
        "steps": [["Antiwar.com"]],
        "quote": "Starting in October 2023, US bases were targeted hundreds of times until the end "
        "of January.",
    },
]

# Which document each source's hop appears in (absent: no document known).
HOP_DOCUMENTS = {"Antiwar.com": "article", "Reuters": "reuters", "Stars and Stripes": "stripes"}
