#include "service/service.h"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>

#include "base/fs.h"
#include "service/journal_format.h"
#include "service/service_state.h"
#include "unit/env_file.h"

namespace flotilla::service {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

struct Service::Impl : std::enable_shared_from_this<Service::Impl> {
  Impl(net::EventLoop& l, Service& o, std::map<std::string, std::string> env, Events e)
      : loop(l),
        owner(o),
        base_env(std::move(env)),
        events(std::move(e)),
        timer(l.context()),
        poll(l.context()) {}

  net::EventLoop& loop;
  Service& owner;
  std::map<std::string, std::string> base_env;
  Events events;
  asio::steady_timer timer;  // the phase's timeout, or the restart delay
  asio::steady_timer poll;   // forking services: is the group still there?
  std::unique_ptr<Child> main, control;
  std::vector<pid_t> groups;  // every process group started in this run
  std::vector<unit::ExecCommand> queue;
  size_t next = 0;
  std::function<void()> queue_done;
  std::map<std::string, std::string> env;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  bool stop_asked = false;
  bool start_after_stop = false;  // Restart() while stopping: start once dead
  ServiceResult result = ServiceResult::kSuccess;
  std::deque<Clock::time_point> starts;
  bool destroyed = false;

  const ServiceConfig& config() const { return owner.config_; }
  ServiceStatus& status() { return owner.status_; }
  std::string Event(UnitEvent e) const {
    return UnitEventMessage(e, config().name.full, config().description, ToString(result));
  }
  void Say(const std::string& message) {
    if (events.message) events.message(message);
  }
  void Enter(SubState s) {
    ActiveState before = status().active;
    status().sub = s;
    status().active = ActiveOf(s);
    if (status().active != before) status().since = std::chrono::system_clock::now();
    if (events.changed) events.changed(status());
  }
  void Fail(ServiceResult r) {
    if (result == ServiceResult::kSuccess) result = r;
  }
  bool AnyAlive() {
    if ((main && main->running()) || (control && control->running())) return true;
    if (config().kill_mode == KillMode::kProcess || config().kill_mode == KillMode::kNone)
      return false;
    for (pid_t g : groups)
      if (GroupAlive(g)) return true;
    return false;
  }

  // --- starting ---

  void Start() {
    auto now = Clock::now();
    while (!starts.empty() && now - starts.front() > config().start_limit_interval)
      starts.pop_front();
    if (config().start_limit_burst > 0 && starts.size() >= config().start_limit_burst) {
      Say(fmt::format("{}: Start request repeated too quickly.", config().name.full));
      result = ServiceResult::kStartLimitHit;
      return EnterDead();
    }
    starts.push_back(now);
    result = ServiceResult::kSuccess;
    stop_asked = false;
    groups.clear();
    status().main_pid = 0;
    Say(Event(UnitEvent::kStarting));
    if (auto st = PrepareRun(); !st.ok()) {
      Say(fmt::format("{}: {}", config().name.full, st.message()));
      Fail(ServiceResult::kResources);
      return EnterStopPost();
    }
    if (config().timeout_start) {
      Arm(*config().timeout_start, [this] {
        Say(fmt::format("{}: start operation timed out. Terminating.", config().name.full));
        Fail(ServiceResult::kTimeout);
        EnterSignal(SubState::kStopSigterm);
      });
    }
    Enter(SubState::kStartPre);
    RunQueue(config().exec_start_pre, [this] { EnterStart(); });
  }

  // The run's environment and user, from the unit and its files.
  base::Status PrepareRun() {
    env = base_env;
    for (const auto& ref : config().environment_files) {
      auto text = base::RealFs().ReadFile(ref.path);
      if (!text.ok()) {
        if (ref.optional) continue;
        return text.status().WithContext("Failed to load environment files");
      }
      auto vars = unit::ParseEnvironmentFile(*text, ref.path);
      if (!vars.ok()) return vars.status();
      for (auto& [k, v] : *vars) env[k] = v;
    }
    for (const auto& kv : config().environment) {
      auto eq = kv.find('=');
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    uid.reset(), gid.reset();
    if (!config().user.empty()) {
      struct passwd* pw = ::getpwnam(config().user.c_str());
      if (!pw) return base::Status(base::Code::kNotFound, "no such user: " + config().user);
      uid = pw->pw_uid;
      gid = pw->pw_gid;
      env["USER"] = config().user;
      env["HOME"] = pw->pw_dir;
    }
    if (!config().group.empty()) {
      struct group* gr = ::getgrnam(config().group.c_str());
      if (!gr) return base::Status(base::Code::kNotFound, "no such group: " + config().group);
      gid = gr->gr_gid;
    }
    return base::Status::Ok();
  }

  base::Result<std::unique_ptr<Child>> Launch(const unit::ExecCommand& cmd, bool is_main) {
    SpawnOptions o;
    auto path = ResolveExecutable(cmd.path, env.count("PATH") ? env["PATH"] : "/usr/bin:/bin");
    if (!path.ok()) return path.status();
    o.path = *path;
    o.argv = unit::ExpandEnvironment(cmd, env);
    for (const auto& [k, v] : env) o.env.push_back(k + "=" + v);
    o.working_directory = config().working_directory;
    o.uid = uid;
    o.gid = gid;
    std::weak_ptr<Impl> weak = shared_from_this();
    auto pid_holder = std::make_shared<pid_t>(0);
    auto child =
        Child::Start(loop, o,
                     {[weak, pid_holder](Stream s, std::string_view line) {
                        auto self = weak.lock();
                        if (self && !self->destroyed && self->events.output)
                          self->events.output(*pid_holder, s, line);
                      },
                      [weak, is_main](int wait_status) {
                        auto self = weak.lock();
                        if (!self || self->destroyed) return;
                        is_main ? self->OnMainExit(wait_status) : self->OnControlExit(wait_status);
                      }});
    if (child.ok()) {
      *pid_holder = (*child)->pid();
      groups.push_back((*child)->pid());
    }
    return child;
  }

  // Runs `commands` one after another; `done` when all succeeded (or
  // failed with "-"); a failure goes to the stop steps.
  void RunQueue(const std::vector<unit::ExecCommand>& commands, std::function<void()> done) {
    queue = commands;
    next = 0;
    queue_done = std::move(done);
    RunNext();
  }

  void RunNext() {
    while (next < queue.size()) {
      const auto& cmd = queue[next++];
      auto child = Launch(cmd, false);
      if (child.ok()) {
        control = std::move(*child);
        return;
      }
      Say(fmt::format("{}: Failed to execute {}: {}", config().name.full, cmd.path,
                      child.status().message()));
      if (!cmd.ignore_failure) return CommandFailed(ServiceResult::kExitCode);
    }
    auto done = std::move(queue_done);
    queue_done = nullptr;
    if (done) done();
  }

  void OnControlExit(int wait_status) {
    const auto& cmd = queue[next - 1];
    ServiceResult r = ResultOf(wait_status, false);
    if (r != ServiceResult::kSuccess && !cmd.ignore_failure) {
      Say(fmt::format("{}: Control process exited, {}", config().name.full,
                      DescribeExit(wait_status)));
      return CommandFailed(r);
    }
    if (IsStopping() && status().sub != SubState::kStop && status().sub != SubState::kStopPost)
      return CheckStopped();
    RunNext();
  }

  bool IsStopping() const { return ActiveOf(owner.status_.sub) == ActiveState::kDeactivating; }

  void CommandFailed(ServiceResult r) {
    Fail(r);
    switch (status().sub) {
      case SubState::kStartPre:
      case SubState::kStart:
      case SubState::kStartPost:
        return EnterSignal(SubState::kStopSigterm);
      case SubState::kStop:
        return EnterSignal(SubState::kStopSigterm);
      case SubState::kStopPost:
        return EnterDead();
      default:
        return;
    }
  }

  void EnterStart() {
    Enter(SubState::kStart);
    if (config().type == ServiceType::kOneshot) {
      return RunQueue(config().exec_start, [this] { EnterStartPost(); });
    }
    const auto& cmd = config().exec_start[0];
    auto child = Launch(cmd, config().type != ServiceType::kForking);
    if (!child.ok()) {
      Say(fmt::format("{}: Failed to execute {}: {}", config().name.full, cmd.path,
                      child.status().message()));
      Say(fmt::format("{}: Main process exited, code=exited, status=203/EXEC", config().name.full));
      Fail(ServiceResult::kExitCode);
      return EnterSignal(SubState::kStopSigterm);
    }
    if (config().type == ServiceType::kForking) {
      // The parent exits once the daemon is set up; the daemon lives on in
      // the group.
      queue = {cmd};
      next = 1;
      queue_done = [this] { EnterStartPost(); };
      control = std::move(*child);
      return;
    }
    main = std::move(*child);
    status().main_pid = main->pid();
    EnterStartPost();
  }

  void EnterStartPost() {
    Enter(SubState::kStartPost);
    RunQueue(config().exec_start_post, [this] { EnterRunning(); });
  }

  void EnterRunning() {
    timer.cancel();
    if (config().type == ServiceType::kOneshot) {
      Say(Event(UnitEvent::kFinished));
      if (!config().remain_after_exit) return EnterStop();
      return Enter(SubState::kExited);
    }
    if (config().type != ServiceType::kForking && !(main && main->running())) {
      // The main process ended during start-post: treat as its exit now.
      return EnterStop();
    }
    Enter(SubState::kRunning);
    Say(Event(UnitEvent::kStarted));
    if (config().type == ServiceType::kForking) WatchForkedGroup();
  }

  void WatchForkedGroup() {
    poll.expires_after(std::chrono::milliseconds(200));
    poll.async_wait(
        [weak = std::weak_ptr<Impl>(shared_from_this())](const boost::system::error_code& ec) {
          auto self = weak.lock();
          if (ec || !self || self->destroyed || self->status().sub != SubState::kRunning) return;
          if (self->AnyAlive()) return self->WatchForkedGroup();
          self->Say(self->Event(UnitEvent::kDeactivated));
          self->EnterStop();
        });
  }

  void OnMainExit(int wait_status) {
    ServiceResult r = ResultOf(wait_status, true);
    if (r != ServiceResult::kSuccess || !IsStopping()) {
      Say(fmt::format("{}: Main process exited, {}", config().name.full,
                      DescribeExit(wait_status)));
    }
    if (IsStopping()) {
      if (!stop_asked) Fail(r);
      return CheckStopped();
    }
    Fail(r);
    switch (status().sub) {
      case SubState::kStartPost:
        return EnterSignal(SubState::kStopSigterm);  // the start failed
      case SubState::kRunning:
        return EnterStop();
      default:
        return;
    }
  }

  // --- stopping ---

  void EnterStop() {
    timer.cancel();
    poll.cancel();
    if (stop_asked) Say(Event(UnitEvent::kStopping));
    Enter(SubState::kStop);
    if (config().timeout_stop) {
      Arm(*config().timeout_stop, [this] {
        Fail(ServiceResult::kTimeout);
        EnterSignal(SubState::kStopSigterm);
      });
    }
    RunQueue(config().exec_stop, [this] { EnterSignal(SubState::kStopSigterm); });
  }

  void EnterSignal(SubState s) {
    timer.cancel();
    poll.cancel();
    Enter(s);
    if (!AnyAlive()) return EnterStopPost();
    int sig = s == SubState::kStopSigkill ? SIGKILL : config().kill_signal;
    Kill(sig);
    if (config().timeout_stop) {
      Arm(*config().timeout_stop, [this, s] {
        if (s == SubState::kStopSigterm) {
          Say(fmt::format("{}: State 'stop-sigterm' timed out. Killing.", config().name.full));
          Fail(ServiceResult::kTimeout);
          return EnterSignal(SubState::kStopSigkill);
        }
        EnterStopPost();  // processes that survive SIGKILL: nothing more to do
      });
    }
    PollStopped();
  }

  void Kill(int sig) {
    switch (config().kill_mode) {
      case KillMode::kNone:
        return;
      case KillMode::kProcess:
        if (main && main->running()) ::kill(main->pid(), sig);
        if (control && control->running()) ::kill(control->pid(), sig);
        return;
      case KillMode::kMixed:
        // The main process gets KillSignal; everything gets the SIGKILL.
        if (main && main->running()) ::kill(main->pid(), sig);
        if (sig == SIGKILL)
          for (pid_t g : groups) (void)KillGroup(g, SIGKILL);
        return;
      case KillMode::kControlGroup:
        for (pid_t g : groups) (void)KillGroup(g, sig);
        return;
    }
  }

  // Leftover processes in the groups exit without telling us: look.
  void PollStopped() {
    poll.expires_after(std::chrono::milliseconds(50));
    poll.async_wait(
        [weak = std::weak_ptr<Impl>(shared_from_this())](const boost::system::error_code& ec) {
          auto self = weak.lock();
          if (ec || !self || self->destroyed) return;
          auto sub = self->status().sub;
          if (sub != SubState::kStopSigterm && sub != SubState::kStopSigkill) return;
          self->CheckStopped();
          if (self->status().sub == sub) self->PollStopped();
        });
  }

  void CheckStopped() {
    auto sub = status().sub;
    if ((sub == SubState::kStopSigterm || sub == SubState::kStopSigkill) && !AnyAlive())
      EnterStopPost();
  }

  void EnterStopPost() {
    timer.cancel();
    poll.cancel();
    Enter(SubState::kStopPost);
    RunQueue(config().exec_stop_post, [this] { EnterDead(); });
  }

  void EnterDead() {
    timer.cancel();
    poll.cancel();
    main.reset();
    control.reset();
    status().main_pid = 0;
    status().result = result;
    bool failed = result != ServiceResult::kSuccess;
    if (failed) {
      Enter(SubState::kFailed);
      Say(Event(UnitEvent::kFailed));
      if (!stop_asked) Say(Event(UnitEvent::kFailedToStart));
    } else {
      Enter(SubState::kDead);
      if (stop_asked)
        Say(Event(UnitEvent::kStopped));
      else
        Say(Event(UnitEvent::kDeactivated));
    }
    if (start_after_stop) {
      start_after_stop = false;
      loop.Post([weak = std::weak_ptr<Impl>(shared_from_this())] {
        if (auto self = weak.lock(); self && !self->destroyed) self->owner.Start();
      });
      return;
    }
    if (!stop_asked && result != ServiceResult::kStartLimitHit && ShouldRestart()) {
      Enter(SubState::kAutoRestart);
      Arm(config().restart_sec, [this] {
        status().restarts++;
        Say(fmt::format("{}: Scheduled restart job, restart counter is at {}.", config().name.full,
                        status().restarts));
        Start();
      });
    }
  }

  bool ShouldRestart() const {
    switch (config().restart) {
      case RestartPolicy::kNo:
        return false;
      case RestartPolicy::kAlways:
        return true;
      case RestartPolicy::kOnSuccess:
        return result == ServiceResult::kSuccess;
      case RestartPolicy::kOnFailure:
        return result != ServiceResult::kSuccess;
      case RestartPolicy::kOnAbnormal:
        return result == ServiceResult::kSignal || result == ServiceResult::kCoreDump ||
               result == ServiceResult::kTimeout;
      case RestartPolicy::kOnAbort:
        return result == ServiceResult::kSignal || result == ServiceResult::kCoreDump;
    }
    return false;
  }

  void Arm(unit::Span after, std::function<void()> fn) {
    timer.expires_after(after);
    timer.async_wait([weak = std::weak_ptr<Impl>(shared_from_this()),
                      fn = std::move(fn)](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || self->destroyed) return;
      fn();
    });
  }
};

Service::Service(net::EventLoop& loop, ServiceConfig config,
                 std::map<std::string, std::string> base_env, Events events)
    : config_(std::move(config)) {
  impl_ = std::make_shared<Impl>(loop, *this, std::move(base_env), std::move(events));
}

Service::~Service() {
  impl_->destroyed = true;
  impl_->timer.cancel();
  impl_->poll.cancel();
  for (pid_t g : impl_->groups) (void)KillGroup(g, SIGKILL);
  for (auto* c : {impl_->main.get(), impl_->control.get()}) {
    if (c && c->running()) ::waitpid(c->pid(), nullptr, 0);
  }
}

void Service::Start() {
  auto a = status_.active;
  if (a == ActiveState::kActive || a == ActiveState::kActivating) {
    if (status_.sub != SubState::kAutoRestart) return;
    impl_->timer.cancel();
  }
  if (a == ActiveState::kDeactivating) return;  // systemd queues; flotilla asks again later
  impl_->Start();
}

void Service::Stop() {
  auto a = status_.active;
  impl_->stop_asked = true;
  impl_->start_after_stop = false;
  if (status_.sub == SubState::kAutoRestart) {
    impl_->timer.cancel();
    impl_->Enter(SubState::kDead);
    return;
  }
  if (a == ActiveState::kInactive || a == ActiveState::kFailed || a == ActiveState::kDeactivating)
    return;
  if (status_.sub == SubState::kRunning || status_.sub == SubState::kExited)
    return impl_->EnterStop();
  // Still starting: skip ExecStop, signal what runs.
  impl_->Say(impl_->Event(UnitEvent::kStopping));
  impl_->EnterSignal(SubState::kStopSigterm);
}

void Service::Restart() {
  Stop();
  if (status_.active == ActiveState::kInactive || status_.active == ActiveState::kFailed) {
    impl_->starts.clear();  // a restart asked for is not a crash loop
    return Start();
  }
  impl_->start_after_stop = true;  // EnterDead starts it again
}

}  // namespace flotilla::service
