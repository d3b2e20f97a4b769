#pragma once
// Maps HTTP client failures onto the OTA failure reasons a user sees.
#include "vt132/core/net/http_client.hpp"
#include "vt132/core/ota/ota_client.hpp"

namespace vt132::core {

inline OtaResult ota_error_from_http(HttpError e) {
  OtaResult r;
  switch (e) {
    case HttpError::Ok: break;
    case HttpError::BadUrl: r.error = OtaError::BadUrl; break;
    case HttpError::Tls: r.error = OtaError::Tls; break;
    case HttpError::Timeout: r.error = OtaError::Timeout; break;
    case HttpError::Protocol:
    case HttpError::TooManyRedirects: r.error = OtaError::BadResponse; break;
    default: r.error = OtaError::Network; break;
  }
  return r;
}

inline OtaResult ota_http_status(int status) {
  OtaResult r;
  r.error = OtaError::Http;
  r.http_status = status;
  return r;
}

}  // namespace vt132::core
