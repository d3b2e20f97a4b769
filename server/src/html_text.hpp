#pragma once
// What the HTML pages share: escaping, sizes and dates for people, and the page's head.
#include <cstdint>
#include <string>
#include <string_view>

namespace vt132::server {

// Text for an HTML element or a quoted attribute value.
std::string html_escape(std::string_view s);
// "1.05 MiB", "3.0 KiB", "12 B".
std::string human_size(uint64_t bytes);
// "just now", "5 minutes ago", "3 days ago", "in 12 days", "2 years ago": `then` seen from `now`.
std::string relative_time(int64_t then, int64_t now);
// <time datetime="2026-11-28T09:00:00Z" title="2026-11-28 09:00 UTC">3 days ago</time>: the
// friendly form to read, the exact UTC time on hover and for machines.
std::string html_time(int64_t then, int64_t now);
// <!DOCTYPE html> up to and including <body>, with the shared style; `title` is text.
// Opens <main>; html_page_end() closes it and the page.
std::string html_page_start(std::string_view title);
std::string html_page_end();

}  // namespace vt132::server
