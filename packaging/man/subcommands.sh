#!/usr/bin/env bash
# Writes a help2man include file: STATIC.h2m (NAME, FILES, SEE ALSO written by hand), then a
# COMMANDS section with one subsection per subcommand of PROGRAM, made from `PROGRAM SUB --help` (and `PROGRAM SUB SUBSUB --help`, at any depth), so a subcommand's
# options are in the man page as soon as they are in its --help. Parses CLI11's help layout:
# a description, "Usage: ...", then "Positionals:", "Options:" and "Subcommands:" blocks whose
# entries put their description at the column where "-h,--help" puts its own.
# Usage: subcommands.sh PROGRAM NAME STATIC.h2m OUT.h2m
set -euo pipefail
program=$1 name=$2 static=$3 out=$4

subcommands_of() {  # ARGS...: the names listed under "Subcommands:" in `PROGRAM ARGS --help`
  "$program" "$@" --help | awk '/^Subcommands:$/ { on = 1; next } on && /^$/ { exit } on { print $1 }'
}

# The roff text of one subcommand's help: its description, usage, and each positional and
# option as a tagged paragraph (-h,--help left out: every command has it). The parent's footer,
# which CLI11 repeats under every subcommand, is dropped; a footer of its own is kept verbatim.
section() {  # ARGS...
  "$program" "$@" --help | awk -v title="$name $*" -v parent_footer="${parent_footer:-}" \
    -v footer_only="${section_footer:-0}" '
    function roff(s) { gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s); return s }
    function line_start(s) { if (s ~ /^[.'"'"']/) s = "\\&" s; return s }
    function out(s) { if (!footer_only) print s }
    function flush() {
      if (term == "") return
      rest = term; sub(/^[^ ]+/, "", rest); sub(/ .*/, "", term)
      out(".TP"); out("\\fB" roff(term) "\\fR" roff(rest)); out(line_start(roff(desc)))
      term = ""; desc = ""
    }
    BEGIN { out(".SS \"" roff(title) "\""); state = "description" }
    state == "description" && /^Usage: / {
      sub(/^Usage: /, ""); out(".PP"); out("Usage: \\fB" roff($0) "\\fR"); state = "blocks"; next
    }
    state == "description" { out(line_start(roff($0))); next }
    /^(Positionals|Options):$/ { state = "entries"; next }
    /^Subcommands:$/ { state = "subcommands"; next }
    state == "entries" && /^  -h,--help / { col = index($0, "Print") - 1; next }
    state == "entries" && /^$/ { flush(); state = "blocks"; next }
    state == "entries" && col && substr($0, 1, col) ~ /^ +$/ { desc = desc " " substr($0, col + 1); next }
    state == "entries" {
      flush()
      c = col ? col : 30
      if (length($0) > c && substr($0, c, 1) == " ") { term = substr($0, 3, c - 2); desc = substr($0, c + 1) }
      else { term = substr($0, 3); desc = "" }
      sub(/ +$/, "", term)
      next
    }
    state == "subcommands" && /^$/ { state = "blocks"; next }
    state == "subcommands" { out(".TP"); out("\\fB" roff($1) "\\fR"); sub(/^ *[^ ]+ +/, ""); out(line_start(roff($0))); next }
    state == "blocks" && /^$/ { next }
    { footer = footer $0 "\n" }
    END {
      sub(/\n+$/, "", footer)
      if (footer_only) { print footer; exit }
      flush()
      if (footer != "" && footer != parent_footer) {
        print ".PP"; print ".nf"
        n = split(footer, lines, "\n")
        for (i = 1; i <= n; i++) print line_start(roff(lines[i]))
        print ".fi"
      }
    }'
}

walk() {  # ARGS...: the subsection of ARGS, then those of its subcommands
  [ $# -gt 0 ] && section "$@"
  local sub
  for sub in $(subcommands_of "$@"); do walk "$@" "$sub"; done
}

parent_footer=$(section_footer=1 section)
body=$(walk)
{
  cat "$static"
  if [ -n "$body" ]; then
    echo "[COMMANDS]"
    printf '%s\n' "$body"
  fi
} >"$out.tmp"
mv "$out.tmp" "$out"
