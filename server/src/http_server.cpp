// Wires Service into cpp-httplib 0.11.4 with the settings its defaults lack (see
// ../../../shared/notes/cpp-httplib-0.11.4.md): TCP_NODELAY, long keep-alive, our worker pool,
// payload and time limits, no exception text to clients, our own Range handling.
#include "http_server.hpp"

#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>

#include <spdlog/spdlog.h>

#include "names.hpp"
#include "route.hpp"
#include "service.hpp"
#include "tls.hpp"
#include "vt132/host/certs.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/hex.hpp"
#include "worker_pool.hpp"

namespace vt132::server {

namespace {

using Clock = std::chrono::steady_clock;
thread_local Clock::time_point t_request_start;
thread_local bool t_request_started = false;

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
// Its 0.11.4 range code would re-slice our responses, so the parsed ranges are dropped and
// downloads decide ranges themselves (ranges.hpp).
void drop_library_ranges(const httplib::Request& req) { const_cast<httplib::Request&>(req).ranges.clear(); }

bool content_length_over(const httplib::Request& req, uint64_t limit) {
  const std::string v = req.get_header_value("Content-Length");
  if (v.empty()) return false;
  if (v.size() > 18) return true;
  uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return true;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n > limit;
}

void configure(httplib::Server& server, Service& service, bool secure) {
  const ServerConfig& config = service.config();
  Metrics& metrics = service.metrics();
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(config.keep_alive_max);
  server.set_keep_alive_timeout(config.keep_alive_timeout_s);
  server.set_read_timeout(config.read_timeout_s, 0);
  server.set_write_timeout(config.write_timeout_s, 0);
  server.set_payload_max_length(config.max_upload_bytes);
  server.set_default_headers({{"Server", "vt132-ota-server"}});
  if (config.send_buffer > 0) {
    // Set on the listening socket; accepted connections inherit it.
    server.set_socket_options([size = config.send_buffer](socket_t sock) {
      httplib::default_socket_options(sock);
      ::setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    });
  }
  server.new_task_queue = [&config, &metrics] {
    return new WorkerPool(config.max_threads, config.max_queue, metrics.connections_in_flight());
  };

  server.set_pre_routing_handler([&service, &config, secure](const httplib::Request& req, httplib::Response& res) {
    t_request_start = Clock::now();
    t_request_started = true;
    drop_library_ranges(req);
    const bool chunked = req.has_header("Transfer-Encoding");
    if (req.method == "POST" || req.method == "PATCH") {
      // Bodies must announce their length: httplib 0.11.4 does not bound chunked bodies.
      if (chunked) {
        send_error(res, 411, "Length Required: send Content-Length, not chunked bodies");
        close_after(res);
        return httplib::Server::HandlerResponse::Handled;
      }
      if (content_length_over(req, config.max_upload_bytes)) {
        send_error(res, 413, "Request body larger than the server's limit of " +
                                 std::to_string(config.max_upload_bytes) + " bytes");
        close_after(res);
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;  // to handle_with_body
    }
    if (chunked || content_length_over(req, 0)) {
      send_error(res, 400, "A " + std::string(req.method == "DELETE" ? "DELETE" : "GET") +
                               " request must not have a body");
      close_after(res);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.method == "GET" || req.method == "HEAD" || req.method == "DELETE") {
      service.handle(req, res, secure);
    } else {
      send_error(res, 404, "Not Found");
    }
    return httplib::Server::HandlerResponse::Handled;
  });

  auto with_body = [&service, secure](const httplib::Request& req, httplib::Response& res,
                                      const httplib::ContentReader& reader) {
    service.handle_with_body(req, res, reader, secure);
  };
  server.Post(".*", with_body);
  server.Patch(".*", with_body);

  server.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      spdlog::error("{} {}: unexpected error: {}", req.method, host::printable(req.path.substr(0, 256)), e.what());
    } catch (...) {
      spdlog::error("{} {}: unexpected error", req.method, host::printable(req.path.substr(0, 256)));
    }
    send_error(res, 500, "Internal Server Error");
  });

  // Bodies for the errors httplib answers by itself (400, 413, 414, 416 ...), GitHub-style.
  server.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req,
                                                                    httplib::Response& res) {
    if (!res.body.empty() || res.content_length_ > 0 || res.status == 304) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    drop_library_ranges(req);
    send_error(res, res.status, status_message(res.status));
    return httplib::Server::HandlerResponse::Handled;
  }));

  server.set_logger([&service, &metrics](const httplib::Request& req, const httplib::Response& res) {
    const RouteKind route = parse_route(req.path).kind;
    metrics.count_request(route, res.status);
    if (req.method != "HEAD") metrics.add_bytes_sent(res.body.size());
    if (!service.config().access_log) return;
    double ms = 0;
    if (t_request_started) {
      ms = std::chrono::duration<double, std::milli>(Clock::now() - t_request_start).count();
      t_request_started = false;
    }
    const uint64_t bytes = req.method == "HEAD" ? 0 : (res.content_length_ > 0 ? res.content_length_ : res.body.size());
    spdlog::info("access {} \"{} {}\" {} {} {:.1f}ms \"{}\"", req.remote_addr, host::printable(req.method.substr(0, 16)),
                 host::printable(req.path.substr(0, 512)), res.status, bytes, ms,
                 host::printable(req.get_header_value("User-Agent").substr(0, 200)));
  });
}

// Blocks SIGTERM/SIGINT in every thread; a dedicated thread waits for them.
sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

int run_server(const ServerConfig& config) {
  const HostPort https = parse_host_port(config.listen, "--listen");
  std::optional<HostPort> http;
  if (!config.http_listen.empty()) http = parse_host_port(config.http_listen, "--http-listen");
  if (!config.repo.empty()) {
    const size_t slash = config.repo.find('/');
    if (slash == std::string::npos || !valid_owner(config.repo.substr(0, slash)) ||
        !valid_repo(config.repo.substr(slash + 1))) {
      throw host::Error("--repo \"" + config.repo + "\" is not OWNER/NAME");
    }
  }

  // Signals go to the waiting thread only, from before any other thread exists.
  const sigset_t signals = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::filesystem::create_directories(config.data_dir);
  Store store(config.data_dir);
  TokenStore tokens(config.data_dir / "tokens.json");
  Metrics metrics;
  Service service(config, store, tokens, metrics);

  const TlsFiles tls = ensure_tls_files(config, certificate_names(config, https));
  auto https_server = std::make_unique<httplib::SSLServer>(
      [&tls](SSL_CTX& ctx) { return configure_tls(ctx, tls); });
  if (!https_server->is_valid()) throw host::Error("cannot set up TLS with " + tls.cert.string());
  configure(*https_server, service, true);
  if (!https_server->bind_to_port(https.host, https.port)) {
    throw host::Error("cannot listen on " + config.listen + " (address in use or not ours?)");
  }
  std::unique_ptr<httplib::Server> http_server;
  if (http) {
    http_server = std::make_unique<httplib::Server>();
    configure(*http_server, service, false);
    if (!http_server->bind_to_port(http->host, http->port)) {
      throw host::Error("cannot listen on " + config.http_listen + " (address in use or not ours?)");
    }
    spdlog::warn("plain HTTP on {}: anyone on the network can read and alter what devices download there; "
                 "use it only for firmware that cannot do HTTPS",
                 config.http_listen);
  }

  const std::string host = lan_host(https);
  const std::string repo = config.repo.empty() ? "OWNER/REPO" : config.repo;
  spdlog::info("HTTPS on {} (TLS 1.2/1.3), data in {}", config.listen, config.data_dir.string());
  if (!tls.ca.empty()) {
    if (tls.created_now) spdlog::info("created a local CA and server certificate in {}", tls.ca.parent_path().string());
    spdlog::info("CA certificate to trust: {}", tls.ca.string());
    spdlog::info("CA public key SHA-256 pin: {}", host::ca_pin_sha256(tls.ca));
  }
  spdlog::info("on a VT132, type: AT+U=https://{}:{}/repos/{}/releases/latest", host, https.port, repo);
  if (http && !config.repo.empty()) {
    spdlog::info("older firmware: http://{}:{}/VT132.bin", lan_host(*http), http->port);
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
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config.shutdown_grace_s);
  while (metrics.downloads_in_progress().load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  https_server->stop();
  if (http_server) http_server->stop();
  https_thread.join();
  if (http_thread.joinable()) http_thread.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace vt132::server
