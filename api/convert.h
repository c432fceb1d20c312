// Conversions between the API's protobuf messages and the core's plain
// structs, and between absl::Status and grpc::Status. The only place that
// knows both worlds.
#ifndef REGISTRY_API_CONVERT_H_
#define REGISTRY_API_CONVERT_H_

#include <grpcpp/grpcpp.h>

#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "api/enum_maps.h"
#include "core/records.h"
#include "google/protobuf/timestamp.pb.h"
#include "registry/v1/records.pb.h"

namespace registry {

// The kind and typed values of a proto record, in ColumnsOf(kind) order,
// for the core to check (BuildRecord, BuildRecordKey) without a detour
// through text: unset fields are empty, a date that is not a real date and
// an enum value this build does not know are violations. No kind when the
// record sets none.
RecordValues ValuesOfProto(const v1::Record& record);

// The core form of a proto record, checked like a row (no date limit);
// nullopt when the record is not valid.
std::optional<Record> ToCore(const v1::Record& record);

// The proto form of a core record.
v1::Record ToProto(const Record& record);

// A proto record with only the key fields of `key` set, for retractions.
v1::Record KeyOnlyProto(const RecordKey& key);

// A set proto Date as a calendar date; nullopt when unset (all zero) or
// not a real date.
std::optional<Date> FromProto(const v1::Date& date);
v1::Date ToProtoDate(Date date);

google::protobuf::Timestamp ToProto(absl::Time time);
absl::Time FromProto(const google::protobuf::Timestamp& timestamp);

// Trailing metadata of every streamed answer that ends OK: how many items
// (records, rows, patients) it carried, so that a client can tell a
// complete stream from one cut short.
inline constexpr char kItemsTrailer[] = "x-items";

// "OK", "INVALID_ARGUMENT", ...: the canonical name of a status code.
std::string StatusCodeName(int code);

// The ErrorInfo domain of the registry's error details.
inline constexpr std::string_view kErrorDomain = "registry.v1";
// Bounds on the error details, which travel as trailing metadata: the
// bytes of the listed violations, and of one description (longer ones are
// cut and end in "...").
inline constexpr size_t kMaxDetailBytes = 6144;
inline constexpr size_t kMaxDetailDescription = 300;

// A status for the wire: field violations travel as gRPC's standard error
// model, a google.rpc.Status in the error details holding a
// google.rpc.BadRequest (the first violations, within kMaxDetailBytes) and
// a google.rpc.ErrorInfo (domain registry.v1, reason INVALID_FIELDS or
// RECORDS_CONFLICT, metadata "problems": the total count, and "listed").
grpc::Status ToGrpcStatus(const absl::Status& status);

// The violations in a received status's error details (empty if none).
std::vector<FieldViolation> ViolationsOf(const grpc::Status& status);

// The total problem count a received status reports (at least the number
// of its listed violations).
int64_t ProblemCountOf(const grpc::Status& status);

}  // namespace registry

#endif  // REGISTRY_API_CONVERT_H_
