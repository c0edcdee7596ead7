"""The project's look: one colour and one line style per design, the palette of the engagement
ledger, and the designs' labels; shared by every figure of the experiments and by the workshop app.

The palette is Okabe-Ito's, which stays distinct under the common colour-vision deficiencies.
It imports nothing that draws, so the app and a report take the same colours without matplotlib.
"""

from __future__ import annotations

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

# The reference design is black so it reads as the yardstick; yellow is kept for last because
# it is faint on white.
DESIGN_COLOURS = {
    "impact_partnership": OKABE_ITO["black"],
    "public_funder_partnership": OKABE_ITO["blue"],
    "crime_reduction_partnership": OKABE_ITO["bluish_green"],
    "government_led": OKABE_ITO["reddish_purple"],
    "business_led": OKABE_ITO["sky_blue"],
    "ngo_business_pair": OKABE_ITO["vermillion"],
    "advocacy_coalition": OKABE_ITO["orange"],
}
DESIGN_ORDER = tuple(DESIGN_COLOURS)
DESIGN_LABELS = {
    "impact_partnership": "Impact Partnership",
    "public_funder_partnership": "Public-funder partnership",
    "crime_reduction_partnership": "Crime-reduction partnership",
    "government_led": "Government-led",
    "business_led": "Business-led",
    "ngo_business_pair": "NGO-business pair",
    "advocacy_coalition": "Advocacy coalition",
}
FALLBACK_COLOUR = "#7F7F7F"
# Where designs share a panel their medians often coincide (the same member count, no dropouts).
# The reference is solid, wide and drawn first; every other design is dashed, each with its own
# pattern and a few markers of its own shape, staggered along the line and drawn over it, so a
# line hidden under another still shows in the gaps and marks.
REFERENCE_LINE = {"ls": "-", "lw": 3.6, "zorder": 2}
DESIGN_LINES = {
    "public_funder_partnership": {"ls": (0, (6, 1.5)), "marker": "s"},
    "crime_reduction_partnership": {"ls": (0, (1, 1)), "marker": "^"},
    "government_led": {"ls": (0, (5, 1.5, 1, 1.5)), "marker": "D"},
    "business_led": {"ls": (0, (3, 1.5)), "marker": "v"},
    "ngo_business_pair": {"ls": (0, (5, 1.2, 1, 1.2, 1, 1.2)), "marker": "P"},
    "advocacy_coalition": {"ls": (0, (1.5, 2.5)), "marker": "X"},
}
FALLBACK_LINE = {"ls": (0, (4, 2)), "marker": "o"}
MARKS_PER_LINE = 6
# The terms of a member's engagement ledger (sim.mechanisms.engagement.LEDGER): benefits in
# colour (relief, a problem owner's, in brown), the two costs in vermillion and grey.
LEDGER_COLOURS = {
    "results": OKABE_ITO["bluish_green"],
    "wins": OKABE_ITO["yellow"],
    "policy": OKABE_ITO["blue"],
    "legitimacy": OKABE_ITO["sky_blue"],
    "reputation": OKABE_ITO["orange"],
    "voice": OKABE_ITO["reddish_purple"],
    "relief": "#8C5A2B",  # brown: outside Okabe-Ito's eight, whose black marks the net
    "talk": OKABE_ITO["vermillion"],
    "frustration": FALLBACK_COLOUR,
    "fatigue": "#999933",  # olive (Tol's muted scheme): outside Okabe-Ito's eight too
}
HIGHLIGHT = OKABE_ITO["vermillion"]


def colour_of(design: str) -> str:
    """The fixed colour of a design; designs not in the palette share a neutral grey."""
    return DESIGN_COLOURS.get(design, FALLBACK_COLOUR)


def label_of(design: str) -> str:
    return DESIGN_LABELS.get(design, design.replace("_", " ").capitalize())
