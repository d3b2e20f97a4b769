#pragma once
// Release notes as HTML, for body_html and the release pages: CommonMark rendered by
// libcmark in its safe mode, so raw HTML in the notes is dropped and javascript:, vbscript:,
// file: and most data: links are emptied; nothing a publisher writes becomes markup of ours.
#include <string>
#include <string_view>

namespace vt132::server {

std::string markdown_to_html(std::string_view markdown);

}  // namespace vt132::server
