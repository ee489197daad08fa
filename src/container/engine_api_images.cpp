// The Engine API's image endpoints (engine_api.h has the list).
#include <time.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "base/json_writer.h"
#include "container/engine_api.h"
#include "container/image_archive.h"
#include "net/query.h"

namespace flotilla::container {

namespace {

// "2024-01-02T03:04:05.123Z" (or +hh:mm) -> seconds since the epoch; 0 if
// it is not such a time.
int64_t UnixSeconds(const std::string& rfc3339) {
  tm t{};
  const char* rest = ::strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%S", &t);
  if (!rest) return 0;
  int64_t secs = int64_t(::timegm(&t));
  while (*rest >= '0' && *rest <= '9') ++rest;
  if (*rest == '.') ++rest;
  while (*rest >= '0' && *rest <= '9') ++rest;
  if ((*rest == '+' || *rest == '-') && rest[1] && rest[2] && rest[3] == ':') {
    int offset = ((rest[1] - '0') * 10 + (rest[2] - '0')) * 3600 +
                 ((rest[4] - '0') * 10 + (rest[5] - '0')) * 60;
    secs += *rest == '+' ? -offset : offset;
  }
  return secs;
}

bool Truthy(const std::map<std::string, std::vector<std::string>>& q, const char* key) {
  auto it = q.find(key);
  if (it == q.end() || it->second.empty()) return false;
  const std::string& v = it->second.front();
  return v == "1" || v == "true" || v == "True";
}

std::string First(const std::map<std::string, std::vector<std::string>>& q, const char* key) {
  auto it = q.find(key);
  return it == q.end() || it->second.empty() ? "" : it->second.front();
}

void StringArray(base::JsonWriter& w, const std::vector<std::string>& items) {
  w.BeginArray();
  for (const auto& s : items) w.String(s);
  w.EndArray();
}

// The image's config and container_config objects, as stored.
std::string RawObject(const std::string& raw, const char* key) {
  boost::system::error_code ec;
  auto v = boost::json::parse(raw, ec);
  if (ec || !v.is_object()) return "{}";
  auto* f = v.as_object().if_contains(key);
  return f && f->is_object() ? boost::json::serialize(*f) : "{}";
}

}  // namespace

void EngineApi::Images(const net::HttpRequest& r, const std::string& path, net::ExchangePtr ex) {
  auto query = net::ParseQueryValues(r.query);
  auto unescaped = net::Unescape(path, false);
  if (!unescaped) return Error(ex, base::Status(base::Code::kInvalidArgument, "bad path"));
  std::string rest = unescaped->size() > 8 ? unescaped->substr(8) : "";  // after "/images/"
  auto ends = [&](std::string_view suffix) {
    return rest.size() > suffix.size() && rest.ends_with(suffix);
  };
  auto name_before = [&](std::string_view suffix) {
    return rest.substr(0, rest.size() - suffix.size());
  };

  if (rest == "json" && r.method == "GET") {
    std::string out;
    base::JsonWriter w(out);
    w.BeginArray();
    for (const auto& img : images_.List()) {
      auto config = images_.ConfigOf(img);
      int64_t size = images_.SizeOf(img);
      w.BeginObject();
      w.Key("Containers");
      w.Int(-1);
      w.Key("Created");
      w.Int(config.ok() ? UnixSeconds(config->created) : 0);
      w.Key("Id");
      w.String(img.id.str());
      w.Key("Labels");
      w.BeginObject();
      if (config.ok())
        for (const auto& [k, v] : config->config.labels) w.Key(k), w.String(v);
      w.EndObject();
      w.Key("ParentId");
      w.String("");
      w.Key("RepoDigests");
      StringArray(w, img.repo_digests);
      w.Key("RepoTags");
      StringArray(w, img.tags);
      w.Key("SharedSize");
      w.Int(-1);
      w.Key("Size");
      w.Int(size);
      w.Key("VirtualSize");
      w.Int(size);
      w.EndObject();
    }
    w.EndArray();
    return Send(ex, 200, out + "\n");
  }
  if (rest == "load" && r.method == "POST") {
    auto loaded = LoadArchive(images_, r.body);
    if (!loaded.ok()) return Error(ex, loaded.status());
    // "Loaded image" lines come with quiet too (it silences progress only).
    std::string out;
    for (const auto& line : LoadMessages(*loaded)) {
      out += "{\"stream\":";
      base::AppendJsonString(out, line + "\n");
      out += "}\n";
    }
    return Send(ex, 200, std::move(out));
  }
  if ((rest == "get" || ends("/get")) && r.method == "GET") {
    std::vector<std::string> names;
    if (rest == "get") {
      auto it = query.find("names");
      if (it != query.end()) names = it->second;
    } else {
      names.push_back(name_before("/get"));
    }
    std::string out;
    auto st = SaveArchive(images_, names, [&](std::string_view piece) { out.append(piece); });
    if (!st.ok()) return Error(ex, st);
    return Send(ex, 200, std::move(out), "application/x-tar");
  }
  if (ends("/tag") && r.method == "POST") {
    auto image = images_.Resolve(name_before("/tag"));
    if (!image.ok()) return Error(ex, image.status());
    std::string repo = First(query, "repo"), tag = First(query, "tag");
    auto ref = ParseReference(repo + (tag.empty() ? "" : ":" + tag));
    if (!ref.ok()) return Error(ex, ref.status());
    if (auto st = images_.Tag(image->id, *ref); !st.ok()) return Error(ex, st);
    return Send(ex, 201, "", "");
  }
  if (ends("/history") && r.method == "GET") {
    auto image = images_.Resolve(name_before("/history"));
    if (!image.ok()) return Error(ex, image.status());
    auto config = images_.ConfigOf(*image);
    if (!config.ok()) return Error(ex, config.status());
    boost::system::error_code ec;
    auto v = boost::json::parse(config->raw, ec);
    std::string out;
    base::JsonWriter w(out);
    w.BeginArray();
    const boost::json::array* history = nullptr;
    if (!ec && v.is_object())
      if (auto* h = v.as_object().if_contains("history"); h && h->is_array())
        history = &h->as_array();
    if (history) {
      auto manifest = images_.ManifestOf(*image);
      size_t layer = 0, n = manifest.ok() ? manifest->layers.size() : 0;
      for (auto it = history->rbegin(); it != history->rend(); ++it) {
        if (!it->is_object()) continue;
        const auto& h = it->as_object();
        auto str = [&](const char* k) {
          auto* f = h.if_contains(k);
          return f && f->is_string() ? std::string(f->as_string()) : std::string();
        };
        auto* empty = h.if_contains("empty_layer");
        bool has_layer = !(empty && empty->is_bool() && empty->as_bool());
        int64_t size = 0;
        if (has_layer && manifest.ok() && layer < n) size = manifest->layers[n - 1 - layer++].size;
        w.BeginObject();
        w.Key("Comment");
        w.String(str("comment"));
        w.Key("Created");
        w.Int(UnixSeconds(str("created")));
        w.Key("CreatedBy");
        w.String(str("created_by"));
        w.Key("Id");
        w.String(it == history->rbegin() ? image->id.str() : "<missing>");
        w.Key("Size");
        w.Int(size);
        w.Key("Tags");
        if (it == history->rbegin())
          StringArray(w, image->tags);
        else
          w.Null();
        w.EndObject();
      }
    }
    w.EndArray();
    return Send(ex, 200, out + "\n");
  }
  if (ends("/json") && r.method == "GET") {
    auto image = images_.Resolve(name_before("/json"));
    if (!image.ok()) return Error(ex, image.status());
    auto config = images_.ConfigOf(*image);
    if (!config.ok()) return Error(ex, config.status());
    int64_t size = images_.SizeOf(*image);
    std::string out;
    base::JsonWriter w(out);
    w.BeginObject();
    w.Key("Id");
    w.String(image->id.str());
    w.Key("RepoTags");
    StringArray(w, image->tags);
    w.Key("RepoDigests");
    StringArray(w, image->repo_digests);
    w.Key("Parent");
    w.String("");
    w.Key("Comment");
    w.String("");
    w.Key("Created");
    w.String(config->created);
    w.Key("Container");
    w.String("");
    w.Key("ContainerConfig");
    w.Raw(RawObject(config->raw, "container_config"));
    w.Key("DockerVersion");
    w.String("");
    w.Key("Author");
    w.String(config->author);
    w.Key("Config");
    w.Raw(RawObject(config->raw, "config"));
    w.Key("Architecture");
    w.String(config->architecture);
    if (!config->variant.empty()) {
      w.Key("Variant");
      w.String(config->variant);
    }
    w.Key("Os");
    w.String(config->os);
    w.Key("Size");
    w.Int(size);
    w.Key("VirtualSize");
    w.Int(size);
    w.Key("GraphDriver");
    w.Raw(R"({"Data":null,"Name":"overlay2"})");
    w.Key("RootFS");
    w.BeginObject();
    w.Key("Type");
    w.String("layers");
    w.Key("Layers");
    w.BeginArray();
    for (const auto& d : config->diff_ids) w.String(d.str());
    w.EndArray();
    w.EndObject();
    w.Key("Metadata");
    w.Raw(R"({"LastTagTime":"0001-01-01T00:00:00Z"})");
    w.EndObject();
    return Send(ex, 200, out + "\n");
  }
  if (r.method == "DELETE" && !rest.empty()) {
    auto removed = images_.Remove(rest, Truthy(query, "force"));
    if (!removed.ok()) return Error(ex, removed.status());
    std::string out;
    base::JsonWriter w(out);
    w.BeginArray();
    for (const auto& u : removed->untagged) {
      w.BeginObject();
      w.Key("Untagged");
      w.String(u);
      w.EndObject();
    }
    for (const auto& d : removed->deleted) {
      w.BeginObject();
      w.Key("Deleted");
      w.String(d.str());
      w.EndObject();
    }
    w.EndArray();
    return Send(ex, 200, out + "\n");
  }
  Error(ex, base::Status(base::Code::kNotFound, "page not found"));
}

}  // namespace flotilla::container
