// Side-by-side compatibility: the same scripted requests go to Debian's real
// etcd 3.4 (--enable-v2) and to `flotilla serve`, and every answer is
// compared: status, the set of header names, Content-Type, X-Etcd-Index, and
// the JSON body field by field (action, node, prevNode, errorCode, message,
// cause, index). Expiration timestamps are compared for presence, TTLs within
// a second, and unsorted listings as sets (etcd lists in Go map order).
//
// The script is tests/etcd/testdata/v2_compat.txt; its format is described at
// its top.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "cluster_process.h"
#include "net/http_client.h"

namespace flotilla {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

struct Answer {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case name -> value
  std::string body;
};

Answer Collect(const net::HttpResponse& r, std::string body) {
  Answer a;
  a.status = r.status;
  for (const auto& [k, v] : r.headers) {
    std::string name;
    for (char c : k) name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    a.headers[name] = v;
  }
  a.body = std::move(body);
  return a;
}

// Sends one request; a form body is sent as etcd clients send it.
Answer Send(net::HttpClient& client, const std::string& method, const std::string& target,
            const std::string& body) {
  auto r =
      client.Do(method, target, body, body.empty() ? "" : "application/x-www-form-urlencoded", 10s);
  if (!r.ok()) return Answer{-1, {}, r.status().ToString()};
  return Collect(*r, r->body);
}

// Recursively makes unordered parts comparable.
void Normalize(json::value& v, bool sorted_listing) {
  if (v.is_object()) {
    auto& o = v.as_object();
    if (o.contains("expiration")) o["expiration"] = "<time>";
    for (auto& [k, child] : o) Normalize(child, sorted_listing);
    if (!sorted_listing) {
      if (auto* nodes = o.if_contains("nodes"); nodes && nodes->is_array()) {
        auto& arr = nodes->as_array();
        std::sort(arr.begin(), arr.end(), [](const json::value& a, const json::value& b) {
          return json::serialize(a) < json::serialize(b);
        });
      }
    }
  } else if (v.is_array()) {
    for (auto& child : v.as_array()) Normalize(child, sorted_listing);
  }
}

// TTLs tick while the script runs: equal within one second counts as equal.
void AlignTtls(json::value& want, json::value& got) {
  if (want.is_object() && got.is_object()) {
    auto& w = want.as_object();
    auto& g = got.as_object();
    if (w.contains("ttl") && g.contains("ttl") && w["ttl"].is_int64() && g["ttl"].is_int64() &&
        std::abs(w["ttl"].as_int64() - g["ttl"].as_int64()) <= 1)
      g["ttl"] = w["ttl"];
    for (auto& [k, child] : w)
      if (g.contains(k)) AlignTtls(child, g[k]);
  } else if (want.is_array() && got.is_array()) {
    for (size_t i = 0; i < std::min(want.as_array().size(), got.as_array().size()); ++i)
      AlignTtls(want.as_array()[i], got.as_array()[i]);
  }
}

// Compares what a client would notice; returns "" or a description.
std::string Diff(const Answer& etcd, const Answer& ours, bool sorted_listing) {
  std::ostringstream out;
  if (etcd.status != ours.status) out << "status " << etcd.status << " vs " << ours.status << "\n";
  static const std::set<std::string> kIgnored = {"date", "content-length", "transfer-encoding",
                                                 "connection"};
  std::set<std::string> names_e, names_o;
  for (const auto& [k, v] : etcd.headers)
    if (!kIgnored.count(k)) names_e.insert(k);
  for (const auto& [k, v] : ours.headers)
    if (!kIgnored.count(k)) names_o.insert(k);
  if (names_e != names_o) {
    out << "headers:";
    for (const auto& n : names_e)
      if (!names_o.count(n)) out << " missing " << n;
    for (const auto& n : names_o)
      if (!names_e.count(n)) out << " extra " << n;
    out << "\n";
  }
  for (const char* h : {"content-type", "x-etcd-index"}) {
    auto a = etcd.headers.find(h), b = ours.headers.find(h);
    if (a != etcd.headers.end() && b != ours.headers.end() && a->second != b->second)
      out << h << ": " << a->second << " vs " << b->second << "\n";
  }
  boost::system::error_code ec1, ec2;
  json::value je = json::parse(etcd.body, ec1), jo = json::parse(ours.body, ec2);
  if (ec1 || ec2) {
    if (etcd.body != ours.body) out << "body: " << etcd.body << " vs " << ours.body << "\n";
  } else {
    Normalize(je, sorted_listing);
    Normalize(jo, sorted_listing);
    AlignTtls(je, jo);
    if (je != jo)
      out << "body:\n  etcd:     " << json::serialize(je) << "\n  flotilla: " << json::serialize(jo)
          << "\n";
    if (!etcd.body.empty() && etcd.body.back() == '\n' &&
        (ours.body.empty() || ours.body.back() != '\n'))
      out << "body: etcd ends with a newline, flotilla does not\n";
  }
  return out.str();
}

// A watch running in the background on its own connection.
struct BackgroundWatch {
  std::future<Answer> result;
  std::shared_ptr<net::HttpClient> client;
  bool counted = false;  // the server counted it among its watchers
};

BackgroundWatch StartWatch(const std::string& url, const std::string& target, int events) {
  BackgroundWatch w;
  w.client = std::make_shared<net::HttpClient>(*net::ParseUrl(url));
  w.result = std::async(std::launch::async, [client = w.client, target, events] {
    std::string body;
    int seen = 0;
    net::ClientRequest req;
    req.method = "GET";
    req.target = target;
    auto r = client->Stream(req, 10s, [&](std::string_view data) {
      body.append(data);
      seen = static_cast<int>(std::count(body.begin(), body.end(), '\n'));
      return seen < events;
    });
    if (!r.ok()) return Answer{-1, {}, r.status().ToString()};
    return Collect(*r, body);
  });
  return w;
}

struct Server {
  std::string name;
  std::string url;
  std::unique_ptr<net::HttpClient> client;
  std::map<std::string, BackgroundWatch> watches;
  int64_t active_watchers = 0;
};

std::string Unquote(const std::string& s) {
  // \r \n \\ and \xNN escapes, for RAW lines.
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    if (c == 'r')
      out += '\r';
    else if (c == 'n')
      out += '\n';
    else if (c == 'x' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else
      out += c;
  }
  return out;
}

// Run against one member of each, and against a follower-or-leader member
// (the second) of a 3-member cluster of each.
class EtcdCompat : public ::testing::TestWithParam<int> {};

TEST_P(EtcdCompat, ScriptedRequestsAnswerLikeEtcd) {
  if (!testing::HaveEtcd())
    GTEST_SKIP() << "real etcd (/usr/bin/etcd) is not installed; run scripts/setup";
  int members = GetParam();
  auto etcd = testing::StartCluster(members, true);
  ASSERT_TRUE(etcd) << "could not start etcd";
  auto ours = testing::StartCluster(members, false, testing::kStoreOnly);
  ASSERT_TRUE(ours) << "could not start flotilla";
  size_t pick = members > 1 ? 1 : 0;
  Server servers[2];
  servers[0].name = "etcd";
  servers[0].url = (*etcd)[pick].url;
  servers[1].name = "flotilla";
  servers[1].url = (*ours)[pick].url;
  for (auto& s : servers) s.client = std::make_unique<net::HttpClient>(*net::ParseUrl(s.url));

  std::ifstream script(FLOTILLA_SOURCE_DIR "/tests/etcd/testdata/v2_compat.txt");
  ASSERT_TRUE(script) << "missing script";
  std::string line;
  int lineno = 0, compared = 0;
  while (std::getline(script, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    SCOPED_TRACE("v2_compat.txt:" + std::to_string(lineno) + ": " + line);
    Answer answers[2];
    bool sorted = line.find("sorted=true") != std::string::npos;
    if (cmd == "WATCH") {  // WATCH name target [events]
      std::string name, target;
      int events = 1;
      in >> name >> target >> events;
      for (auto& s : servers) {
        auto& w = s.watches[name] = StartWatch(s.url, target, events);
        // Go on only once the server counts the new watcher (or the watch was
        // answered from history at once), so later writes are sure to reach it.
        auto deadline = std::chrono::steady_clock::now() + 10s;
        for (;;) {
          if (w.result.wait_for(0s) == std::future_status::ready) break;
          if (testing::StoreWatchers(s.url) > s.active_watchers) {
            w.counted = true;
            ++s.active_watchers;
            break;
          }
          ASSERT_LT(std::chrono::steady_clock::now(), deadline)
              << s.name << ": watch not registered";
          std::this_thread::sleep_for(5ms);
        }
      }
      continue;
    }
    if (cmd == "AWAIT") {
      std::string name;
      in >> name;
      for (int i = 0; i < 2; ++i) {
        auto& w = servers[i].watches[name];
        ASSERT_TRUE(w.result.valid());
        if (w.result.wait_for(10s) != std::future_status::ready) {
          w.client->Cancel();
          FAIL() << servers[i].name << ": watch " << name << " got no event in 10 s";
        }
        answers[i] = w.result.get();
        if (w.counted) --servers[i].active_watchers;
      }
    } else if (cmd == "WAIT_GONE") {  // WAIT_GONE key-target: poll until 404
      std::string target;
      in >> target;
      for (auto& s : servers) {
        auto deadline = std::chrono::steady_clock::now() + 10s;
        while (Send(*s.client, "GET", target, "").status != 404) {
          ASSERT_LT(std::chrono::steady_clock::now(), deadline)
              << s.name << ": " << target << " did not expire";
          std::this_thread::sleep_for(50ms);
        }
      }
      continue;
    } else if (cmd == "REPEAT") {  // REPEAT n METHOD TARGET [body]
      int n = 0;
      std::string method, target, body;
      in >> n >> method >> target;
      std::getline(in, body);
      if (!body.empty() && body[0] == ' ') body.erase(0, 1);
      for (int i = 0; i < 2; ++i)
        for (int k = 0; k < n; ++k) answers[i] = Send(*servers[i].client, method, target, body);
    } else if (cmd == "RAW") {  // RAW bytes: compare the status line only
      std::string rest;
      std::getline(in, rest);
      std::string bytes = Unquote(rest.substr(1));
      for (int i = 0; i < 2; ++i) {
        auto r = testing::RawExchange(servers[i].url, bytes, 5s);
        answers[i].status = r.status;
        answers[i].body = r.text;
      }
      // etcd's connection multiplexer (cmux) hangs up on bytes that are not
      // HTTP at all; flotilla answers them with Go's plain 400 instead
      // (docs/compatibility.md).
      bool documented = answers[0].status == -1 && answers[1].status == 400;
      if (!documented) {
        EXPECT_EQ(answers[0].status, answers[1].status)
            << "etcd: " << answers[0].body << "\nflotilla: " << answers[1].body;
      }
      ++compared;
      continue;
    } else {
      std::string target, body;
      in >> target;
      std::getline(in, body);
      if (!body.empty() && body[0] == ' ') body.erase(0, 1);
      for (int i = 0; i < 2; ++i) answers[i] = Send(*servers[i].client, cmd, target, body);
    }
    if (answers[0].status == -1 || answers[1].status == -1) {
      ADD_FAILURE() << "no answer: etcd: " << answers[0].body << " flotilla: " << answers[1].body;
      // A broken connection would spoil the rest of the script; start afresh.
      for (auto& s : servers) s.client->Close();
      continue;
    }
    std::string diff = Diff(answers[0], answers[1], sorted);
    EXPECT_EQ(diff, "");
    ++compared;
  }
  EXPECT_GE(compared, 150) << "the script should compare at least 150 answers";
}

INSTANTIATE_TEST_SUITE_P(Members, EtcdCompat, ::testing::Values(1, 3),
                         [](const auto& info) { return std::to_string(info.param); });

}  // namespace
}  // namespace flotilla
