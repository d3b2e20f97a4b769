#pragma once
// What the HTML pages share: escaping, sizes for people, and the page's head.
#include <cstdint>
#include <string>
#include <string_view>

namespace vt132::server {

// Text for an HTML element or a quoted attribute value.
std::string html_escape(std::string_view s);
// "1.05 MiB", "3.0 KiB", "12 B".
std::string human_size(uint64_t bytes);
// <!DOCTYPE html> up to and including <body>, with the shared style; `title` is text.
std::string html_page_start(std::string_view title);

}  // namespace vt132::server
