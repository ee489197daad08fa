// GET /units/NAME/status and /units/NAME/journal: flotilla's answer to
// fleetctl status and journal needing SSH (fleet #1123, #355, #953). The
// unit's machine is asked through its own flotilla API (service/
// units_api.h), at the endpoint it registered (MachineRecord::endpoint).
//
//   status   GET /flotilla/v1/units/NAME and /flotilla/v1/journal?unit=NAME
//            &lines=10 at once, printed by service::FormatStatus (what
//            `flotilla systemctl status` prints); a machine that does not
//            know the unit gives systemctl's "Unit NAME could not be found."
//   journal  GET /flotilla/v1/journal?unit=NAME&lines=N relayed as is; with
//            follow, &follow=1 as a stream whose chunks are relayed until
//            either side goes away (the client leaving cancels the
//            machine's stream; the machine's stream ending ends ours).
//
// A global unit gives one block per machine, each after "machine <id>\n"
// and separated by a blank line; a machine that does not answer gets a
// line saying so, and only when none answers is it a 502.
#include <memory>

#include "base/go_strconv.h"
#include "base/go_url.h"
#include "fleet/api.h"
#include "fleet/api_reply.h"
#include "fleet/api_view.h"
#include "fleet/requirements.h"

namespace flotilla::fleet {

struct Api::Target {
  std::string machine;
  std::string endpoint;  // "" when the machine is not in the cluster
};

namespace {

constexpr unsigned kProxyParts =
    kPartJobs | kPartBodies | kPartSchedule | kPartStates | kPartMachines;

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    out.emplace_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

// The {"error":"..."} of a machine's service API, or the status.
std::string RemoteError(const net::HttpResponse& r) {
  std::string_view body = r.body;
  constexpr std::string_view kKey = "{\"error\":\"";
  if (body.starts_with(kKey) && body.ends_with("\"}")) {
    return std::string(body.substr(kKey.size(), body.size() - kKey.size() - 2));
  }
  return "HTTP " + std::to_string(r.status);
}

std::string NoAnswer(const std::string& machine, const std::string& why) {
  return "machine " + machine + " did not answer: " + why;
}

// strconv.ParseBool.
std::optional<bool> ParseBool(std::string_view s) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"})
    if (s == t) return true;
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"})
    if (s == f) return false;
  return std::nullopt;
}

// What the blocks of several machines (or one) come to.
struct Blocks {
  std::vector<std::string> error;       // by target; "" when it answered
  std::vector<net::HttpResponse> unit;  // status: the unit answer
  std::vector<std::string> journal;     // status: the journal answer (may be "")
  size_t outstanding = 0;
};

}  // namespace

net::AsyncHttpClient* Api::MachineClient(const std::string& endpoint, bool stream) {
  auto key = std::make_pair(endpoint, stream);
  if (auto it = clients_.find(key); it != clients_.end()) return it->second.get();
  auto url = net::ParseUrl(endpoint);
  if (!url.ok()) return nullptr;
  net::AsyncClientOptions o;
  o.max_connections = stream ? 0 : 8;  // a followed journal holds its connection
  o.dial_timeout = options_.machine_timeout;
  auto& slot = clients_[key];
  slot = std::make_unique<net::AsyncHttpClient>(loop_, *url, o);
  return slot.get();
}

void Api::LoadTargets(const std::string& name, const std::string& machine,
                      const net::ExchangePtr& ex,
                      std::function<void(std::vector<Target>, bool)> then) {
  registry_.Load(kProxyParts, Guard([=](base::Result<Snapshot> s) {
                   if (!s.ok()) return ex->Send(ErrorReply(500, s.status().message()));
                   if (!s->HasJob(name)) return ex->Send(ErrorReply(404, "unit does not exist"));
                   std::vector<Target> targets;
                   for (const auto& id : MachinesRunning(*s, name)) {
                     if (!machine.empty() && !MachineId{id}.Matches(machine)) continue;
                     auto m = s->machines.find(id);
                     targets.push_back({id, m == s->machines.end() ? "" : m->second.endpoint});
                   }
                   if (targets.empty()) {
                     return ex->Send(ErrorReply(
                         409, "unit " + name + " is not running on " +
                                  (machine.empty() ? "any machine" : "machine " + machine)));
                   }
                   then(std::move(targets), IsGlobalUnit(*s, name));
                 }));
}

void Api::UnitStatus(const Request& r, const net::ExchangePtr& ex) {
  if (!ValidateUnitName(r.item).ok()) return ex->Send(ErrorReply(404, "unit does not exist"));
  LoadTargets(r.item, r.First("machineID"), ex,
              [this, ex, name = r.item](std::vector<Target> targets, bool global) {
                FetchBlocks(name, std::move(targets), global, /*status=*/true, 10, ex);
              });
}

void Api::UnitJournal(const Request& r, const net::ExchangePtr& ex) {
  if (!ValidateUnitName(r.item).ok()) return ex->Send(ErrorReply(404, "unit does not exist"));
  size_t lines = 10;
  if (std::string n = r.First("lines"); !n.empty()) {
    if (n.size() > 7 || n.find_first_not_of("0123456789") != std::string::npos)
      return ex->Send(ErrorReply(400, "lines must be a number, not " + base::GoQuote(n)));
    lines = std::stoul(n);
  }
  bool follow = false;
  if (std::string f = r.First("follow"); !f.empty()) {
    auto parsed = ParseBool(f);
    if (!parsed)
      return ex->Send(ErrorReply(400, "follow must be true or false, not " + base::GoQuote(f)));
    follow = *parsed;
  }
  LoadTargets(r.item, r.First("machineID"), ex,
              [this, ex, name = r.item, lines, follow](std::vector<Target> targets, bool global) {
                if (!follow) return FetchBlocks(name, std::move(targets), global, false, lines, ex);
                if (targets.size() > 1) {
                  return ex->Send(ErrorReply(
                      400, "unit " + name + " runs on " + std::to_string(targets.size()) +
                               " machines: pick one with machineID to follow its journal"));
                }
                FollowJournal(name, targets.front(), lines, ex);
              });
}

void Api::FetchBlocks(const std::string& unit, std::vector<Target> targets, bool global,
                      bool status, size_t lines, const net::ExchangePtr& ex) {
  auto b = std::make_shared<Blocks>();
  size_t n = targets.size();
  b->error.resize(n);
  b->unit.resize(n);
  b->journal.resize(n);
  std::string journal_target = "/flotilla/v1/journal?unit=" + base::QueryEscape(unit) +
                               "&lines=" + std::to_string(status ? 10 : lines);
  auto finish = [this, b, targets, global, status, unit, ex]() {
    size_t answered = 0;
    std::string first_error;
    std::string out;
    for (size_t i = 0; i < targets.size(); ++i) {
      std::string block;
      if (b->error[i].empty() && status) {
        const net::HttpResponse& u = b->unit[i];
        if (u.status == 404) {
          block = "Unit " + unit + " could not be found.\n";
        } else if (auto view = u.status == 200 ? DecodeRemoteUnit(u.body) : std::nullopt) {
          view->journal_lines = SplitLines(b->journal[i]);
          block = service::FormatStatus(*view, options_.now());
        } else {
          b->error[i] = NoAnswer(targets[i].machine,
                                 u.status == 200 ? "unreadable unit status" : RemoteError(u));
        }
      } else if (b->error[i].empty()) {
        block = b->journal[i];
      }
      if (b->error[i].empty()) {
        ++answered;
      } else {
        if (first_error.empty()) first_error = b->error[i];
        block = b->error[i] + "\n";
      }
      if (global) {
        if (i > 0) out += '\n';
        out += "machine " + targets[i].machine + "\n";
      }
      out += block;
    }
    if (answered == 0) return ex->Send(ErrorReply(502, first_error));
    ex->Send(TextReply(std::move(out)));
  };
  // Two requests per machine for status, one for a journal.
  b->outstanding = n * (status ? 2 : 1);
  auto done_one = [b, finish]() mutable {
    if (--b->outstanding == 0) finish();
  };
  for (size_t i = 0; i < n; ++i) {
    const Target& t = targets[i];
    net::AsyncHttpClient* client = t.endpoint.empty() ? nullptr : MachineClient(t.endpoint, false);
    if (!client) {
      b->error[i] = NoAnswer(t.machine, t.endpoint.empty() ? "it is not in the cluster"
                                                           : "bad endpoint " + t.endpoint);
      b->outstanding -= status ? 2 : 1;
      continue;
    }
    if (status) {
      net::AsyncRequest req;
      req.target = "/flotilla/v1/units/" + base::EscapePath(unit);
      client->Do(
          std::move(req), options_.machine_timeout,
          Guard([b, i, done_one, machine = t.machine](base::Result<net::HttpResponse> r) mutable {
            if (!r.ok()) {
              if (b->error[i].empty()) b->error[i] = NoAnswer(machine, r.status().message());
            } else {
              b->unit[i] = std::move(*r);
            }
            done_one();
          }));
    }
    net::AsyncRequest req;
    req.target = journal_target;
    client->Do(std::move(req), options_.machine_timeout,
               Guard([b, i, done_one, status,
                      machine = t.machine](base::Result<net::HttpResponse> r) mutable {
                 if (r.ok() && r->status == 200) {
                   b->journal[i] = std::move(r->body);
                 } else if (!status && b->error[i].empty()) {
                   // The status of a unit shows without its journal lines;
                   // a journal without them is no answer.
                   b->error[i] = NoAnswer(machine, r.ok() ? RemoteError(*r) : r.status().message());
                 }
                 done_one();
               }));
  }
  if (b->outstanding == 0) finish();
}

void Api::FollowJournal(const std::string& unit, const Target& target, size_t lines,
                        const net::ExchangePtr& ex) {
  net::AsyncHttpClient* client =
      target.endpoint.empty() ? nullptr : MachineClient(target.endpoint, true);
  if (!client) {
    return ex->Send(ErrorReply(
        502,
        NoAnswer(target.machine, target.endpoint.empty() ? "it is not in the cluster"
                                                         : "bad endpoint " + target.endpoint)));
  }
  struct Follow {
    bool started = false;
    std::string error_body;  // of a machine that refused
  };
  auto f = std::make_shared<Follow>();
  net::AsyncRequest req;
  req.target = "/flotilla/v1/journal?unit=" + base::QueryEscape(unit) +
               "&lines=" + std::to_string(lines) + "&follow=1";
  auto on_head = Guard([f, ex](const net::HttpResponse& head) {
    if (head.status != 200 || ex->closed()) return;
    f->started = true;
    ex->StartStream(200, {{"Content-Type", "text/plain; charset=utf-8"}});
  });
  auto on_data = [alive = alive_, f, ex](std::string_view data) {
    if (!*alive || ex->closed()) return false;
    if (f->started) {
      if (!data.empty()) ex->WriteChunk(std::string(data));
    } else if (f->error_body.size() < 4096) {
      f->error_body.append(data);
    }
    return true;
  };
  auto done = Guard([f, ex, machine = target.machine](base::Result<net::HttpResponse> r) {
    if (ex->closed()) return;
    if (f->started) return ex->EndStream();
    if (!r.ok()) return ex->Send(ErrorReply(502, NoAnswer(machine, r.status().message())));
    net::HttpResponse refused = *r;
    refused.body = f->error_body;
    ex->Send(ErrorReply(502, NoAnswer(machine, RemoteError(refused))));
  });
  net::CallId id = client->Stream(std::move(req), options_.machine_timeout, on_head, on_data, done);
  // The client leaving ends the machine's stream too.
  ex->OnClose(Guard([client, id] { client->Cancel(id); }));
}

}  // namespace flotilla::fleet
