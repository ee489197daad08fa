#include "container/image_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <set>

#include "base/json_writer.h"
#include "container/layer_path.h"

namespace flotilla::container {

namespace {

struct ArchiveFile {
  Digest digest;
  int64_t size = 0;
  bool is_new = false;  // not in the store before this load
};

base::Status Bad(const std::string& why) {
  return base::Status(base::Code::kInvalidArgument, "image archive: " + why);
}

// Every regular file of the archive into the blob store, by path; `files`
// holds what got in also when a later entry fails.
base::Status Ingest(const BlobStore& blobs, std::string_view data,
                    std::map<std::string, ArchiveFile>& files) {
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  struct Free {
    archive* a;
    ~Free() { archive_read_free(a); }
  } free_it{a};
  if (archive_read_open_memory(a, data.data(), data.size()) != ARCHIVE_OK)
    return Bad(archive_error_string(a) ? archive_error_string(a) : "cannot open");
  archive_entry* e;
  std::string buf(64 * 1024, '\0');
  while (true) {
    int rc = archive_read_next_header(a, &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN)
      return Bad(archive_error_string(a) ? archive_error_string(a) : "bad entry");
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    auto name = CleanLayerPath(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
    if (!name.ok() || name->empty()) return Bad("bad file name in the archive");
    auto w = blobs.Begin();
    if (!w.ok()) return w.status();
    while (true) {
      la_ssize_t n = archive_read_data(a, buf.data(), buf.size());
      if (n < 0) return Bad(archive_error_string(a) ? archive_error_string(a) : "read error");
      if (n == 0) break;
      if (auto st = w->Write(std::string_view(buf.data(), size_t(n))); !st.ok()) return st;
    }
    int64_t size = int64_t(w->size());
    std::optional<Digest> expected;
    if (name->starts_with("blobs/sha256/")) {
      auto d = Digest::Parse("sha256:" + name->substr(13));
      if (!d.ok()) return Bad("bad blob name " + *name);
      expected = *d;
    }
    auto digest = w->Commit(expected);
    if (!digest.ok()) return Bad(*name + ": " + digest.status().message());
    files[*name] = {*digest, size, !w->existed()};
  }
  return base::Status::Ok();
}

std::string CleanOrEmpty(std::string_view name) {
  auto clean = CleanLayerPath(name);
  return clean.ok() ? *clean : std::string();
}

Descriptor Describe(std::string_view media_type, const Digest& digest, int64_t size) {
  Descriptor d;
  d.media_type = std::string(media_type);
  d.digest = digest;
  d.size = size;
  return d;
}

base::Result<std::string> ReadJsonFile(const BlobStore& blobs,
                                       const std::map<std::string, ArchiveFile>& files,
                                       const std::string& name) {
  auto it = files.find(name);
  if (it == files.end()) return Bad(name + " is missing");
  return blobs.Read(it->second.digest);
}

std::string_view BlobHead(const BlobStore& blobs, const Digest& d, char (&head)[8]) {
  int fd = ::open(blobs.PathOf(d).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  ssize_t n = ::read(fd, head, sizeof head);
  ::close(fd);
  return std::string_view(head, n > 0 ? size_t(n) : 0);
}

base::Result<std::vector<LoadedImage>> LoadLegacy(ImageStore& store,
                                                  const std::map<std::string, ArchiveFile>& files) {
  const BlobStore& blobs = store.blobs();
  auto text = ReadJsonFile(blobs, files, "manifest.json");
  if (!text.ok()) return text.status();
  boost::system::error_code ec;
  auto v = boost::json::parse(*text, ec);
  if (ec || !v.is_array()) return Bad("manifest.json is not a JSON array");
  std::vector<LoadedImage> out;
  for (const auto& item : v.as_array()) {
    if (!item.is_object()) return Bad("manifest.json holds a non-object");
    const auto& o = item.as_object();
    auto* config_name = o.if_contains("Config");
    if (!config_name || !config_name->is_string()) return Bad("manifest.json: no Config");
    auto config_file = files.find(CleanOrEmpty(config_name->as_string()));
    if (config_file == files.end())
      return Bad("config " + std::string(config_name->as_string()) + " is missing");
    auto config_text = blobs.Read(config_file->second.digest);
    if (!config_text.ok()) return config_text.status();
    auto config = ParseImageConfig(*config_text);
    if (!config.ok()) return Bad(config.status().message());
    Manifest m;
    m.media_type = std::string(media::kOciManifest);
    m.config = Describe(media::kOciConfig, config_file->second.digest, config_file->second.size);
    auto* layers = o.if_contains("Layers");
    if (!layers || !layers->is_array()) return Bad("manifest.json: no Layers");
    if (layers->as_array().size() != config->diff_ids.size())
      return Bad("manifest.json lists " + std::to_string(layers->as_array().size()) +
                 " layers, the config " + std::to_string(config->diff_ids.size()));
    size_t i = 0;
    for (const auto& l : layers->as_array()) {
      std::string path = CleanOrEmpty(l.is_string() ? std::string_view(l.as_string()) : "");
      auto f = files.find(path);
      if (f == files.end()) return Bad("layer " + path + " is missing");
      char head[8];
      std::string_view type = SniffLayerType(BlobHead(blobs, f->second.digest, head));
      if (type == media::kOciLayer && f->second.digest != config->diff_ids[i])
        return Bad("layer " + path + " is " + f->second.digest.str() + ", the config says " +
                   config->diff_ids[i].str());
      m.layers.push_back(Describe(type, f->second.digest, f->second.size));
      ++i;
    }
    auto manifest = blobs.Put(ManifestJson(m));
    if (!manifest.ok()) return manifest.status();
    LoadedImage loaded;
    auto* tags = o.if_contains("RepoTags");
    std::vector<Reference> refs;
    if (tags && tags->is_array())
      for (const auto& t : tags->as_array()) {
        auto ref = ParseReference(t.is_string() ? std::string_view(t.as_string()) : "");
        if (!ref.ok()) return Bad("bad RepoTags entry: " + ref.status().message());
        refs.push_back(*ref);
      }
    auto added =
        store.Add(*manifest, refs.empty() ? std::nullopt : std::optional<Reference>(refs.front()));
    if (!added.ok()) return added.status();
    for (size_t k = 1; k < refs.size(); ++k)
      if (auto st = store.Tag(added->id, refs[k]); !st.ok()) return st;
    for (const auto& r : refs) loaded.tags.push_back(r.TaggedName());
    loaded.image = *store.Resolve(added->id.str());
    out.push_back(std::move(loaded));
  }
  return out;
}

base::Result<std::vector<LoadedImage>> LoadOciLayout(
    ImageStore& store, const std::map<std::string, ArchiveFile>& files) {
  const BlobStore& blobs = store.blobs();
  auto text = ReadJsonFile(blobs, files, "index.json");
  if (!text.ok()) return text.status();
  auto index = ParseIndex(*text);
  if (!index.ok()) return Bad(index.status().message());
  std::vector<LoadedImage> out;
  for (auto desc : index->manifests) {
    auto annotations = desc.annotations;
    if (IsIndexType(desc.media_type)) {
      auto nested_text = blobs.Read(desc.digest);
      if (!nested_text.ok()) return Bad("index " + desc.digest.str() + " is missing");
      auto nested = ParseIndex(*nested_text);
      if (!nested.ok()) return Bad(nested.status().message());
      auto picked = PickPlatform(*nested, HostPlatform());
      if (!picked.ok()) return picked.status();
      desc = *picked;
    } else if (!IsManifestType(desc.media_type)) {
      continue;  // attestations and other artifacts
    }
    auto mtext = blobs.Read(desc.digest);
    if (!mtext.ok()) return Bad("manifest " + desc.digest.str() + " is missing");
    auto m = ParseManifest(*mtext);
    if (!m.ok()) return Bad(m.status().message());
    // Docker names images with the containerd annotation (a full name);
    // other tools with ref.name, which may be a whole name or a bare tag.
    std::optional<Reference> ref;
    for (const char* key : {"io.containerd.image.name", "org.opencontainers.image.ref.name"}) {
      auto it = annotations.find(key);
      if (ref || it == annotations.end()) continue;
      if (it->second.find_first_of(":/") == std::string::npos) continue;  // a bare tag
      if (auto r = ParseReference(it->second); r.ok() && !r->tag.empty()) ref = *r;
    }
    auto added = store.Add(desc.digest, ref);
    if (!added.ok()) return added.status();
    LoadedImage loaded{*added, {}};
    if (ref) loaded.tags.push_back(ref->TaggedName());
    out.push_back(std::move(loaded));
  }
  if (out.empty()) return Bad("index.json lists no image");
  return out;
}

}  // namespace

base::Result<std::vector<LoadedImage>> LoadArchive(ImageStore& store, std::string_view archive) {
  std::map<std::string, ArchiveFile> files;
  base::Status ingested = Ingest(store.blobs(), archive, files);
  auto loaded = !ingested.ok()                 ? base::Result<std::vector<LoadedImage>>(ingested)
                : files.count("manifest.json") ? LoadLegacy(store, files)
                : files.count("index.json")    ? LoadOciLayout(store, files)
                                               : base::Result<std::vector<LoadedImage>>(Bad(
                                                     "neither manifest.json nor index.json found"));
  // What this load brought in and no image uses does not stay (the
  // archive's own manifest.json, what a failed load left); blobs the store
  // had before are left alone.
  std::set<Digest> referenced = store.Referenced();
  for (const auto& [name, f] : files)
    if (f.is_new && !referenced.count(f.digest)) (void)store.blobs().Remove(f.digest);
  return loaded;
}

std::vector<std::string> LoadMessages(const std::vector<LoadedImage>& loaded) {
  std::vector<std::string> out;
  for (const auto& l : loaded) {
    if (l.tags.empty()) out.push_back("Loaded image ID: " + l.image.id.str());
    for (const auto& t : l.tags) out.push_back("Loaded image: " + t);
  }
  return out;
}

namespace {

class TarWriter {
 public:
  explicit TarWriter(const std::function<void(std::string_view)>& sink) : sink_(sink) {
    a_ = archive_write_new();
    archive_write_set_format_pax_restricted(a_);
    archive_write_set_bytes_in_last_block(a_, 1);
    archive_write_open(a_, this, nullptr, &Write, nullptr);
  }
  ~TarWriter() { archive_write_free(a_); }

  base::Status Header(const std::string& name, int64_t size, bool dir = false) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, dir ? 0755 : 0644);
    archive_entry_set_size(e, dir ? 0 : size);
    int rc = archive_write_header(a_, e);
    archive_entry_free(e);
    return rc == ARCHIVE_OK ? base::Status::Ok() : Bad(archive_error_string(a_));
  }
  base::Status Data(std::string_view data) {
    if (archive_write_data(a_, data.data(), data.size()) < 0) return Bad(archive_error_string(a_));
    return base::Status::Ok();
  }
  base::Status File(const std::string& name, std::string_view data) {
    if (auto st = Header(name, int64_t(data.size())); !st.ok()) return st;
    return Data(data);
  }
  base::Status BlobFile(const BlobStore& blobs, const Digest& d) {
    int fd = ::open(blobs.PathOf(d).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return base::Status::FromErrno("open blob " + d.str(), errno);
    auto size = blobs.SizeOf(d);
    base::Status st =
        size.ok() ? Header("blobs/sha256/" + std::string(d.hex()), int64_t(*size)) : size.status();
    char buf[64 * 1024];
    while (st.ok()) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      st = Data(std::string_view(buf, size_t(n)));
    }
    ::close(fd);
    return st;
  }
  base::Status Close() {
    return archive_write_close(a_) == ARCHIVE_OK ? base::Status::Ok()
                                                 : Bad(archive_error_string(a_));
  }

 private:
  static la_ssize_t Write(archive*, void* self, const void* buf, size_t n) {
    static_cast<TarWriter*>(self)->sink_(std::string_view(static_cast<const char*>(buf), n));
    return la_ssize_t(n);
  }
  const std::function<void(std::string_view)>& sink_;
  archive* a_;
};

}  // namespace

base::Status SaveArchive(const ImageStore& store, const std::vector<std::string>& names,
                         const std::function<void(std::string_view)>& sink) {
  struct Item {
    ImageRecord image;
    Manifest manifest;
    ImageConfig config;
    std::vector<std::string> tags;
  };
  std::vector<Item> items;
  for (const auto& name : names) {
    auto image = store.Resolve(name);
    if (!image.ok()) return image.status();
    std::string tag;
    if (auto ref = ParseReference(name);
        ref.ok() && !ref->digest &&
        std::count(image->tags.begin(), image->tags.end(), ref->TaggedName()))
      tag = ref->TaggedName();
    Item* item = nullptr;
    for (auto& it : items)
      if (it.image.id == image->id) item = &it;
    if (!item) {
      auto m = store.ManifestOf(*image);
      if (!m.ok()) return m.status();
      auto c = store.ConfigOf(*image);
      if (!c.ok()) return c.status();
      items.push_back({*image, std::move(*m), std::move(*c), {}});
      item = &items.back();
    }
    if (!tag.empty() && !std::count(item->tags.begin(), item->tags.end(), tag))
      item->tags.push_back(tag);
  }
  TarWriter tar(sink);
  const BlobStore& blobs = store.blobs();
  std::set<Digest> written;
  Index index{std::string(media::kOciIndex), {}};
  std::string manifest_json = "[";
  std::map<std::string, std::map<std::string, std::string>> repositories;
  if (auto st = tar.Header("blobs", 0, true); !st.ok()) return st;
  if (auto st = tar.Header("blobs/sha256", 0, true); !st.ok()) return st;
  for (const auto& item : items) {
    for (const Digest& d : {item.image.manifest, item.image.id}) {
      if (written.insert(d).second)
        if (auto st = tar.BlobFile(blobs, d); !st.ok()) return st;
    }
    for (const auto& l : item.manifest.layers)
      if (written.insert(l.digest).second)
        if (auto st = tar.BlobFile(blobs, l.digest); !st.ok()) return st;
    auto msize = blobs.SizeOf(item.image.manifest);
    Descriptor desc =
        Describe(item.manifest.media_type, item.image.manifest, msize.ok() ? int64_t(*msize) : 0);
    if (item.tags.empty()) {
      index.manifests.push_back(desc);
    }
    for (const auto& t : item.tags) {
      Descriptor named = desc;
      auto ref = ParseReference(t);
      named.annotations["io.containerd.image.name"] = ref->FullName() + ":" + ref->tag;
      named.annotations["org.opencontainers.image.ref.name"] = ref->tag;
      index.manifests.push_back(named);
      if (!item.config.diff_ids.empty())
        repositories[ref->Familiar()][ref->tag] = std::string(item.config.diff_ids.back().hex());
    }
    if (manifest_json.size() > 1) manifest_json += ',';
    base::JsonWriter w(manifest_json);
    w.BeginObject();
    w.Key("Config");
    w.String("blobs/sha256/" + std::string(item.image.id.hex()));
    w.Key("RepoTags");
    if (item.tags.empty()) {
      w.Null();
    } else {
      w.BeginArray();
      for (const auto& t : item.tags) w.String(t);
      w.EndArray();
    }
    w.Key("Layers");
    w.BeginArray();
    for (const auto& l : item.manifest.layers)
      w.String("blobs/sha256/" + std::string(l.digest.hex()));
    w.EndArray();
    w.EndObject();
  }
  manifest_json += "]\n";
  std::string repos;
  {
    base::JsonWriter w(repos);
    w.BeginObject();
    for (const auto& [name, tags] : repositories) {
      w.Key(name);
      w.BeginObject();
      for (const auto& [tag, id] : tags) {
        w.Key(tag);
        w.String(id);
      }
      w.EndObject();
    }
    w.EndObject();
    repos += '\n';
  }
  for (auto [name, data] : std::vector<std::pair<std::string, std::string>>{
           {"index.json", IndexJson(index) + "\n"},
           {"manifest.json", manifest_json},
           {"oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}\n"},
           {"repositories", repos}})
    if (auto st = tar.File(name, data); !st.ok()) return st;
  return tar.Close();
}

}  // namespace flotilla::container
