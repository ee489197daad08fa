#include "container/image_store.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "base/fs.h"
#include "base/json_writer.h"

namespace flotilla::container {

namespace {

std::string StatePath(const std::string& root) {
  return root + "/images.json";
}

void Insert(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) {
    list.push_back(item);
    std::sort(list.begin(), list.end());
  }
}

bool Erase(std::vector<std::string>& list, const std::string& item) {
  auto it = std::find(list.begin(), list.end(), item);
  if (it == list.end()) return false;
  list.erase(it);
  return true;
}

bool IsHex(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

ImageStore::ImageStore(std::string root) : root_(root), blobs_(std::move(root)) {}

base::Result<std::unique_ptr<ImageStore>> ImageStore::Open(const std::string& root) {
  std::unique_ptr<ImageStore> store(new ImageStore(root));
  if (auto st = store->blobs_.Init(); !st.ok()) return st;
  if (auto st = store->Load(); !st.ok()) return st.WithContext("image store " + root);
  return store;
}

base::Status ImageStore::Load() {
  if (!base::RealFs().Exists(StatePath(root_))) return base::Status::Ok();
  auto text = base::RealFs().ReadFile(StatePath(root_));
  if (!text.ok()) return text.status();
  boost::system::error_code ec;
  auto v = boost::json::parse(*text, ec);
  if (ec || !v.is_object()) return base::Status(base::Code::kCorruption, "images.json is not JSON");
  auto* list = v.as_object().if_contains("images");
  if (!list || !list->is_array()) return base::Status::Ok();
  for (const auto& item : list->as_array()) {
    if (!item.is_object()) continue;
    const auto& o = item.as_object();
    auto str = [&](const char* k) {
      auto* f = o.if_contains(k);
      return f && f->is_string() ? std::string(f->as_string()) : std::string();
    };
    auto strs = [&](const char* k) {
      std::vector<std::string> out;
      if (auto* f = o.if_contains(k); f && f->is_array())
        for (const auto& s : f->as_array())
          if (s.is_string()) out.emplace_back(s.as_string());
      std::sort(out.begin(), out.end());
      return out;
    };
    auto id = Digest::Parse(str("id"));
    auto manifest = Digest::Parse(str("manifest"));
    if (!id.ok() || !manifest.ok())
      return base::Status(base::Code::kCorruption, "images.json: an image has a bad digest");
    images_.push_back({*id, *manifest, strs("tags"), strs("repoDigests")});
  }
  return base::Status::Ok();
}

base::Status ImageStore::Save() const {
  std::string out;
  base::JsonWriter w(out);
  w.BeginObject();
  w.Key("images");
  w.BeginArray();
  for (const auto& img : images_) {
    w.BeginObject();
    w.Key("id");
    w.String(img.id.str());
    w.Key("manifest");
    w.String(img.manifest.str());
    w.Key("tags");
    w.BeginArray();
    for (const auto& t : img.tags) w.String(t);
    w.EndArray();
    w.Key("repoDigests");
    w.BeginArray();
    for (const auto& d : img.repo_digests) w.String(d);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out += '\n';
  return base::WriteFileAtomic(base::RealFs(), StatePath(root_), out);
}

base::Result<ImageRecord> ImageStore::Add(const Digest& manifest_digest,
                                          const std::optional<Reference>& tag,
                                          const std::optional<std::string>& repo_digest) {
  auto text = blobs_.Read(manifest_digest);
  if (!text.ok()) return text.status();
  auto manifest = ParseManifest(*text);
  if (!manifest.ok()) return manifest.status();
  auto config_text = blobs_.Read(manifest->config.digest);
  if (!config_text.ok()) return config_text.status();
  auto config = ParseImageConfig(*config_text);
  if (!config.ok()) return config.status();
  if (config->diff_ids.size() != manifest->layers.size())
    return base::Status(base::Code::kInvalidArgument,
                        "image " + manifest->config.digest.str() + ": the config lists " +
                            std::to_string(config->diff_ids.size()) + " layers, the manifest " +
                            std::to_string(manifest->layers.size()));
  for (const auto& layer : manifest->layers)
    if (!blobs_.Has(layer.digest))
      return base::Status(base::Code::kNotFound, "layer " + layer.digest.str() + " is missing");

  std::lock_guard lock(mu_);
  ImageRecord* image = nullptr;
  for (auto& img : images_)
    if (img.id == manifest->config.digest) image = &img;
  if (!image) {
    images_.push_back({manifest->config.digest, manifest_digest, {}, {}});
    image = &images_.back();
  } else if (repo_digest) {
    image->manifest = manifest_digest;  // the manifest it was pulled as
  }
  if (repo_digest) Insert(image->repo_digests, *repo_digest);
  if (tag && !tag->tag.empty()) MoveTagLocked(*image, tag->TaggedName());
  ImageRecord result = *image;
  if (auto st = Save(); !st.ok()) return st;
  return result;
}

void ImageStore::MoveTagLocked(ImageRecord& image, const std::string& name) {
  for (auto& other : images_)
    if (&other != &image) Erase(other.tags, name);
  Insert(image.tags, name);
}

ImageRecord* ImageStore::FindLocked(std::string_view name) {
  std::string_view hex = name.starts_with("sha256:") ? name.substr(7) : name;
  if (IsHex(hex) && hex.size() == 64) {
    for (auto& img : images_)
      if (img.id.hex() == hex) return &img;
  }
  if (auto ref = ParseReference(name); ref.ok()) {
    if (ref->digest) {
      std::string want = ref->Familiar() + "@" + ref->digest->str();
      for (auto& img : images_)
        if (std::count(img.repo_digests.begin(), img.repo_digests.end(), want) ||
            (img.manifest == *ref->digest &&
             std::any_of(
                 img.repo_digests.begin(), img.repo_digests.end(),
                 [&](const std::string& d) { return d.starts_with(ref->Familiar() + "@"); })))
          return &img;
    } else {
      std::string want = ref->TaggedName();
      for (auto& img : images_)
        if (std::count(img.tags.begin(), img.tags.end(), want)) return &img;
    }
  }
  if (IsHex(hex) && hex.size() < 64) {
    ImageRecord* found = nullptr;
    for (auto& img : images_) {
      if (!img.id.hex().starts_with(hex)) continue;
      if (found && found->id != img.id) return nullptr;  // ambiguous
      found = &img;
    }
    if (found) return found;
  }
  return nullptr;
}

namespace {

// Docker names a missing image as it understood the name: "x:latest".
base::Status NoSuchImage(std::string_view name) {
  auto ref = ParseReference(name);
  return base::Status(base::Code::kNotFound,
                      "No such image: " + (ref.ok() ? ref->String() : std::string(name)));
}

}  // namespace

base::Result<ImageRecord> ImageStore::Resolve(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto* img = const_cast<ImageStore*>(this)->FindLocked(name);
  if (!img) return NoSuchImage(name);
  return *img;
}

base::Status ImageStore::Tag(const Digest& id, const Reference& ref) {
  if (ref.tag.empty())
    return base::Status(base::Code::kInvalidArgument,
                        "refusing to create a tag with a digest reference");
  std::lock_guard lock(mu_);
  ImageRecord* image = nullptr;
  for (auto& img : images_)
    if (img.id == id) image = &img;
  if (!image) return base::Status(base::Code::kNotFound, "No such image: " + id.str());
  MoveTagLocked(*image, ref.TaggedName());
  return Save();
}

base::Result<RemovedImage> ImageStore::Remove(
    std::string_view name, bool force,
    const std::function<std::optional<std::string>(const Digest&)>& in_use) {
  std::lock_guard lock(mu_);
  ImageRecord* image = FindLocked(name);
  if (!image) return NoSuchImage(name);
  RemovedImage out;
  // A name (not the ID) is untagged; the image goes only with its last name.
  std::string tagged, digested;
  if (auto ref = ParseReference(name); ref.ok()) {
    if (ref->digest)
      digested = ref->Familiar() + "@" + ref->digest->str();
    else
      tagged = ref->TaggedName();
  }
  bool by_name = (!tagged.empty() && std::count(image->tags.begin(), image->tags.end(), tagged)) ||
                 (!digested.empty() &&
                  std::count(image->repo_digests.begin(), image->repo_digests.end(), digested));
  size_t names = image->tags.size() + image->repo_digests.size();
  std::optional<std::string> user = in_use ? in_use(image->id) : std::nullopt;
  if (by_name && names > 1) {
    if (!tagged.empty()) Erase(image->tags, tagged), out.untagged.push_back(tagged);
    if (!digested.empty()) Erase(image->repo_digests, digested), out.untagged.push_back(digested);
    if (auto st = Save(); !st.ok()) return st;
    return out;
  }
  if (user && !force) {
    std::string what = by_name ? "remove repository reference \"" + std::string(name) + "\""
                               : "delete " + std::string(image->id.Short());
    return base::Status(base::Code::kAlreadyExists,
                        "conflict: unable to " + what + " (must force) - container " +
                            user->substr(0, 12) + " is using its referenced image " +
                            std::string(image->id.Short()));
  }
  if (!by_name && names > 1 && !force)
    return base::Status(base::Code::kAlreadyExists,
                        "conflict: unable to delete " + std::string(image->id.Short()) +
                            " (must be forced) - image is referenced in multiple repositories");
  for (const auto& t : image->tags) out.untagged.push_back(t);
  for (const auto& d : image->repo_digests) out.untagged.push_back(d);
  if (user) {
    // Forced while a container uses it: the names go, the image stays.
    image->tags.clear();
    image->repo_digests.clear();
  } else {
    out.deleted.push_back(image->id);
    images_.erase(images_.begin() + (image - images_.data()));
    CollectLocked(out.deleted);
  }
  if (auto st = Save(); !st.ok()) return st;
  return out;
}

std::set<Digest> ImageStore::ReferencedLocked() const {
  std::set<Digest> out;
  for (const auto& img : images_) {
    out.insert(img.id);
    out.insert(img.manifest);
    if (auto m = ManifestOf(img); m.ok())
      for (const auto& l : m->layers) out.insert(l.digest);
  }
  return out;
}

std::set<Digest> ImageStore::Referenced() const {
  std::lock_guard lock(mu_);
  return ReferencedLocked();
}

void ImageStore::CollectLocked(std::vector<Digest>& deleted) {
  std::set<Digest> keep = ReferencedLocked();
  auto all = blobs_.List();
  if (!all.ok()) return;
  for (const auto& d : *all)
    if (!keep.count(d) && blobs_.Remove(d).ok() &&
        std::find(deleted.begin(), deleted.end(), d) == deleted.end())
      deleted.push_back(d);
}

std::vector<ImageRecord> ImageStore::List() const {
  std::lock_guard lock(mu_);
  return images_;
}

base::Result<Manifest> ImageStore::ManifestOf(const ImageRecord& image) const {
  auto text = blobs_.Read(image.manifest);
  if (!text.ok()) return text.status();
  return ParseManifest(*text);
}

base::Result<ImageConfig> ImageStore::ConfigOf(const ImageRecord& image) const {
  auto text = blobs_.Read(image.id);
  if (!text.ok()) return text.status();
  return ParseImageConfig(*text);
}

int64_t ImageStore::SizeOf(const ImageRecord& image) const {
  auto m = ManifestOf(image);
  if (!m.ok()) return 0;
  int64_t total = 0;
  for (const auto& l : m->layers) total += l.size;
  return total;
}

}  // namespace flotilla::container
