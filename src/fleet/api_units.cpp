// /units and /units/NAME (fleet's api/units.go).
//
// PUT /units/NAME, in fleet's order of checks:
//   415 without exactly one Content-Type, or one that is not
//       application/json ("expected 1 Content-Type, got 2", "only
//       acceptable Content-Type is application/json");
//   400 "unable to decode body: ..."; a body "name" other than NAME ("name
//       in URL \"a.service\" differs from unit name in request body
//       \"b.service\""); an invalid name (ValidateUnitName's words); an
//       invalid desiredState (flotilla's check);
//   then, by what the store holds:
//   - no such unit: 409 "unit does not exist and options field empty"
//     without options; 400 for options ValidateUnitOptions refuses; else
//     created with desiredState (default inactive): 201;
//   - options whose hash differs from the stored unit's: validated the
//     same way and stored in its place (replace; the agents reload it):
//     201; the desired state is the body's, else the one it had;
//   - otherwise only the desired state can change: 409 "must provide
//     DesiredState to update existing unit" without one, 400 "cannot
//     activate template \"x@.service\"" for a template and a state other
//     than inactive, else 204.
// A template is refused activation on create and replace as well.
#include <algorithm>

#include "base/go_strconv.h"
#include "fleet/api.h"
#include "fleet/api_reply.h"
#include "fleet/api_view.h"
#include "fleet/requirements.h"

namespace flotilla::fleet {
namespace {

constexpr unsigned kUnitParts =
    kPartJobs | kPartBodies | kPartSchedule | kPartUnplaced | kPartStates;

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// fleet's validateContentType.
std::optional<std::string> ContentTypeError(const net::Headers& headers) {
  int count = 0;
  std::string_view value;
  for (const auto& [name, v] : headers) {
    if (IEquals(name, "Content-Type")) ++count, value = v;
  }
  if (count != 1) return "expected 1 Content-Type, got " + std::to_string(count);
  value = value.substr(0, value.find(';'));
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())))
    value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
    value.remove_suffix(1);
  if (value != "application/json") return "only acceptable Content-Type is application/json";
  return std::nullopt;
}

std::string ActivateTemplateError(const std::string& name) {
  return "cannot activate template " + base::GoQuote(name);
}

}  // namespace

void Api::ListUnits(const Request& r, const net::ExchangePtr& ex) {
  auto token = FindPageToken(
      r.query.count("nextPageToken") ? r.query.at("nextPageToken") : std::vector<std::string>{},
      options_.token_limit);
  if (!token.ok()) return ex->Send(ErrorReply(400, token.status().message()));
  registry_.Load(kUnitParts, Guard([ex, token = *token](base::Result<Snapshot> s) {
                   if (!s.ok()) return ex->Send(ErrorReply(500, s.status().message()));
                   ex->Send(JsonReply(200, EncodeUnitPage(SlicePage(UnitsOf(*s), token))));
                 }));
}

void Api::GetUnit(const Request& r, const net::ExchangePtr& ex) {
  // No unit can have an invalid name; and such a name never reaches the
  // store ("..").
  if (!ValidateUnitName(r.item).ok()) return ex->Send(ErrorReply(404, "unit does not exist"));
  registry_.Load(kUnitParts, Guard([ex, name = r.item](base::Result<Snapshot> s) {
                   if (!s.ok()) return ex->Send(ErrorReply(500, s.status().message()));
                   auto unit = UnitOf(*s, name);
                   if (!unit) return ex->Send(ErrorReply(404, "unit does not exist"));
                   ex->Send(JsonReply(200, EncodeUnit(*unit)));
                 }));
}

void Api::DestroyUnit(const Request& r, const net::ExchangePtr& ex) {
  if (!ValidateUnitName(r.item).ok()) return ex->Send(ErrorReply(404, "unit does not exist"));
  registry_.DestroyUnit(r.item, Guard([ex](base::Status st) {
                          if (st.code() == base::Code::kNotFound)
                            return ex->Send(ErrorReply(404, "unit does not exist"));
                          if (!st.ok()) return ex->Send(ErrorReply(500, st.message()));
                          ex->Send(EmptyReply(204));
                        }));
}

void Api::SetUnit(const Request& r, const net::ExchangePtr& ex) {
  if (auto err = ContentTypeError(r.headers)) return ex->Send(ErrorReply(415, *err));
  auto su = DecodeUnit(r.body);
  if (!su.ok()) return ex->Send(ErrorReply(400, "unable to decode body: " + su.status().message()));
  if (su->name.empty()) su->name = r.item;
  if (su->name != r.item) {
    return ex->Send(ErrorReply(400, "name in URL " + base::GoQuote(r.item) +
                                        " differs from unit name in request body " +
                                        base::GoQuote(su->name)));
  }
  if (auto st = ValidateUnitName(su->name); !st.ok())
    return ex->Send(ErrorReply(400, st.message()));
  std::optional<JobState> desired;
  if (!su->desired_state.empty()) {
    auto parsed = ParseJobState(su->desired_state);
    if (!parsed.ok()) return ex->Send(ErrorReply(400, parsed.status().message()));
    desired = *parsed;
  }
  unit::UnitFile file = UnitFileOf(su->options);
  std::string name = su->name;
  registry_.LoadJob(
      name, Guard([this, ex, name, desired,
                   file = std::move(file)](base::Result<std::optional<JobRecord>> job) {
        if (!job.ok()) return ex->Send(ErrorReply(500, job.status().message()));
        const std::optional<JobRecord>& existing = *job;
        bool activate = desired && *desired != JobState::kInactive;
        std::string hash = file.options.empty() ? "" : unit::Hash(file);
        if (!existing && file.options.empty())
          return ex->Send(ErrorReply(409, "unit does not exist and options field empty"));
        if (!existing || (!file.options.empty() && hash != existing->hash)) {
          if (auto st = ValidateUnitOptions(file); !st.ok())
            return ex->Send(ErrorReply(400, st.message()));
          if (activate && IsTemplateName(name))
            return ex->Send(ErrorReply(400, ActivateTemplateError(name)));
          JobState state = desired ? *desired : existing ? existing->desired : JobState::kInactive;
          return registry_.PutUnit(name, unit::Serialize(file), hash, state,
                                   Guard([ex](base::Status st) {
                                     if (!st.ok()) return ex->Send(ErrorReply(500, st.message()));
                                     ex->Send(EmptyReply(201));
                                   }));
        }
        if (!desired) {
          return ex->Send(ErrorReply(409, "must provide DesiredState to update existing unit"));
        }
        if (activate && IsTemplateName(name))
          return ex->Send(ErrorReply(400, ActivateTemplateError(name)));
        registry_.SetDesiredState(name, *desired, Guard([ex](base::Status st) {
                                    if (!st.ok()) return ex->Send(ErrorReply(500, st.message()));
                                    ex->Send(EmptyReply(204));
                                  }));
      }));
}

}  // namespace flotilla::fleet
