"""The fixed vocabulary of the demo firm: its clients, names, titles and paces.

All names are invented (any likeness to a real firm is chance). The demo firm is
*Kompas Training & Advies B.V.*, a Dutch training and consultancy company selling
leadership, sales and intercultural training at home and across borders.
"""

from __future__ import annotations

FIRM_NAME = "Kompas Training & Advies B.V."
FIRM_SLUG = "demo"
FIRM_DOMAIN = "kompas-training.nl"

# (name, country, sector, size, web domain)
ORGANISATIONS: list[tuple[str, str, str, str, str]] = [
    # Netherlands (home market)
    ("Van Dijk Vastgoedbeheer B.V.", "NL", "Real estate", "medium", "vandijkvastgoed.nl"),
    ("Zuidas Leiderschapsacademie B.V.", "NL", "Training", "small", "zuidasleiderschap.nl"),
    ("Brinkman Installatietechniek B.V.", "NL", "Installation engineering", "medium", "brinkman-installatie.nl"),
    ("Stichting Zorggroep De Linde", "NL", "Healthcare", "large", "zorggroepdelinde.nl"),
    ("Verhoeven Transport B.V.", "NL", "Logistics", "medium", "verhoeventransport.nl"),
    ("Noordhoek Accountants", "NL", "Accountancy", "small", "noordhoek-accountants.nl"),
    ("Kuipers Bouw & Ontwikkeling B.V.", "NL", "Construction", "large", "kuipersbouw.nl"),
    ("Stichting Onderwijsgroep Amstelland", "NL", "Education", "large", "onderwijsgroep-amstelland.nl"),
    ("Bakker Food Group B.V.", "NL", "Food production", "large", "bakkerfoodgroup.nl"),
    ("De Wit ICT Diensten B.V.", "NL", "IT services", "small", "dewit-ict.nl"),
    ("Meijer & Smit Advocaten", "NL", "Legal services", "small", "meijersmit.nl"),
    ("Visser Energie Advies B.V.", "NL", "Energy consulting", "small", "visserenergie.nl"),
    ("Rijnmond Havenservice B.V.", "NL", "Port services", "medium", "rijnmondhavenservice.nl"),
    ("Jansen Retail Groep B.V.", "NL", "Retail", "large", "jansenretail.nl"),
    ("Dekker Verzekeringen B.V.", "NL", "Insurance", "medium", "dekkerverzekeringen.nl"),
    ("Hendriks Software B.V.", "NL", "Software", "micro", "hendrikssoftware.nl"),
    # Belgium
    ("Peeters Logistiek NV", "BE", "Logistics", "medium", "peeterslogistiek.be"),
    ("Janssens & Maes Consultancy BV", "BE", "Consulting", "small", "janssensmaes.be"),
    ("Claes Voeding NV", "BE", "Food production", "large", "claesvoeding.be"),
    ("Dubois Ingénierie SA", "BE", "Engineering", "medium", "dubois-ingenierie.be"),
    ("Mertens Zorgnetwerk vzw", "BE", "Healthcare", "medium", "mertenszorg.be"),
    ("Willems IT Solutions BV", "BE", "IT services", "small", "willems-it.be"),
    # Germany
    ("Hartmann Maschinenbau GmbH", "DE", "Mechanical engineering", "large", "hartmann-maschinenbau.de"),
    ("Schneider Logistik GmbH & Co. KG", "DE", "Logistics", "large", "schneider-logistik.de"),
    ("Becker Automotive Zulieferer GmbH", "DE", "Automotive", "large", "becker-automotive.de"),
    ("Fischer Pharma Vertrieb GmbH", "DE", "Pharmaceuticals", "medium", "fischer-pharma.de"),
    ("Wagner Energie AG", "DE", "Energy", "large", "wagner-energie.de"),
    ("Krüger Versicherungsmakler GmbH", "DE", "Insurance", "small", "krueger-makler.de"),
    ("Schulz Softwarehaus GmbH", "DE", "Software", "medium", "schulz-software.de"),
    ("Hoffmann Bau AG", "DE", "Construction", "large", "hoffmann-bau.de"),
    ("Stadtwerke Rheinaue GmbH", "DE", "Utilities", "medium", "stadtwerke-rheinaue.de"),
    ("Zimmermann Personalberatung GmbH", "DE", "Recruitment", "small", "zimmermann-personal.de"),
    # France
    ("Lefèvre Conseil SAS", "FR", "Consulting", "medium", "lefevre-conseil.fr"),
    ("Moreau Industries SA", "FR", "Manufacturing", "large", "moreau-industries.fr"),
    ("Girard Distribution SARL", "FR", "Wholesale", "small", "girard-distribution.fr"),
    ("Bernard & Fils Transports SAS", "FR", "Logistics", "medium", "bernard-transports.fr"),
    ("Laurent Santé Services SAS", "FR", "Healthcare", "medium", "laurent-sante.fr"),
    ("Rousseau Informatique SAS", "FR", "IT services", "small", "rousseau-informatique.fr"),
    ("Mercier Agroalimentaire SA", "FR", "Food production", "large", "mercier-agro.fr"),
    # Ukraine
    ("Shevchenko Agro LLC", "UA", "Agriculture", "large", "shevchenko-agro.com.ua"),
    ("Lviv Software Partners LLC", "UA", "Software", "medium", "lvivsoftware.com.ua"),
    ("Kovalenko Logistics TOV", "UA", "Logistics", "medium", "kovalenko-logistics.com.ua"),
    ("Dnipro Energy Service LLC", "UA", "Energy", "medium", "dniproenergy.com.ua"),
    ("Bondarenko Consulting TOV", "UA", "Consulting", "small", "bondarenko-consulting.com.ua"),
    ("Odesa Grain Terminal LLC", "UA", "Port services", "medium", "odesagrain.com.ua"),
    # United Kingdom
    ("Ashworth & Finch Ltd", "GB", "Consulting", "small", "ashworthfinch.co.uk"),
    ("Whitmore Engineering Ltd", "GB", "Engineering", "medium", "whitmore-engineering.co.uk"),
    ("Pennington Healthcare Group plc", "GB", "Healthcare", "large", "penningtonhealthcare.co.uk"),
    ("Harcourt Logistics Ltd", "GB", "Logistics", "medium", "harcourtlogistics.co.uk"),
    ("Brackley Software Ltd", "GB", "Software", "small", "brackleysoftware.co.uk"),
    ("Thornbury Financial Services Ltd", "GB", "Financial services", "medium", "thornburyfs.co.uk"),
    ("Northgate Housing Association", "GB", "Housing", "large", "northgatehousing.org.uk"),
    # United States
    ("Redwood Analytics Inc.", "US", "Data analytics", "medium", "redwoodanalytics.com"),
    ("Millbrook Manufacturing LLC", "US", "Manufacturing", "large", "millbrookmfg.com"),
    ("Carter & Lane Advisory LLC", "US", "Consulting", "small", "carterlane.com"),
    # Poland
    ("Nowak Logistyka Sp. z o.o.", "PL", "Logistics", "medium", "nowak-logistyka.pl"),
    ("Kowalski Systemy IT Sp. z o.o.", "PL", "IT services", "small", "kowalski-it.pl"),
    ("Wiśniewski Produkcja S.A.", "PL", "Manufacturing", "large", "wisniewski-produkcja.pl"),
    # Japan
    ("Tanaka Seiki K.K.", "JP", "Precision engineering", "large", "tanaka-seiki.co.jp"),
    ("Sakura Trading Co., Ltd.", "JP", "Trading", "medium", "sakura-trading.co.jp"),
]

FIRST_NAMES: dict[str, list[str]] = {
    "NL": ["Anne", "Sanne", "Lotte", "Femke", "Marieke", "Ingrid", "Esther", "Joyce", "Daan",
           "Bram", "Joost", "Pieter", "Maarten", "Ruud", "Sjoerd", "Wouter", "Thijs", "Erik"],
    "BE": ["Lien", "Elke", "Sofie", "Katrien", "Nathalie", "Céline", "Pieter", "Jeroen",
           "Wim", "Koen", "Bart", "Laurent", "Thomas", "Geert"],
    "DE": ["Katrin", "Sabine", "Julia", "Anja", "Claudia", "Stefanie", "Andreas", "Jürgen",
           "Markus", "Thomas", "Stefan", "Michael", "Tobias", "Matthias"],
    "FR": ["Claire", "Camille", "Isabelle", "Nathalie", "Sophie", "Aurélie", "Julien",
           "Nicolas", "Mathieu", "Olivier", "Sébastien", "François", "Thierry", "Antoine"],
    "UA": ["Olena", "Iryna", "Natalia", "Oksana", "Tetiana", "Yuliia", "Andrii", "Oleksandr",
           "Dmytro", "Serhii", "Taras", "Mykola", "Bohdan", "Volodymyr"],
    "GB": ["Emma", "Charlotte", "Sarah", "Rebecca", "Hannah", "Lucy", "James", "Oliver",
           "Thomas", "William", "Daniel", "Matthew", "Alistair", "Gareth"],
    "US": ["Jennifer", "Ashley", "Megan", "Lauren", "Michael", "Christopher", "Brian",
           "Kevin", "Jason", "Ryan"],
    "PL": ["Anna", "Katarzyna", "Magdalena", "Agnieszka", "Piotr", "Tomasz", "Krzysztof",
           "Paweł", "Michał", "Łukasz"],
    "JP": ["Yuki", "Aiko", "Haruka", "Naoko", "Takashi", "Hiroshi", "Kenji", "Satoshi",
           "Daisuke", "Kazuo"],
}

LAST_NAMES: dict[str, list[str]] = {
    "NL": ["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser",
           "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
           "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Kok"],
    "BE": ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
           "Wouters", "De Smet", "Dubois", "Lambert", "Dupont", "Vermeulen"],
    "DE": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
           "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann"],
    "FR": ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand", "Leroy",
           "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "Fournier"],
    "UA": ["Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Oliinyk",
           "Shevchuk", "Koval", "Polishchuk", "Melnyk", "Boiko", "Lysenko"],
    "GB": ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
           "Evans", "Thomas", "Roberts", "Walker", "Wright", "Hughes"],
    "US": ["Miller", "Davis", "Rodriguez", "Anderson", "Thompson", "Moore", "Jackson",
           "Harris", "Clark", "Lewis"],
    "PL": ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński",
           "Lewandowski", "Zieliński", "Szymański", "Woźniak"],
    "JP": ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto",
           "Nakamura", "Kobayashi", "Kato"],
}

#: Language a contact in each country prefers (Belgium: by chance, Dutch or French).
LANGUAGE: dict[str, str] = {
    "NL": "nl", "BE": "nl", "DE": "de", "FR": "fr", "UA": "uk", "GB": "en", "US": "en",
    "PL": "pl", "JP": "ja",
}

# (English job title, decision authority)
JOB_TITLES: list[tuple[str, str]] = [
    ("Managing Director", "decision_maker"),
    ("HR Director", "decision_maker"),
    ("Head of Learning & Development", "decision_maker"),
    ("Chief Operating Officer", "decision_maker"),
    ("Sales Director", "influencer"),
    ("Team Lead Customer Service", "influencer"),
    ("HR Business Partner", "influencer"),
    ("Project Manager", "influencer"),
    ("Training Coordinator", "user"),
    ("Account Manager", "user"),
    ("Management Assistant", "gatekeeper"),
    ("Office Manager", "gatekeeper"),
    ("Purchasing Officer", "gatekeeper"),
]

PEOPLE_PER_SIZE = {"micro": 2, "small": 3, "medium": 3, "large": 4}

#: Median days from first contact to a "yes", per buyer country: the pace the demo
#: firm experiences (Germany slow and thorough, Ukraine fast, the Netherlands between).
DAYS_TO_YES: dict[str, int] = {
    "NL": 55, "BE": 65, "DE": 125, "FR": 90, "UA": 20, "GB": 45, "US": 35, "PL": 60, "JP": 160,
}
CURRENCY: dict[str, str] = {"GB": "GBP", "US": "USD"}

#: Trainers and freelancers the firm works with (people without an organisation).
TRAINERS: list[tuple[str, str, str]] = [
    ("Marloes", "van Rijn", "NL"),
    ("Hans", "Vermeer", "NL"),
    ("Ilse", "Kramer", "NL"),
    ("Stefan", "Lindner", "DE"),
    ("Oksana", "Marchenko", "UA"),
]

DEAL_TITLES = [
    "Leadership programme {year}",
    "Sales training for account managers",
    "Intercultural training: working with Dutch colleagues",
    "Management team coaching",
    "In-company training: difficult conversations",
    "Customer service workshop series",
    "Negotiation skills, two-day course",
    "Trainer pool agreement {year}",
    "Onboarding academy for new managers",
    "Feedback culture programme",
]

MEETING_SUBJECTS = [
    "Intake: learning goals for {year}", "Progress review", "Kick-off training programme",
    "Evaluation of the pilot", "Lunch with the HR team", "Proposal walkthrough",
    "Coaching session planning", "Quarterly review",
]
CALL_SUBJECTS = [
    "Follow-up on the proposal", "Scheduling the next module", "Question about the invoice",
    "Check-in after the training", "Participants list",
]
EMAIL_SUBJECTS = [
    "Agenda for our meeting", "Summary of our conversation", "Dates for the workshops",
    "Quote as discussed", "Materials for participants",
]
NEWSLETTER_SUBJECTS = [
    "Kompas newsletter: {month}", "White paper: trust in cross-border sales",
    "Open training calendar {month}", "Invitation: masterclass leadership",
]
EVENT_SUBJECTS = [
    "Open training: leadership essentials", "Masterclass: intercultural negotiation",
    "Network breakfast Utrecht", "Webinar: feedback that lands",
]
TOPICS = [
    "leadership", "sales", "intercultural", "feedback", "negotiation", "onboarding",
    "customer service", "coaching", "team development", "budget",
]
