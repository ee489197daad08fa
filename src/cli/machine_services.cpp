#include "cli/machine_services.h"

#include <limits.h>
#include <unistd.h>

#include <cstdlib>

#include "base/fs.h"
#include "service/journal.h"
#include "service/manager.h"
#include "service/units_api.h"

namespace flotilla::cli {

// How long the processes an earlier run left get after SIGTERM.
constexpr std::chrono::seconds kLeftoverGrace{10};

struct MachineServices::Impl {
  std::unique_ptr<service::Journal> journal;
  std::unique_ptr<service::Manager> manager;
  std::unique_ptr<service::UnitsApi> api;
  net::EventLoop* loop = nullptr;
};

MachineServices::MachineServices(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MachineServices::~MachineServices() = default;

base::Result<std::unique_ptr<MachineServices>> MachineServices::Open(
    net::EventLoop& loop, const std::string& data_dir, const std::string& unit_dir,
    std::map<std::string, std::string> env) {
  auto& fs = base::RealFs();
  FLOTILLA_RETURN_IF_ERROR(fs.CreateDirs(data_dir));
  // The state directory marks the units' processes: it must not depend on
  // the working directory flotilla was started in.
  char* real = ::realpath(data_dir.c_str(), nullptr);
  if (!real) return base::Status(base::Code::kIoError, "data dir " + data_dir);
  std::string dir = real;
  std::free(real);

  auto impl = std::make_unique<Impl>();
  impl->loop = &loop;
  auto journal = service::Journal::Open(fs, base::JoinPath(dir, "journal"), base::SystemClock());
  if (!journal.ok()) return journal.status().WithContext("journal");
  impl->journal = std::move(*journal);
  const char* path = std::getenv("PATH");
  env.emplace("PATH", path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  impl->manager = std::make_unique<service::Manager>(loop, impl->journal.get(), std::move(env));
  FLOTILLA_RETURN_IF_ERROR(impl->manager->UseStateDir(base::JoinPath(dir, "service")));
  if (!unit_dir.empty()) FLOTILLA_RETURN_IF_ERROR(impl->manager->LoadDirectory(unit_dir));
  FLOTILLA_RETURN_IF_ERROR(impl->manager->Recover(kLeftoverGrace));

  char host[HOST_NAME_MAX + 1] = "localhost";
  ::gethostname(host, sizeof host - 1);
  impl->api = std::make_unique<service::UnitsApi>(*impl->manager, *impl->journal, host);
  auto* journal_ptr = impl->journal.get();
  loop.Every(std::chrono::seconds(1), [journal_ptr] { (void)journal_ptr->Sync(); });
  return std::unique_ptr<MachineServices>(new MachineServices(std::move(impl)));
}

bool MachineServices::Serves(const net::HttpRequest& request) {
  return service::UnitsApi::Serves(request);
}

void MachineServices::Handle(net::HttpRequest&& request, net::ExchangePtr exchange) {
  impl_->api->Handle(std::move(request), std::move(exchange));
}

service::Manager& MachineServices::manager() {
  return *impl_->manager;
}

void MachineServices::Shutdown(std::function<void()> done) {
  impl_->manager->Shutdown([this, done = std::move(done)] {
    (void)impl_->journal->Sync();
    done();
  });
}

}  // namespace flotilla::cli
