// Reference: an image name as users write it ("busybox", "busybox:1.36",
// "localhost:5000/team/app@sha256:..."), normalized as Docker normalizes it
// (distribution/reference): a first component with a '.' or ':' or equal
// to "localhost" is the registry, otherwise the registry is docker.io and
// a one-component name gets "library/"; the tag defaults to "latest" when
// neither tag nor digest is given. Pure functions; values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "container/digest.h"

namespace flotilla::container {

struct Reference {
  std::string domain;  // "docker.io", "localhost:5000"
  std::string path;    // "library/busybox", "team/app"
  std::string tag;     // "" when only a digest was given
  std::optional<Digest> digest;

  // The name Docker shows: "busybox", "team/app", "localhost:5000/app".
  std::string Familiar() const;
  // "docker.io/library/busybox".
  std::string FullName() const;
  // Familiar() with ":tag" and/or "@digest".
  std::string String() const;
  // Familiar() + ":" + tag ("busybox:latest"); "" without a tag.
  std::string TaggedName() const;
};

// Errors read as Docker's: "invalid reference format", "invalid reference
// format: repository name (library/Busybox) must be lowercase".
base::Result<Reference> ParseReference(std::string_view text, bool default_tag = true);

// A tag alone: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
bool IsValidTag(std::string_view tag);

}  // namespace flotilla::container
