#include "cli/machine_fleet.h"

#include <fcntl.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/log.h"
#include "etcd/client.h"
#include "fleet/agent.h"
#include "fleet/api.h"
#include "fleet/engine.h"
#include "fleet/registry.h"
#include "fleet/unit_host.h"

namespace flotilla::cli {
namespace {

// 32 random hex digits, like /etc/machine-id.
base::Result<std::string> NewMachineId() {
  unsigned char bytes[16];
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::read(fd, bytes, sizeof bytes) != static_cast<ssize_t>(sizeof bytes)) {
    if (fd >= 0) ::close(fd);
    return base::Status(base::Code::kIoError, "reading /dev/urandom");
  }
  ::close(fd);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) id += kHex[b >> 4], id += kHex[b & 15];
  return id;
}

base::Result<std::string> MachineIdOf(const std::string& data_dir) {
  auto& fs = base::RealFs();
  std::string path = base::JoinPath(data_dir, "machine-id");
  if (fs.Exists(path)) {
    auto text = fs.ReadFile(path);
    if (!text.ok()) return text.status();
    std::string id = text->substr(0, text->find('\n'));
    if (!id.empty()) return id;
  }
  auto id = NewMachineId();
  if (!id.ok()) return id;
  FLOTILLA_RETURN_IF_ERROR(base::WriteFileAtomic(fs, path, *id + "\n"));
  return id;
}

}  // namespace

base::Result<std::map<std::string, std::string>> ParseMetadata(const std::string& text) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      return base::Status(base::Code::kInvalidArgument,
                          "bad metadata " + item + " (want key=value)");
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

struct MachineFleet::Impl {
  net::EventLoop* loop = nullptr;
  FleetConfig config;
  std::unique_ptr<etcd::Client> client;
  std::unique_ptr<fleet::Registry> registry;
  std::unique_ptr<fleet::ManagerHost> host;
  std::unique_ptr<fleet::Agent> agent;
  std::unique_ptr<fleet::Engine> engine;
  std::unique_ptr<fleet::Api> api;
  std::unique_ptr<net::HttpServer> socket_server;
};

MachineFleet::MachineFleet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MachineFleet::~MachineFleet() = default;

base::Result<std::unique_ptr<MachineFleet>> MachineFleet::Open(net::EventLoop& loop,
                                                               service::Manager& manager,
                                                               FleetConfig config) {
  auto impl = std::make_unique<Impl>();
  impl->loop = &loop;
  if (config.machine_id.empty()) {
    auto id = MachineIdOf(config.data_dir);
    if (!id.ok()) return id.status().WithContext("machine id");
    config.machine_id = *id;
  }
  auto client = etcd::Client::Make(loop, config.store_endpoints);
  if (!client.ok()) return client.status().WithContext("store endpoints");
  impl->client = std::move(*client);
  impl->registry = std::make_unique<fleet::Registry>(loop, *impl->client);
  impl->host = std::make_unique<fleet::ManagerHost>(manager);
  fleet::MachineRecord self{config.machine_id, config.public_ip, config.metadata, FLOTILLA_VERSION,
                            config.endpoint};
  fleet::AgentOptions agent_options;
  agent_options.ttl = config.agent_ttl;
  agent_options.heartbeat =
      std::chrono::duration_cast<std::chrono::milliseconds>(config.agent_ttl) / 3;
  impl->agent = std::make_unique<fleet::Agent>(*impl->registry, self, *impl->host, agent_options);
  if (config.engine) {
    fleet::EngineOptions engine_options;
    engine_options.lease_ttl = config.agent_ttl;
    engine_options.renew_interval = agent_options.heartbeat;
    engine_options.settle = std::chrono::duration_cast<std::chrono::milliseconds>(config.agent_ttl);
    impl->engine =
        std::make_unique<fleet::Engine>(*impl->registry, config.machine_id, engine_options);
  }
  fleet::Api::Options api_options;
  auto* agent = impl->agent.get();
  api_options.ready = [agent] { return agent->registered(); };
  api_options.version = FLOTILLA_VERSION;
  impl->api = std::make_unique<fleet::Api>(loop, *impl->registry, api_options);
  if (config.socket != "-") {
    std::string path =
        config.socket.empty() ? base::JoinPath(config.data_dir, "fleet.sock") : config.socket;
    auto* api = impl->api.get();
    impl->socket_server = std::make_unique<net::HttpServer>(
        loop, [api](net::HttpRequest&& r, net::ExchangePtr ex) { api->Handle(std::move(r), ex); });
    if (auto st = impl->socket_server->ListenUnix(path); !st.ok())
      return st.WithContext("fleet socket");
    FLOG_INFO("serve: fleet API on unix://{}", path);
  }
  impl->config = std::move(config);
  return std::unique_ptr<MachineFleet>(new MachineFleet(std::move(impl)));
}

void MachineFleet::Start() {
  FLOG_INFO("serve: fleet machine {}", impl_->config.machine_id);
  impl_->agent->Start();
  if (impl_->engine) impl_->engine->Start();
  if (impl_->socket_server) impl_->socket_server->Serve();
}

bool MachineFleet::Serves(const net::HttpRequest& request) {
  return fleet::Api::Serves(request);
}

void MachineFleet::Handle(net::HttpRequest&& request, net::ExchangePtr exchange) {
  impl_->api->Handle(std::move(request), std::move(exchange));
}

void MachineFleet::Stop(std::function<void()> done) {
  impl_->agent->Stop([this, done = std::move(done)]() mutable {
    if (impl_->socket_server) impl_->socket_server->Close();
    if (!impl_->engine) return done();
    impl_->engine->Stop(std::move(done));
  });
}

const std::string& MachineFleet::machine_id() const {
  return impl_->config.machine_id;
}

}  // namespace flotilla::cli
