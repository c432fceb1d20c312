#include "clients/regctl/flag_table.h"

#include <initializer_list>

namespace registry {

const std::map<std::string, FlagSpec>& KnownFlags() {
  static const auto* flags = [] {
    auto* map = new std::map<std::string, FlagSpec>;
    for (const FlagSpec& f : std::initializer_list<FlagSpec>{
             {"server", "HOST:PORT",
              "registry address (env REGISTRY_SERVER; default "
              "127.0.0.1:50051)"},
             {"token-file", "FILE",
              "file holding the bearer token (env REGISTRY_TOKEN_FILE)"},
             {"timeout", "SECONDS", "deadline of each call (default 300)"},
             {"ca-cert", "FILE", "connect with TLS, trusting this CA (PEM)"},
             {"cert", "FILE", "client certificate for mutual TLS (PEM)"},
             {"key", "FILE", "client key for mutual TLS (PEM)"},
             {"name", "NAME", "the center's name"},
             {"role", "ROLE", "submitter, analyst or admin"},
             {"center", "CODE",
              "a center: the submitter's (token issue), only its patients "
              "(report due)"},
             {"label", "TEXT", "a label shown in token lists"},
             {"expires-in", "D",
              "lifetime: 90d, 12h, 30m or 3600s (at most 10 years)"},
             {"textfile", "FILE",
              "write the metrics to FILE (replaced atomically, with "
              "registry_up 1, or 0 when the server did not answer)"},
             {"service", "NAME",
              "only this service (registry.v1.AdminService, ...; server for "
              "the whole)"},
             {"checkpoint", "FILE",
              "a saved signed checkpoint the log must still extend"},
             {"out", "FILE", "the new file to write (must not exist)"},
             {"reason", "TEXT", "why (kept in the audit trail)"},
             {"delimiter", "D",
              "the field separator: ',' (default), ';' (a European "
              "spreadsheet's CSV) or tab"},
             {"all", "", "every point, done and not expected ones too"},
             {"upsert", "",
              "new and changed rows in one request: a new key is imported, "
              "a known key with other values amended (needs --reason)"},
             {"dry-run", "",
              "run every check of the server and write nothing: every "
              "problem is reported (exit 1 if any)"},
             {"errors-out", "FILE",
              "write every problem as CSV (file_line,column,value,message) "
              "to FILE"},
             {"decimal-comma", "",
              "numbers are written with a decimal comma (3,5)"},
             {"encoding", "E",
              "the file's text encoding: utf-8 (default) or windows-1252 "
              "(Excel's \"CSV\" on Western Windows)"},
             {"as-of-recorded", "TIME",
              "as the registry stood then: RFC 3339, e.g. "
              "2026-01-31T12:00:00Z"},
             {"registry-id", "ID", "name the patient by registry id"},
             {"as-of", "DATE", "outcomes as of this date (YYYY-MM-DD)"},
             {"event", "E",
              "first-cdw (default), first-cdi, first, multiple, first-pira "
              "or first-raw"},
             {"baseline", "B", "fixed (default) or roving"},
             {"confirmation-days", "N[,N...]",
              "confirmation delays in days (84)"},
             {"confirmation-tolerance-days", "BEFORE,AFTER",
              "tolerance around a confirmation; AFTER may be inf (7,730.5)"},
             {"preset", "NAME",
              "a published definition, every field of which the flags "
              "beside it may change: muller2025 or portaccio2025 (the "
              "expansion is printed with the results)"},
             {"pira-reference", "R",
              "the visit PIRA's first relapse-free window is around: "
              "baseline (default), last or last-delta"},
             {"pira-windows", "P0,P1,E0,E1,C0,C1",
              "PIRA's relapse-free days before and after the reference, "
              "the onset and the confirmation, as msprog's "
              "relapse_indep_from_bounds; '-' leaves P1, E0, E1 or C0 open "
              "(0,0,90,30,90,30)"},
             {"relapse-rebaseline", "yes|no",
              "move the baseline past each relapse onset (no)"},
             {"require-sustained-days", "N",
              "count a change only if sustained N days from its onset, or "
              "inf: to the last visit (0: not required)"},
             {"relapse-to-baseline-days", "N",
              "no baseline within N days after a relapse (30)"},
             {"relapse-to-event-days", "N",
              "no event onset within N days after a relapse (0)"},
             {"relapse-to-confirmation-days", "N",
              "no confirmation within N days after a relapse (30)"},
             {"relapse-assoc-days", "N",
              "a worsening within N days of a relapse is RAW (90)"},
             {"edss-plus1-max", "X",
              "baseline EDSS up to which +1.0 is required (5.0)"},
             {"mri-rebaseline-days", "N",
              "MRI re-baseline after transplant (180)"},
             {"tfr-ending-classes", "C,...",
              "treatment classes that end a treatment-free remission "
              "(dmt,immunosuppressant,biologic)"},
             {"infection-min-grade", "G",
              "lowest CTCAE grade the infection endpoint counts (3)"},
             {"agvhd-by-days", "N",
              "acute GvHD II-IV counted up to day N (100)"},
             {"graft-failure-day", "N",
              "no neutrophil recovery by day N is graft failure (28)"},
             {"ssc-baseline-days", "N",
              "SSc baseline: each measure's last value in the N days "
              "before day 0 (90)"},
             {"fvc-change", "C",
              "SSc lung progression by relative (default) or absolute "
              "FVC/DLCO change"},
             {"rcriss-percent", "P",
              "revised CRISS: improvement of P % in 3 of its 5 items (25)"},
             {"doris-prednisolone", "LIMIT",
              "DORIS prednisolone limit, mg/day: <=5 (default) or <5"},
             {"sle-flare-points", "N",
              "a SLEDAI-2K rise of N from the previous assessment is a "
              "flare (4)"},
             {"endpoint", "E",
              "os, pfs, ri, nrm, trm, tfr, infection, "
              "secondary-autoimmunity, malignancy, agvhd, cgvhd, "
              "neutrophil-engraftment, platelet-engraftment; MS: neda3, "
              "neda4, mri; MS and NMOSD: relapse, cdw; SSc: ssc-pfs, ssc-efs, "
              "lung-progression, skin-progression; SLE: doris, lldas, "
              "sle-flare; AQP4-positive: seroreversion"},
             {"by", "G", "disease, center, regimen or era"},
             {"conf-type", "T", "log (default), log-log or plain"},
             {"times", "D,...", "rows at these days since transplant"},
             {"min-cell-size", "N",
              "cells of fewer patients shown as <N (default 5)"},
         }) {
      map->emplace(f.name, f);
    }
    return map;
  }();
  return *flags;
}

}  // namespace registry
