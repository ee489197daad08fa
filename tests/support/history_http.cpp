#include "history_http.h"

#include <boost/json.hpp>

#include "net/http_client.h"

namespace flotilla::testing::lin {

int64_t EtcdErrorCode(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("errorCode")) return 0;
  return v.at("errorCode").to_number<int64_t>();
}

Outcome RunRecordedOp(HistoryRecorder& rec, const std::string& url, Operation op,
                      std::chrono::milliseconds timeout) {
  std::string target = "/v2/keys/" + op.key;
  std::string method = "PUT", body;
  switch (op.kind) {
    case Kind::kGet:
      method = "GET", target += "?quorum=true";
      break;
    case Kind::kSet:
      body = "value=" + op.value;
      break;
    case Kind::kCreate:
      body = "value=" + op.value + "&prevExist=false";
      break;
    case Kind::kUpdate:
      body = "value=" + op.value + "&prevExist=true";
      break;
    case Kind::kCompareAndSwap:
      body = "value=" + op.value + "&prevValue=" + op.prev_value;
      break;
    case Kind::kDelete:
      method = "DELETE";
      break;
    case Kind::kCompareAndDelete:
      method = "DELETE", target += "?prevValue=" + op.prev_value;
      break;
  }
  bool get = op.kind == Kind::kGet;
  int64_t id = rec.Call(std::move(op));
  auto lost = [&] {
    rec.Lost(id);
    return Outcome::kUnknown;
  };
  net::HttpClient client(*net::ParseUrl(url));
  auto r = client.Do(method, target, body, body.empty() ? "" : "application/x-www-form-urlencoded",
                     timeout);
  if (!r.ok() || r->status >= 500) return lost();
  if (get) {
    if (r->status == 404) {
      rec.ReturnGet(id, std::nullopt);
      return Outcome::kSucceeded;
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(r->body, ec);
    const boost::json::value* value = nullptr;
    if (!ec && r->status == 200 && v.is_object()) {
      if (const auto* node = v.as_object().if_contains("node"); node && node->is_object()) {
        value = node->as_object().if_contains("value");
      }
    }
    if (!value || !value->is_string()) return lost();
    rec.ReturnGet(id, std::string(value->as_string()));
    return Outcome::kSucceeded;
  }
  if (r->status == 200 || r->status == 201) {
    rec.Return(id, true);
    return Outcome::kSucceeded;
  }
  Failure failure;
  switch (EtcdErrorCode(r->body)) {
    case 100:
      failure = Failure::kKeyNotFound;
      break;
    case 101:
      failure = Failure::kCompareFailed;
      break;
    case 105:
      failure = Failure::kNodeExists;
      break;
    default:
      return lost();
  }
  rec.Return(id, false, failure);
  return Outcome::kFailed;
}

Operation RandomOperation(std::mt19937& rng, int client, int n, const ClientMix& mix) {
  Operation op;
  op.client = client;
  op.key = mix.keys[rng() % mix.keys.size()];
  op.value = "c" + std::to_string(client) + "-" + std::to_string(n);
  int other = static_cast<int>(rng() % static_cast<unsigned>(mix.clients));
  int back = 1 + static_cast<int>(rng() % 3);
  op.prev_value = "c" + std::to_string(other) + "-" + std::to_string(n - back);
  int k = static_cast<int>(rng() % 10);
  op.kind = k < 4   ? Kind::kGet
            : k < 6 ? Kind::kSet
            : k < 7 ? Kind::kCreate
            : k < 9 ? Kind::kCompareAndSwap
                    : Kind::kDelete;
  return op;
}

RecordingClients::RecordingClients(HistoryRecorder& rec, std::vector<std::string> urls,
                                   ClientMix mix)
    : rec_(rec), urls_(std::move(urls)), mix_(std::move(mix)) {
  for (int c = 0; c < mix_.clients; ++c) threads_.emplace_back([this, c] { Run(c); });
}

RecordingClients::~RecordingClients() {
  Stop();
}

void RecordingClients::Stop() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void RecordingClients::Run(int client) {
  std::mt19937 rng(mix_.seed + static_cast<uint32_t>(client));
  auto deadline = std::chrono::steady_clock::now() + mix_.max_time;
  for (int n = 0; n < mix_.max_ops && !stop_ && std::chrono::steady_clock::now() < deadline; ++n) {
    Operation op = RandomOperation(rng, client, n, mix_);
    const std::string& url = urls_[rng() % urls_.size()];
    if (RunRecordedOp(rec_, url, std::move(op), mix_.timeout) != Outcome::kUnknown) {
      ++known_;
    } else if (mix_.pause_after_unknown.count() > 0) {
      std::this_thread::sleep_for(mix_.pause_after_unknown);
    }
  }
}

}  // namespace flotilla::testing::lin
