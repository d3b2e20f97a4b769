#include "markdown.hpp"

#include <cmark.h>

#include <cstdlib>
#include <memory>

namespace vt132::server {

std::string markdown_to_html(std::string_view markdown) {
  // CMARK_OPT_DEFAULT is safe since cmark 0.29 (CMARK_OPT_UNSAFE would let raw HTML through);
  // CMARK_OPT_SAFE is named too so an older libcmark stays safe.
  const std::unique_ptr<char, decltype(&std::free)> html(
      cmark_markdown_to_html(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT | CMARK_OPT_SAFE), &std::free);
  return html ? std::string(html.get()) : std::string();
}

}  // namespace vt132::server
