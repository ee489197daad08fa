// /machines (fleet's api/machines.go): the live machines, and PATCH of
// their dynamic metadata.
//
// PATCH takes a JSON array of {op, path, value}; every operation is
// checked before any is applied (CheckMachinePatch has fleet's 400 texts),
// then they are written in order: add and replace set
// machines/<id>/metadata/<key>, remove writes "" there, which also hides a
// key of the machine's configuration. The machine need not be known. The
// decode errors are Go's, unprefixed, as fleet sends them. 204 with fleet's
// JSON Content-Type and no body.
#include <memory>

#include "fleet/api.h"
#include "fleet/api_reply.h"
#include "fleet/api_view.h"

namespace flotilla::fleet {

void Api::ListMachines(const Request& r, const net::ExchangePtr& ex) {
  auto token = FindPageToken(
      r.query.count("nextPageToken") ? r.query.at("nextPageToken") : std::vector<std::string>{},
      options_.token_limit);
  if (!token.ok()) return ex->Send(ErrorReply(400, token.status().message()));
  registry_.Load(kPartMachines, Guard([ex, token = *token](base::Result<Snapshot> s) {
                   if (!s.ok()) return ex->Send(ErrorReply(500, s.status().message()));
                   ex->Send(JsonReply(200, EncodeMachinePage(SlicePage(MachinesOf(*s), token))));
                 }));
}

void Api::PatchMachines(const Request& r, const net::ExchangePtr& ex) {
  auto ops = DecodeMachinePatch(r.body);
  if (!ops.ok()) return ex->Send(ErrorReply(400, ops.status().message()));
  auto changes = CheckMachinePatch(*ops);
  if (!changes.ok()) return ex->Send(ErrorReply(400, changes.status().message()));
  WriteMetadata(std::make_shared<const std::vector<MetadataChange>>(std::move(*changes)), 0, ex);
}

// One write after the other, in order; the first failure ends it.
void Api::WriteMetadata(std::shared_ptr<const std::vector<MetadataChange>> changes, size_t i,
                        const net::ExchangePtr& ex) {
  if (i == changes->size()) return ex->Send(JsonReply(204, ""));
  const MetadataChange& c = (*changes)[i];
  registry_.SetMetadata(c.machine, c.key, c.value, Guard([this, ex, changes, i](base::Status st) {
                          if (!st.ok()) return ex->Send(ErrorReply(500, st.message()));
                          WriteMetadata(changes, i + 1, ex);
                        }));
}

}  // namespace flotilla::fleet
