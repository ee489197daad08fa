// EngineApi: the Docker Engine API (docs.docker.com/engine/api, v1.41
// shapes) over net::HttpServer, so that the docker CLI, pointed at the
// engine's unix socket with DOCKER_HOST, is its client. Paths come with or
// without a version prefix ("/v1.41/images/json"); the CLI learns the
// version from /_ping ("API-Version: 1.41") and speaks it.
//
// Served so far (images; containers come with the runtime):
//   GET|HEAD /_ping            "OK"
//   GET  /version, /info       what `docker version` and `docker info` show
//   GET  /images/json          `docker images` (?all= ignored: no parents)
//   GET  /images/NAME/json     `docker image inspect`
//   GET  /images/NAME/history  `docker history` (from the config)
//   POST /images/load          `docker load`: a tar body; a JSON stream
//   GET  /images/get?names=..  `docker save` of several; /images/NAME/get
//   POST /images/NAME/tag      ?repo=&tag=; 201
//   DELETE /images/NAME        ?force=; [{"Untagged":..},{"Deleted":..}]
// Errors are {"message":"..."} with Docker's status codes (404 no such
// image, 409 conflict, 400 bad parameter, 500 otherwise), which the CLI
// prints as "Error response from daemon: <message>".
//
// Threading: handlers run on the loop thread; load and save run there
// too for now (a large archive holds the loop while it is read).
#pragma once

#include <string>

#include "container/image_store.h"
#include "net/http.h"
#include "net/http_server.h"

namespace flotilla::container {

struct EngineInfo {
  std::string root;     // the engine's data directory
  std::string version;  // flotilla's
  std::string name;     // the host's name
};

class EngineApi {
 public:
  EngineApi(ImageStore& images, EngineInfo info);

  void Handle(net::HttpRequest&& request, net::ExchangePtr exchange);

 private:
  void Images(const net::HttpRequest& r, const std::string& path, net::ExchangePtr ex);
  void Send(net::ExchangePtr& ex, int status, std::string body,
            std::string content_type = "application/json");
  void Error(net::ExchangePtr& ex, const base::Status& status);

  ImageStore& images_;
  EngineInfo info_;
};

// "/v1.41/images/json" -> "/images/json"; paths without a version stay.
std::string StripApiVersion(const std::string& path);
// Docker's status for an error: 404, 409, 400 or 500.
int DockerStatus(const base::Status& status);

}  // namespace flotilla::container
