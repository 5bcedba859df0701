import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { insertedEventsFor, laterAvailableDay, newHostWithPage } from "./fixtures/booking_page";
import { emulatorUrl, signIn, signOut } from "./fixtures/google";
import { turnOnDirectBooking } from "./fixtures/settings";

/** WCAG 2.1 AA, as axe-core checks it: no violation on the page as shown. */
async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(results.violations.map(({ id, nodes }) => `${id}: ${nodes.map((node) => node.target).join(", ")}`)).toEqual([]);
}

/** The manage link in the newest email to `recipient`, as the development mailbox shows it. */
async function manageLinkFor(request: APIRequestContext, recipient: string): Promise<string> {
  const mailbox = await (await request.get("/dev/mailbox")).text();
  const article = mailbox.split("<article").find((mail) => mail.includes(`To ${recipient}`));
  expect(article, `a mail to ${recipient}`).toBeTruthy();
  const link = article!.match(/https?:\/\/[^\s<]+\/bookings\/[^\s<]+\?key=[A-Za-z0-9_-]+/);
  expect(link, "a manage link in the invitation").toBeTruthy();
  return new URL(link![0].replaceAll("&amp;", "&")).pathname + new URL(link![0].replaceAll("&amp;", "&")).search;
}

/** Books the later day's `index`-th time as `email`; returns the time's start (seconds). */
async function bookATime(page: Page, username: string, email: string, index = 0): Promise<string> {
  await page.goto(`/${username}?tz=Asia/Tokyo`);
  await (await laterAvailableDay(page)).click();
  await page.getByTestId("time").nth(index).click();
  const start = new URL(page.url()).searchParams.get("slot")!;
  await page.getByTestId("visitor-name").fill("Mia Mover");
  await page.getByTestId("visitor-email").fill(email);
  await page.getByTestId("confirm-booking").click();
  await expect(page).toHaveURL(/\/bookings\/.*key=/);
  return start;
}

/** Whether `start` is offered to a new visitor: its booking form opens. */
async function isOffered(page: Page, username: string, start: string): Promise<boolean> {
  const date = new Date(Number(start) * 1000).toLocaleDateString("en-CA", { timeZone: "Asia/Tokyo" });
  await page.goto(`/${username}?tz=Asia/Tokyo&month=${date.slice(0, 7)}&day=${date}&slot=${start}`);
  return (await page.getByTestId("visitor-name").count()) === 1;
}

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "with JavaScript off", () => {
    test.use({ javaScriptEnabled });

    test("a visitor in another zone moves the booking by the emailed link, then cancels it", async ({ browser, page, request }) => {
      const host = await browser.newPage({ javaScriptEnabled: true });
      const username = await newHostWithPage(host, javaScriptEnabled ? "move" : "movenojs");
      await signOut(host);
      const visitor = `mia-${Date.now()}@example.net`;
      const first = await bookATime(page, username, visitor, 0);

      await page.goto(await manageLinkFor(request, visitor));
      await expect(page.getByRole("heading", { level: 1 })).toContainText(`Your meeting with`);
      await expect(page.getByTestId("visitor-time")).toContainText("Asia/Tokyo");
      if (javaScriptEnabled) await expectAccessible(page);

      await page.getByTestId("reschedule").click();
      await expect(page.getByTestId("rescheduling")).toContainText("Moving your booking");
      await expect(page.getByTestId("visitor-zone")).toHaveText("Asia/Tokyo");
      if (javaScriptEnabled) await expectAccessible(page);
      await (await laterAvailableDay(page)).click();
      // Another time than the booking's own, which is offered to it too.
      const times = page.getByTestId("time");
      await expect(times).not.toHaveCount(0);
      await times.nth(2).click();
      const moved = new URL(page.url()).searchParams.get("slot")!;
      expect(moved).not.toBe(first);
      await page.getByTestId("confirm-reschedule").click();
      await expect(page.getByTestId("moved")).toBeVisible();
      await expect(page.getByTestId("history")).toContainText("moved by you");
      const manage = page.url();

      // The time it left is free for the next visitor at once.
      const next = await browser.newPage({ javaScriptEnabled });
      expect(await isOffered(next, username, first)).toBe(true);
      expect(await isOffered(next, username, moved)).toBe(false);

      await page.goto(manage);
      await page.getByTestId("cancel-reason").fill("Something came up");
      await page.getByTestId("cancel-booking").click();
      await expect(page.getByTestId("cancelled")).toContainText("Cancelled by you");
      await expect(page.getByRole("heading", { level: 1 })).toContainText("is cancelled");
      if (javaScriptEnabled) await expectAccessible(page);
      expect(await isOffered(next, username, moved)).toBe(true);
      await next.close();
      await host.close();
    });
  });
}

test("the host cancels from the dashboard, with a reason the visitor reads", async ({ page, request }) => {
  const username = await newHostWithPage(page, "hostcancel");
  await signOut(page);
  const visitor = `vic-${Date.now()}@example.net`;
  await bookATime(page, username, visitor, 1);

  await signIn(page, { email: `${username}@example.com` });
  await page.getByTestId("bookings-link").click();
  await expectAccessible(page);
  const booking = page.getByTestId("upcoming-booking");
  await expect(booking).toHaveCount(1);
  await booking.getByTestId("change-booking").click();
  await booking.getByTestId("host-cancel-reason").fill("I am unwell");
  await booking.getByTestId("host-cancel").click();
  await expect(page.getByTestId("change-notice")).toContainText("Cancelled");
  await expect(page.getByTestId("upcoming-booking")).toHaveCount(0);
  await expect(page.getByTestId("recent-changes")).toContainText("you cancelled the meeting with Mia Mover");
  await signOut(page);

  const mailbox = await (await request.get("/dev/mailbox")).text();
  const cancellation = mailbox.split("<article").find((mail) => mail.includes(`To ${visitor}`) && mail.includes("Cancelled:"));
  expect(cancellation).toContain("Reason: I am unwell");
  expect(cancellation).toContain("METHOD:CANCEL");
});

test("a direct booking moves in the host's Google calendar, keeping its event and iCalUID", async ({ page, request }) => {
  const username = await newHostWithPage(page, "directmove");
  await turnOnDirectBooking(page);
  await signOut(page);
  const visitor = `dan-${Date.now()}@example.net`;
  await bookATime(page, username, visitor, 0);
  await expect(page.getByTestId("confirmation")).toContainText("Google is sending you an invitation");
  const [before] = await insertedEventsFor(request, visitor);

  await page.getByTestId("reschedule").click();
  await (await laterAvailableDay(page)).click();
  await page.getByTestId("time").nth(3).click();
  const moved = Number(new URL(page.url()).searchParams.get("slot"));
  await page.getByTestId("confirm-reschedule").click();
  await expect(page.getByTestId("moved")).toBeVisible();

  // The worker patches the event within seconds.
  await expect
    .poll(async () => {
      const [event] = await insertedEventsFor(request, visitor);
      return Date.parse((event.event as { start: { dateTime: string } }).start.dateTime) / 1000;
    }, { timeout: 15_000 })
    .toBe(moved);
  const after = await insertedEventsFor(request, visitor);
  expect(after).toHaveLength(1);
  const ids = (entry: { event: unknown }) => {
    const event = entry.event as { id: string; iCalUID: string };
    return [event.id, event.iCalUID];
  };
  expect(ids(after[0])).toEqual(ids(before));
  const events: unknown[] = await (await request.get(emulatorUrl("/__emulator/events"))).json();
  expect(events.length).toBeGreaterThan(0);
});
