// Drives the Heliograph dashboard in headless Chromium through playwright-core. It signs in,
// filters, and opens a log of every kind, a session's tree and timeline, and the properties,
// users and metrics pages. Then it watches live mode, visits every page that shows hostile
// logs, and signs out.
// Any dialog, javascript: link, iframe, CSP violation or HTML response without a
// Content-Security-Policy header fails the run. Environment: HELIOGRAPH_URL,
// HELIOGRAPH_READ_KEY, HELIOGRAPH_WRITE_KEY, HELIOGRAPH_MANIFEST (JSON from the Go test),
// HELIOGRAPH_SCREENSHOTS (directory) and HELIOGRAPH_CHROMIUM (browser executable).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const env = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} must be set`);
    process.exit(2);
  }
  return v;
};
const base = env("HELIOGRAPH_URL");
const readKey = env("HELIOGRAPH_READ_KEY");
const writeKey = env("HELIOGRAPH_WRITE_KEY");
const manifest = JSON.parse(env("HELIOGRAPH_MANIFEST"));
const shots = env("HELIOGRAPH_SCREENSHOTS");
const executablePath = env("HELIOGRAPH_CHROMIUM");

const failures = [];
const fail = (msg) => {
  failures.push(msg);
  console.error("FAIL: " + msg);
};
const check = (cond, msg) => {
  if (!cond) {
    fail(msg);
  }
};

let shotCount = 0;
async function screenshot(page, name) {
  shotCount++;
  const file = join(shots, `${String(shotCount).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log("screenshot " + file);
}

// visit opens a dashboard path and checks what must hold on every page.
async function visit(page, path, name) {
  const resp = await page.goto(base + path);
  check(resp !== null && resp.status() < 400, `GET ${path}: status ${resp && resp.status()}`);
  await assertSafe(page, path);
  await screenshot(page, name);
  return resp;
}

async function assertSafe(page, where) {
  const js = await page.locator('a[href^="javascript:"], [href^="javascript:"]').count();
  check(js === 0, `${where}: ${js} javascript: links`);
  const frames = await page.locator("iframe, frame, object, embed").count();
  check(frames === 0, `${where}: ${frames} iframe/object/embed elements`);
  const handlers = await page.evaluate(() => {
    let n = 0;
    for (const el of document.querySelectorAll("*")) {
      for (const attr of el.getAttributeNames()) {
        if (attr.startsWith("on")) n++;
      }
    }
    return n;
  });
  check(handlers === 0, `${where}: ${handlers} inline event handler attributes`);
}

async function expectText(page, text, where) {
  const n = await page.getByText(text, { exact: false }).count();
  check(n > 0, `${where}: literal text ${JSON.stringify(text)} not visible`);
}

async function main() {
  const profile = mkdtempSync(join(tmpdir(), "heliograph-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1400, height: 900 },
  });
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(15000);
    page.on("dialog", async (d) => {
      fail(`dialog fired: ${d.type()} ${JSON.stringify(d.message())} on ${page.url()}`);
      await d.dismiss();
    });
    page.on("console", (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) {
        fail(`CSP violation on ${page.url()}: ${msg.text()}`);
      }
    });
    page.on("pageerror", (err) => fail(`script error on ${page.url()}: ${err.message}`));
    page.on("response", (resp) => {
      const type = resp.headers()["content-type"] || "";
      if (type.startsWith("text/html") && !resp.headers()["content-security-policy"]) {
        fail(`HTML response without Content-Security-Policy: ${resp.url()}`);
      }
    });

    await signIn(page);
    await filterRequests(page);
    await openKinds(page);
    await openSession(page);
    await chartPages(page);
    await liveMode(page);
    await hostilePages(page);
    await signOut(page);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function signIn(page) {
  await page.goto(base + "/");
  check(new URL(page.url()).pathname === "/login", `unauthenticated / landed on ${page.url()}`);
  await screenshot(page, "login");
  await page.fill("#key", readKey);
  await Promise.all([page.waitForURL(base + "/"), page.click("button[type=submit]")]);
  check(!page.url().includes(readKey), "the key appears in the URL after sign-in");
  const html = await page.content();
  check(!html.includes(readKey), "the key appears in the page after sign-in");
  const rows = await page.locator("#requests tbody tr").count();
  check(rows === 50, `requests page shows ${rows} rows, want 50`);
  await assertSafe(page, "/");
  await screenshot(page, "requests");
}

async function filterRequests(page) {
  await page.fill("#filter", "kind = tool and status = 200");
  await Promise.all([page.waitForURL(/q=kind/), page.press("#filter", "Enter")]);
  const kinds = await page.locator("#requests tbody td:nth-child(3)").allTextContents();
  check(kinds.length > 0, "filter kind = tool shows no rows");
  check(kinds.every((k) => k.trim() === "tool"), `filter kind = tool shows kinds ${kinds}`);
  await screenshot(page, "requests-filtered");

  const older = page.locator("#older");
  if ((await older.count()) > 0) {
    await Promise.all([page.waitForURL(/cursor=/), older.click()]);
    const more = await page.locator("#requests tbody td:nth-child(3)").allTextContents();
    check(more.every((k) => k.trim() === "tool"), "older page of kind = tool shows other kinds");
  }

  await page.fill("#filter", "kind = tool and");
  await page.press("#filter", "Enter");
  await page.waitForSelector(".filter-error");
  const err = await page.locator(".filter-error").innerText();
  check(/position 15/.test(err), `invalid filter error lacks its position: ${err}`);
  await screenshot(page, "filter-error");

  await page.goto(base + "/requests");
  await Promise.all([page.waitForURL(/q=kind/), page.click(".facet >> text=llm")]);
  const llm = await page.locator("#requests tbody td:nth-child(3)").allTextContents();
  check(llm.length > 0 && llm.every((k) => k.trim() === "llm"), `kind facet shows ${llm}`);
}

async function openKinds(page) {
  const views = { data: "#data-view", tool: "#tool-view", vector_db: "#vector-view",
    llm: "#llm-view" };
  const texts = { data: "1234567890123456789012345", tool: "weather", vector_db: "refund policy",
    llm: "Hello there" };
  for (const [kind, id] of Object.entries(manifest.kinds)) {
    await visit(page, `/requests/${id}`, `log-${kind}`);
    check(await page.locator(views[kind]).isVisible(), `log ${kind}: ${views[kind]} not shown`);
    if (kind === "data") {
      await page.click("#raw-json summary");
      const raw = await page.locator("#raw-request").innerText();
      check(raw.includes(texts.data), "raw JSON lost digits of the large integer");
    } else {
      await expectText(page, texts[kind], `log ${kind}`);
    }
  }
}

async function openSession(page) {
  await visit(page, "/sessions", "sessions");
  await Promise.all([page.waitForURL(/\/sessions\/kinds-session/),
    page.click(`a[href="/sessions/${manifest.kindSession}"]`)]);
  await assertSafe(page, "session");
  const leaves = await page.locator("#session-tree li.tree-log").count();
  check(leaves === 4, `session tree has ${leaves} logs, want 4`);
  const folders = await page.locator("#session-tree .folder-name").allTextContents();
  check(folders.includes("agent"), `session tree folders ${folders} lack agent`);
  const bars = await page.locator("#waterfall rect.wf-bar").count();
  check(bars === 4, `timeline has ${bars} bars, want 4`);
  await screenshot(page, "session");
  await Promise.all([page.waitForURL(/\/requests\//),
    page.click("#session-tree li.tree-log a >> nth=0")]);
  check(await page.locator(".log-header").isVisible(), "tree node did not open a log");
}

async function chartPages(page) {
  await visit(page, "/properties", "properties");
  check((await page.locator("svg.chart-svg").count()) === 1, "properties page has no chart");
  check((await page.locator("#property-values tbody tr").count()) > 0,
    "properties page lists no values");
  await visit(page, "/users", "users");
  check((await page.locator("#users tbody tr").count()) > 1, "users page lists no users");
  await visit(page, "/stats", "metrics");
  check((await page.locator("#charts figure").count()) === 6, "metrics page lacks 6 charts");
  check((await page.locator("#charts rect.bar").count()) > 0, "metrics charts have no bars");
  const lines = await page.locator("#charts path.line").evaluateAll((els) =>
    els.filter((el) => (el.getAttribute("d") || "").startsWith("M")).length);
  check(lines >= 2, `metrics charts have ${lines} drawn lines, want at least 2`);
  await visit(page, "/stats?q=" + encodeURIComponent("kind = data"), "metrics-filtered");
}

async function liveMode(page) {
  await visit(page, "/requests", "live-before");
  await page.check("#live-toggle");
  await page.waitForFunction(() =>
    document.getElementById("live-status").textContent === "live");
  const name = "live_probe_" + Date.now();
  const now = Date.now();
  const body = { providerRequest: { url: "u", json: { _type: "tool", toolName: name,
    input: { q: "<b>live</b>" } }, meta: {} }, providerResponse: { json: { ok: true },
    status: 200, headers: {} }, timing: { startTime: { seconds: Math.floor(now / 1000),
    milliseconds: now % 1000 }, endTime: { seconds: Math.floor(now / 1000) + 1,
    milliseconds: now % 1000 } } };
  const resp = await fetch(base + "/custom/v1/log", { method: "POST",
    headers: { Authorization: "Bearer " + writeKey, "Content-Type": "application/json",
      "Helicone-Property-Probe": "<i>x</i>" }, body: JSON.stringify(body) });
  check(resp.ok, `POST live probe log: ${resp.status}`);
  await page.waitForSelector(`tr.live-row >> text=${name}`);
  await expectText(page, "<i>x</i>", "live row");
  await assertSafe(page, "live");
  await screenshot(page, "live");
  await page.uncheck("#live-toggle");
}

async function hostilePages(page) {
  const h = manifest.hostile;
  await visit(page, "/requests?q=" + encodeURIComponent(`session = "${manifest.hostileSession}"`),
    "hostile-list");
  await expectText(page, "<img src=x onerror=alert(1)>", "hostile list");
  const widest = await page.evaluate(() => Math.max(...[...document.querySelectorAll(
    ".chip, .facet")].map((e) => e.getBoundingClientRect().width)));
  check(widest < 700, `hostile list: a chip or facet is ${widest} px wide`);
  await expectText(page, `"><svg/onload=alert(3)>`, "hostile list");

  await visit(page, `/requests/${h.llm}`, "hostile-llm");
  await expectText(page, "<script>alert(4)</script>", "hostile llm log");
  await expectText(page, "[click](javascript:alert(5))", "hostile llm log");
  await expectText(page, "</script><script>alert(2)</script>", "hostile llm log");

  await visit(page, `/requests/${h.tool}`, "hostile-tool");
  await page.hover("#tool-name");
  await expectText(page, "<b onmouseover=alert(6)>t</b>", "hostile tool log");
  const bold = await page.locator("#tool-name b").count();
  check(bold === 0, "tool name became a <b> element");

  await visit(page, `/requests/${h.html}`, "hostile-html");
  await expectText(page, "<script>alert(7)</script>", "HTML response");

  await visit(page, `/sessions/${manifest.hostileSession}`, "hostile-session");
  await expectText(page, "</script><script>alert(2)</script>", "hostile session");
  await expectText(page, "<iframe srcdoc=x>", "hostile session tree");
  for (const el of await page.locator("#session-tree li.tree-log a").all()) {
    await el.hover();
  }

  await visit(page, "/users", "hostile-users");
  await expectText(page, `"><svg/onload=alert(3)>`, "users page");
  await visit(page, "/properties?key=note", "hostile-properties");
  await expectText(page, "<img src=x onerror=alert(1)>", "properties page");
  await visit(page, "/sessions", "hostile-sessions");
  await visit(page, "/stats", "hostile-metrics");
  // Give any script that did slip through a moment to open its dialog.
  await page.waitForTimeout(300);
}

async function signOut(page) {
  await page.goto(base + "/requests");
  await Promise.all([page.waitForURL(/\/login/), page.click("#sign-out")]);
  await screenshot(page, "signed-out");
  await page.goto(base + "/users");
  check(new URL(page.url()).pathname === "/login", `after sign-out /users shows ${page.url()}`);
}

try {
  await main();
} catch (err) {
  fail(err && err.stack ? err.stack : String(err));
}
if (failures.length > 0) {
  console.error(`${failures.length} dashboard check(s) failed`);
  process.exit(1);
}
console.log("dashboard checks passed");
