#!/usr/bin/env bash
# PyGithub (Debian's python3-github), unmodified, against vt132-ota-server; the checks are in
# pygithub_check.py. Debian's python3 (/usr/bin/python3) is the one with the package.
#   pygithub.sh VT132_OTA_SERVER
source "$(dirname "$0")/lib.sh"
/usr/bin/python3 -c 'import github' 2>/dev/null || skip "PyGithub is not installed (Debian: apt-get install python3-github)"
start_server pygithub-user
for i in 1 2 3 4 5; do new_release "V1.$i.0" "\"body\":\"notes *$i*\"" || exit 1; done
# requests trusts REQUESTS_CA_BUNDLE, not SSL_CERT_FILE.
REQUESTS_CA_BUNDLE=$ca VT132_API=$api VT132_TOKEN=$token /usr/bin/python3 "$(dirname "$0")/pygithub_check.py" || failures=1
finish
