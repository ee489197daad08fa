// The Engine API's front: version prefixes, /_ping, /version, /info, the
// error shape, and the routing to the parts (engine_api_images.cpp).
#include "container/engine_api.h"

#include <sys/utsname.h>
#include <unistd.h>

#include "base/json_writer.h"
#include "container/image.h"

namespace flotilla::container {

namespace {

constexpr const char* kApiVersion = "1.41";
constexpr const char* kMinApiVersion = "1.24";

std::string KernelVersion() {
  utsname u{};
  ::uname(&u);
  return u.release;
}

std::string Machine() {
  utsname u{};
  ::uname(&u);
  return u.machine;
}

}  // namespace

std::string StripApiVersion(const std::string& path) {
  if (path.size() > 3 && path.compare(0, 3, "/v1") == 0) {
    auto slash = path.find('/', 1);
    std::string_view v =
        std::string_view(path).substr(2, slash == std::string::npos ? slash : slash - 2);
    if (v.find_first_not_of("0123456789.") == std::string_view::npos)
      return slash == std::string::npos ? "/" : path.substr(slash);
  }
  return path;
}

int DockerStatus(const base::Status& status) {
  switch (status.code()) {
    case base::Code::kNotFound:
      return 404;
    case base::Code::kAlreadyExists:
      return 409;
    case base::Code::kInvalidArgument:
      return 400;
    default:
      return 500;
  }
}

EngineApi::EngineApi(ImageStore& images, EngineInfo info)
    : images_(images), info_(std::move(info)) {}

void EngineApi::Send(net::ExchangePtr& ex, int status, std::string body, std::string content_type) {
  net::HttpResponse r;
  r.status = status;
  r.Set("Api-Version", kApiVersion);
  r.Set("Docker-Experimental", "false");
  r.Set("Ostype", "linux");
  r.Set("Server", "flotilla/" + info_.version + " (linux)");
  if (!content_type.empty()) r.Set("Content-Type", content_type);
  r.body = std::move(body);
  ex->Send(std::move(r));
}

void EngineApi::Error(net::ExchangePtr& ex, const base::Status& status) {
  std::string body = "{\"message\":";
  base::AppendJsonString(body, status.message());
  body += "}\n";
  Send(ex, DockerStatus(status), std::move(body));
}

void EngineApi::Handle(net::HttpRequest&& r, net::ExchangePtr ex) {
  std::string path = StripApiVersion(r.path);
  if (path == "/_ping") {
    if (r.method != "GET" && r.method != "HEAD")
      return Error(ex, base::Status(base::Code::kInvalidArgument, "method not allowed"));
    net::HttpResponse resp;
    resp.Set("Api-Version", kApiVersion);
    resp.Set("Builder-Version", "1");
    resp.Set("Docker-Experimental", "false");
    resp.Set("Ostype", "linux");
    resp.Set("Cache-Control", "no-cache, no-store, must-revalidate");
    resp.Set("Content-Type", "text/plain; charset=utf-8");
    if (r.method == "GET") resp.body = "OK";
    return ex->Send(std::move(resp));
  }
  if (path == "/version" && r.method == "GET") {
    std::string out;
    base::JsonWriter w(out);
    Platform p = HostPlatform();
    w.BeginObject();
    w.Key("Platform");
    w.BeginObject();
    w.Key("Name");
    w.String("flotilla");
    w.EndObject();
    w.Key("Components");
    w.BeginArray();
    w.BeginObject();
    w.Key("Name");
    w.String("Engine");
    w.Key("Version");
    w.String(info_.version);
    w.Key("Details");
    w.BeginObject();
    w.Key("ApiVersion");
    w.String(kApiVersion);
    w.Key("MinAPIVersion");
    w.String(kMinApiVersion);
    w.Key("Os");
    w.String(p.os);
    w.Key("Arch");
    w.String(p.architecture);
    w.EndObject();
    w.EndObject();
    w.EndArray();
    for (auto [k, v] : std::initializer_list<std::pair<const char*, std::string>>{
             {"Version", info_.version},
             {"ApiVersion", kApiVersion},
             {"MinAPIVersion", kMinApiVersion},
             {"GitCommit", ""},
             {"GoVersion", "none (C++20)"},
             {"Os", p.os},
             {"Arch", p.architecture},
             {"KernelVersion", KernelVersion()},
             {"BuildTime", ""}}) {
      w.Key(k);
      w.String(v);
    }
    w.EndObject();
    return Send(ex, 200, out + "\n");
  }
  if (path == "/info" && r.method == "GET") {
    std::string out;
    base::JsonWriter w(out);
    w.BeginObject();
    auto str = [&](const char* k, const std::string& v) { w.Key(k), w.String(v); };
    auto num = [&](const char* k, int64_t v) { w.Key(k), w.Int(v); };
    auto flag = [&](const char* k, bool v) { w.Key(k), w.Bool(v); };
    str("ID", info_.name);
    num("Containers", 0);
    num("ContainersRunning", 0);
    num("ContainersPaused", 0);
    num("ContainersStopped", 0);
    num("Images", int64_t(images_.List().size()));
    str("Driver", "overlay2");
    w.Key("DriverStatus");
    w.BeginArray();
    w.EndArray();
    w.Key("Plugins");
    w.Raw(
        R"({"Volume":["local"],"Network":["bridge","host","null"],"Authorization":null,"Log":["json-file"]})");
    for (const char* f :
         {"MemoryLimit", "SwapLimit", "CpuCfsPeriod", "CpuCfsQuota", "CPUShares", "CPUSet",
          "PidsLimit", "IPv4Forwarding", "BridgeNfIptables", "BridgeNfIp6tables", "OomKillDisable"})
      flag(f, false);
    flag("Debug", false);
    num("NFd", 0);
    num("NGoroutines", 0);
    str("LoggingDriver", "json-file");
    str("CgroupDriver", "cgroupfs");
    str("CgroupVersion", "1");
    num("NEventsListener", 0);
    str("KernelVersion", KernelVersion());
    str("OperatingSystem", "flotilla");
    str("OSVersion", "");
    str("OSType", "linux");
    str("Architecture", Machine());
    str("IndexServerAddress", "https://index.docker.io/v1/");
    num("NCPU", ::sysconf(_SC_NPROCESSORS_ONLN));
    num("MemTotal", int64_t(::sysconf(_SC_PHYS_PAGES)) * ::sysconf(_SC_PAGESIZE));
    str("DockerRootDir", info_.root);
    str("Name", info_.name);
    w.Key("Labels");
    w.BeginArray();
    w.EndArray();
    flag("ExperimentalBuild", false);
    str("ServerVersion", info_.version);
    w.Key("Runtimes");
    w.Raw(R"({"runc":{"path":"runc"}})");
    str("DefaultRuntime", "runc");
    w.Key("Swarm");
    w.Raw(
        R"({"NodeID":"","NodeAddr":"","LocalNodeState":"inactive","ControlAvailable":false,"Error":"","RemoteManagers":null})");
    flag("LiveRestoreEnabled", true);
    str("Isolation", "");
    str("InitBinary", "");
    w.Key("SecurityOptions");
    w.BeginArray();
    w.EndArray();
    w.Key("Warnings");
    w.Null();
    w.EndObject();
    return Send(ex, 200, out + "\n");
  }
  if (path == "/images" || path.starts_with("/images/")) return Images(r, path, ex);
  Error(ex, base::Status(base::Code::kNotFound, "page not found"));
}

}  // namespace flotilla::container
