#include "etcd/key_request.h"

#include <optional>

#include "base/go_strconv.h"
#include "base/go_url.h"
#include "etcd/form.h"

namespace flotilla::etcd {
namespace {

using kv::ErrorCode;

kv::Error ParseError(ErrorCode code, std::string cause) {
  return kv::Error{code, std::move(cause), 0};
}

bool IsFormContentType(std::string_view ct) {
  // mime.ParseMediaType: the type before ';', trimmed, case-insensitive.
  auto semi = ct.find(';');
  std::string_view t = ct.substr(0, semi);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  constexpr std::string_view kForm = "application/x-www-form-urlencoded";
  if (t.size() != kForm.size()) return false;
  for (size_t i = 0; i < t.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(t[i])) != kForm[i]) return false;
  return true;
}

// Go's path.Join("/1", key).
std::string StorePath(std::string_view key) {
  std::string joined(kKeysNamespace);
  joined += '/';
  joined += key;
  std::string clean = base::CanonicalUrlPath(joined);
  if (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  return clean;
}

}  // namespace

std::variant<KeyRequest, kv::Error> DecodeKeyRequest(const RawKeyRequest& raw,
                                                     base::UnixNanos now) {
  // r.ParseForm(): the body for PUT/POST/PATCH with a form content type,
  // then the query; body values come first, so they win.
  Form form;
  std::optional<std::string> form_err;
  bool has_body_form = raw.method == "PUT" || raw.method == "POST" || raw.method == "PATCH";
  if (has_body_form && IsFormContentType(raw.content_type)) form_err = ParseQuery(raw.body, form);
  Form query;
  auto query_err = ParseQuery(raw.query, query);
  if (!form_err) form_err = query_err;
  form.Append(query);
  if (form_err) return ParseError(ErrorCode::kInvalidForm, *form_err);

  auto get_uint = [&](std::string_view name) -> std::optional<std::optional<uint64_t>> {
    if (!form.Has(name)) return std::optional<uint64_t>(0);
    auto v = base::ParseGoUint(form.First(name));
    if (!v) return std::nullopt;
    return std::optional<uint64_t>(*v);
  };
  auto get_bool = [&](std::string_view name) -> std::optional<bool> {
    if (!form.Has(name)) return false;
    return base::ParseGoBool(form.First(name));
  };
  auto invalid = [](std::string_view name) {
    return ParseError(ErrorCode::kInvalidField, "invalid value for \"" + std::string(name) + "\"");
  };

  auto prev_index = get_uint("prevIndex");
  if (!prev_index) return ParseError(ErrorCode::kIndexNaN, "invalid value for \"prevIndex\"");
  auto wait_index = get_uint("waitIndex");
  if (!wait_index) return ParseError(ErrorCode::kIndexNaN, "invalid value for \"waitIndex\"");

  bool flags[6];
  static constexpr std::string_view kFlagNames[6] = {"recursive", "sorted", "wait",
                                                     "dir",       "quorum", "stream"};
  for (int i = 0; i < 6; ++i) {
    auto b = get_bool(kFlagNames[i]);
    if (!b) return invalid(kFlagNames[i]);
    flags[i] = *b;
  }
  auto [recursive, sorted, wait, dir, quorum, stream] =
      std::tuple(flags[0], flags[1], flags[2], flags[3], flags[4], flags[5]);

  if (wait && raw.method != "GET")
    return ParseError(ErrorCode::kInvalidField, "\"wait\" can only be used with GET requests");

  std::string_view prev_value = form.First("prevValue");
  if (form.Has("prevValue") && prev_value.empty())
    return ParseError(ErrorCode::kPrevValueRequired, "\"prevValue\" cannot be empty");

  auto no_value = get_bool("noValueOnSuccess");
  if (!no_value) return invalid("noValueOnSuccess");

  std::optional<uint64_t> ttl;
  if (!form.First("ttl").empty()) {
    ttl = base::ParseGoUint(form.First("ttl"));
    if (!ttl) return ParseError(ErrorCode::kTtlNaN, "invalid value for \"ttl\"");
  }

  std::optional<bool> prev_exist;
  if (form.Has("prevExist")) {
    prev_exist = base::ParseGoBool(form.First("prevExist"));
    if (!prev_exist) return ParseError(ErrorCode::kInvalidField, "invalid value for prevExist");
  }

  bool refresh = false;
  if (form.Has("refresh")) {
    auto r = base::ParseGoBool(form.First("refresh"));
    if (!r) return ParseError(ErrorCode::kInvalidField, "invalid value for refresh");
    refresh = *r;
    if (refresh) {
      if (form.Has("value") && !form.First("value").empty())
        return ParseError(ErrorCode::kRefreshValue, "A value was provided on a refresh");
      if (!ttl) return ParseError(ErrorCode::kRefreshTtlRequired, "No TTL value set");
    }
  }

  KeyRequest out;
  kv::Request& req = out.request;
  req.path = StorePath(raw.key);
  // An HTTP path is cleaned before it gets here, so ".." cannot climb out of
  // the user namespace; refuse it anyway rather than touch /0.
  if (req.path != kKeysNamespace && !req.path.starts_with(std::string(kKeysNamespace) + "/"))
    return ParseError(ErrorCode::kInvalidForm, "incorrect key prefix");
  req.value = std::string(form.First("value"));
  req.dir = dir;
  req.recursive = recursive;
  req.sorted = sorted;
  req.refresh = refresh;
  if (!prev_value.empty()) req.prev_value = std::string(prev_value);
  req.prev_index = **prev_index;
  req.time = now;
  if (ttl) {
    // Go: time.Duration(ttl) * time.Second overflows silently; saturate instead.
    constexpr uint64_t kMaxSeconds = INT64_MAX / 1'000'000'000 - 1;
    uint64_t secs = *ttl > kMaxSeconds ? kMaxSeconds : *ttl;
    req.expiration = now + static_cast<int64_t>(secs) * 1'000'000'000;
    if (req.expiration == 0) req.expiration = 1;
  }
  out.no_value_on_success = *no_value;
  out.wait_index = **wait_index;
  out.stream = stream;
  out.quorum = quorum;

  bool compare = req.prev_index > 0 || req.prev_value.has_value();
  if (raw.method == "GET" || raw.method == "HEAD") {
    if (wait) {
      out.kind = KeyRequest::Kind::kWatch;
    } else {
      out.kind = KeyRequest::Kind::kGet;
      out.quorum = quorum && raw.method == "GET";
      req.op = kv::Op::kGet;
    }
  } else if (raw.method == "POST") {
    out.kind = KeyRequest::Kind::kWrite;
    req.op = kv::Op::kCreate;
    req.unique = true;
  } else if (raw.method == "PUT") {
    out.kind = KeyRequest::Kind::kWrite;
    if (prev_exist) {
      if (*prev_exist)
        req.op = compare ? kv::Op::kCompareAndSwap : kv::Op::kUpdate;
      else
        req.op = kv::Op::kCreate;
    } else {
      req.op = compare ? kv::Op::kCompareAndSwap : kv::Op::kSet;
    }
  } else {  // DELETE
    out.kind = KeyRequest::Kind::kWrite;
    req.op = compare ? kv::Op::kCompareAndDelete : kv::Op::kDelete;
  }
  return out;
}

}  // namespace flotilla::etcd
