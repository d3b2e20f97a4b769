// Wires Service into cpp-httplib 0.11.4 with the settings its defaults lack (see
// ../../../shared/notes/cpp-httplib-0.11.4.md): TCP_NODELAY, long keep-alive, our worker pool,
// payload and time limits, a receive budget per connection (connection_budget.hpp), no
// exception text to clients, our own Range handling, no SO_REUSEPORT.
#include "http_server.hpp"

#include <signal.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

#include "access_log.hpp"
#include "ca_certificate.hpp"
#include "connection_budget.hpp"
#include "connection_io.hpp"
#include "inbox.hpp"
#include "install_hints.hpp"
#include "mirror.hpp"
#include "devices.hpp"
#include "export_command.hpp"
#include "export_refresher.hpp"
#include "export_tree.hpp"
#include "names.hpp"
#include "route.hpp"
#include "service.hpp"
#include "tls.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/hex.hpp"
#include "worker_pool.hpp"

namespace vt132::server {

namespace {

using Clock = std::chrono::steady_clock;
using httplib::Server;

// The request being served on this connection's thread: `routed` once our routing took it
// (false in the error handler means the library answered before routing).
struct RequestState {
  bool routed = false;
  Clock::time_point start;
};
thread_local RequestState t_request;

// httplib adds REMOTE_ADDR, REMOTE_PORT, LOCAL_ADDR and LOCAL_PORT to the client's headers.
constexpr size_t kLibraryHeaders = 4;

const char* status_message(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Requires authentication";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Request body too large";
    case 414: return "URI Too Long";
    case 416: return "Range Not Satisfiable";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return status >= 500 ? "Internal Server Error" : "Bad Request";
  }
}

// httplib's Request is non-const in the library; only the handler signatures make it const.
httplib::Request& mutable_request(const httplib::Request& req) { return const_cast<httplib::Request&>(req); }

// Its 0.11.4 range code would re-slice our responses, so the parsed ranges are dropped and
// downloads decide ranges themselves (ranges.hpp).
void drop_library_ranges(const httplib::Request& req) { mutable_request(req).ranges.clear(); }

// Content-Length as a number; nullopt when absent, -1 (all ones) when not a plain number.
std::optional<uint64_t> content_length(const httplib::Request& req) {
  const std::string v = req.get_header_value("Content-Length");
  if (v.empty()) return std::nullopt;
  if (v.size() > 18) return UINT64_MAX;
  uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return UINT64_MAX;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

bool has_body_method(const httplib::Request& req) { return req.method == "POST" || req.method == "PATCH"; }

Server::HandlerResponse refuse(httplib::Response& res, int status, const std::string& message) {
  send_error(res, status, message);
  close_after(res);
  return Server::HandlerResponse::Handled;
}

void log_unexpected(const httplib::Request& req, std::exception_ptr ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: unexpected error: {}", req.method, host::printable(req.path.substr(0, 256)), e.what());
  } catch (...) {
    spdlog::error("{} {}: unexpected error", req.method, host::printable(req.path.substr(0, 256)));
  }
}

// Every request with its head parsed comes here first (the pre-routing handler). Requests
// with a body go on to handle_with_body through the library (Unhandled).
Server::HandlerResponse route(Service& service, bool secure, const httplib::Request& req, httplib::Response& res) {
  const ServerConfig& config = service.config();
  t_request.routed = true;
  t_request.start = Clock::now();
  drop_library_ranges(req);
  if (req.headers.size() > config.max_headers + kLibraryHeaders) {
    return refuse(res, 431, "More than " + std::to_string(config.max_headers) + " request header fields");
  }
  const bool chunked = req.has_header("Transfer-Encoding");
  const std::optional<uint64_t> length = content_length(req);
  if (has_body_method(req)) {
    // Bodies must announce their length: httplib 0.11.4 does not bound chunked bodies.
    if (chunked) return refuse(res, 411, "Length Required: send Content-Length, not chunked bodies");
    if (length.value_or(0) > config.max_upload_bytes) {
      return refuse(res, 413, "Request body larger than the server's limit of " +
                                  std::to_string(config.max_upload_bytes) + " bytes");
    }
    expect_body(length.value_or(0));
    return Server::HandlerResponse::Unhandled;  // to handle_with_body
  }
  if (chunked || length.value_or(0) > 0) {
    return refuse(res, 400, "A " + std::string(req.method == "DELETE" ? "DELETE" : "GET") +
                                " request must not have a body");
  }
  expect_body(0);
  if (req.method == "GET" || req.method == "HEAD" || req.method == "DELETE") {
    service.handle(req, res, secure);
  } else {
    send_error(res, 404, "Not Found");
  }
  return Server::HandlerResponse::Handled;
}

// The library refuses a Range header its parser does not accept (bytes=5-1, items=0-1) with
// 416 before routing. RFC 9110 says to ignore such a header: the request is routed without it.
// Here we are outside the library's exception handling, hence the catch.
void route_without_range(Service& service, bool secure, const httplib::Request& req, httplib::Response& res) {
  mutable_request(req).headers.erase("Range");
  res.status = -1;
  try {
    route(service, secure, req, res);
  } catch (...) {
    log_unexpected(req, std::current_exception());
    send_error(res, 500, "Internal Server Error");
  }
  if (res.status == -1) res.status = 200;
}

// Bodies for the errors httplib answers by itself (400, 413, 414, 416 ...), GitHub-style;
// requests our budget cut (connection_budget.hpp); malformed Range headers.
Server::HandlerResponse on_error(Service& service, bool secure, const httplib::Request& req, httplib::Response& res) {
  switch (refusal()) {
    case Refusal::HeadTooLarge:
      return refuse(res, 431, "Request line and headers larger than " +
                                  std::to_string(service.config().max_request_head) + " bytes");
    case Refusal::HeadTooSlow:
      return refuse(res, 408, "Request line and headers took longer than " +
                                  std::to_string(service.config().request_head_timeout_s) + " s");
    case Refusal::None: break;
  }
  if (!t_request.routed) {
    if (res.status == 416 && !has_body_method(req)) {
      route_without_range(service, secure, req, res);
      return Server::HandlerResponse::Handled;
    }
    // Answered before routing: where the next request would start is unknown.
    close_after(res);
  }
  if (!res.body.empty() || res.content_length_ > 0 || res.status == 304) return Server::HandlerResponse::Unhandled;
  drop_library_ranges(req);
  send_error(res, res.status, status_message(res.status));
  return Server::HandlerResponse::Handled;
}

// Our accepted-connection socket options instead of httplib's default_socket_options, which
// also sets SO_REUSEPORT: with it a second server binds the same address and the two split
// the traffic. SO_REUSEADDR stays so a restart binds while old connections are in TIME_WAIT.
void set_socket_options(Server& server, int send_buffer) {
  server.set_socket_options([send_buffer](socket_t sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    // Set on the listening socket; accepted connections inherit it.
    if (send_buffer > 0) ::setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer);
  });
}

void configure(Server& server, Service& service, bool secure) {
  const ServerConfig& config = service.config();
  Metrics& metrics = service.metrics();
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(config.keep_alive_max);
  server.set_keep_alive_timeout(config.keep_alive_timeout_s);
  server.set_read_timeout(config.read_timeout_s, 0);
  server.set_write_timeout(config.write_timeout_s, 0);
  server.set_payload_max_length(config.max_upload_bytes);
  server.set_default_headers({{"Server", "vt132-ota-server"}});
  set_socket_options(server, config.send_buffer);
  server.new_task_queue = [&config, &metrics] {
    WorkerPoolOptions pool;
    pool.max_threads = config.max_threads;
    pool.max_queue = config.max_queue;
    pool.idle_timeout = std::chrono::seconds(config.worker_idle_timeout_s);
    pool.limits.head_bytes = config.max_request_head;
    pool.limits.head_time = std::chrono::seconds(config.request_head_timeout_s);
    pool.write_time = std::chrono::seconds(config.write_timeout_s);
    return new WorkerPool(pool, metrics.connections_in_flight());
  };

  server.set_pre_routing_handler([&service, secure](const httplib::Request& req, httplib::Response& res) {
    return route(service, secure, req, res);
  });

  auto with_body = [&service, secure](const httplib::Request& req, httplib::Response& res,
                                      const httplib::ContentReader& reader) {
    service.handle_with_body(req, res, reader, secure);
  };
  server.Post(".*", with_body);
  server.Patch(".*", with_body);

  server.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    log_unexpected(req, ep);
    send_error(res, 500, "Internal Server Error");
  });

  server.set_error_handler(Server::HandlerWithResponse([&service, secure](const httplib::Request& req,
                                                                          httplib::Response& res) {
    return on_error(service, secure, req, res);
  }));

  // Called once each response is written: it goes out now (connection_io.hpp collected it),
  // and the next bytes are the next request's head.
  server.set_logger([&service, &metrics](const httplib::Request& req, const httplib::Response& res) {
    const bool sent = flush_response();
    expect_next_request(!sent || res.get_header_value("Connection") == "close");
    const RequestState request = std::exchange(t_request, RequestState{});
    const RouteKind route = parse_route(req.path).kind;
    metrics.count_request(route, res.status);
    if (req.method != "HEAD") metrics.add_bytes_sent(res.body.size());
    if (!service.config().access_log) return;
    AccessEntry line;
    line.remote = req.remote_addr;
    line.method = req.method;
    line.path = req.path;
    line.status = res.status;
    line.ms = request.routed ? std::chrono::duration<double, std::milli>(Clock::now() - request.start).count() : 0;
    line.bytes = req.method == "HEAD" ? 0 : (res.content_length_ > 0 ? res.content_length_ : res.body.size());
    const auto agent = req.headers.find("User-Agent");  // a view, not get_header_value's copy
    if (agent != req.headers.end()) line.user_agent = agent->second;
    write_access_line(line);
  });
}

// bind_to_port, with the reason when it fails.
void bind_or_explain(Server& server, const HostPort& at, const std::string& text) {
  errno = 0;
  if (server.bind_to_port(at.host, at.port)) return;
  if (errno == EADDRINUSE) throw host::Error(text + " is in use (another server listens there)");
  throw host::Error("cannot listen on " + text + (errno != 0 ? ": " + std::string(std::strerror(errno)) : ""));
}

// Blocks SIGTERM/SIGINT in every thread; a dedicated thread waits for them.
sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

// --export-dir needs the URL the export is served at, and a place we may write: refused at
// start with the reason rather than failing in the background.
void check_export_dir(const ServerConfig& config) {
  if (config.export_dir.empty()) return;
  if (config.public_url.empty()) {
    throw host::Error("--export-dir needs --public-url: the base URL the export is served at, which the links "
                      "in its JSON point to (e.g. --public-url https://updates.example.org)");
  }
  check_base_url(config.public_url, "--public-url");
  ExportTrees check(config.export_dir);  // refuses a foreign EXPORT; released at once
}

}  // namespace

int run_server(const ServerConfig& config) {
  const HostPort https = parse_host_port(config.listen, "--listen");
  std::optional<HostPort> http;
  if (!config.http_listen.empty()) http = parse_host_port(config.http_listen, "--http-listen");
  if (!config.repo.empty() && !valid_full_name(config.repo)) {
    throw host::Error("--repo \"" + config.repo + "\" is not OWNER/NAME");
  }
  if (!socket_hooks_active()) {
    throw host::Error("this binary was linked without its socket hooks (socket_hooks.cpp): request heads "
                      "would be unbounded");
  }

  check_export_dir(config);

  // Signals go to the waiting thread only, from before any other thread exists.
  const sigset_t signals = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::filesystem::create_directories(config.data_dir);
  Store store(config.data_dir);
  TokenStore tokens(config.data_dir / "tokens.json");
  Metrics metrics;
  // Declared before the listeners so it outlives every response that reports to it; its
  // destructor writes what changed since the last write.
  std::unique_ptr<Devices> devices;
  if (config.device_log) {
    devices = std::make_unique<Devices>(
        Devices::Options{config.data_dir / "store" / "devices.json", config.data_dir / "store"});
  }
  Service service(config, store, tokens, metrics);
  service.set_devices(devices.get());

  const TlsFiles tls = ensure_tls_files(config, certificate_names(config, https));
  service.set_ca(load_ca_certificate(tls.ca));
  auto https_server = std::make_unique<httplib::SSLServer>(
      [&tls](SSL_CTX& ctx) { return configure_tls(ctx, tls); });
  if (!https_server->is_valid()) throw host::Error("cannot set up TLS with " + tls.cert.string());
  configure(*https_server, service, true);
  bind_or_explain(*https_server, https, config.listen);
  std::unique_ptr<httplib::Server> http_server;
  if (http) {
    http_server = std::make_unique<httplib::Server>();
    configure(*http_server, service, false);
    bind_or_explain(*http_server, *http, config.http_listen);
    spdlog::warn("plain HTTP on {}: anyone on the network can read and alter what devices download there; "
                 "use it only for firmware that cannot do HTTPS",
                 config.http_listen);
  }

  spdlog::info("HTTPS on {} (TLS 1.2/1.3), data in {}", config.listen, config.data_dir.string());
  if (tls.created_now) spdlog::info("created a local CA and server certificate in {}", tls.ca.parent_path().string());
  const InstallTarget target = install_target(config);
  for (const std::string& line : install_lines(target)) spdlog::info("{}", line);
  // Releases from `vt132-ota-server add`, published while we run (inbox.hpp).
  InboxWatcher inbox(store, config.data_dir, InboxContext{config.repo, target});

  // --export-dir: a Service of its own renders the export, without the devices list and the
  // mirror status (live state, not published content) and with no cache shared with clients.
  Metrics export_metrics;
  std::unique_ptr<Service> export_service;
  std::unique_ptr<ExportRefresher> exporter;
  if (!config.export_dir.empty()) {
    export_service = std::make_unique<Service>(config, store, tokens, export_metrics);
    export_service->set_ca(service.ca());
    exporter = std::make_unique<ExportRefresher>(*export_service, store, ExportRefresherOptions{config.export_dir});
    exporter->start();
  }

  // --mirror: started once the listeners are bound, so what is here is served meanwhile.
  MirrorStatus mirror_status;
  std::unique_ptr<Mirror> mirror = make_mirror(config, store, mirror_status);
  if (mirror) {
    metrics.attach_mirror(&mirror_status);
    mirror->start();
  }

  std::thread https_thread([&] { https_server->listen_after_bind(); });
  std::thread http_thread;
  if (http_server) http_thread = std::thread([&] { http_server->listen_after_bind(); });

  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("{} received: finishing downloads in flight (up to {} s), then stopping",
               received == SIGTERM ? "SIGTERM" : "SIGINT", config.shutdown_grace_s);
  // httplib's stop() cuts response bodies at once, so downloads are let finish first.
  // Whatever still runs after the grace period is cut: every write is atomic on disk,
  // so ending the process then loses nothing that was complete. A second signal ends it now.
  std::thread([grace = config.shutdown_grace_s, signals] {
    timespec timeout{grace + 5, 0};
    siginfo_t info;
    const int again = sigtimedwait(&signals, &info, &timeout);
    spdlog::warn(again > 0 ? "second signal: stopping now" : "grace period over: stopping now");
    spdlog::default_logger()->flush();
    std::_Exit(0);
  }).detach();
  if (exporter) exporter->stop();  // a tree half written is removed; EXPORT keeps the last one
  if (mirror) mirror->stop();  // a partial download stays in tmp/resume/ for the next start
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config.shutdown_grace_s);
  while (metrics.downloads_in_progress().load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  https_server->stop();
  if (http_server) http_server->stop();
  https_thread.join();
  if (http_thread.joinable()) http_thread.join();
  if (devices) devices->flush();
  spdlog::info("stopped");
  return 0;
}

}  // namespace vt132::server
