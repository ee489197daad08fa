#include "fleetctl_fake_api.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstring>
#include <stdexcept>

#include "unit/unit_file.h"

namespace flotilla::testing {
namespace {

namespace json = boost::json;

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(const std::string& q) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < q.size()) {
    size_t amp = q.find('&', start);
    std::string kv = q.substr(start, amp - start);
    size_t eq = kv.find('=');
    out[PercentDecode(kv.substr(0, eq))] =
        eq == std::string::npos ? "" : PercentDecode(kv.substr(eq + 1));
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return out;
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// fleet's PageToken: URL-safe base64 of little-endian {uint16 Limit, uint16 Page}.
std::string EncodeToken(int limit, int page) {
  unsigned char b[4] = {
      static_cast<unsigned char>(limit & 0xff), static_cast<unsigned char>(limit >> 8),
      static_cast<unsigned char>(page & 0xff), static_cast<unsigned char>(page >> 8)};
  std::string out;
  out += kB64[b[0] >> 2];
  out += kB64[((b[0] & 3) << 4) | (b[1] >> 4)];
  out += kB64[((b[1] & 15) << 2) | (b[2] >> 6)];
  out += kB64[b[2] & 63];
  out += kB64[b[3] >> 2];
  out += kB64[(b[3] & 3) << 4];
  out += "==";
  return out;
}

std::optional<std::pair<int, int>> DecodeToken(const std::string& t) {
  if (t.size() != 8) return std::nullopt;
  int v[6];
  for (int i = 0; i < 6; ++i) {
    const char* p = std::strchr(kB64, t[static_cast<size_t>(i)]);
    if (!p || !*p) return std::nullopt;
    v[i] = static_cast<int>(p - kB64);
  }
  int b0 = (v[0] << 2) | (v[1] >> 4), b1 = ((v[1] & 15) << 4) | (v[2] >> 2);
  int b2 = ((v[2] & 3) << 6) | v[3], b3 = (v[4] << 2) | (v[5] >> 4);
  return std::make_pair(b0 | (b1 << 8), b2 | (b3 << 8));
}

bool IsGlobal(const FakeFleetApi::Unit& u) {
  for (const auto& o : u.options) {
    if (o.section == "X-Fleet" && o.name == "Global" && o.value == "true") return true;
  }
  return false;
}

json::object UnitJson(const FakeFleetApi::Unit& u) {
  json::object o;
  o["name"] = u.name;
  json::array opts;
  for (const auto& opt : u.options) {
    opts.push_back(
        json::object{{"section", opt.section}, {"name", opt.name}, {"value", opt.value}});
  }
  o["options"] = std::move(opts);
  if (!u.desired.empty()) o["desiredState"] = u.desired;
  if (!u.current.empty()) o["currentState"] = u.current;
  if (!u.machine.empty()) o["machineID"] = u.machine;
  if (!u.reason.empty()) o["reason"] = u.reason;
  return o;
}

net::HttpResponse JsonResponse(int status, const json::value& v) {
  net::HttpResponse r;
  r.status = status;
  r.Set("Content-Type", "application/json");
  r.body = json::serialize(v);
  return r;
}

net::HttpResponse ErrorResponse(int status, const std::string& message) {
  return JsonResponse(
      status, json::object{{"error", json::object{{"code", status}, {"message", message}}}});
}

net::HttpResponse TextResponse(const std::string& text) {
  net::HttpResponse r;
  r.Set("Content-Type", "text/plain; charset=utf-8");
  r.body = text;
  return r;
}

net::HttpResponse Empty(int status) {
  net::HttpResponse r;
  r.status = status;
  return r;
}

// The last `n` lines of `text` (each ending in '\n').
std::string LastLines(const std::string& text, int n) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size() - 1;
    lines.push_back(text.substr(start, nl - start + 1));
    start = nl + 1;
  }
  std::string out;
  for (size_t i = lines.size() > size_t(std::max(n, 0)) ? lines.size() - size_t(std::max(n, 0)) : 0;
       i < lines.size(); ++i) {
    out += lines[i];
  }
  return out;
}

}  // namespace

struct FakeFleetApi::Impl {
  net::EventLoop loop;
  std::unique_ptr<net::HttpServer> server;
  std::thread thread;

  std::mutex mu;
  std::condition_variable cv;
  int page_limit;
  int placement_polls = 0;
  std::map<std::string, Unit> units;
  std::map<std::pair<std::string, std::string>, State> states;
  std::vector<Machine> machines;
  std::map<std::string, int> pending;  // unit -> GETs left until its desired state
  std::map<std::string, std::string> unplaceable;
  std::map<std::string, std::string> status_text, journal;
  std::vector<std::tuple<std::string, int, std::string>> errors;
  std::vector<Request> requests;
  // Loop thread only.
  std::map<std::string, std::vector<net::ExchangePtr>> followers;

  // The unit reaches its desired state (caller holds mu).
  void Settle(Unit& u) {
    pending.erase(u.name);
    if (auto it = unplaceable.find(u.name); it != unplaceable.end()) {
      u.reason = u.desired == "inactive" ? "" : it->second;
      return;
    }
    for (auto it = states.begin(); it != states.end();) {
      it = it->first.first == u.name ? states.erase(it) : std::next(it);
    }
    if (IsGlobal(u)) return;
    u.current = u.desired;
    u.machine = u.desired == "inactive" || machines.empty() ? "" : machines.front().id;
    if (u.machine.empty()) return;
    bool launched = u.desired == "launched";
    states[{u.name, u.machine}] = {u.name,
                                   Hash(u.options),
                                   u.machine,
                                   "loaded",
                                   launched ? "active" : "inactive",
                                   launched ? "running" : "dead"};
  }

  template <typename T>
  json::object Page(const std::vector<T>& all, const std::string& key,
                    const std::map<std::string, std::string>& query,
                    const std::function<json::value(const T&)>& to_json, int* error) {
    int page = 1;
    if (auto t = query.find("nextPageToken"); t != query.end()) {
      auto tok = DecodeToken(t->second);
      if (!tok || tok->first != page_limit || tok->second == 0) {
        *error = 400;
        return {};
      }
      page = tok->second;
    }
    json::object o;
    json::array items;
    size_t start = static_cast<size_t>((page - 1) * page_limit);
    size_t stop = static_cast<size_t>(page * page_limit);
    if (start < all.size()) {
      // fleet's extractPageData: a full last page still gets a token (for
      // an empty page after it).
      if (stop > all.size()) {
        stop = all.size();
      } else {
        o["nextPageToken"] = EncodeToken(page_limit, page + 1);
      }
      for (size_t i = start; i < stop; ++i) items.push_back(to_json(all[i]));
    }
    if (!items.empty()) o[key] = std::move(items);
    return o;
  }

  void Handle(net::HttpRequest&& r, net::ExchangePtr ex) {
    std::unique_lock lock(mu);
    requests.push_back({r.method, r.target, r.body});
    cv.notify_all();
    for (const auto& [part, status, message] : errors) {
      if (r.path.find(part) != std::string::npos) {
        ex->Send(ErrorResponse(status, message));
        return;
      }
    }
    const std::string base = "/fleet/v1/";
    if (r.path.rfind(base, 0) != 0) {
      ex->Send(ErrorResponse(404, "not found"));
      return;
    }
    std::string rest = PercentDecode(r.path.substr(base.size()));
    auto query = ParseQuery(r.query);
    int error = 0;
    json::object page;
    if (rest == "units" && r.method == "GET") {
      std::vector<Unit> all;
      for (const auto& [n, u] : units) all.push_back(u);
      page = Page<Unit>(
          all, "units", query, [](const Unit& u) { return UnitJson(u); }, &error);
    } else if (rest == "state" && r.method == "GET") {
      std::vector<State> all;
      for (const auto& [k, s] : states) all.push_back(s);
      page = Page<State>(
          all, "states", query,
          [](const State& s) -> json::value {
            return json::object{{"name", s.name},
                                {"hash", s.hash},
                                {"machineID", s.machine},
                                {"systemdLoadState", s.load},
                                {"systemdActiveState", s.active},
                                {"systemdSubState", s.sub}};
          },
          &error);
    } else if (rest == "machines" && r.method == "GET") {
      page = Page<Machine>(
          machines, "machines", query,
          [](const Machine& m) -> json::value {
            json::object md;
            for (const auto& [k, v] : m.metadata) md[k] = v;
            json::object o{{"id", m.id}, {"primaryIP", m.ip}};
            if (!md.empty()) o["metadata"] = std::move(md);
            return o;
          },
          &error);
    } else if (rest.rfind("units/", 0) == 0) {
      std::string name = rest.substr(6);
      size_t slash = name.find('/');
      std::string sub = slash == std::string::npos ? "" : name.substr(slash + 1);
      if (slash != std::string::npos) name.resize(slash);
      HandleUnit(r, ex, name, sub, query);
      return;
    } else {
      ex->Send(ErrorResponse(404, "not found"));
      return;
    }
    if (error) {
      ex->Send(ErrorResponse(400, "token limit must be " + std::to_string(page_limit)));
      return;
    }
    ex->Send(JsonResponse(200, page));
  }

  void HandleUnit(net::HttpRequest& r, const net::ExchangePtr& ex, const std::string& name,
                  const std::string& sub, const std::map<std::string, std::string>& query) {
    auto it = units.find(name);
    if (sub == "status" || sub == "journal") {
      if (it == units.end()) {
        ex->Send(ErrorResponse(404, "unit does not exist"));
      } else if (sub == "status") {
        auto t = status_text.find(name);
        ex->Send(TextResponse(t != status_text.end() ? t->second : "● " + name + "\n"));
      } else {
        int lines = query.count("lines") ? std::stoi(query.at("lines")) : 10;
        std::string text = LastLines(journal[name], lines);
        if (query.count("follow") && query.at("follow") == "true") {
          ex->StartStream(200, {{"Content-Type", "text/plain; charset=utf-8"}});
          if (!text.empty()) ex->WriteChunk(text);
          followers[name].push_back(ex);
        } else {
          ex->Send(TextResponse(text));
        }
      }
      return;
    }
    if (r.method == "GET") {
      if (it == units.end()) {
        ex->Send(ErrorResponse(404, "unit does not exist"));
        return;
      }
      if (auto p = pending.find(name); p != pending.end() && --p->second <= 0) Settle(it->second);
      ex->Send(JsonResponse(200, UnitJson(it->second)));
    } else if (r.method == "DELETE") {
      if (it == units.end()) {
        ex->Send(ErrorResponse(404, "unit does not exist"));
        return;
      }
      units.erase(it);
      pending.erase(name);
      for (auto s = states.begin(); s != states.end();) {
        s = s->first.first == name ? states.erase(s) : std::next(s);
      }
      ex->Send(Empty(204));
    } else if (r.method == "PUT") {
      const std::string* ct = r.Header("Content-Type");
      if (!ct || ct->rfind("application/json", 0) != 0) {
        ex->Send(ErrorResponse(415, "expected Content-Type application/json"));
        return;
      }
      boost::system::error_code ec;
      json::value body = json::parse(r.body, ec);
      if (ec || !body.is_object()) {
        ex->Send(ErrorResponse(400, "unable to decode body"));
        return;
      }
      const json::object& o = body.get_object();
      auto str = [&](const char* k) {
        const json::value* v = o.if_contains(k);
        return v && v->is_string() ? std::string(v->get_string()) : std::string();
      };
      std::vector<Option> options;
      if (const json::value* opts = o.if_contains("options"); opts && opts->is_array()) {
        for (const auto& ov : opts->get_array()) {
          const auto& oo = ov.get_object();
          auto field = [&](const char* k) {
            const json::value* v = oo.if_contains(k);
            return v && v->is_string() ? std::string(v->get_string()) : std::string();
          };
          options.push_back({field("section"), field("name"), field("value")});
        }
      }
      std::string desired = str("desiredState");
      if (!str("name").empty() && str("name") != name) {
        ex->Send(ErrorResponse(400, "name in URL differs from unit name in request body"));
        return;
      }
      if (it == units.end()) {
        if (options.empty()) {
          ex->Send(ErrorResponse(409, "unit does not exist and options field empty"));
          return;
        }
        Unit u;
        u.name = name;
        u.options = options;
        u.desired = desired.empty() ? "inactive" : desired;
        u.current = IsGlobal(u) ? "" : "inactive";
        units[name] = u;
        ex->Send(Empty(201));
        return;
      }
      if (!options.empty() && Hash(options) != Hash(it->second.options)) {
        it->second.options = options;  // replaced; flotilla keeps the desired state
        ex->Send(Empty(201));
        return;
      }
      if (desired.empty()) {
        ex->Send(ErrorResponse(409, "must provide DesiredState to update existing unit"));
        return;
      }
      if (name.find("@.") != std::string::npos && desired != "inactive") {
        ex->Send(ErrorResponse(400, "cannot activate template \"" + name + "\""));
        return;
      }
      Unit& u = it->second;
      u.desired = desired;
      if (placement_polls <= 0 || unplaceable.count(name)) {
        Settle(u);
      } else {
        pending[name] = placement_polls;
      }
      ex->Send(Empty(204));
    } else {
      ex->Send(ErrorResponse(405, "only GET, PUT and DELETE supported against this resource"));
    }
  }
};

FakeFleetApi::FakeFleetApi(int page_limit) : impl_(std::make_unique<Impl>()) {
  impl_->page_limit = page_limit;
  impl_->server = std::make_unique<net::HttpServer>(
      impl_->loop,
      [this](net::HttpRequest&& r, net::ExchangePtr ex) { impl_->Handle(std::move(r), ex); });
  auto port = impl_->server->Listen("127.0.0.1", 0);
  if (!port.ok()) throw std::runtime_error("listen: " + port.status().message());
  url_ = "http://127.0.0.1:" + std::to_string(*port);
  impl_->server->Serve();
  impl_->thread = std::thread([this] { impl_->loop.Run(); });
}

FakeFleetApi::~FakeFleetApi() {
  impl_->loop.Post([this] {
    impl_->followers.clear();
    impl_->server->Close();
    impl_->loop.Stop();
  });
  impl_->thread.join();
}

void FakeFleetApi::AddMachine(Machine m) {
  std::lock_guard lock(impl_->mu);
  impl_->machines.push_back(std::move(m));
  std::sort(impl_->machines.begin(), impl_->machines.end(),
            [](const Machine& a, const Machine& b) { return a.id < b.id; });
}

void FakeFleetApi::PutUnit(Unit u) {
  std::lock_guard lock(impl_->mu);
  impl_->units[u.name] = u;
}

std::optional<FakeFleetApi::Unit> FakeFleetApi::GetUnit(const std::string& name) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->units.find(name);
  if (it == impl_->units.end()) return std::nullopt;
  return it->second;
}

void FakeFleetApi::AddState(State s) {
  std::lock_guard lock(impl_->mu);
  impl_->states[{s.name, s.machine}] = s;
}

void FakeFleetApi::set_placement_polls(int polls) {
  std::lock_guard lock(impl_->mu);
  impl_->placement_polls = polls;
}

void FakeFleetApi::SetUnplaceable(const std::string& name, const std::string& reason) {
  std::lock_guard lock(impl_->mu);
  impl_->unplaceable[name] = reason;
}

void FakeFleetApi::SetStatusText(const std::string& name, const std::string& text) {
  std::lock_guard lock(impl_->mu);
  impl_->status_text[name] = text;
}

void FakeFleetApi::SetJournal(const std::string& name, const std::string& text) {
  std::lock_guard lock(impl_->mu);
  impl_->journal[name] = text;
}

void FakeFleetApi::PushJournal(const std::string& name, const std::string& text) {
  impl_->loop.Post([this, name, text] {
    for (auto& ex : impl_->followers[name]) {
      if (!ex->closed()) ex->WriteChunk(text);
    }
  });
}

void FakeFleetApi::EndJournal(const std::string& name) {
  impl_->loop.Post([this, name] {
    for (auto& ex : impl_->followers[name]) {
      if (!ex->closed()) ex->EndStream();
    }
    impl_->followers.erase(name);
  });
}

void FakeFleetApi::SetError(const std::string& path_part, int status, const std::string& message) {
  std::lock_guard lock(impl_->mu);
  impl_->errors.emplace_back(path_part, status, message);
}

std::vector<FakeFleetApi::Request> FakeFleetApi::requests() {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

int FakeFleetApi::Count(const std::string& method, const std::string& prefix) {
  std::lock_guard lock(impl_->mu);
  return static_cast<int>(std::count_if(
      impl_->requests.begin(), impl_->requests.end(),
      [&](const Request& r) { return r.method == method && r.target.rfind(prefix, 0) == 0; }));
}

bool FakeFleetApi::WaitFor(const std::function<bool(const std::vector<Request>&)>& done,
                           std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return done(impl_->requests); });
}

std::string FakeFleetApi::Hash(const std::vector<Option>& options) {
  unit::UnitFile f;
  for (const auto& o : options) f.options.push_back({o.section, o.name, o.value});
  return unit::Hash(f);
}

}  // namespace flotilla::testing
