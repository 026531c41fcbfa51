"""DESIGN.md's table of report categories as data: each category's clauses in both schools'
policies, who receives it by default, and whether it is urgent. `incidents.routing` applies it.
"""

from dataclasses import dataclass

from incidents.models import Category
from people.models import Role


@dataclass(frozen=True)
class ClauseRef:
    """A clause of the schools' policies: a clause number ("7.1", or "6" for all of section 6)
    or a section heading ("Cyber bullying and Harassment")."""

    ref: str
    label: str

    @property
    def is_number(self) -> bool:
        return self.ref[:1].isdigit()


def _n(*numbers: str) -> tuple[ClauseRef, ...]:
    return tuple(ClauseRef(n, f"§{n}") for n in numbers)


def _s(*headings: str) -> tuple[ClauseRef, ...]:
    return tuple(ClauseRef(h, f"“{h}”") for h in headings)


@dataclass(frozen=True)
class Rule:
    label: str
    covers: str
    clauses: tuple[ClauseRef, ...]
    roles: tuple[Role, ...]
    urgent: bool
    accepts_evidence: bool = True


# DESIGN.md "Incidents": category → clauses (000 = the local authority model policy, 003 = SHINE's
# policy and its parents' code), default recipients, urgency.
RULES: dict[str, Rule] = {
    Category.BREACH: Rule(
        Category.BREACH.label,
        "An adult's use of social media or the internet that breaks the policy.",
        _n("6", "11") + _s("Users’ responsibilities"),
        (Role.HEAD,),
        urgent=False,
    ),
    Category.CYBERBULLYING: Rule(
        Category.CYBERBULLYING.label,
        "Messages, posts or comments meant to upset, humiliate or threaten a member of staff. "
        "Keep screenshots with the date, time and address of the site.",
        _n("9") + _s("Cyber bullying and Harassment"),
        (Role.HEAD,),
        urgent=False,
    ),
    Category.PREVENT: Rule(
        Category.PREVENT.label,
        "A pupil or group of pupils at risk of radicalisation or terrorist exploitation.",
        _n("10.6"),
        (Role.DSL, Role.HEAD),
        urgent=True,
    ),
    Category.PUPIL_ONLINE_SAFETY: Rule(
        Category.PUPIL_ONLINE_SAFETY.label,
        "Something online that puts a pupil's safety or welfare at risk.",
        _n("3.1") + _s("Personal use of Social Media"),
        (Role.DSL,),
        urgent=True,
    ),
    Category.UNSUITABLE_MATERIAL: Rule(
        Category.UNSUITABLE_MATERIAL.label,
        "Pornography, explicit or other unsuitable material on school or personal equipment, "
        "or pupils exposed to inappropriate content.",
        _n("7.2", "7.3", "7.4"),
        (Role.HEAD,),
        urgent=False,
    ),
    Category.INDECENT_IMAGES: Rule(
        Category.INDECENT_IMAGES.label,
        "Never upload, save, copy, send or show the images: it is an offence. "
        "Attach nothing; the Head and the DSL are alerted at once.",
        _n("7.1") + _s("Senior Leadership responsibility in relation to Online Bullying"),
        (Role.HEAD, Role.DSL),
        urgent=True,
        accepts_evidence=False,
    ),
    Category.SOCIAL_MEDIA_MISUSE: Rule(
        Category.SOCIAL_MEDIA_MISUSE.label,
        "Abusive posts, campaigns or images of pupils shared by a parent, carer or pupil.",
        _s("Social Media & Networking Code of Conduct for Parents/Carers"),
        (Role.HEAD,),
        urgent=False,
    ),
    Category.PUPIL_CONTACT: Rule(
        Category.PUPIL_CONTACT.label,
        "Messages, friend requests or meetings with a pupil outside what was declared and agreed.",
        _n("6.6", "6.7", "6.8", "6.9"),
        (Role.HEAD, Role.DSL),
        urgent=True,
    ),
}


def rule_for(category: str) -> Rule:
    return RULES[category]
