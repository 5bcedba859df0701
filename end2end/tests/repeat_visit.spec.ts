import { chromium, expect, test, type Page } from "@playwright/test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { laterAvailableDay, newHostWithPage } from "./fixtures/booking_page";

/**
 * Every request a page makes from now on, told apart by where its answer
 * came from: the server, or the browser's HTTP cache (Chrome DevTools
 * Protocol, which sees what Playwright's request events do not).
 */
async function recordRequests(page: Page) {
  const client = await page.context().newCDPSession(page);
  await client.send("Network.enable");
  const paths = new Map<string, string>();
  const cached = new Set<string>();
  client.on("Network.requestWillBeSent", ({ requestId, request }) => {
    const url = new URL(request.url);
    paths.set(requestId, url.pathname + url.search);
  });
  client.on("Network.requestServedFromCache", ({ requestId }) => cached.add(requestId));
  client.on("Network.responseReceived", ({ requestId, response }) => {
    if (response.fromDiskCache || response.fromPrefetchCache) cached.add(requestId);
  });
  const where = (fromCache: boolean) =>
    [...new Set([...paths].filter(([id]) => cached.has(id) === fromCache).map(([, path]) => path))];
  return { fromServer: () => where(false), fromCache: () => where(true) };
}

test("a visitor's second visit downloads the page alone; every file comes from the browser's cache", async ({
  browser,
  launchOptions,
  baseURL,
}) => {
  const host = await browser.newPage();
  const username = await newHostWithPage(host, "repeat");
  await host.close();

  // A browser profile on disk, as a visitor's is (a throwaway context keeps
  // its cache in memory).
  const profile = mkdtempSync(join(tmpdir(), "bookmate-visitor-"));
  const visitor = await chromium.launchPersistentContext(profile, { ...launchOptions, baseURL });
  const firstVisit = await visitor.newPage();
  const first = await recordRequests(firstVisit);
  await firstVisit.goto(`/${username}?tz=Europe/Berlin`);
  await (await laterAvailableDay(firstVisit)).click();
  await firstVisit.getByTestId("time").first().click();
  // The booking form, the page with the most files: the stylesheet, and the
  // script and WASM of its island.
  await expect(firstVisit).toHaveURL(/slot=/);
  await expect(firstVisit.locator(".app")).toHaveAttribute("data-hydrated", "true");
  const url = new URL(firstVisit.url());
  const bookingForm = url.pathname + url.search;
  const files = first.fromServer().filter((path) => path.startsWith("/pkg/"));
  expect(files).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^\/pkg\/bookmate\.[\w-]+\.css$/),
      expect.stringMatching(/^\/pkg\/bookmate\.[\w-]+\.js$/),
      expect.stringMatching(/^\/pkg\/bookmate\.[\w-]+\.wasm$/),
    ]),
  );
  await firstVisit.close();

  // Another day, a new tab: no page memory, only the browser's HTTP cache,
  // and a hashed file is never asked about again.
  const secondVisit = await visitor.newPage();
  const second = await recordRequests(secondVisit);
  await secondVisit.goto(bookingForm);
  await expect(secondVisit.locator(".app")).toHaveAttribute("data-hydrated", "true");
  expect(second.fromServer()).toEqual([bookingForm]);
  expect(second.fromCache()).toEqual(expect.arrayContaining(files));
  await visitor.close();
  rmSync(profile, { recursive: true, force: true });
});
