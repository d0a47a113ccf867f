"""Word lists for the demo agency. Names come from Faker; these give the work its shape."""

RECRUITERS = [
    # username, first, last, care: how reliably they call back, reply, prep and follow up.
    ("maya", "Maya", "Thompson", 0.98),
    ("daniel", "Daniel", "Okafor", 0.94),
    ("priya", "Priya", "Raman", 0.9),
    ("lucas", "Lucas", "Moreau", 0.82),
    ("hannah", "Hannah", "Schulz", 0.72),
    ("tom", "Tom", "Becker", 0.6),
    ("jake", "Jake", "Rivera", 0.45),
    ("ryan", "Ryan", "Cole", 0.3),
]

INDUSTRIES = [
    "Software",
    "Fintech",
    "Healthcare",
    "Logistics",
    "Retail",
    "Media",
    "Energy",
    "Manufacturing",
    "Insurance",
    "Biotech",
    "Education",
    "Telecom",
]
CITIES = [
    ("New York", "America/New_York"),
    ("Boston", "America/New_York"),
    ("Chicago", "America/Chicago"),
    ("Austin", "America/Chicago"),
    ("Denver", "America/Denver"),
    ("Seattle", "America/Los_Angeles"),
    ("San Francisco", "America/Los_Angeles"),
    ("Atlanta", "America/New_York"),
    ("Toronto", "America/Toronto"),
    ("London", "Europe/London"),
    ("Berlin", "Europe/Berlin"),
]
DEPARTMENTS = [
    "Engineering",
    "Data",
    "Product",
    "Design",
    "Finance",
    "Sales",
    "Marketing",
    "Operations",
    "People",
    "Security",
    "Customer Success",
    "Legal",
]
TITLES = {
    "Engineering": [
        "Backend Engineer",
        "Frontend Engineer",
        "Staff Engineer",
        "Engineering Manager",
        "Site Reliability Engineer",
        "Mobile Engineer",
    ],
    "Data": ["Data Engineer", "Data Scientist", "Analytics Engineer", "ML Engineer"],
    "Product": ["Product Manager", "Senior Product Manager", "Product Owner"],
    "Design": ["Product Designer", "UX Researcher", "Design Lead"],
    "Finance": ["Financial Analyst", "Controller", "FP&A Manager"],
    "Sales": ["Account Executive", "Sales Development Rep", "Sales Manager"],
    "Marketing": ["Growth Marketer", "Content Lead", "Marketing Manager"],
    "Operations": ["Operations Manager", "Program Manager", "Supply Chain Analyst"],
    "People": ["HR Business Partner", "Talent Partner", "People Ops Lead"],
    "Security": ["Security Engineer", "Security Analyst", "CISO"],
    "Customer Success": ["Customer Success Manager", "Support Lead", "Solutions Engineer"],
    "Legal": ["Corporate Counsel", "Paralegal", "Compliance Manager"],
}
SKILLS = {
    "Engineering": [
        "Python",
        "Django",
        "Go",
        "Java",
        "TypeScript",
        "React",
        "Kubernetes",
        "AWS",
        "PostgreSQL",
        "Kotlin",
        "Swift",
        "Rust",
    ],
    "Data": ["SQL", "Python", "Spark", "dbt", "Airflow", "PyTorch", "Statistics", "Tableau"],
    "Product": ["Roadmapping", "Discovery", "Analytics", "B2B SaaS", "Agile"],
    "Design": ["Figma", "User research", "Prototyping", "Design systems"],
    "Finance": ["Excel", "Forecasting", "NetSuite", "GAAP", "Modeling"],
    "Sales": ["Salesforce", "Enterprise sales", "Negotiation", "Prospecting"],
    "Marketing": ["SEO", "HubSpot", "Copywriting", "Paid social", "Lifecycle"],
    "Operations": ["Lean", "Six Sigma", "Vendor management", "SAP"],
    "People": ["Employee relations", "Workday", "Compensation", "Onboarding"],
    "Security": ["SIEM", "Pen testing", "SOC 2", "Cloud security"],
    "Customer Success": ["Zendesk", "Renewals", "Onboarding", "Account management"],
    "Legal": ["Contracts", "Privacy", "GDPR", "Employment law"],
}
SOURCES = ["LinkedIn", "Referral", "Job board", "Agency database", "Event", "Inbound"]
EMAIL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me", "fastmail.com"]
AREA_CODES = ["415", "212", "617", "312", "206", "512", "303", "404", "646", "213", "720", "917"]

CALL_NOTES = [
    "Talked through where the search stands.",
    "Candidate asked about the team's on-call load.",
    "Discussed compensation expectations.",
    "Wants more remote days; said I'd ask.",
    "Checking availability for next week.",
    "Asked about the interview format.",
    "Has another process moving fast.",
    "Happy with the pace so far.",
]
EMAIL_SUBJECTS = [
    "Quick question about the role",
    "Availability for next week",
    "Following up",
    "Re: interview times",
    "Updated résumé",
    "Thanks for the call",
    "Question about benefits",
    "Re: next steps",
]
PREP_NOTES = [
    "Walked through the panel: who they meet and what each cares about.",
    "Reviewed the system-design round and two likely questions.",
    "Went over the company's last funding round and product direction.",
    "Practised the 'why are you leaving' answer; talked salary framing.",
]
MANAGER_NOTES = [
    "Feedback on the last two candidates.",
    "Priorities shifted: more backend depth.",
    "Hiring manager wants faster turnaround.",
    "Discussed the offer range.",
    "New headcount coming next quarter.",
    "Intake call for a new opening.",
]
LOOP_NOTES = [
    "Called to explain the decision and what the panel said.",
    "Closed the loop; keeping them in mind for the data team opening.",
]
CHECKIN_NOTES = [
    "Settling in well; likes the team.",
    "First month review went fine.",
    "Mentioned two openings coming up in their department.",
    "Considering a referral for us.",
]
