"""The arXiv category taxonomy: every current archive and subject class, with names.

A *category* is what arXiv writes in a paper's metadata and what a listing feed
accepts: a subject class such as ``cs.AI`` or ``astro-ph.CO``, or an archive that
has no subject classes such as ``hep-th`` or ``quant-ph``. Archives with subject
classes (``cs``, ``math``, ``physics``, ``cond-mat`` ...) are valid feed names too,
so they are in :data:`CATEGORIES` as well.

Identifiers are case-sensitive as arXiv writes them (``cs.AI``, ``hep-th``);
:func:`canonical_category` repairs the case of user input.

arXiv keeps a few pairs of equivalent categories (:data:`ALIASES`, e.g. ``cs.NA``
and ``math.NA``); both names stay valid. Archives retired in the 1990s
(:data:`RETIRED`, e.g. ``chao-dyn``) still appear on old papers and are named by
:func:`category_name`, but are not accepted as feed categories.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "ALIASES",
    "ARCHIVES",
    "CATEGORIES",
    "RETIRED",
    "canonical_category",
    "category_name",
    "is_known_category",
    "oai_set_for",
    "suggest_categories",
]

# Current archives, their names and the OAI-PMH group each belongs to.
_ARCHIVES: dict[str, tuple[str, str]] = {
    "astro-ph": ("Astrophysics", "physics"),
    "cond-mat": ("Condensed Matter", "physics"),
    "cs": ("Computer Science", "cs"),
    "econ": ("Economics", "econ"),
    "eess": ("Electrical Engineering and Systems Science", "eess"),
    "gr-qc": ("General Relativity and Quantum Cosmology", "physics"),
    "hep-ex": ("High Energy Physics - Experiment", "physics"),
    "hep-lat": ("High Energy Physics - Lattice", "physics"),
    "hep-ph": ("High Energy Physics - Phenomenology", "physics"),
    "hep-th": ("High Energy Physics - Theory", "physics"),
    "math": ("Mathematics", "math"),
    "math-ph": ("Mathematical Physics", "physics"),
    "nlin": ("Nonlinear Sciences", "physics"),
    "nucl-ex": ("Nuclear Experiment", "physics"),
    "nucl-th": ("Nuclear Theory", "physics"),
    "physics": ("Physics", "physics"),
    "q-bio": ("Quantitative Biology", "q-bio"),
    "q-fin": ("Quantitative Finance", "q-fin"),
    "quant-ph": ("Quantum Physics", "physics"),
    "stat": ("Statistics", "stat"),
}

# Subject classes of the archives above, by archive.
_SUBJECT_CLASSES: dict[str, dict[str, str]] = {
    "astro-ph": {
        "CO": "Cosmology and Nongalactic Astrophysics",
        "EP": "Earth and Planetary Astrophysics",
        "GA": "Astrophysics of Galaxies",
        "HE": "High Energy Astrophysical Phenomena",
        "IM": "Instrumentation and Methods for Astrophysics",
        "SR": "Solar and Stellar Astrophysics",
    },
    "cond-mat": {
        "dis-nn": "Disordered Systems and Neural Networks",
        "mes-hall": "Mesoscale and Nanoscale Physics",
        "mtrl-sci": "Materials Science",
        "other": "Other Condensed Matter",
        "quant-gas": "Quantum Gases",
        "soft": "Soft Condensed Matter",
        "stat-mech": "Statistical Mechanics",
        "str-el": "Strongly Correlated Electrons",
        "supr-con": "Superconductivity",
    },
    "cs": {
        "AI": "Artificial Intelligence",
        "AR": "Hardware Architecture",
        "CC": "Computational Complexity",
        "CE": "Computational Engineering, Finance, and Science",
        "CG": "Computational Geometry",
        "CL": "Computation and Language",
        "CR": "Cryptography and Security",
        "CV": "Computer Vision and Pattern Recognition",
        "CY": "Computers and Society",
        "DB": "Databases",
        "DC": "Distributed, Parallel, and Cluster Computing",
        "DL": "Digital Libraries",
        "DM": "Discrete Mathematics",
        "DS": "Data Structures and Algorithms",
        "ET": "Emerging Technologies",
        "FL": "Formal Languages and Automata Theory",
        "GL": "General Literature",
        "GR": "Graphics",
        "GT": "Computer Science and Game Theory",
        "HC": "Human-Computer Interaction",
        "IR": "Information Retrieval",
        "IT": "Information Theory",
        "LG": "Machine Learning",
        "LO": "Logic in Computer Science",
        "MA": "Multiagent Systems",
        "MM": "Multimedia",
        "MS": "Mathematical Software",
        "NA": "Numerical Analysis",
        "NE": "Neural and Evolutionary Computing",
        "NI": "Networking and Internet Architecture",
        "OH": "Other Computer Science",
        "OS": "Operating Systems",
        "PF": "Performance",
        "PL": "Programming Languages",
        "RO": "Robotics",
        "SC": "Symbolic Computation",
        "SD": "Sound",
        "SE": "Software Engineering",
        "SI": "Social and Information Networks",
        "SY": "Systems and Control",
    },
    "econ": {
        "EM": "Econometrics",
        "GN": "General Economics",
        "TH": "Theoretical Economics",
    },
    "eess": {
        "AS": "Audio and Speech Processing",
        "IV": "Image and Video Processing",
        "SP": "Signal Processing",
        "SY": "Systems and Control",
    },
    "math": {
        "AC": "Commutative Algebra",
        "AG": "Algebraic Geometry",
        "AP": "Analysis of PDEs",
        "AT": "Algebraic Topology",
        "CA": "Classical Analysis and ODEs",
        "CO": "Combinatorics",
        "CT": "Category Theory",
        "CV": "Complex Variables",
        "DG": "Differential Geometry",
        "DS": "Dynamical Systems",
        "FA": "Functional Analysis",
        "GM": "General Mathematics",
        "GN": "General Topology",
        "GR": "Group Theory",
        "GT": "Geometric Topology",
        "HO": "History and Overview",
        "IT": "Information Theory",
        "KT": "K-Theory and Homology",
        "LO": "Logic",
        "MG": "Metric Geometry",
        "MP": "Mathematical Physics",
        "NA": "Numerical Analysis",
        "NT": "Number Theory",
        "OA": "Operator Algebras",
        "OC": "Optimization and Control",
        "PR": "Probability",
        "QA": "Quantum Algebra",
        "RA": "Rings and Algebras",
        "RT": "Representation Theory",
        "SG": "Symplectic Geometry",
        "SP": "Spectral Theory",
        "ST": "Statistics Theory",
    },
    "nlin": {
        "AO": "Adaptation and Self-Organizing Systems",
        "CD": "Chaotic Dynamics",
        "CG": "Cellular Automata and Lattice Gases",
        "PS": "Pattern Formation and Solitons",
        "SI": "Exactly Solvable and Integrable Systems",
    },
    "physics": {
        "acc-ph": "Accelerator Physics",
        "ao-ph": "Atmospheric and Oceanic Physics",
        "app-ph": "Applied Physics",
        "atm-clus": "Atomic and Molecular Clusters",
        "atom-ph": "Atomic Physics",
        "bio-ph": "Biological Physics",
        "chem-ph": "Chemical Physics",
        "class-ph": "Classical Physics",
        "comp-ph": "Computational Physics",
        "data-an": "Data Analysis, Statistics and Probability",
        "ed-ph": "Physics Education",
        "flu-dyn": "Fluid Dynamics",
        "gen-ph": "General Physics",
        "geo-ph": "Geophysics",
        "hist-ph": "History and Philosophy of Physics",
        "ins-det": "Instrumentation and Detectors",
        "med-ph": "Medical Physics",
        "optics": "Optics",
        "plasm-ph": "Plasma Physics",
        "pop-ph": "Popular Physics",
        "soc-ph": "Physics and Society",
        "space-ph": "Space Physics",
    },
    "q-bio": {
        "BM": "Biomolecules",
        "CB": "Cell Behavior",
        "GN": "Genomics",
        "MN": "Molecular Networks",
        "NC": "Neurons and Cognition",
        "OT": "Other Quantitative Biology",
        "PE": "Populations and Evolution",
        "QM": "Quantitative Methods",
        "SC": "Subcellular Processes",
        "TO": "Tissues and Organs",
    },
    "q-fin": {
        "CP": "Computational Finance",
        "EC": "Economics",
        "GN": "General Finance",
        "MF": "Mathematical Finance",
        "PM": "Portfolio Management",
        "PR": "Pricing of Securities",
        "RM": "Risk Management",
        "ST": "Statistical Finance",
        "TR": "Trading and Market Microstructure",
    },
    "stat": {
        "AP": "Applications",
        "CO": "Computation",
        "ME": "Methodology",
        "ML": "Machine Learning",
        "OT": "Other Statistics",
        "TH": "Statistics Theory",
    },
}

# Archives retired in the 1990s, their names and the category that took them over.
_RETIRED: dict[str, tuple[str, str]] = {
    "acc-phys": ("Accelerator Physics", "physics.acc-ph"),
    "adap-org": ("Adaptation, Noise, and Self-Organizing Systems", "nlin.AO"),
    "alg-geom": ("Algebraic Geometry", "math.AG"),
    "ao-sci": ("Atmospheric-Oceanic Sciences", "physics.ao-ph"),
    "atom-ph": ("Atomic, Molecular and Optical Physics", "physics.atom-ph"),
    "bayes-an": ("Bayesian Analysis", "physics.data-an"),
    "chao-dyn": ("Chaotic Dynamics", "nlin.CD"),
    "chem-ph": ("Chemical Physics", "physics.chem-ph"),
    "cmp-lg": ("Computation and Language", "cs.CL"),
    "comp-gas": ("Cellular Automata and Lattice Gases", "nlin.CG"),
    "dg-ga": ("Differential Geometry", "math.DG"),
    "funct-an": ("Functional Analysis", "math.FA"),
    "mtrl-th": ("Materials Theory", "cond-mat.mtrl-sci"),
    "patt-sol": ("Pattern Formation and Solitons", "nlin.PS"),
    "plasm-ph": ("Plasma Physics", "physics.plasm-ph"),
    "q-alg": ("Quantum Algebra and Topology", "math.QA"),
    "solv-int": ("Exactly Solvable and Integrable Systems", "nlin.SI"),
    "supr-con": ("Superconductivity", "cond-mat.supr-con"),
}


def _build_categories() -> dict[str, str]:
    table = {archive: name for archive, (name, _group) in _ARCHIVES.items()}
    for archive, classes in _SUBJECT_CLASSES.items():
        for code, name in classes.items():
            table[f"{archive}.{code}"] = name
    return dict(sorted(table.items()))


ARCHIVES: Mapping[str, str] = MappingProxyType(
    {archive: name for archive, (name, _group) in _ARCHIVES.items()}
)
"""Every current archive (a valid feed name on its own) -> its name."""

CATEGORIES: Mapping[str, str] = MappingProxyType(_build_categories())
"""Every current category id, archives included -> its human name, sorted by id."""

ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "cs.NA": "math.NA",
        "cs.SY": "eess.SY",
        "math.IT": "cs.IT",
        "math.MP": "math-ph",
        "q-fin.EC": "econ.GN",
        "stat.TH": "math.ST",
    }
)
"""arXiv's equivalent pairs: alias -> the category arXiv treats as canonical. Both are valid."""

RETIRED: Mapping[str, str] = MappingProxyType(
    {archive: successor for archive, (_name, successor) in _RETIRED.items()}
)
"""Retired archives -> the current category that took them over."""

_BY_LOWER: dict[str, str] = {cat.lower(): cat for cat in CATEGORIES}


def is_known_category(cat: str) -> bool:
    """Whether ``cat`` is a current category or archive, written exactly as arXiv does."""
    return cat in CATEGORIES


def canonical_category(text: str) -> str | None:
    """The category ``text`` names with arXiv's case (``"cs.ai"`` -> ``"cs.AI"``), or None."""
    return _BY_LOWER.get(text.strip().lower())


def category_name(cat: str) -> str:
    """The human name of a category (retired ones included); an unknown id is returned as is."""
    if cat in CATEGORIES:
        return CATEGORIES[cat]
    if cat in _RETIRED:
        return _RETIRED[cat][0]
    return cat


def suggest_categories(text: str, n: int = 3) -> list[str]:
    """Up to ``n`` current categories close to ``text``, best first (for error messages)."""
    needle = text.strip().lower()
    if n <= 0 or not needle:
        return []
    found: list[str] = [_BY_LOWER[needle]] if needle in _BY_LOWER else []
    retired = {k.lower(): v for k, v in RETIRED.items()}
    if needle in retired:
        found.append(retired[needle])
    archive, dot, code = needle.rpartition(".")
    if code and (not dot or archive in _BY_LOWER):
        # A bare subject code, or a real archive with a wrong code: the same code elsewhere
        # ("AI" -> cs.AI, "cs.ML" -> stat.ML).
        found.extend(cat for cat in CATEGORIES if cat.lower().partition(".")[2] == code)
    scores: dict[str, float] = {}
    for candidate in _BY_LOWER:
        matcher = difflib.SequenceMatcher(None, needle, candidate)
        if matcher.real_quick_ratio() >= 0.75 and matcher.quick_ratio() >= 0.75:
            scores[candidate] = matcher.ratio()
    if scores:
        best = max(scores.values())
        close = [c for c, r in scores.items() if r >= max(0.75, best - 0.05)]
        close.sort(key=lambda c: -scores[c])
        found.extend(_BY_LOWER[c] for c in close)
    return list(dict.fromkeys(found))[:n]


def oai_set_for(cat: str) -> str:
    """The OAI-PMH set spec that selects ``cat``.

    ``cs.AI`` -> ``cs:cs:AI``, ``astro-ph.CO`` -> ``physics:astro-ph:CO``,
    ``hep-th`` -> ``physics:hep-th``; a whole archive outside physics is its group
    (``cs``, ``math``). Raises :class:`ValueError` for an unknown category.
    """
    if cat not in CATEGORIES:
        hint = suggest_categories(cat, 1)
        extra = f" (did you mean {hint[0]}?)" if hint else ""
        raise ValueError(f"unknown arXiv category '{cat}'{extra}")
    archive, _, subject = cat.partition(".")
    group = _ARCHIVES[archive][1]
    if subject:
        return f"{group}:{archive}:{subject}"
    return f"physics:{archive}" if group == "physics" else group
