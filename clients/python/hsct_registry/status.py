"""A patient's status: the registry's answer, as data and in regctl's words.

`PatientStatus` keeps the parts a program needs (identity, NEDA-3
evaluability, EDA date, the timeline as rows) next to `lines`, the text
`regctl patient status` prints, with the NEDA-3 evaluability and the EDA
date on lines of their own so that scripts can read them.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from .kinds import DISEASE
from .records import date_text, from_date
from .reports import timestamp_text
from .stubs import Stubs


@dataclasses.dataclass(frozen=True)
class PatientStatus:
    """One patient's status as the registry computes it with its reference
    definition (or the one asked for)."""

    registry_id: str
    patient_id: str  # empty for analysts
    center: str
    disease: str
    transplant_date: datetime.date | None
    neda_status: str  # one sentence for people
    neda3_evaluable: bool
    not_evaluable_reason: str
    eda_date: datetime.date | None
    timeline: list[dict[str, Any]]  # date, day (None before a transplant), what
    definition: str
    data_as_of_recorded: str
    lines: list[str]

    @property
    def text(self) -> str:
        """The status as printed by the command line."""
        return "\n".join(self.lines)


def disease_text(stubs: Stubs, disease: int) -> str:
    """The CSV code of a registry.v1.Disease ("" when unset or unknown)."""
    try:
        return DISEASE.code_of(stubs.records.Disease.Name(disease))
    except ValueError:
        return ""


def disease_course_lines(stubs: Stubs, disease: int, course: Any) -> list[str]:
    """Each disease's own course in words, as regctl patient status says it."""
    def when(field: str, otherwise: str) -> str:
        return date_text(getattr(course, field)) if course.HasField(field) else otherwise

    lines = []
    pb = stubs.records
    if disease == pb.DISEASE_SSC:
        lines.append(f"Systemic sclerosis: progression {when('ssc_progression', 'none')} "
                     f"(skin {when('skin_progression', 'none')}, "
                     f"lung {when('lung_progression', 'none')}); persistent organ "
                     f"failure {when('persistent_organ_failure', 'none')}")
    if disease == pb.DISEASE_SLE:
        line = (f"Lupus: first DORIS remission {when('first_doris', 'not reached')}, "
                f"first LLDAS {when('first_lldas', 'not reached')}, "
                f"first flare {when('first_flare', 'none')}")
        if course.HasField("lldas_time_fraction"):
            line += f"; in LLDAS {course.lldas_time_fraction * 100:.0f} % of the time assessed"
        lines.append(line)
    if course.aqp4_positive_before:
        line = ("AQP4-IgG positive before transplant: "
                + (f"seroreversion {date_text(course.aqp4_seroreversion)}"
                   if course.HasField("aqp4_seroreversion") else "no seroreversion seen"))
        if course.HasField("aqp4_reconversion"):
            line += f", re-conversion {date_text(course.aqp4_reconversion)}"
        lines.append(line)
    return lines


def _head_lines(stubs: Stubs, response: Any) -> list[str]:
    """The patient, the NEDA-3 sentence, evaluability, EDA date, relapses."""
    outcome = response.outcome
    patient = outcome.patient
    head = "Patient " + (f"{patient.patient_id} ({patient.registry_id})"
                         if patient.patient_id else patient.registry_id)
    if patient.center:
        head += f", center {patient.center}"
    head += f", {disease_text(stubs, patient.disease)}"
    if patient.HasField("transplant_date"):
        head += f", transplant on {date_text(patient.transplant_date)}"
    lines = [head, response.neda_status]
    if outcome.neda3_evaluable:
        lines.append("NEDA-3 evaluable: yes")
    else:
        lines.append(f"NEDA-3 evaluable: no ({outcome.not_evaluable_reason})")
    lines.append(f"EDA date: {date_text(outcome.eda_date, 'none')}")
    relapses = f"Relapses after transplant: {outcome.relapses_post}"
    if outcome.HasField("arr_pre") or outcome.HasField("arr_post"):
        before = f"{outcome.arr_pre:.2f}" if outcome.HasField("arr_pre") else "-"
        after = f"{outcome.arr_post:.2f}" if outcome.HasField("arr_post") else "-"
        relapses += f" (ARR {before} before, {after} after)"
    lines.append(f"{relapses}; confirmed disability worsening: {outcome.cdw_count}")
    return lines


def status_lines(stubs: Stubs, response: Any) -> list[str]:
    """A GetPatientStatusResponse in the words of `regctl patient status`,
    with the NEDA-3 evaluability and the EDA date on lines of their own."""
    outcome = response.outcome
    patient = outcome.patient
    lines = _head_lines(stubs, response)
    if patient.HasField("transplant_date"):
        course = outcome.course
        tfr = (f"ended {date_text(course.tfr_end)} ({course.tfr_end_reason})"
               if course.HasField("tfr_end") else "ongoing at the last contact")
        lines.append(f"Treatment-free remission: {tfr}")
        lines.extend(disease_course_lines(stubs, patient.disease, course))
    lines.extend(f"Note: {warning}" for warning in outcome.warnings)
    lines += ["", "Timeline"]
    for entry in response.timeline:
        day = f"day {entry.day:6d}" if entry.HasField("day") else " " * 10
        lines.append(f"  {date_text(entry.date)}  {day}  {entry.what}")
    lines += ["", f"Definition {response.definition.rules_version}: "
                  f"{response.definition.text}"]
    frozen = timestamp_text(response.definition.data_as_of_recorded)
    if frozen:
        lines.append(f"Data as recorded at {frozen}")
    return lines


def patient_status(stubs: Stubs, response: Any) -> PatientStatus:
    """A GetPatientStatusResponse as a PatientStatus."""
    outcome = response.outcome
    patient = outcome.patient
    return PatientStatus(
        registry_id=patient.registry_id, patient_id=patient.patient_id,
        center=patient.center, disease=disease_text(stubs, patient.disease),
        transplant_date=from_date(patient.transplant_date),
        neda_status=response.neda_status,
        neda3_evaluable=outcome.neda3_evaluable,
        not_evaluable_reason=outcome.not_evaluable_reason,
        eda_date=from_date(outcome.eda_date),
        timeline=[{"date": from_date(e.date),
                   "day": e.day if e.HasField("day") else None, "what": e.what}
                  for e in response.timeline],
        definition=f"{response.definition.rules_version}: {response.definition.text}",
        data_as_of_recorded=timestamp_text(response.definition.data_as_of_recorded),
        lines=status_lines(stubs, response))
