"""The record kinds and their CSV columns, as the server declares them.

The same declaration as core/record_declarations.cc: each kind's columns
in canonical order, each with its type, whether it is required or part of
the key, and its allowed values. A column's name is both its CSV header and
its field in the kind's registry.v1 message, so one table drives reading
files, building messages and formatting exports alike.
"""

from __future__ import annotations

import dataclasses
import functools

TEXT, INT, DOUBLE, DATE, ENUM, BOOL = "text", "int", "double", "date", "enum", "bool"
YES_NO = ("no", "yes")  # a BOOL column: false, true


@dataclasses.dataclass(frozen=True)
class Codes:
    """The CSV codes of an ENUM column and the registry.v1 enum values they
    stand for, in the declared order."""

    enum: str  # the enum type in registry.v1, e.g. "Sex"
    values: tuple[tuple[str, str], ...]  # (CSV code, enum value name)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.values)

    def value_name(self, code: str) -> str:
        """The enum value name of a CSV code."""
        return _value_names(self)[code]

    def code_of(self, value_name: str) -> str:
        """The CSV code of an enum value name, "" when it has none."""
        return _codes_by_value_name(self).get(value_name, "")


@functools.cache
def _value_names(codes: Codes) -> dict[str, str]:
    return dict(codes.values)


@functools.cache
def _codes_by_value_name(codes: Codes) -> dict[str, str]:
    return {name: code for code, name in codes.values}


def prefixed(enum: str, prefix: str, *codes: str) -> Codes:
    """Codes whose enum values are PREFIX_CODE (upper case)."""
    return Codes(enum, tuple((code, f"{prefix}_{code.upper()}") for code in codes))


SEX = Codes("Sex", (("F", "SEX_FEMALE"), ("M", "SEX_MALE"), ("X", "SEX_OTHER")))
DISEASE = prefixed("Disease", "DISEASE",
                   "RRMS", "SPMS", "PPMS", "NMOSD", "SSC", "SLE", "OTHER")
TRANSPLANT_TYPE = prefixed("TransplantType", "TRANSPLANT_TYPE",
                           "autologous", "allogeneic")
DEATH_CAUSE = prefixed("DeathCause", "DEATH_CAUSE",
                       "disease", "infection", "toxicity", "gvhd", "graft_failure",
                       "secondary_malignancy", "other", "unknown")
TREATMENT_CLASS = prefixed("TreatmentClass", "TREATMENT_CLASS",
                           "dmt", "immunosuppressant", "biologic", "corticosteroid",
                           "antimalarial", "ivig_or_plasma_exchange", "other")
DISEASE_STATE = prefixed("DiseaseState", "DISEASE_STATE",
                         "remission", "improved", "stable", "relapse", "progression")
ADVERSE_EVENT_CATEGORY = prefixed(
    "AdverseEventCategory", "ADVERSE_EVENT_CATEGORY",
    "infection", "viral_reactivation", "secondary_autoimmune_disease", "malignancy",
    "acute_gvhd", "chronic_gvhd", "organ_toxicity", "other")
ATTACK_PHENOTYPE = prefixed("AttackPhenotype", "ATTACK_PHENOTYPE",
                            "optic_neuritis", "myelitis", "area_postrema",
                            "brainstem", "diencephalic", "cerebral")
ORGAN = prefixed("Organ", "ORGAN", "heart", "lung", "kidney")
LAB_RESULT_STATE = prefixed("LabResultState", "LAB_RESULT_STATE",
                            "positive", "negative")
ADVERSE_EVENT_GRADE = prefixed(
    "AdverseEventGrade", "ADVERSE_EVENT_GRADE",
    "1", "2", "3", "4", "5", "I", "II", "III", "IV", "mild", "moderate", "severe")


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of a kind and the rules a single value of it obeys."""

    name: str  # CSV header and message field
    type: str  # TEXT, INT, DOUBLE, DATE, ENUM or BOOL
    required: bool = False  # an empty cell is an error
    key: bool = False  # part of the record's natural key
    max_length: int = 0  # TEXT: most bytes (UTF-8)
    minimum: float | None = None  # INT, DOUBLE: inclusive range
    maximum: float | None = None
    max_this_year: bool = False  # INT: the maximum is this year
    codes: Codes | None = None  # ENUM: the allowed values
    pattern: str = ""  # TEXT: what every character must match
    pattern_text: str = ""  # TEXT: the pattern in words
    decimals: int = -1  # DOUBLE: fixed decimals in the canonical text

    @property
    def allowed(self) -> tuple[str, ...]:
        """The allowed cell texts of an ENUM or BOOL column."""
        if self.type == BOOL:
            return YES_NO
        return self.codes.codes if self.codes else ()

    @property
    def free_text(self) -> bool:
        """Free text is kept as written; other cells lose surrounding spaces."""
        return self.type == TEXT and not self.pattern


@dataclasses.dataclass(frozen=True)
class Kind:
    """A record kind: its name on the command line, its field of the
    registry.v1.Record oneof, and its columns in canonical order."""

    name: str
    field: str
    meaning: str
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column | None:
        """The column of that name, None when the kind has none."""
        return next((c for c in self.columns if c.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        """The column names in canonical (export) order."""
        return tuple(c.name for c in self.columns)

    @property
    def key_columns(self) -> tuple[Column, ...]:
        """The columns naming a record: what a retraction needs."""
        return tuple(c for c in self.columns if c.key)


PATIENT_ID = Column("patient_id", TEXT, required=True, key=True, max_length=64,
                    pattern=r"[A-Za-z0-9._-]",
                    pattern_text="1 to 64 letters, digits, '.', '_' or '-'")

KINDS: tuple[Kind, ...] = (
    Kind("patients", "patient", "one row per patient (import patients first)", (
        PATIENT_ID,
        Column("sex", ENUM, required=True, codes=SEX),
        Column("birth_year", INT, required=True, minimum=1900, max_this_year=True),
        Column("disease", ENUM, required=True, codes=DISEASE),
        Column("diagnosis_date", DATE, required=True),
    )),
    Kind("transplants", "transplant", "each transplant; the first is day 0", (
        PATIENT_ID,
        Column("transplant_date", DATE, required=True, key=True),
        Column("type", ENUM, required=True, codes=TRANSPLANT_TYPE),
        Column("regimen", TEXT, required=True, max_length=64),
    )),
    Kind("visits", "visit", "clinic visits with EDSS", (
        PATIENT_ID,
        Column("visit_date", DATE, required=True, key=True),
        Column("edss", DOUBLE, required=True, decimals=1),
    )),
    Kind("relapses", "relapse", "clinical relapses", (
        PATIENT_ID,
        Column("onset_date", DATE, required=True, key=True),
        Column("phenotype", ENUM, codes=ATTACK_PHENOTYPE),
    )),
    Kind("mri", "mri", "MRI scans and their lesion counts", (
        PATIENT_ID,
        Column("scan_date", DATE, required=True, key=True),
        Column("new_t2", INT, required=True, minimum=0, maximum=10000),
        Column("enlarging_t2", INT, required=True, minimum=0, maximum=10000),
        Column("gd_enhancing", INT, required=True, minimum=0, maximum=10000),
        Column("brain_volume_change_pct", DOUBLE, minimum=-100, maximum=100),
    )),
    Kind("treatments", "treatment", "disease-modifying treatments", (
        PATIENT_ID,
        Column("drug", TEXT, required=True, key=True, max_length=100),
        Column("start_date", DATE, required=True, key=True),
        Column("end_date", DATE),
        Column("class", ENUM, codes=TREATMENT_CLASS),
        Column("dose", DOUBLE, minimum=0, maximum=100000),
        Column("dose_unit", TEXT, max_length=32),
        Column("protocol", BOOL),
    )),
    Kind("deaths", "death", "one row per deceased patient", (
        PATIENT_ID,
        Column("death_date", DATE, required=True),
        Column("cause", TEXT, max_length=200),
        Column("cause_code", ENUM, codes=DEATH_CAUSE),
    )),
    Kind("adverse_events", "adverse_event", "complications after transplant, graded", (
        PATIENT_ID,
        Column("onset_date", DATE, required=True, key=True),
        Column("category", ENUM, required=True, key=True, codes=ADVERSE_EVENT_CATEGORY),
        Column("grade", ENUM, required=True, codes=ADVERSE_EVENT_GRADE),
        Column("resolution_date", DATE),
        Column("description", TEXT, max_length=200),
    )),
    Kind("engraftment", "engraftment",
         "neutrophil and platelet recovery after a transplant", (
             PATIENT_ID,
             Column("transplant_date", DATE, required=True, key=True),
             Column("neutrophil_date", DATE),
             Column("platelet_date", DATE),
         )),
    Kind("disease_status", "disease_status", "the centre's assessment of the disease", (
        PATIENT_ID,
        Column("status_date", DATE, required=True, key=True),
        Column("status", ENUM, required=True, codes=DISEASE_STATE),
    )),
    Kind("ssc_assessments", "ssc_assessment",
         "systemic sclerosis: skin, lung, heart and function (SSC patients)", (
             PATIENT_ID,
             Column("assessment_date", DATE, required=True, key=True),
             Column("mrss", INT, minimum=0, maximum=51),
             Column("fvc_pct", DOUBLE, minimum=10, maximum=200),
             Column("dlco_pct", DOUBLE, minimum=5, maximum=200),
             Column("lvef_pct", DOUBLE, minimum=5, maximum=95),
             Column("haq_di", DOUBLE, minimum=0, maximum=3),
             Column("patient_global", DOUBLE, minimum=0, maximum=10),
             Column("physician_global", DOUBLE, minimum=0, maximum=10),
         )),
    Kind("organ_failures", "organ_failure",
         "systemic sclerosis: major organ failures (SSC patients)", (
             PATIENT_ID,
             Column("event_date", DATE, required=True, key=True),
             Column("organ", ENUM, required=True, key=True, codes=ORGAN),
             Column("kind", TEXT, required=True, max_length=100),
             Column("persistent", BOOL),
         )),
    Kind("sle_assessments", "sle_assessment",
         "lupus: SLEDAI-2K descriptors, PGA and steroid dose (SLE patients)", (
             PATIENT_ID,
             Column("assessment_date", DATE, required=True, key=True),
             Column("sledai_descriptors", TEXT, max_length=600),
             Column("pga", DOUBLE, minimum=0, maximum=3),
             Column("prednisolone_mg_day", DOUBLE, minimum=0, maximum=1000),
         )),
    Kind("lab_results", "lab_result",
         "dated laboratory results: serology and measured values", (
             PATIENT_ID,
             Column("sample_date", DATE, required=True, key=True),
             Column("test", TEXT, required=True, key=True, max_length=32),
             Column("result", ENUM, codes=LAB_RESULT_STATE),
             Column("value", DOUBLE, minimum=0, maximum=1000000),
             Column("unit", TEXT, max_length=32),
             Column("assay", TEXT, max_length=100),
             Column("titre", TEXT, max_length=32),
         )),
    Kind("consents", "consent",
         "the patient's consent to the registry's uses of their data, and its "
         "withdrawal", (
             PATIENT_ID,
             Column("consent_date", DATE, required=True, key=True),
             Column("form_version", TEXT, required=True, max_length=32),
             Column("scopes", TEXT, required=True, max_length=64),
             Column("withdrawal_date", DATE),
         )),
)
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}


def kind_named(name: str) -> Kind:
    """The kind of a command-line name; ValueError listing the kinds."""
    try:
        return KINDS_BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown record kind '{name}' (kinds: "
                         f"{', '.join(KINDS_BY_NAME)})") from None


def kinds_help() -> str:
    """Every kind and its columns (* required, + key), as regctl lists them."""
    lines = ["KIND and its CSV columns (header row required, any order; "
             "* required, + key):"]
    for kind in KINDS:
        columns = ",".join(c.name + ("*" if c.required else "") + ("+" if c.key else "")
                           for c in kind.columns)
        lines.append(f"  {kind.name}: {columns}")
        lines.append(f"      {kind.meaning}")
    return "\n".join(lines)
