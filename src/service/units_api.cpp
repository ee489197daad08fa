#include "service/units_api.h"

#include <unistd.h>

#include <chrono>

#include "base/json_writer.h"

namespace flotilla::service {
namespace {

net::HttpResponse Json(int status, std::string body) {
  net::HttpResponse r;
  r.status = status;
  r.Set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

net::HttpResponse Error(int status, std::string_view message) {
  std::string body;
  base::JsonWriter w(body);
  w.BeginObject();
  w.Key("error");
  w.String(message);
  w.EndObject();
  return Json(status, std::move(body));
}

// The value of `key` in a raw query ("unit=a&lines=3"); no decoding needed
// for unit names and numbers.
std::string QueryValue(std::string_view query, std::string_view key) {
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t end = query.find('&', pos);
    if (end == std::string_view::npos) end = query.size();
    std::string_view item = query.substr(pos, end - pos);
    if (item.substr(0, key.size()) == key && item.size() > key.size() && item[key.size()] == '=')
      return std::string(item.substr(key.size() + 1));
    pos = end + 1;
  }
  return "";
}

}  // namespace

std::string UnitsApi::UnitJson(const std::string& name) const {
  const Service* s = manager_.Find(name);
  const auto& st = s->status();
  std::string out;
  base::JsonWriter w(out);
  w.BeginObject();
  w.Key("name");
  w.String(name);
  w.Key("description");
  w.String(s->config().description);
  w.Key("path");
  w.String(manager_.Source(name));
  w.Key("load");
  w.String("loaded");
  w.Key("active");
  w.String(ToString(st.active));
  w.Key("sub");
  w.String(ToString(st.sub));
  w.Key("result");
  w.String(ToString(st.result));
  w.Key("mainPID");
  w.Int(st.main_pid);
  w.Key("since");
  w.Int(std::chrono::duration_cast<std::chrono::microseconds>(st.since.time_since_epoch()).count());
  w.Key("mainCommand");
  w.String(st.main_pid > 0 ? s->config().MainCommand() : "");
  w.EndObject();
  return out;
}

// journalctl -f: the tail, then every new line as a chunk, until the
// client goes away.
void UnitsApi::Follow(const std::string& unit, std::string tail, const ShortFormat& format,
                      net::ExchangePtr exchange) {
  exchange->StartStream(200, {{"Content-Type", "text/plain; charset=utf-8"}});
  if (!tail.empty()) exchange->WriteChunk(std::move(tail));
  auto sub = std::make_shared<JournalSubscription>();
  *sub = journal_.Follow(unit, [exchange, format](const JournalEntry& e) {
    if (!exchange->closed()) exchange->WriteChunk(FormatShort(e, format) + "\n");
  });
  // The subscription lives until the client leaves.
  exchange->OnClose([sub] { sub->Cancel(); });
}

void UnitsApi::Handle(net::HttpRequest&& request, net::ExchangePtr exchange) {
  std::string_view path = request.path;
  path.remove_prefix(std::string_view("/flotilla/v1/").size());
  if (path == "units") {
    if (request.method != "GET") return exchange->Send(Error(405, "use GET"));
    std::string body = "{\"units\":[";
    bool first = true;
    for (const auto& name : manager_.Units()) {
      if (!first) body += ',';
      first = false;
      body += UnitJson(name);
    }
    body += "]}";
    return exchange->Send(Json(200, std::move(body)));
  }
  if (path == "journal") {
    if (request.method != "GET") return exchange->Send(Error(405, "use GET"));
    std::string unit = QueryValue(request.query, "unit");
    std::string lines = QueryValue(request.query, "lines");
    size_t n = 10;
    if (!lines.empty()) {
      if (lines.find_first_not_of("0123456789") != std::string::npos || lines.size() > 7)
        return exchange->Send(Error(400, "lines must be a number"));
      n = std::stoul(lines);
    }
    std::string since = QueryValue(request.query, "since");
    base::Result<std::vector<JournalEntry>> entries = std::vector<JournalEntry>{};
    if (since.empty()) {
      entries = journal_.Tail(unit, n);
    } else {
      if (since.find_first_not_of("0123456789") != std::string::npos || since.size() > 19)
        return exchange->Send(Error(400, "since must be Unix nanoseconds"));
      entries = journal_.Since(unit, std::stoll(since));
      // With lines too, the last `lines` of those.
      if (entries.ok() && !lines.empty() && entries->size() > n)
        entries->erase(entries->begin(), entries->end() - static_cast<ptrdiff_t>(n));
    }
    if (!entries.ok()) return exchange->Send(Error(500, entries.status().message()));
    ShortFormat format;
    format.hostname = hostname_;
    format.manager_pid = ::getpid();
    std::string body;
    for (const auto& e : *entries) body += FormatShort(e, format) + "\n";
    if (QueryValue(request.query, "follow") == "1") return Follow(unit, body, format, exchange);
    net::HttpResponse r;
    r.Set("Content-Type", "text/plain; charset=utf-8");
    r.body = std::move(body);
    return exchange->Send(std::move(r));
  }
  if (path.rfind("units/", 0) != 0) return exchange->Send(Error(404, "no such path"));
  path.remove_prefix(6);
  std::string name(path.substr(0, path.find('/')));
  std::string action =
      path.find('/') == std::string_view::npos ? "" : std::string(path.substr(path.find('/') + 1));
  if (action == "file" && request.method == "PUT") {
    const std::string* header = request.Header("X-Unit-Path");
    std::string source = header ? *header : "";
    auto file = unit::ParseUnitFile(request.body, source.empty() ? name : source);
    if (!file.ok()) return exchange->Send(Error(400, file.status().message()));
    auto st = manager_.Add(*file, name, source);
    if (!st.ok()) return exchange->Send(Error(400, st.message()));
    net::HttpResponse r;
    r.status = 204;
    return exchange->Send(std::move(r));
  }
  // Starting an instance of a loaded template loads the instance.
  if (!manager_.Find(name) && action != "start")
    return exchange->Send(Error(404, "Unit " + name + " not found."));
  if (action.empty()) {
    if (request.method != "GET") return exchange->Send(Error(405, "use GET"));
    return exchange->Send(Json(200, UnitJson(name)));
  }
  if (action == "file") {
    if (request.method != "GET") return exchange->Send(Error(405, "use GET"));
    net::HttpResponse r;
    r.Set("Content-Type", "text/plain; charset=utf-8");
    r.body = unit::Serialize(*manager_.File(name));
    return exchange->Send(std::move(r));
  }
  if (request.method != "POST") return exchange->Send(Error(405, "use POST"));
  base::Status st = action == "start"     ? manager_.Start(name)
                    : action == "stop"    ? manager_.Stop(name)
                    : action == "restart" ? manager_.Restart(name)
                    : action == "reload"  ? manager_.Reload(name)
                                          : base::Status(base::Code::kNotFound, "no such action");
  if (!st.ok()) {
    return exchange->Send(Error(st.code() == base::Code::kNotFound ? 404 : 400, st.message()));
  }
  net::HttpResponse r;
  r.status = 204;
  exchange->Send(std::move(r));
}

}  // namespace flotilla::service
