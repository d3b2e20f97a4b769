#include "html_text.hpp"

#include <cstdio>

#include "utc_time.hpp"

namespace vt132::server {

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string human_size(uint64_t n) {
  char buf[32];
  if (n >= (1u << 20)) {
    std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(n) / (1u << 20));
  } else if (n >= 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024);
  } else {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  }
  return buf;
}

std::string relative_time(int64_t then, int64_t now) {
  const bool future = then > now;
  const uint64_t d = future ? static_cast<uint64_t>(then - now) : static_cast<uint64_t>(now - then);
  struct Unit {
    uint64_t seconds;
    const char* name;
  };
  // The largest unit that fits at least once; months and years are approximate, as "ago" is.
  static constexpr Unit kUnits[] = {{365 * 86400, "year"}, {30 * 86400, "month"}, {86400, "day"},
                                    {3600, "hour"},        {60, "minute"}};
  for (const Unit& u : kUnits) {
    if (d < u.seconds) continue;
    const uint64_t n = d / u.seconds;
    const std::string amount = std::to_string(n) + " " + u.name + (n == 1 ? "" : "s");
    return future ? "in " + amount : amount + " ago";
  }
  return "just now";
}

std::string html_time(int64_t then, int64_t now) {
  return "<time datetime=\"" + iso8601(then) + "\" title=\"" + format_utc(then, "%Y-%m-%d %H:%M UTC") + "\">" +
         relative_time(then, now) + "</time>";
}

std::string html_page_start(std::string_view title) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" +
         html_escape(title) +
         "</title>\n<style>"
         "body{font:15px/1.5 system-ui,sans-serif;color:#222;background:#f6f7f9;margin:0}"
         "main{max-width:64em;margin:auto;padding:1em 1.5em}"
         "h1{font-size:1.6em;margin:.4em 0}h2{font-size:1.25em;margin:1.2em 0 .4em}h3{font-size:1.1em;margin:.2em 0}"
         "a{color:#0a58ca}section.release,#server,.install{background:#fff;border:1px solid #d8dce2;"
         "border-radius:6px;padding:.6em 1em;margin:.8em 0}#server h2{margin-top:.2em}"
         "section.release.yanked{opacity:.75;background:#fafafa;border-style:dashed}"
         "table{border-collapse:collapse}td,th{padding:.25em .7em .25em 0;text-align:left;vertical-align:top}"
         "table.assets{width:100%;margin:.4em 0}table.assets tr{border-top:1px solid #eee}"
         "code{font:.85em ui-monospace,monospace;overflow-wrap:anywhere}"
         "pre{background:#1e2329;color:#e6edf3;padding:.6em 1em;border-radius:4px;white-space:pre-wrap;"
         "overflow-wrap:anywhere}pre code{font-size:1em}.notes pre{background:#f0f2f5;color:#222}"
         ".meta{color:#555;margin:.2em 0}.name{color:#555;font-weight:normal}"
         ".badge{display:inline-block;font-size:.72em;font-weight:600;padding:.1em .55em;border-radius:1em;"
         "vertical-align:middle;border:1px solid}"
         ".latest{color:#0a5;border-color:#0a5}.pre{color:#a60;border-color:#a60}.yanked{color:#777;"
         "border-color:#999}.signed{color:#0a5;border-color:#0a5}.unsigned,.bad{color:#b00;border-color:#b00}"
         ".warn{border-left:4px solid #d90;background:#fff8e1;padding:.4em .8em}"
         ".yank-note{color:#555;font-style:italic}.pin{font-size:.9em;background:#eef;padding:.1em .3em}"
         ".banner{border:2px solid #b00;padding:.5em 1em;background:#fee}.unavailable{color:#b00}"
         ".downloads{text-align:right;padding-right:1.5em}"
         "</style></head><body><main>\n";
}

std::string html_page_end() { return "</main></body></html>\n"; }

}  // namespace vt132::server
