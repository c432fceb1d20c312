"""Outcome and survival reports as rows with regctl's columns.

`report outcomes` (one row per patient), `report km` (Kaplan-Meier as R's
survfit) and `report cif` (cumulative incidence with death competing) are
turned into Rows whose columns, order and CSV text are those of
`regctl report ... --format csv`, so an analysis can move between the two
without renaming anything.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .kinds import DEATH_CAUSE, DISEASE, TRANSPLANT_TYPE
from .records import from_date
from .rows import DATE, FIXED4, FLAG, INT, NUMBER, Field, Rows
from .stubs import Stubs

Definition = Mapping[str, Any]


def _enum_prefix(enum_name: str) -> str:
    """EventSelection -> EVENT_SELECTION: the prefix of its value names."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum_name).upper()


def enum_value(enum: Any, word: str | int) -> int:
    """An enum value from regctl's word for it ("first-cdw", "log-log",
    "disease") or its full name; ValueError listing the words."""
    if isinstance(word, int):
        return word
    prefix = _enum_prefix(enum.DESCRIPTOR.name)
    for name in (word, f"{prefix}_{word.upper().replace('-', '_')}"):
        if name in enum.DESCRIPTOR.values_by_name:
            return enum.DESCRIPTOR.values_by_name[name].number
    words = [v.name[len(prefix) + 1:].lower().replace("_", "-")
             for v in enum.DESCRIPTOR.values if v.number]
    raise ValueError(f"'{word}' is not one of {', '.join(words)}")


def definition_message(stubs: Stubs, definition: Definition | None) -> Any:
    """A registry.v1.OutcomeDefinition from field names and values; enum
    fields take regctl's words (event="first-pira", tfr_ending_classes=
    ["dmt"]). Unset fields keep the registry's reference definition."""
    message = stubs.outcomes.OutcomeDefinition()
    for name, value in (definition or {}).items():
        field = message.DESCRIPTOR.fields_by_name.get(name)
        if field is None:
            raise ValueError(f"definition: no field {name} (fields: "
                             f"{', '.join(message.DESCRIPTOR.fields_by_name)})")
        enum = field.enum_type
        repeated = field.label == field.LABEL_REPEATED
        if repeated and isinstance(value, str):
            value = [part for part in value.split(",") if part]
        values = list(value) if repeated else [value]
        if enum is not None:
            enum_class = _enum_class(stubs, enum.name)
            values = [enum_value(enum_class, v) for v in values]
        else:
            values = [_scalar(field, name, v) for v in values]
        if field.label == field.LABEL_REPEATED:
            getattr(message, name).extend(values)
        else:
            setattr(message, name, values[0])
    return message


def _scalar(field: Any, name: str, value: Any) -> Any:
    """A definition value given as text (a command line's) in its field's
    type; other values as they are."""
    if not isinstance(value, str) or field.type == field.TYPE_STRING:
        return value
    try:
        if field.type == field.TYPE_BOOL:
            return {"yes": True, "true": True, "no": False, "false": False}[value.lower()]
        if field.type == field.TYPE_DOUBLE:
            return float(value)
        return int(value)
    except (KeyError, ValueError):
        raise ValueError(f"definition: {name}: '{value}' is not a "
                         f"{'yes/no' if field.type == field.TYPE_BOOL else 'number'}"
                         ) from None


def _enum_class(stubs: Stubs, name: str) -> Any:
    for module in (stubs.outcomes, stubs.reports, stubs.records):
        if hasattr(module, name):
            return getattr(module, name)
    raise AssertionError(f"no enum {name} in the stubs")


def timestamp_text(timestamp: Any) -> str:
    """RFC 3339 text of a google.protobuf.Timestamp, "" when unset."""
    if not (timestamp.seconds or timestamp.nanos):
        return ""
    when = datetime.datetime.fromtimestamp(timestamp.seconds, datetime.timezone.utc)
    return f"{when:%Y-%m-%dT%H:%M:%S}.{timestamp.nanos // 1000:06d}Z"


def set_as_of(stubs: Stubs, request: Any, as_of: datetime.date | str | None,
              as_of_recorded: str | datetime.datetime | None) -> None:
    """The request's as_of date and as_of_recorded (a data freeze)."""
    if as_of:
        day = datetime.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
        request.as_of.CopyFrom(stubs.records.Date(year=day.year, month=day.month,
                                                  day=day.day))
    if as_of_recorded:
        set_timestamp(request.as_of_recorded, as_of_recorded)


def set_timestamp(target: Any, when: str | datetime.datetime) -> None:
    """Fills a Timestamp from RFC 3339 text or an aware datetime."""
    if isinstance(when, datetime.datetime):
        when = when.astimezone(datetime.timezone.utc).isoformat()
    try:
        target.FromJsonString(when)
    except ValueError as e:
        raise ValueError(f"'{when}' is not an RFC 3339 time "
                         "(e.g. 2026-01-31T12:00:00Z)") from e


def applied(rows: Rows, definition: Any) -> Rows:
    """Rows carrying the applied definition and the data's recorded time."""
    rows.definition = f"{definition.rules_version}: {definition.text}"
    rows.data_as_of_recorded = timestamp_text(definition.data_as_of_recorded)
    return rows


# --- report outcomes ---------------------------------------------------------

def _code(codes: Any, enum: Any, value: int) -> str:
    """The CSV code of an enum value, "" when unset."""
    if not value:
        return ""
    return codes.code_of(enum.Name(value))


def _flag(message: Any, field: str) -> int | None:
    return int(getattr(message, field)) if message.HasField(field) else None


def _optional(message: Any, field: str) -> Any:
    return getattr(message, field) if message.HasField(field) else None


_EDA_KINDS = {1: "relapse", 2: "mri", 3: "cdw"}
_COURSE_DATES = (
    ("relapse_progression_date", "relapse_or_progression"),
    ("tfr_end_date", "tfr_end"), ("tfr_end_reason", None),
    ("neutrophil_day", None), ("platelet_day", None),
    ("primary_graft_failure", None),
    ("infection_date", "first_severe_infection"),
    ("secondary_autoimmunity_date", "secondary_autoimmunity"),
    ("malignancy_date", "malignancy"), ("agvhd_date", "acute_gvhd"),
    ("cgvhd_date", "chronic_gvhd"), ("ssc_progression_date", "ssc_progression"),
    ("skin_progression_date", "skin_progression"),
    ("lung_progression_date", "lung_progression"),
    ("persistent_organ_failure_date", "persistent_organ_failure"))

OUTCOME_FIELDS = (
    Field("registry_id"), Field("patient_id"), Field("center"), Field("disease"),
    Field("transplant_date", DATE), Field("neda3_evaluable", FLAG),
    Field("eda_date", DATE), Field("eda_kind"), Field("remission_days", INT),
    Field("censored", FLAG), Field("last_edss_date", DATE),
    Field("last_mri_date", DATE), Field("relapses_post", INT),
    Field("arr_pre", FIXED4), Field("arr_post", FIXED4), Field("cdw_count", INT),
    Field("neda4", FLAG), Field("transplant_type"), Field("death_cause"),
    Field("relapse_progression_date", DATE), Field("tfr_end_date", DATE),
    Field("tfr_end_reason"), Field("neutrophil_day", INT),
    Field("platelet_day", INT), Field("primary_graft_failure", FLAG),
    Field("infection_date", DATE), Field("secondary_autoimmunity_date", DATE),
    Field("malignancy_date", DATE), Field("agvhd_date", DATE),
    Field("cgvhd_date", DATE), Field("ssc_progression_date", DATE),
    Field("skin_progression_date", DATE), Field("lung_progression_date", DATE),
    Field("persistent_organ_failure_date", DATE), Field("ssc_response_12m", FLAG),
    Field("acr_criss_12m", FIXED4), Field("acr_criss_improved", FLAG),
    Field("rcriss_improved_12m", FLAG), Field("doris_date", DATE),
    Field("lldas_date", DATE), Field("sle_flare_date", DATE),
    Field("lldas_time_fraction", FIXED4), Field("aqp4_seroreversion_date", DATE),
    Field("aqp4_reconversion_date", DATE), Field("not_evaluable_reason"))


def outcome_row(stubs: Stubs, outcome: Any) -> dict[str, Any]:
    """One PatientOutcome as a row of OUTCOME_FIELDS."""
    pb = stubs.records
    patient, course = outcome.patient, outcome.course
    row: dict[str, Any] = {
        "registry_id": patient.registry_id, "patient_id": patient.patient_id,
        "center": patient.center,
        "disease": _code(DISEASE, pb.Disease, patient.disease),
        "transplant_date": from_date(patient.transplant_date),
        "neda3_evaluable": int(outcome.neda3_evaluable),
        "eda_date": from_date(outcome.eda_date),
        "eda_kind": "+".join(_EDA_KINDS.get(k, "cdw") for k in outcome.eda_kinds),
        "remission_days": _optional(outcome, "remission_days"),
        "censored": _flag(outcome, "censored"),
        "last_edss_date": from_date(outcome.last_edss_date),
        "last_mri_date": from_date(outcome.last_mri_date),
        "relapses_post": outcome.relapses_post,
        "arr_pre": _optional(outcome, "arr_pre"),
        "arr_post": _optional(outcome, "arr_post"),
        "cdw_count": outcome.cdw_count, "neda4": _flag(outcome, "neda4"),
        "transplant_type": _code(TRANSPLANT_TYPE, pb.TransplantType,
                                 course.transplant_type),
        "death_cause": _code(DEATH_CAUSE, pb.DeathCause, course.death_cause),
    }
    for column, field in _COURSE_DATES:
        if field:
            row[column] = from_date(getattr(course, field))
    row["tfr_end_reason"] = course.tfr_end_reason
    row["neutrophil_day"] = _optional(course, "neutrophil_day")
    row["platelet_day"] = _optional(course, "platelet_day")
    row["primary_graft_failure"] = _flag(course, "primary_graft_failure")
    criss = _optional(course, "acr_criss_12m")
    row.update({
        "ssc_response_12m": _flag(course, "ssc_response_12m"),
        "acr_criss_12m": criss,
        "acr_criss_improved": None if criss is None else int(criss >= 0.6),
        "rcriss_improved_12m": _flag(course, "rcriss_improved_12m"),
        "doris_date": from_date(course.first_doris),
        "lldas_date": from_date(course.first_lldas),
        "sle_flare_date": from_date(course.first_flare),
        "lldas_time_fraction": _optional(course, "lldas_time_fraction"),
        "aqp4_seroreversion_date": from_date(course.aqp4_seroreversion),
        "aqp4_reconversion_date": from_date(course.aqp4_reconversion),
        "not_evaluable_reason": outcome.not_evaluable_reason})
    return {f.name: row[f.name] for f in OUTCOME_FIELDS}


def outcome_rows(stubs: Stubs, responses: Iterable[Any]) -> Rows:
    """The rows of a StreamCohortOutcomes answer, in the server's order."""
    rows = Rows(OUTCOME_FIELDS)
    for message in responses:
        if message.HasField("definition"):
            applied(rows, message.definition)
        rows.extend(outcome_row(stubs, o) for o in message.outcomes)
    return rows


# --- report km and cif -------------------------------------------------------

KM_FIELDS = (Field("stratum"), Field("time_days", NUMBER), Field("n_risk", INT),
             Field("n_event", INT), Field("n_censor", INT), Field("surv", NUMBER),
             Field("std_err", NUMBER, "NA"), Field("lower", NUMBER, "NA"),
             Field("upper", NUMBER, "NA"))

CIF_FIELDS = (Field("stratum"), Field("time_days", NUMBER), Field("n_risk", INT),
              Field("n_event", INT), Field("n_competing", INT),
              Field("n_censor", INT), Field("incidence", NUMBER),
              Field("competing_incidence", NUMBER))


def km_rows(response: Any, at_times: bool) -> Rows:
    """A KaplanMeierResponse as rows: one per event or censoring time as
    R's survfit, or with `at_times` one per requested time as summary(fit,
    times=)."""
    rows = applied(Rows(KM_FIELDS), response.definition)
    for curve in response.curves:
        for row in curve.at_times if at_times else curve.rows:
            rows.append({"stratum": curve.stratum, "time_days": row.time_days,
                         "n_risk": row.n_risk, "n_event": row.n_event,
                         "n_censor": row.n_censor, "surv": row.surv,
                         "std_err": _optional(row, "std_err"),
                         "lower": _optional(row, "lower"),
                         "upper": _optional(row, "upper")})
    return rows


def cif_rows(response: Any) -> Rows:
    """A CumulativeIncidenceResponse as rows, curve by curve."""
    rows = applied(Rows(CIF_FIELDS), response.definition)
    for curve in response.curves:
        for row in curve.rows:
            rows.append({"stratum": curve.stratum, "time_days": row.time_days,
                         "n_risk": row.n_risk, "n_event": row.n_event,
                         "n_competing": row.n_competing, "n_censor": row.n_censor,
                         "incidence": row.incidence,
                         "competing_incidence": row.competing_incidence})
    return rows


def endpoint_value(stubs: Stubs, endpoint: str) -> int:
    """An Endpoint from regctl's name ("neda3", "ssc-pfs", ...)."""
    try:
        return enum_value(stubs.reports.Endpoint, endpoint)
    except ValueError as e:
        raise ValueError(f"endpoint: {e}") from None
