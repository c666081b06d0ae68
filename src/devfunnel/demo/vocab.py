"""Words the demo company is made of: names, industries, titles, programs, features."""

from __future__ import annotations

FIRST_NAMES = (
    "Aaron Abigail Adam Adrian Aisha Alan Alex Alice Amara Amir Ana Andrea Andrew Angela Anna "
    "Anthony Arjun Ava Ben Benjamin Bianca Boris Brandon Brian Camila Carlos Carmen Caroline "
    "Catherine Chen Chloe Chris Christina Christopher Claire Daniel Daniela David Deepa Diana "
    "Diego Dmitri Elena Eli Elif Elizabeth Emil Emily Emma Eric Ethan Eva Fatima Felix Fernando "
    "Fiona Francesca Gabriel George Grace Hana Hannah Hassan Helen Henry Hiroshi Hugo Ian Ines "
    "Isaac Isabel Ivan Jack Jacob James Jana Jane Jasmine Javier Jennifer Jessica Jin Joanna "
    "Johan John Jonathan Jordan Jose Joseph Joshua Julia Julian Kai Karen Karim Katherine Kevin "
    "Kim Kofi Laura Lars Layla Lea Leo Liam Lin Lisa Lucas Lucia Luis Maja Marco Maria Mark "
    "Martin Mateo Matthew Maya Mehmet Mei Michael Michelle Mikhail Mohammed Nadia Naomi Nathan "
    "Nicholas Nikhil Nina Noah Olga Oliver Olivia Omar Pablo Paul Pedro Peter Priya Rafael Rahul "
    "Ravi Rebecca Richard Robert Rosa Ryan Sakura Samuel Sara Sarah Sebastian Sergei Sofia "
    "Sophie Stefan Steven Susan Takeshi Tariq Thomas Tim Tobias Tom Valentina Victor Vikram "
    "Wei William Xin Yara Yuki Yusuf Zara Zoe"
).split()

LAST_NAMES = (
    "Abbott Adams Agarwal Ahmed Ali Alvarez Andersen Anderson Bauer Becker Bennett Bianchi "
    "Brown Campbell Carter Castro Chen Clark Cohen Collins Costa Cruz Das Davies Davis Dubois "
    "Dunn Edwards Eriksson Evans Fernandez Fischer Fisher Foster Garcia Ghosh Gomez Gonzalez "
    "Green Gupta Hall Hansen Harris Hassan Hernandez Hill Hoffmann Hughes Ibrahim Ito Jackson "
    "Jensen Johansson Johnson Jones Kaur Khan Kim Klein Kowalski Kumar Larsen Lee Lehmann Lewis "
    "Li Lin Liu Lopez Martin Martinez Meyer Miller Mitchell Moore Morales Moreau Morris Muller "
    "Murphy Nakamura Nguyen Nielsen Novak Okafor Olsen Ortiz Park Patel Perez Peters Petrov "
    "Phillips Popescu Ramirez Reddy Reyes Richter Rivera Roberts Robinson Rodriguez Rossi Russo "
    "Sanchez Santos Sato Schmidt Schneider Schulz Scott Shah Silva Singh Smith Sousa Suzuki "
    "Tanaka Taylor Thomas Thompson Torres Turner Wagner Walker Wang Watanabe Weber White "
    "Williams Wilson Wong Wright Wu Yamamoto Yang Young Zhang Zhou Zimmermann"
).split()

_MORE_FIRST = (
    "Abdul Ada Adele Agnes Ahmed Aiden Akira Alba Aldo Alexei Alfie Alina Alma Alvaro Amalia "
    "Amelie Anders Andre Anika Anton Antonia Anya Arnav Aron Arthur Astrid Aurora Axel Ayaan "
    "Ayesha Barbara Bastian Beatriz Bela Benedikt Bernd Bruno Caio Calla Carina Carla Casper "
    "Cecilia Celine Cesar Chiara Chidi Clara Colin Connor Cora Dalia Damian Dana Dario Darius "
    "Dawit Delia Dina Dominik Dora Duc Edgar Edith Eduardo Efe Ekaterina Elias Elin Elisa Ella "
    "Elodie Emeka Emilia Enzo Erik Esme Esther Ezra Fabian Farah Felipe Femi Filip Finn Flora "
    "Florian Frida Gaspar Gemma Gianni Gil Gina Giulia Goran Greta Gustav Hadi Haruto Hector "
    "Heidi Helga Henrik Hiro Hoang Hugo Ida Ilse Imani Ines Ingrid Irene Isla Ismail Ivana Jakub "
    "Jamal Janne Jaya Jens Joao Jonas Jorge Josefine Juan Julien Jun Kaito Kamal Karin Kasia "
    "Katja Kaveh Keiko Kenji Kiran Klara Kwame Laila Lakshmi Lara Lena Leon Lidia Linnea Lorenzo "
    "Lotte Luca Ludwig Luka Lukas Mads Magnus Mahmoud Malik Malte Manon Marek Marina Marisol "
    "Marta Mathis Matteo Mattias Maxim Mila Milan Mina Mira Moritz Nadine Nasser Neha Nia Nico "
    "Niklas Nils Noor Nora Odette Ola Olek Oscar Otto Pavel Petra Pia Pietro Quentin Rafaela "
    "Ramon Rania Rasmus Reza Rina Rohan Roman Rui Sabine Salma Samir Sanjay Santiago Sasha Selin "
    "Sergio Shira Sienna Silvia Simone Sina Soren Stella Sven Tamara Tanvir Teodor Thea Theo "
    "Tiago Timo Tove Ugo Umar Una Uwe Vera Viktor Vivian Wanda Xavier Yan Yasmin Yoshi Zeynep "
    "Zofia"
).split()

_SURNAME_ROOTS = (
    "Ander Berg Blom Bran Brock Carl Dahl Eck Falk Fern Gold Graf Hag Hart Holm Jung Kess Kling "
    "Lind Lund Marsh Mell Nord Ost Pell Quist Ros Sand Sten Stor Thal Vall Wald Wester Wik Zell "
    "Abr Bal Cor Dor Esp Fal Gar Hel Iri Jor Kal Lor Mar Nav Orl Par Quin Ram Sal Tor Val "
    "Bog Dub Kov Lew Mal Nov Pav Sok Vol Wis Zal Ham Lan Ash Bro Cal Dun Gil Kel Mac Rey Whit"
).split()
_SURNAME_ENDINGS = ("", "son", "sen", "mann", "er", "ström", "ez", "ado", "ini", "etti", "ov",
                    "ova", "ski", "ska", "ic", "enko", "well", "ford", "ton", "by", "ley",
                    "ridge", "field", "stein")  # fmt: skip
#: Real surnames plus surnames composed from roots and endings (Lindström, Falkenberg...),
#: so that, as in a real population, two people rarely share a full name.
ALL_LAST_NAMES = tuple(
    sorted(
        {
            *LAST_NAMES,
            *(
                (root + ending).replace("ö", "o").capitalize()
                for root in _SURNAME_ROOTS
                for ending in _SURNAME_ENDINGS
            ),
        }
    )
)
ALL_FIRST_NAMES = tuple(sorted({*FIRST_NAMES, *_MORE_FIRST}))

NICKNAMES = {
    "Robert": "Bob", "William": "Bill", "Richard": "Rick", "Michael": "Mike",
    "Christopher": "Chris", "Jonathan": "Jon", "Nicholas": "Nick", "Matthew": "Matt",
    "Benjamin": "Ben", "Alexander": "Alex", "Elizabeth": "Liz", "Katherine": "Kate",
    "Jennifer": "Jen", "Samuel": "Sam", "Thomas": "Tom", "Daniel": "Dan", "Andrew": "Andy",
    "Joseph": "Joe", "Anthony": "Tony", "Steven": "Steve", "Jessica": "Jess", "Rebecca": "Becca",
    "Catherine": "Cathy", "Christina": "Tina", "Gabriel": "Gabe", "Nathan": "Nate",
    "Joshua": "Josh", "Isabel": "Izzy", "Francesca": "Fran", "Sebastian": "Seb",
    "Valentina": "Vale", "Dmitri": "Dima", "Mikhail": "Misha",
}  # fmt: skip

COMPANY_HEADS = (
    "Acu Aero Alta Ampli Apex Arc Astra Atlas Aura Axio Beacon Blue Bolt Bright Byte Cascade "
    "Cedar Cipher Cloud Cobalt Core Crest Crystal Cyber Data Delta Echo Ember Epic Equi Flux "
    "Forge Fusion Giga Glow Granite Grid Halo Harbor Helix Hyper Iron Jet Keystone Kinetic "
    "Lattice Lumen Lynx Magna Maple Matrix Meridian Metro Nexa Nimbus Noble Nova Nucleus Omni "
    "Onyx Optic Orbit Peak Pixel Pivot Polar Prism Pulse Quant Quartz Radiant Relay River "
    "Sable Sage Signal Silver Sky Solar Spark Sphere Spring Stellar Stone Summit Swift Terra "
    "Tidal Titan Trail True Unity Vector Velo Vertex Vista Volt Wave Zen Zephyr"
).split()

COMPANY_TAILS = (
    "Labs Systems Works Health Pay Logic Soft Stack Cloud Data Tech Networks Commerce Media "
    "Analytics Bank Logistics Learning Security Robotics Energy Foods Motors Retail Studio "
    "Ventures Group Partners Insights Mobility"
).split()

TLDS = ((".com", 0.55), (".io", 0.18), (".dev", 0.04), (".co", 0.06), (".ai", 0.05),
        (".co.uk", 0.05), (".de", 0.04), (".fr", 0.03))  # fmt: skip

INDUSTRIES = (("Software", 0.30), ("Fintech", 0.12), ("E-commerce", 0.10), ("Media", 0.07),
              ("Healthcare IT", 0.08), ("Education", 0.06), ("Manufacturing", 0.07),
              ("Retail", 0.06), ("Logistics", 0.06), ("Government", 0.04),
              ("Telecommunications", 0.04))  # fmt: skip

#: How much each industry builds on developer APIs (drives latent need).
INDUSTRY_NEED = {"Software": 0.25, "Fintech": 0.2, "E-commerce": 0.15, "Media": 0.1,
                 "Healthcare IT": 0.1, "Education": 0.0, "Manufacturing": -0.1,
                 "Retail": -0.05, "Logistics": 0.0, "Government": -0.2,
                 "Telecommunications": 0.05}  # fmt: skip

REGIONS = (("NA", 0.45), ("EMEA", 0.35), ("APAC", 0.15), ("LATAM", 0.05))
COUNTRIES = {
    "NA": (("US", 0.85), ("CA", 0.15)),
    "EMEA": (("GB", 0.25), ("DE", 0.22), ("FR", 0.14), ("NL", 0.1), ("SE", 0.07), ("ES", 0.07),
             ("IL", 0.05), ("PL", 0.05), ("CH", 0.05)),
    "APAC": (("IN", 0.35), ("JP", 0.2), ("AU", 0.2), ("SG", 0.15), ("KR", 0.1)),
    "LATAM": (("BR", 0.5), ("MX", 0.3), ("AR", 0.2)),
}  # fmt: skip

STACKS = (("python", 0.45), ("node", 0.45), ("go", 0.2), ("java", 0.3), ("ruby", 0.1),
          ("php", 0.1), ("dotnet", 0.15), ("rust", 0.05))  # fmt: skip

DEV_TITLES = ("Software Engineer", "Senior Software Engineer", "Staff Engineer",
              "Backend Developer", "Full Stack Developer", "Platform Engineer", "DevOps Engineer",
              "Data Engineer", "Frontend Developer", "Principal Engineer", "Tech Lead",
              "Solutions Architect", "Site Reliability Engineer")  # fmt: skip

BUYER_TITLES = ("VP Engineering", "CTO", "Director of Engineering", "Head of Platform",
                "Engineering Manager", "Head of Procurement", "VP Product", "CIO",
                "Director of IT")  # fmt: skip

PERSONAL_DOMAINS = (
    ("gmail.com", 0.6),
    ("outlook.com", 0.12),
    ("yahoo.com", 0.08),
    ("protonmail.com", 0.08),
    ("icloud.com", 0.07),
    ("hotmail.com", 0.05),
)

SDK_LANGUAGES = ("python", "node", "go", "java", "ruby", "php", "dotnet")
INTEGRATIONS = ("Slack", "GitHub Actions", "Snowflake", "Datadog", "Kafka", "Postgres",
                "Zapier", "Salesforce")  # fmt: skip
DOC_PAGES = ("Quickstart", "Authentication", "Webhooks", "Rate limits", "SDK reference",
             "Errors", "Pagination", "Guides", "Changelog", "API reference")  # fmt: skip
REPOS = ("acme/acme-python", "acme/acme-node", "acme/acme-go", "acme/examples",
         "acme/acme-cli")  # fmt: skip

#: Product features: key, name, popularity among feature requests, effect on winning opportunities.
FEATURES = (
    ("webhooks_v2", "Webhooks v2", 0.16, 0.3),
    ("sso_saml", "SSO / SAML", 0.14, 0.5),
    ("audit_logs", "Audit logs", 0.10, 0.3),
    ("eu_residency", "EU data residency", 0.09, 0.4),
    ("python_async", "Async Python SDK", 0.10, 0.1),
    ("graphql_api", "GraphQL API", 0.08, 0.0),
    ("terraform", "Terraform provider", 0.08, 0.2),
    ("rate_limits", "Higher rate limits", 0.09, 0.1),
    ("usage_alerts", "Usage alerts", 0.06, 0.0),
    ("rbac", "Role-based access control", 0.10, 0.3),
)  # fmt: skip

#: DevRel, marketing and product programs: key, name, team, channel, kind, monthly cost
#: (USD), start month offset, months running, reach (share of people touched), how people
#: are reached (email, anonymous or github), and the true effect: how much a touch multiplies
#: the chance of moving to the next journey stage in the following 45 days.
PROGRAMS = (
    ("docs_quickstart", "Docs quickstart revamp", "devrel", "docs", "content", 6000, 0, 12,
     0.20, "anonymous", 1.6),
    ("sample_apps", "GitHub sample apps", "devrel", "github", "content", 4000, 2, 10, 0.08,
     "github", 1.5),
    ("hackathon_berlin", "Hackathon Berlin", "devrel", "events", "event", 45000, 4, 1, 0.015,
     "email", 2.2),
    ("hackathon_sf", "Hackathon San Francisco", "devrel", "events", "event", 60000, 8, 1, 0.02,
     "email", 2.0),
    ("community_forum", "Community forum", "devrel", "community", "community", 3000, 0, 12,
     0.10, "email", 1.4),
    ("webinar_series", "Webinar series: building with Acme", "devrel", "events", "webinar",
     5000, 1, 11, 0.06, "email", 1.3),
    ("youtube_tutorials", "YouTube tutorials", "devrel", "docs", "content", 3500, 3, 9, 0.10,
     "anonymous", 1.2),
    ("ambassadors", "Developer ambassadors", "devrel", "community", "community", 8000, 5, 7,
     0.03, "email", 1.8),
    ("kubecon_booth", "KubeCon booth", "marketing", "events", "sponsorship", 90000, 6, 1,
     0.025, "email", 1.05),
    ("paid_search", "Paid search", "marketing", "marketing", "ads", 15000, 0, 12, 0.15,
     "anonymous", 1.1),
    ("newsletter", "Monthly newsletter", "marketing", "marketing", "email", 2000, 0, 12, 0.18,
     "email", 1.0),
    ("linkedin_ads", "LinkedIn ads for buyers", "marketing", "marketing", "ads", 20000, 2, 10,
     0.06, "anonymous", 1.0),
    ("analyst_report", "Analyst report", "marketing", "marketing", "content", 30000, 7, 3,
     0.04, "email", 1.15),
    ("integrations_launch", "Integrations marketplace launch", "product", "product",
     "feature_launch", 12000, 5, 7, 0.12, "anonymous", 1.35),
    ("free_tier_expansion", "Bigger free tier", "product", "product", "pricing", 10000, 3, 9,
     0.25, "anonymous", 1.25),
)  # fmt: skip

#: Which feature a product program launched.
PROGRAM_FEATURES = {"integrations_launch": "webhooks_v2"}
