// regctl's commands, one function each; cli.cc's table says which words
// call which, with the operands and flags each takes. A command returns
// the exit status (0 done, 1 refused by the registry or invalid input) or
// throws UsageError (exit 2).
#ifndef REGISTRY_CLIENTS_REGCTL_COMMANDS_H_
#define REGISTRY_CLIENTS_REGCTL_COMMANDS_H_

#include "clients/regctl/args.h"
#include "clients/regctl/client.h"
#include "clients/regctl/regctl.h"

namespace registry {

// admin_commands.cc
int CenterAdd(Client& client);
int CenterList(Client& client);
int TokenIssue(Client& client);
int TokenList(Client& client);
int TokenRevoke(Client& client);
int TokenRotate(Client& client);
int AuditVerify(Client& client);
int AuditCheckpoint(Client& client);
int AuditProof(Client& client);
int Backup(Client& client);
int Metrics(Client& client);
int Health(Client& client);
// Offline: needs no server and no token.
int AuditCheckProof(const Args& args, RegctlIo& io);

// submit_commands.cc
int SubmitImport(Client& client);
int SubmitAmend(Client& client);
int SubmitRetract(Client& client);
int SubmitImportDir(Client& client);
int ReportDue(Client& client);
int ReportCompleteness(Client& client);
int Export(Client& client);

// patient_commands.cc
int PatientHistory(Client& client);
int PatientStatus(Client& client);

// report_commands.cc
int ReportOutcomes(Client& client);
int ReportDisabilityEvents(Client& client);
int ReportStates(Client& client);
int ReportKaplanMeier(Client& client);
int ReportCumulativeIncidence(Client& client);
int ReportCohort(Client& client);
int ReportExport(Client& client);

}  // namespace registry

#endif  // REGISTRY_CLIENTS_REGCTL_COMMANDS_H_
