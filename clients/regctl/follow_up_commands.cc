// regctl report due and report completeness: the follow-up schedule as the
// registry office works it.
#include "absl/strings/str_format.h"
#include "api/convert.h"
#include "clients/regctl/commands.h"
#include "clients/regctl/flags.h"
#include "clients/regctl/output.h"

namespace registry {

int ReportDue(Client& client) {
  const Args& args = client.args();
  v1::FollowUpDueRequest request;
  if (auto as_of = AsOfDateFlag(args)) *request.mutable_as_of() = *as_of;
  request.set_center(args.Flag("center"));
  v1::FollowUpDueResponse response;
  grpc::Status status =
      client.Call(&v1::ReportService::Stub::FollowUpDue, request, &response);
  if (!status.ok()) return client.Fail(status);
  const bool all = args.Flag("all") == "yes";
  Table table{{"patient", "center", "transplant_date", "point", "due_date",
               "past_due_date", "state", "assessed"},
              {}};
  for (const v1::FollowUpPointStatus& p : response.points()) {
    // What the office acts on: due, overdue and the next to come.
    if (!all && (p.state() == "done" || p.state() == "not_expected")) continue;
    table.rows.push_back(
        {p.patient(), p.center(), DateText(p.transplant_date()), p.point(),
         DateText(p.due_date()), DateText(p.past_due_date()), p.state(),
         p.has_assessed() ? DateText(p.assessed()) : ""});
  }
  PrintTable(table, client.format(), client.io().out);
  return 0;
}

int ReportCompleteness(Client& client) {
  const Args& args = client.args();
  v1::FollowUpCompletenessRequest request;
  if (auto as_of = AsOfDateFlag(args)) *request.mutable_as_of() = *as_of;
  v1::FollowUpCompletenessResponse response;
  grpc::Status status = client.Call(
      &v1::ReportService::Stub::FollowUpCompleteness, request, &response);
  if (!status.ok()) return client.Fail(status);
  Table table{{"center", "point", "expected", "done", "completeness_pct"}, {}};
  std::string one_year;
  for (const v1::CompletenessCell& c : response.cells()) {
    const std::string pct = absl::StrFormat("%.1f", 100 * c.share());
    table.rows.push_back({c.center(), c.point(), absl::StrCat(c.expected()),
                          absl::StrCat(c.done()), pct});
    if (c.center() == "all" && c.point() == "year1") one_year = pct;
  }
  const std::string format = client.format();
  PrintTable(table, format, client.io().out);
  if (format == "table") {
    client.io().out << "\none-year completeness (all centers) as of "
                    << DateText(response.as_of()) << ": "
                    << (one_year.empty() ? "no report expected yet"
                                         : one_year + " %")
                    << "\n";
  }
  return 0;
}

}  // namespace registry
