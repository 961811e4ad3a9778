"""What the language knows without being told: built-in contact attributes
with their types, events, channels and other closed sets of words."""

ATTRIBUTE_TYPES = ("string", "number", "duration", "date", "bool")

# Contact attributes every runner provides. Custom ones are declared with
# `attribute NAME: TYPE`.
BUILTIN_ATTRIBUTES: dict[str, str] = {
    "id": "string",
    "name": "string",
    "first_name": "string",
    "last_name": "string",
    "email": "string",
    "title": "string",
    "role": "string",
    "company": "string",
    "industry": "string",
    "employees": "number",
    "revenue": "number",
    "country": "string",
    "timezone": "string",
    "phone": "string",
    "source": "string",
    "lifecycle_stage": "string",
    "created_at": "date",
    "deal.stage": "string",
    "deal.amount": "number",
    "deal.lost_reason": "string",
    "deal.closed_at": "date",
    "deal.closed_ago": "duration",
}

# Events a runner records or receives. `sent` is recorded for every touch.
BUILTIN_EVENTS: dict[str, str] = {
    "sent": "a touch was sent (argument: step or content name)",
    "opened": "an email was opened (argument: step or content name)",
    "clicked": "a link in a touch was clicked (argument: step or content name)",
    "replied": "the contact replied to a touch",
    "booked": 'a meeting was booked (argument: its kind, e.g. "demo")',
    "visited": 'a page was visited (argument: the page, e.g. "pricing")',
    "downloaded": "an asset was downloaded (argument: the asset)",
    "attended": 'an event was attended (argument: e.g. "webinar", "demo")',
    "registered": "the contact registered for something (argument: what)",
    "submitted": "a form was submitted (argument: the form)",
    "purchased": "the contact bought (argument: the product)",
    "unsubscribed": "the contact opted out",
    "bounced": "an email bounced",
}

CONSENT_CHANNELS = ("email", "sms", "phone", "linkedin", "ads")
# The contact-facing channels a touch goes out on: what `frequency_cap
# CHANNEL` caps and `clicked(any CHANNEL)` filters by.
# The events about one touch (their argument names its step or content),
# which a channel filter applies to.
TOUCH_EVENTS = ("sent", "opened", "clicked", "replied")
STAGES = ("early", "mid", "late")
LINKEDIN_ACTIONS_WITH_CONTENT = ("message", "connect")

# Values the kinds of literal can be compared with, by attribute type.
LITERAL_KINDS_FOR_TYPE: dict[str, tuple[str, ...]] = {
    "string": ("string",),
    "number": ("number", "amount"),
    "duration": ("duration",),
    "date": ("date",),
    "bool": ("bool",),
}
