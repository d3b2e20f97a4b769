"""PyGithub's calls against vt132-ota-server; prints "ok - PyGithub: ..." or "FAIL - ...".

Run by pygithub.sh with VT132_API, VT132_TOKEN and REQUESTS_CA_BUNDLE set, and five published
releases V1.1.0..V1.5.0 in o/r.
"""
import os
import sys

import github

failures = 0


def check(what, fn):
    global failures
    try:
        fn()
        print("ok - PyGithub: " + what)
    except Exception as e:  # any failure, assertion or HTTP, is this check's
        failures += 1
        print("FAIL - PyGithub: %s\n    %r" % (what, e))


g = github.Github(base_url=os.environ["VT132_API"], login_or_token=os.environ["VT132_TOKEN"], per_page=2)
repo = g.get_repo("o/r")


def user_login():
    assert g.get_user().login == "pygithub-user", g.get_user().login


def releases_paged():
    tags = [r.tag_name for r in repo.get_releases()]  # 3 pages of 2, followed by the Link header
    assert tags == ["V1.5.0", "V1.4.0", "V1.3.0", "V1.2.0", "V1.1.0"], tags


def latest_and_by_tag():
    assert repo.get_latest_release().tag_name == "V1.5.0"
    r = repo.get_release("V1.2.0")
    assert r.body == "notes *2*", r.body
    assert r.html_url.endswith("/o/r/releases/tag/V1.2.0"), r.html_url


def upload_renamed():
    r = repo.get_release("V1.5.0")
    a = r.upload_asset_from_memory(b"bytes", 5, "My File (x64).zip")
    assert a.name == "My.File.x64.zip", a.name
    assert [x.name for x in r.get_assets()] == ["My.File.x64.zip"]


def rate_limit():
    assert g.get_rate_limit().core.limit == 5000


def delete_keeps_tag():
    repo.get_release("V1.1.0").delete_release()
    assert [t.name for t in repo.get_tags()][-1] == "V1.1.0"
    repo.get_git_ref("tags/V1.1.0").delete()
    assert "V1.1.0" not in [t.name for t in repo.get_tags()]


def missing_repository_404():
    try:
        list(g.get_repo("o/nothing", lazy=True).get_releases())
    except github.UnknownObjectException:
        return
    raise AssertionError("listing releases of a repository that does not exist did not raise 404")


check("get_user().login is the token's name", user_login)
check("get_repo().get_releases() over three pages (per_page=2)", releases_paged)
check("get_latest_release() and get_release(tag)", latest_and_by_tag)
check("upload_asset_from_memory('My File (x64).zip') answers the stored name My.File.x64.zip", upload_renamed)
check("get_rate_limit()", rate_limit)
check("delete_release() keeps the tag; get_git_ref('tags/X').delete() removes it", delete_keeps_tag)
check("get_releases() of a repository that does not exist raises 404", missing_repository_404)
sys.exit(1 if failures else 0)
