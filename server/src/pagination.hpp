#pragma once
// GitHub's list pagination: ?per_page= (default 30, at most 100) and ?page=, and the Link
// header with rel="prev", "next", "last" and "first".
#include <cstddef>
#include <string>
#include <string_view>

namespace vt132::server {

struct Page {
  static constexpr size_t kDefaultPerPage = 30;
  static constexpr size_t kMaxPerPage = 100;
  static constexpr size_t kMaxPage = 1000000;
  size_t per_page = kDefaultPerPage;
  size_t page = 1;
  // The slice [begin, end) of a list of `total` items (no overflow: page and per_page are bounded).
  size_t begin(size_t total) const { return (page - 1) * per_page < total ? (page - 1) * per_page : total; }
  size_t end(size_t total) const { return page * per_page < total ? page * per_page : total; }
};

// From the raw query values (empty when absent); malformed or zero values mean the default,
// as GitHub treats them.
Page parse_page(std::string_view per_page, std::string_view page);

// "" when everything fits on page 1; `url` is the list's absolute URL without a query.
std::string link_header(const std::string& url, const Page& p, size_t total);

}  // namespace vt132::server
