// `flotilla engine`: the container engine alone, as dockerd runs: the
// Docker Engine API on a unix socket (-H unix:///run/flotilla/docker.sock),
// its images and containers under --data-root. The docker CLI talks to it
// with DOCKER_HOST=unix://SOCKET.
#include <signal.h>
#include <unistd.h>

#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <string>

#include "base/fs.h"
#include "base/log.h"
#include "cli/commands.h"
#include "container/engine_api.h"
#include "container/image_store.h"
#include "net/event_loop.h"
#include "net/http_server.h"

namespace flotilla::cli {

namespace {

void EngineUsage() {
  std::fputs(
      "usage: flotilla engine [-H unix://SOCKET] [--data-root DIR]\n"
      "\n"
      "Runs the container engine; the docker CLI is its client:\n"
      "  DOCKER_HOST=unix://SOCKET docker images\n"
      "\n"
      "  -H, --host        the socket to serve (default unix:///run/flotilla/docker.sock)\n"
      "  --data-root DIR   images and containers (default /var/lib/flotilla/engine)\n",
      stderr);
}

}  // namespace

int Engine(int argc, char** argv) {
  std::string host = "unix:///run/flotilla/docker.sock";
  std::string root = "/var/lib/flotilla/engine";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const std::string& name) -> const char* {
      if (arg.starts_with(name + "=")) return argv[i] + name.size() + 1;
      if (arg == name && i + 1 < argc) return argv[++i];
      return nullptr;
    };
    if (arg == "-h" || arg == "--help") {
      EngineUsage();
      return 0;
    } else if (const char* v = value("-H"); v) {
      host = v;
    } else if (const char* v = value("--host"); v) {
      host = v;
    } else if (const char* v = value("--data-root"); v) {
      root = v;
    } else {
      std::fprintf(stderr, "flotilla engine: unknown or incomplete flag %s\n", arg.c_str());
      EngineUsage();
      return 2;
    }
  }
  if (!host.starts_with("unix://")) {
    std::fprintf(stderr, "flotilla engine: -H must be unix://PATH\n");
    return 2;
  }
  std::string socket = host.substr(7);
  if (auto st = base::RealFs().CreateDirs(root); !st.ok()) {
    std::fprintf(stderr, "flotilla engine: %s\n", st.ToString().c_str());
    return 1;
  }
  if (auto st = base::RealFs().CreateDirs(base::DirName(socket)); !st.ok()) {
    std::fprintf(stderr, "flotilla engine: %s\n", st.ToString().c_str());
    return 1;
  }
  auto images = container::ImageStore::Open(root + "/images");
  if (!images.ok()) {
    std::fprintf(stderr, "flotilla engine: %s\n", images.status().ToString().c_str());
    return 1;
  }
  char hostname[256] = {};
  ::gethostname(hostname, sizeof hostname - 1);
  net::EventLoop loop;
  container::EngineApi api(**images, {root, FLOTILLA_VERSION, hostname});
  net::ServerOptions options;
  options.max_body_bytes = size_t(4) << 30;  // image archives (`docker load`)
  options.request_timeout = std::chrono::seconds(600);
  net::HttpServer http(
      loop, [&api](net::HttpRequest&& r, net::ExchangePtr ex) { api.Handle(std::move(r), ex); },
      options);
  if (auto st = http.ListenUnix(socket); !st.ok()) {
    std::fprintf(stderr, "flotilla engine: %s\n", st.ToString().c_str());
    return 1;
  }
  http.Serve();
  FLOG_INFO("engine: API on unix://{}, data in {}", socket, root);
  boost::asio::signal_set signals(loop.context(), SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    http.Close();
    loop.Stop();
  });
  std::signal(SIGPIPE, SIG_IGN);
  loop.Run();
  FLOG_INFO("engine: stopped");
  return 0;
}

}  // namespace flotilla::cli
