#include "container/image.h"

#include <sys/utsname.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "base/json_writer.h"

namespace flotilla::container {

namespace json = boost::json;

namespace {

base::Status Bad(std::string_view what, std::string_view why) {
  return base::Status(base::Code::kInvalidArgument, std::string(what) + ": " + std::string(why));
}

base::Result<json::object> ParseObject(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Bad(what, "invalid JSON: " + ec.message());
  if (!v.is_object()) return Bad(what, "not a JSON object");
  return std::move(v.as_object());
}

std::string StringField(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

base::Result<Descriptor> ParseDescriptor(const json::value& v, std::string_view what) {
  if (!v.is_object()) return Bad(what, "a descriptor is not an object");
  const auto& o = v.as_object();
  Descriptor d;
  d.media_type = StringField(o, "mediaType");
  auto digest = Digest::Parse(StringField(o, "digest"));
  if (!digest.ok()) return Bad(what, digest.status().message());
  d.digest = *digest;
  auto* size = o.if_contains("size");
  if (!size || !size->is_number())
    return Bad(what, "descriptor " + d.digest.str() + " has no size");
  boost::system::error_code ec;
  d.size = size->to_number<int64_t>(ec);
  if (ec || d.size < 0) return Bad(what, "descriptor " + d.digest.str() + " has a bad size");
  if (auto* p = o.if_contains("platform"); p && p->is_object()) {
    d.platform =
        Platform{StringField(p->as_object(), "architecture"), StringField(p->as_object(), "os"),
                 StringField(p->as_object(), "variant")};
  }
  if (auto* a = o.if_contains("annotations"); a && a->is_object())
    for (const auto& [k, val] : a->as_object())
      if (val.is_string()) d.annotations[std::string(k)] = std::string(val.as_string());
  return d;
}

std::optional<std::vector<std::string>> StringList(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : v->as_array())
    if (item.is_string()) out.emplace_back(item.as_string());
  return out;
}

std::vector<std::string> SortedKeys(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (auto* v = o.if_contains(key); v && v->is_object())
    for (const auto& kv : v->as_object()) out.emplace_back(kv.key());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

bool IsManifestType(std::string_view t) {
  return t == media::kOciManifest || t == media::kDockerManifest;
}
bool IsIndexType(std::string_view t) {
  return t == media::kOciIndex || t == media::kDockerList;
}
bool IsLayerType(std::string_view t) {
  return t == media::kOciLayer || t == media::kOciLayerGzip || t == media::kOciLayerZstd ||
         t == media::kDockerLayer || t == media::kDockerLayerGzip;
}

std::string_view SniffLayerType(std::string_view head) {
  if (head.size() >= 2 && uint8_t(head[0]) == 0x1f && uint8_t(head[1]) == 0x8b)
    return media::kOciLayerGzip;
  if (head.size() >= 4 && head.substr(0, 4) == std::string_view("\x28\xb5\x2f\xfd", 4))
    return media::kOciLayerZstd;
  return media::kOciLayer;
}

base::Result<std::string> PeekMediaType(std::string_view text) {
  auto o = ParseObject(text, "manifest");
  if (!o.ok()) return o.status();
  return StringField(*o, "mediaType");
}

base::Result<Manifest> ParseManifest(std::string_view text) {
  auto o = ParseObject(text, "image manifest");
  if (!o.ok()) return o.status();
  Manifest m;
  m.media_type = StringField(*o, "mediaType");
  if (m.media_type.empty()) m.media_type = std::string(media::kOciManifest);
  if (!IsManifestType(m.media_type))
    return Bad("image manifest", "unsupported media type " + m.media_type);
  auto* schema = o->if_contains("schemaVersion");
  if (!schema || !schema->is_int64() || schema->as_int64() != 2)
    return Bad("image manifest", "schemaVersion is not 2");
  auto* config = o->if_contains("config");
  if (!config) return Bad("image manifest", "no config");
  auto c = ParseDescriptor(*config, "image manifest config");
  if (!c.ok()) return c.status();
  m.config = std::move(*c);
  auto* layers = o->if_contains("layers");
  if (!layers || !layers->is_array()) return Bad("image manifest", "no layers");
  for (const auto& l : layers->as_array()) {
    auto d = ParseDescriptor(l, "image manifest layer");
    if (!d.ok()) return d.status();
    if (!IsLayerType(d->media_type))
      return Bad("image manifest",
                 "layer " + d->digest.str() + " has unsupported media type " + d->media_type);
    m.layers.push_back(std::move(*d));
  }
  return m;
}

base::Result<Index> ParseIndex(std::string_view text) {
  auto o = ParseObject(text, "image index");
  if (!o.ok()) return o.status();
  Index idx;
  idx.media_type = StringField(*o, "mediaType");
  if (idx.media_type.empty()) idx.media_type = std::string(media::kOciIndex);
  if (!IsIndexType(idx.media_type))
    return Bad("image index", "unsupported media type " + idx.media_type);
  auto* list = o->if_contains("manifests");
  if (!list || !list->is_array()) return Bad("image index", "no manifests");
  for (const auto& m : list->as_array()) {
    auto d = ParseDescriptor(m, "image index");
    if (!d.ok()) return d.status();
    idx.manifests.push_back(std::move(*d));
  }
  return idx;
}

base::Result<ImageConfig> ParseImageConfig(std::string_view text) {
  auto o = ParseObject(text, "image config");
  if (!o.ok()) return o.status();
  ImageConfig c;
  c.raw = std::string(text);
  c.architecture = StringField(*o, "architecture");
  c.os = StringField(*o, "os");
  c.variant = StringField(*o, "variant");
  c.created = StringField(*o, "created");
  c.author = StringField(*o, "author");
  auto* rootfs = o->if_contains("rootfs");
  if (!rootfs || !rootfs->is_object()) return Bad("image config", "no rootfs");
  auto* ids = rootfs->as_object().if_contains("diff_ids");
  if (!ids || !ids->is_array()) return Bad("image config", "no rootfs.diff_ids");
  for (const auto& id : ids->as_array()) {
    auto d = Digest::Parse(id.is_string() ? std::string_view(id.as_string()) : "");
    if (!d.ok()) return Bad("image config", d.status().message());
    c.diff_ids.push_back(*d);
  }
  if (auto* cfg = o->if_contains("config"); cfg && cfg->is_object()) {
    const auto& r = cfg->as_object();
    c.config.user = StringField(r, "User");
    c.config.working_dir = StringField(r, "WorkingDir");
    c.config.stop_signal = StringField(r, "StopSignal");
    c.config.env = StringList(r, "Env").value_or(std::vector<std::string>());
    c.config.entrypoint = StringList(r, "Entrypoint");
    c.config.cmd = StringList(r, "Cmd");
    c.config.exposed_ports = SortedKeys(r, "ExposedPorts");
    c.config.volumes = SortedKeys(r, "Volumes");
    if (auto* l = r.if_contains("Labels"); l && l->is_object())
      for (const auto& [k, v] : l->as_object())
        if (v.is_string()) c.config.labels[std::string(k)] = std::string(v.as_string());
  }
  return c;
}

void AppendDescriptorJson(std::string& out, const Descriptor& d) {
  base::JsonWriter w(out);
  w.BeginObject();
  w.Key("mediaType");
  w.String(d.media_type);
  w.Key("digest");
  w.String(d.digest.str());
  w.Key("size");
  w.Int(d.size);
  if (!d.annotations.empty()) {
    w.Key("annotations");
    w.BeginObject();
    for (const auto& [k, v] : d.annotations) {
      w.Key(k);
      w.String(v);
    }
    w.EndObject();
  }
  if (d.platform) {
    w.Key("platform");
    w.BeginObject();
    w.Key("architecture");
    w.String(d.platform->architecture);
    w.Key("os");
    w.String(d.platform->os);
    if (!d.platform->variant.empty()) {
      w.Key("variant");
      w.String(d.platform->variant);
    }
    w.EndObject();
  }
  w.EndObject();
}

std::string ManifestJson(const Manifest& m) {
  std::string out = "{\"schemaVersion\":2,\"mediaType\":";
  base::AppendJsonString(out, m.media_type);
  out += ",\"config\":";
  AppendDescriptorJson(out, m.config);
  out += ",\"layers\":[";
  for (size_t i = 0; i < m.layers.size(); ++i) {
    if (i) out += ',';
    AppendDescriptorJson(out, m.layers[i]);
  }
  out += "]}";
  return out;
}

std::string IndexJson(const Index& idx) {
  std::string out = "{\"schemaVersion\":2,\"mediaType\":";
  base::AppendJsonString(out, idx.media_type);
  out += ",\"manifests\":[";
  for (size_t i = 0; i < idx.manifests.size(); ++i) {
    if (i) out += ',';
    AppendDescriptorJson(out, idx.manifests[i]);
  }
  out += "]}";
  return out;
}

Platform HostPlatform() {
  utsname u{};
  ::uname(&u);
  std::string m = u.machine;
  Platform p{"amd64", "linux", ""};
  if (m == "aarch64" || m == "arm64")
    p = {"arm64", "linux", "v8"};
  else if (m.starts_with("armv7"))
    p = {"arm", "linux", "v7"};
  else if (m == "i686" || m == "i386")
    p = {"386", "linux", ""};
  else if (m == "ppc64le" || m == "s390x" || m == "riscv64")
    p = {m, "linux", ""};
  return p;
}

base::Result<Descriptor> PickPlatform(const Index& idx, const Platform& want) {
  std::string seen;
  for (const auto& d : idx.manifests) {
    if (!d.platform) continue;
    const auto& p = *d.platform;
    if (!seen.empty()) seen += ", ";
    seen += p.os + "/" + p.architecture + (p.variant.empty() ? "" : "/" + p.variant);
    if (p.os == want.os && p.architecture == want.architecture &&
        (p.variant.empty() || want.variant.empty() || p.variant == want.variant))
      return d;
  }
  return base::Status(base::Code::kNotFound,
                      "no matching manifest for " + want.os + "/" + want.architecture +
                          " in the manifest list entries" +
                          (seen.empty() ? std::string() : " (" + seen + ")"));
}

}  // namespace flotilla::container
