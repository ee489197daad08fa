#include "container/reference.h"

#include <cctype>

namespace flotilla::container {

namespace {

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool IsValidComponent(std::string_view c) {
  if (c.empty() || !IsLowerAlnum(c.front()) || !IsLowerAlnum(c.back())) return false;
  for (size_t i = 0; i < c.size();) {
    if (IsLowerAlnum(c[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < c.size() && !IsLowerAlnum(c[j])) ++j;
    std::string_view sep = c.substr(i, j - i);
    bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (sep != "." && sep != "_" && sep != "__" && !dashes) return false;
    i = j;
  }
  return true;
}

// host[:port]: letters, digits, '-', '.', optional numeric port.
bool IsValidDomain(std::string_view d) {
  auto colon = d.rfind(':');
  std::string_view host = d.substr(0, colon);
  if (host.empty()) return false;
  for (char c : host)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  if (colon != std::string_view::npos) {
    std::string_view port = d.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
    for (char c : port)
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

base::Status Invalid(std::string_view why = "") {
  return base::Status(
      base::Code::kInvalidArgument,
      why.empty() ? "invalid reference format" : "invalid reference format: " + std::string(why));
}

}  // namespace

bool IsValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(tag.front())) return false;
  for (char c : tag)
    if (!word(c) && c != '.' && c != '-') return false;
  return true;
}

base::Result<Reference> ParseReference(std::string_view text, bool default_tag) {
  if (text.empty() || text.size() > 512) return Invalid();
  Reference ref;
  if (auto at = text.find('@'); at != std::string_view::npos) {
    auto digest = Digest::Parse(text.substr(at + 1));
    if (!digest.ok()) return digest.status();
    ref.digest = *digest;
    text = text.substr(0, at);
  }
  auto slash = text.rfind('/');
  auto colon = text.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref.tag = std::string(text.substr(colon + 1));
    if (!IsValidTag(ref.tag)) return Invalid();
    text = text.substr(0, colon);
  }
  std::string_view name = text;
  auto first = name.find('/');
  std::string_view head = name.substr(0, first);
  if (first != std::string_view::npos &&
      (head.find('.') != std::string_view::npos || head.find(':') != std::string_view::npos ||
       head == "localhost")) {
    if (!IsValidDomain(head)) return Invalid();
    ref.domain = std::string(head);
    name = name.substr(first + 1);
  } else {
    ref.domain = "docker.io";
  }
  if (name.empty()) return Invalid();
  std::string path(name);
  if (ref.domain == "docker.io" && path.find('/') == std::string::npos) path = "library/" + path;
  bool upper = false;
  size_t start = 0;
  while (true) {
    auto end = path.find('/', start);
    std::string_view comp =
        std::string_view(path).substr(start, end == std::string::npos ? end : end - start);
    std::string lowered(comp);
    for (char& c : lowered) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (!IsValidComponent(comp)) {
      if (IsValidComponent(lowered)) {
        upper = true;
      } else {
        return Invalid();
      }
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (upper) return Invalid("repository name (" + path + ") must be lowercase");
  if (ref.domain.size() + 1 + path.size() > 255)
    return Invalid("repository name must not be more than 255 characters");
  ref.path = std::move(path);
  if (default_tag && ref.tag.empty() && !ref.digest) ref.tag = "latest";
  return ref;
}

std::string Reference::Familiar() const {
  // "docker.io/" stays where dropping it would make the first component
  // read as a registry host ("docker.io/a.b/c" is not "a.b/c").
  std::string_view head = std::string_view(path).substr(0, path.find('/'));
  bool host_like = path.find('/') != std::string::npos &&
                   (head.find_first_of(".:") != std::string_view::npos || head == "localhost");
  if (domain != "docker.io" || host_like) return domain + "/" + path;
  if (path.starts_with("library/") && path.find('/', 8) == std::string::npos) return path.substr(8);
  return path;
}

std::string Reference::FullName() const {
  return domain + "/" + path;
}

std::string Reference::String() const {
  std::string s = Familiar();
  if (!tag.empty()) s += ":" + tag;
  if (digest) s += "@" + digest->str();
  return s;
}

std::string Reference::TaggedName() const {
  return tag.empty() ? "" : Familiar() + ":" + tag;
}

}  // namespace flotilla::container
