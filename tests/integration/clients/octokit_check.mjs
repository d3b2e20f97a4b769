// Octokit's calls against vt132-ota-server; prints "ok - Octokit: ..." or "FAIL - ...".
// Run by octokit.sh (copied next to its node_modules) with VT132_API and VT132_TOKEN set and
// three published releases V1.1.0..V1.3.0 in o/r.
import { Octokit } from "@octokit/rest";

const octokit = new Octokit({ baseUrl: process.env.VT132_API, auth: process.env.VT132_TOKEN });
const repo = { owner: "o", repo: "r" };
let failures = 0;

async function check(what, fn) {
  try {
    await fn();
    console.log(`ok - Octokit: ${what}`);
  } catch (e) {
    failures += 1;
    console.log(`FAIL - Octokit: ${what}\n    ${e && e.stack ? e.stack.split("\n")[0] : e}`);
  }
}

function assert(ok, message) {
  if (!ok) throw new Error(message);
}

await check("users.getAuthenticated(): login is the token's name", async () => {
  const { data } = await octokit.rest.users.getAuthenticated();
  assert(data.login === "octokit-user", `login ${data.login}`);
});

await check("paginate(repos.listReleases, per_page 2): all three, newest first, over two pages", async () => {
  const all = await octokit.paginate(octokit.rest.repos.listReleases, { ...repo, per_page: 2 });
  const tags = all.map((r) => r.tag_name).join(" ");
  assert(tags === "V1.3.0 V1.2.0 V1.1.0", tags);
});

await check("repos.getLatestRelease(): updated_at and immutable are there", async () => {
  const { data } = await octokit.rest.repos.getLatestRelease(repo);
  assert(data.tag_name === "V1.3.0", data.tag_name);
  assert(typeof data.updated_at === "string" && data.immutable === false, JSON.stringify(data).slice(0, 200));
});

await check("repos.getReleaseByTag with mediaType html: body_html from Markdown, raw HTML dropped", async () => {
  const { data } = await octokit.rest.repos.getReleaseByTag({ ...repo, tag: "V1.2.0", mediaType: { format: "html" } });
  assert(data.body_html.includes("<strong>bold</strong>"), data.body_html);
  assert(!data.body_html.includes("<script>"), data.body_html);
});

await check("repos.uploadReleaseAsset('My File (x64).zip'): the answer names it My.File.x64.zip", async () => {
  const { data: release } = await octokit.rest.repos.getReleaseByTag({ ...repo, tag: "V1.1.0" });
  const { data } = await octokit.rest.repos.uploadReleaseAsset({
    // The release's upload_url, as Octokit's docs say for servers other than github.com.
    url: release.upload_url, ...repo, release_id: release.id, name: "My File (x64).zip", data: "zip bytes",
    headers: { "content-type": "application/zip" },
  });
  assert(data.name === "My.File.x64.zip", data.name);
});

await check("rateLimit.get()", async () => {
  const { data } = await octokit.rest.rateLimit.get();
  assert(data.resources.core.limit === 5000, JSON.stringify(data));
});

await check("repos.listReleases of a repository that does not exist: 404", async () => {
  try {
    await octokit.rest.repos.listReleases({ owner: "o", repo: "nothing" });
  } catch (e) {
    assert(e.status === 404, `status ${e.status}`);
    return;
  }
  throw new Error("no error");
});

process.exit(failures ? 1 : 0);
