// The fleet API's front: the 503 gate, the Server header, and fleet's
// routing (api/mux.go and api/path.go): which path is a collection, which
// an item, and the 404 and 405 answers for the rest.
#include "fleet/api.h"

#include "etcd/form.h"
#include "fleet/api_reply.h"
#include "net/query.h"

namespace flotilla::fleet {

std::string_view DiscoveryDocument();  // api_discovery.cpp

namespace {

// Adds "Server: fleetd/<version>" to whatever the handlers answer
// (fleet's serverInfoMiddleware).
class ServerHeaderExchange : public net::Exchange {
 public:
  ServerHeaderExchange(net::ExchangePtr inner, std::string server)
      : inner_(std::move(inner)), server_(std::move(server)) {}
  void Send(net::HttpResponse response) override {
    response.Set("Server", server_);
    inner_->Send(std::move(response));
  }
  void StartStream(int status, net::Headers headers) override {
    headers.emplace_back("Server", server_);
    inner_->StartStream(status, std::move(headers));
  }
  void WriteChunk(std::string data) override { inner_->WriteChunk(std::move(data)); }
  void EndStream() override { inner_->EndStream(); }
  bool closed() const override { return inner_->closed(); }
  void OnClose(std::function<void()> fn) override { inner_->OnClose(std::move(fn)); }

 private:
  net::ExchangePtr inner_;
  std::string server_;
};

constexpr std::string_view kPrefixes[] = {"/fleet/v1", "/v1-alpha"};

const char* kOnlyGet = "only GET supported against this resource";

}  // namespace

Api::Api(net::EventLoop& loop, Registry& registry, Options options)
    : loop_(loop), registry_(registry), options_(std::move(options)) {
  if (!options_.now) options_.now = [] { return std::chrono::system_clock::now(); };
}

Api::~Api() {
  *alive_ = false;
}

bool Api::Serves(const net::HttpRequest& request) {
  std::string_view p = request.path;
  for (std::string_view base : kPrefixes) {
    if (p.starts_with(base) && (p.size() == base.size() || p[base.size()] == '/')) return true;
  }
  return false;
}

void Api::Handle(net::HttpRequest&& request, net::ExchangePtr exchange) {
  auto ex =
      std::make_shared<ServerHeaderExchange>(std::move(exchange), "fleetd/" + options_.version);
  if (options_.ready && !options_.ready())
    return ex->Send(ErrorReply(503, "fleet server unable to communicate with etcd"));
  Request r;
  r.method = std::move(request.method);
  auto path = etcd::Unescape(request.path, false);
  if (!path) return ex->Send(ErrorReply(400, "invalid URL escape in path"));
  r.path = std::move(*path);
  r.query = net::ParseQueryValues(request.query);
  r.headers = std::move(request.headers);
  r.body = std::move(request.body);
  Route(std::move(r), ex);
}

void Api::Route(Request r, const net::ExchangePtr& ex) {
  std::string_view rest;
  bool matched = false;
  for (std::string_view base : kPrefixes) {
    std::string_view p = r.path;
    if (p == base) return ex->Send(ErrorReply(405, ""));
    if (p.starts_with(base) && p[base.size()] == '/') {
      rest = p.substr(base.size());
      matched = true;
      break;
    }
  }
  if (!matched) return ex->Send(ErrorReply(r.path == "/" ? 405 : 404, ""));
  const std::string& m = r.method;

  if (rest == "/units") {
    if (m != "GET") return ex->Send(ErrorReply(405, kOnlyGet));
    return ListUnits(r, ex);
  }
  if (rest.starts_with("/units/")) {
    std::string_view item = rest.substr(7);
    size_t slash = item.find('/');
    if (slash == std::string_view::npos) {
      if (item.empty()) return ex->Send(ErrorReply(404, ""));
      r.item = std::string(item);
      if (m == "GET") return GetUnit(r, ex);
      if (m == "DELETE") return DestroyUnit(r, ex);
      if (m == "PUT") return SetUnit(r, ex);
      return ex->Send(ErrorReply(405, "only GET, PUT and DELETE supported against this resource"));
    }
    std::string_view sub = item.substr(slash + 1);
    item = item.substr(0, slash);
    if (item.empty() || (sub != "status" && sub != "journal")) {
      return ex->Send(ErrorReply(404, ""));
    }
    if (m != "GET") return ex->Send(ErrorReply(405, kOnlyGet));
    r.item = std::string(item);
    return sub == "status" ? UnitStatus(r, ex) : UnitJournal(r, ex);
  }
  if (rest == "/state") {
    if (m != "GET") return ex->Send(ErrorReply(405, kOnlyGet));
    return ListStates(r, ex);
  }
  if (rest.starts_with("/state/")) {
    std::string_view item = rest.substr(7);
    if (item.empty() || item.find('/') != std::string_view::npos)
      return ex->Send(ErrorReply(404, ""));
    if (m != "GET") return ex->Send(ErrorReply(405, kOnlyGet));
    r.item = std::string(item);
    return GetState(r, ex);
  }
  if (rest == "/machines") {
    if (m == "GET") return ListMachines(r, ex);
    if (m == "PATCH") return PatchMachines(r, ex);
    return ex->Send(ErrorReply(405, "only GET and PATCH supported against this resource"));
  }
  if (rest == "/discovery") {
    if (m != "GET")
      return ex->Send(ErrorReply(400, "only HTTP GET supported against this resource"));
    return ex->Send(JsonReply(200, std::string(DiscoveryDocument())));
  }
  ex->Send(ErrorReply(404, ""));
}

}  // namespace flotilla::fleet
