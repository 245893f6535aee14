"""What the town looks like, read by the demo (`seed_demo`) and the benchmark town generator
(`devtools/town_generator.py`), so that both describe the same Loos-en-Gohelle.

Plain data, no model: add a neighbourhood here and both the demo and generated towns know it.
The demo seeds the first `DEMO_NEIGHBOURHOODS` with their populations; the generator takes as
many names as its town has neighbourhoods, in this order, and sets populations of its own.
"""

# name, slug, population (people living there, with or without an account)
NEIGHBOURHOODS = [
    ("Centre", "centre", 2100),
    ("Cité 5", "cite-5", 1300),
    ("Cité 11", "cite-11", 1150),
    ("Les Hauts de Loos", "hauts-de-loos", 900),
    ("Quartier de la Gare", "gare", 750),
    ("Cité des Provinces", "provinces", 600),
    ("Le Marais", "marais", 550),
    ("Les Terrils", "terrils", 500),
    ("Cité 12", "cite-12", 450),
    ("Le Bois", "bois", 400),
    ("La Plaine", "plaine", 380),
    ("Saint-Pierre", "saint-pierre", 350),
    ("Les Jardins", "jardins", 320),
    ("Le Moulin", "moulin", 300),
    ("Cité Bruno", "cite-bruno", 280),
    ("Les Alouettes", "alouettes", 250),
]
DEMO_NEIGHBOURHOODS = 6
