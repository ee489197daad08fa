#include "cli/fleetctl/unit_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "base/go_url.h"
#include "fleet/requirements.h"

namespace flotilla::cli::fleetctl {
namespace {

using base::Code;
using base::Status;

// Go's syscall error texts are strerror's with a lower-case first letter.
std::string ErrnoText(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string GoPathBase(std::string_view p) {
  if (p.empty()) return ".";
  while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
  if (p == "/") return "/";
  size_t slash = p.rfind('/');
  if (slash != std::string_view::npos) p.remove_prefix(slash + 1);
  return p.empty() ? "/" : std::string(p);
}

std::string GoPathDir(std::string_view p) {
  size_t slash = p.rfind('/');
  std::string_view dir = slash == std::string_view::npos ? "" : p.substr(0, slash + 1);
  return base::PathClean(dir);
}

std::string GoPathJoin(std::string_view dir, std::string_view name) {
  return base::PathJoin(dir, name);
}

bool RecognizedUnitType(std::string_view name) {
  for (std::string_view type :
       {".service", ".socket", ".timer", ".path", ".device", ".mount", ".automount"}) {
    if (EndsWith(name, type)) return true;
  }
  return false;
}

std::string MaybeAppendDefaultUnitType(std::string_view arg) {
  std::string s(arg);
  if (!RecognizedUnitType(s)) s += ".service";
  return s;
}

std::string UnitNameMangle(std::string_view arg) {
  return MaybeAppendDefaultUnitType(GoPathBase(arg));
}

std::optional<UnitNameInfo> NewUnitNameInfo(std::string_view name) {
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  UnitNameInfo info;
  info.full_name = std::string(name);
  info.name = std::string(name.substr(0, dot));
  std::string suffix(name.substr(dot));
  size_t at = info.name.find('@');
  if (at == std::string::npos) return info;
  info.prefix = info.name.substr(0, at);
  info.instance = info.name.substr(at + 1);
  info.template_name = info.prefix + "@" + suffix;
  return info;
}

bool LocalPathExists(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return true;
  return errno != ENOENT && errno != ENOTDIR;
}

std::string StatError(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return "";
  return "stat " + path + ": " + ErrnoText(errno);
}

base::Result<unit::UnitFile> ReadUnitFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status(Code::kIoError, "open " + path + ": " + ErrnoText(errno));
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Status(Code::kIoError, "read " + path + ": " + ErrnoText(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return unit::ParseUnitFile(text, path);
}

std::vector<UnitOption> ToOptions(const unit::UnitFile& file) {
  std::vector<UnitOption> out;
  out.reserve(file.options.size());
  for (const auto& o : file.options) out.push_back({o.section, o.name, o.value});
  return out;
}

unit::UnitFile ToUnitFile(const std::vector<UnitOption>& options) {
  unit::UnitFile f;
  for (const auto& o : options) f.options.push_back({o.section, o.name, o.value});
  return f;
}

std::string UnitHash(const std::vector<UnitOption>& options) {
  return unit::Hash(ToUnitFile(options));
}

bool IsGlobal(const Unit& u) {
  return fleet::ParseRequirements(ToUnitFile(u.options), u.name).global;
}

std::string Description(const Unit& u) {
  return ToUnitFile(u.options).Last("Unit", "Description").value_or("");
}

}  // namespace flotilla::cli::fleetctl
