#include "pagination.hpp"

#include <algorithm>

namespace vt132::server {
namespace {

size_t number_or(std::string_view v, size_t fallback) {
  if (v.empty() || v.size() > 7) return fallback;
  size_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return fallback;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  return n == 0 ? fallback : n;
}

}  // namespace

Page parse_page(std::string_view per_page, std::string_view page) {
  Page p;
  p.per_page = std::min(number_or(per_page, Page::kDefaultPerPage), Page::kMaxPerPage);
  p.page = std::min(number_or(page, 1), Page::kMaxPage);
  return p;
}

std::string link_header(const std::string& url, const Page& p, size_t total) {
  const size_t last = total == 0 ? 1 : (total + p.per_page - 1) / p.per_page;
  if (last <= 1 && p.page == 1) return "";
  std::string out;
  auto add = [&](size_t page, const char* rel) {
    if (!out.empty()) out += ", ";
    out += "<" + url + "?per_page=" + std::to_string(p.per_page) + "&page=" + std::to_string(page) + ">; rel=\"" +
           rel + "\"";
  };
  if (p.page > 1) add(std::min(p.page - 1, last), "prev");
  if (p.page < last) add(p.page + 1, "next");
  add(last, "last");
  add(1, "first");
  return out;
}

}  // namespace vt132::server
