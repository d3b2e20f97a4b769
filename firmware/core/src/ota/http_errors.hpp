#pragma once
// Maps HTTP client failures onto the OTA failure reasons a user sees.
#include "vt132/core/net/http_client.hpp"
#include "vt132/core/ota/ota_client.hpp"

namespace vt132::core {

inline OtaResult ota_error_from_http(HttpError e) {
  OtaResult r;
  switch (e) {
    case HttpError::Ok: break;
    case HttpError::BadUrl: r.error = UpdateError::BadUrl; break;
    case HttpError::Tls: r.error = UpdateError::Tls; break;
    case HttpError::Timeout:
    case HttpError::TooSlow: r.error = UpdateError::Timeout; break;
    case HttpError::Insecure: r.error = UpdateError::Insecure; break;
    case HttpError::Protocol:
    case HttpError::TooManyRedirects: r.error = UpdateError::BadResponse; break;
    default: r.error = UpdateError::Network; break;
  }
  return r;
}

inline OtaResult ota_http_status(int status) {
  OtaResult r;
  r.error = UpdateError::Http;
  r.http_status = status;
  return r;
}

}  // namespace vt132::core
