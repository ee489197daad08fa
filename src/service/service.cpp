#include "service/service.h"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <deque>

#include "base/fs.h"
#include "service/journal_format.h"
#include "service/proc.h"
#include "service/service_state.h"
#include "unit/env_file.h"

namespace flotilla::service {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// Whether process group `pgid` has a process that is not a zombie; `hint`
// is the one found last time, looked at first. GroupAlive (spawn.h) counts
// zombies, but a unit's orphans are reaped by init, late or (flotilla as
// PID 1 of a container) never, and must not hold a stop until its timeout
// nor keep a forking service running.
bool GroupHasLiveProcess(pid_t pgid, pid_t& hint) {
  if (!GroupAlive(pgid)) return false;
  auto live_in_group = [pgid](pid_t pid) {
    auto st = ReadProcStat(pid);
    return st && st->pgrp == pgid && st->state != 'Z' && st->state != 'X';
  };
  if (hint > 0 && live_in_group(hint)) return true;
  auto pids = ListPids();
  if (pids.empty()) return true;  // no /proc: trust the signal
  for (pid_t pid : pids) {
    if (live_in_group(pid)) {
      hint = pid;
      return true;
    }
  }
  return false;
}

}  // namespace

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
  std::vector<pid_t> groups;         // every process group started in this run
  std::map<pid_t, pid_t> live_hint;  // group -> a live member seen last
  std::vector<unit::ExecCommand> queue;
  size_t next = 0;
  std::function<void()> queue_done;
  std::map<std::string, std::string> env;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  bool stop_asked = false;
  bool start_after_stop = false;   // Restart() while stopping: start once dead
  bool oneshot_finishing = false;  // oneshot without RemainAfterExit: "Finished" once dead
  bool reload_timed_out = false;
  ServiceResult result = ServiceResult::kSuccess;
  std::deque<Clock::time_point> starts;
  bool destroyed = false;

  const ServiceConfig& config() const { return owner.config_; }
  ServiceStatus& status() { return owner.status_; }
  std::string Event(UnitEvent e) const {
    return UnitEventMessage(e, config().name.full, config().description, ToString(result));
  }
  // The unit as job messages name it; as UnitEventMessage does.
  std::string Who() const {
    const auto& c = config();
    if (c.description.empty() || c.description == c.name.full) return c.name.full;
    return fmt::format("{} - {}", c.name.full, c.description);
  }
  void Say(const std::string& message) {
    if (events.message) events.message(message);
  }
  void Enter(SubState s) {
    auto same = [](ActiveState a) {
      return a == ActiveState::kReloading ? ActiveState::kActive : a;
    };
    ActiveState before = status().active;
    status().sub = s;
    status().active = ActiveOf(s);
    if (same(status().active) != same(before)) status().since = std::chrono::system_clock::now();
    if (events.changed) events.changed(status());
  }
  void Fail(ServiceResult r) {
    if (result == ServiceResult::kSuccess) result = r;
  }
  bool LiveGroups() {
    for (pid_t g : groups)
      if (GroupHasLiveProcess(g, live_hint[g])) return true;
    return false;
  }
  // What a stop waits for.
  bool AnyAlive() {
    if ((main && main->running()) || (control && control->running())) return true;
    if (config().kill_mode == KillMode::kProcess || config().kill_mode == KillMode::kNone)
      return false;
    return LiveGroups();
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
    oneshot_finishing = false;
    groups.clear();
    live_hint.clear();
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

  // The run's environment and user, from the unit and its files. As in
  // systemd, the files override Environment=, later files earlier ones.
  base::Status PrepareRun() {
    env = base_env;
    for (const auto& kv : config().environment) {
      auto eq = kv.find('=');
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
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
    // Control commands (ExecStartPost, ExecReload, ExecStop) learn the main
    // process, while it lives, as $MAINPID.
    auto cmd_env = env;
    if (!is_main && main && main->running()) cmd_env["MAINPID"] = std::to_string(main->pid());
    o.argv = unit::ExpandEnvironment(cmd, cmd_env);
    for (const auto& [k, v] : cmd_env) o.env.push_back(k + "=" + v);
    o.working_directory = config().working_directory;
    o.uid = uid;
    o.gid = gid;
    std::weak_ptr<Impl> weak = shared_from_this();
    auto pid_holder = std::make_shared<pid_t>(0);
    auto child = Child::Start(
        loop, o,
        {[weak, pid_holder, ident = config().IdentifierOf(cmd)](Stream s, std::string_view line) {
           auto self = weak.lock();
           if (self && !self->destroyed && self->events.output)
             self->events.output(*pid_holder, ident, s, line);
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
    // Killed on the reload timeout: that is the failure, whatever "-" says.
    if (status().sub == SubState::kReload && reload_timed_out) return ReloadDone(false);
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
    // A failed reload leaves the unit as it was, result included.
    if (status().sub == SubState::kReload) return ReloadDone(false);
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

  // The start is over (after ExecStartPost).
  void EnterRunning() {
    timer.cancel();
    bool oneshot = config().type == ServiceType::kOneshot;
    if (oneshot && !config().remain_after_exit) {
      // systemd says "Deactivated successfully." first, then "Finished".
      oneshot_finishing = true;
      return EnterStop();
    }
    Settle();
    if (status().active == ActiveState::kActive)
      Say(Event(oneshot ? UnitEvent::kFinished : UnitEvent::kStarted));
  }

  // Where the unit goes after its start or a reload, or when its main
  // process (forking: its last process) ended, as systemd's
  // service_enter_running: a failure goes straight to the signals (no
  // ExecStop); running while the main process lives; exited with
  // RemainAfterExit=yes; otherwise through ExecStop.
  void Settle() {
    if (result != ServiceResult::kSuccess) return EnterSignal(SubState::kStopSigterm);
    bool forking = config().type == ServiceType::kForking;
    if (forking ? LiveGroups() : (main && main->running())) {
      Enter(SubState::kRunning);
      if (forking) WatchForkedGroup();
      return;
    }
    if (config().remain_after_exit) return Enter(SubState::kExited);
    EnterStop();
  }

  void WatchForkedGroup() {
    poll.expires_after(std::chrono::milliseconds(200));
    poll.async_wait(
        [weak = std::weak_ptr<Impl>(shared_from_this())](const boost::system::error_code& ec) {
          auto self = weak.lock();
          if (ec || !self || self->destroyed || self->status().sub != SubState::kRunning) return;
          if (self->LiveGroups()) return self->WatchForkedGroup();
          self->Settle();
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
    // In start-post and reload, the command running decides when it ends.
    if (status().sub == SubState::kRunning) Settle();
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
    // As systemd: SIGCONT after KillSignal, so that a stopped process runs
    // to receive it.
    bool cont = sig != SIGKILL && sig != SIGCONT;
    auto one = [&](Child* c) {
      if (!c || !c->running()) return;
      ::kill(c->pid(), sig);
      if (cont) ::kill(c->pid(), SIGCONT);
    };
    auto all = [&] {
      for (pid_t g : groups) {
        (void)KillGroup(g, sig);
        if (cont) (void)KillGroup(g, SIGCONT);
      }
    };
    switch (config().kill_mode) {
      case KillMode::kNone:
        return;
      case KillMode::kProcess:
        one(main.get());
        one(control.get());
        return;
      case KillMode::kMixed:
        // The main process gets KillSignal; everything gets the SIGKILL.
        one(main.get());
        if (sig == SIGKILL) all();
        return;
      case KillMode::kControlGroup:
        all();
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
    if (sub != SubState::kStopSigterm && sub != SubState::kStopSigkill) return;
    if (!AnyAlive()) return EnterStopPost();
    // KillMode=mixed: once the main and control processes are gone, the
    // rest get SIGKILL now (systemd's final-sigkill), not at the timeout.
    if (sub == SubState::kStopSigterm && config().kill_mode == KillMode::kMixed &&
        !(main && main->running()) && !(control && control->running()))
      EnterSignal(SubState::kStopSigkill);
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
    reload_timed_out = false;
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
      if (stop_asked) {
        Say(Event(UnitEvent::kStopped));
      } else {
        Say(Event(UnitEvent::kDeactivated));
        if (oneshot_finishing) Say(Event(UnitEvent::kFinished));
      }
    }
    oneshot_finishing = false;
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
        // systemd: anything but success and an exit code.
        return result != ServiceResult::kSuccess && result != ServiceResult::kExitCode;
      case RestartPolicy::kOnAbort:
        return result == ServiceResult::kSignal || result == ServiceResult::kCoreDump;
    }
    return false;
  }

  // --- reloading ---

  base::Status Reload() {
    const std::string& name = config().name.full;
    if (config().exec_reload.empty()) {
      return base::Status(base::Code::kInvalidArgument,
                          fmt::format("Job type reload is not applicable for unit {}.", name));
    }
    auto sub = status().sub;
    if (sub == SubState::kReload) return base::Status::Ok();
    if (sub != SubState::kRunning && sub != SubState::kExited) {
      auto a = status().active;
      auto why = fmt::format("{}: Unit cannot be reloaded because it is {}.", name,
                             a == ActiveState::kFailed ? "inactive" : ToString(a));
      Say(why);
      return base::Status(base::Code::kUnavailable, why);
    }
    reload_timed_out = false;
    poll.cancel();  // a forking service's watch resumes after
    Say(fmt::format("Reloading {}...", Who()));
    Enter(SubState::kReload);
    if (config().timeout_start) {
      Arm(*config().timeout_start, [this] {
        Say(fmt::format("{}: Reload operation timed out. Killing reload process.",
                        config().name.full));
        reload_timed_out = true;
        if (control && control->running()) (void)control->Signal(SIGKILL);
      });
    }
    RunQueue(config().exec_reload, [this] { ReloadDone(true); });
    return base::Status::Ok();
  }

  // Back to running (or exited) as after a start: the main process may
  // have ended meanwhile.
  void ReloadDone(bool ok) {
    timer.cancel();
    reload_timed_out = false;
    Say(ok ? fmt::format("Reloaded {}.", Who()) : fmt::format("Reload failed for {}.", Who()));
    Settle();
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
  if (a == ActiveState::kActive || a == ActiveState::kActivating || a == ActiveState::kReloading) {
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

base::Status Service::Reload() {
  return impl_->Reload();
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
