// /state and /state/NAME (fleet's api/state.go): the systemd state each
// live machine reports for the units it runs.
#include "fleet/api.h"
#include "fleet/api_reply.h"
#include "fleet/api_view.h"
#include "fleet/requirements.h"

namespace flotilla::fleet {

void Api::ListStates(const Request& r, const net::ExchangePtr& ex) {
  auto token = FindPageToken(
      r.query.count("nextPageToken") ? r.query.at("nextPageToken") : std::vector<std::string>{},
      options_.token_limit);
  if (!token.ok()) return ex->Send(ErrorReply(400, token.status().message()));
  // Exact-match filters, applied before paging.
  registry_.Load(kPartStates | kPartMachines,
                 Guard([ex, token = *token, machine = r.First("machineID"),
                        unit = r.First("unitName")](base::Result<Snapshot> s) {
                   if (!s.ok()) return ex->Send(ErrorReply(500, s.status().message()));
                   auto states = UnitStatesOf(*s, machine, unit);
                   ex->Send(JsonReply(200, EncodeUnitStatePage(SlicePage(states, token))));
                 }));
}

void Api::GetState(const Request& r, const net::ExchangePtr& ex) {
  if (!ValidateUnitName(r.item).ok()) return ex->Send(ErrorReply(404, "unit state does not exist"));
  registry_.Load(kPartStates | kPartMachines, Guard([ex, name = r.item](base::Result<Snapshot> s) {
                   if (!s.ok()) return ex->Send(ErrorReply(500, s.status().message()));
                   auto states = UnitStatesOf(*s, "", name);
                   if (states.empty())
                     return ex->Send(ErrorReply(404, "unit state does not exist"));
                   ex->Send(JsonReply(200, EncodeUnitState(states.front())));
                 }));
}

}  // namespace flotilla::fleet
