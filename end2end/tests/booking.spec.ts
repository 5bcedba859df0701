import { expect, test, type Page } from "@playwright/test";
import { insertedEventsFor, laterAvailableDay, newHostWithPage } from "./fixtures/booking_page";
import { emulatorUrl, signIn, signOut } from "./fixtures/google";
import { turnOnDirectBooking } from "./fixtures/settings";

async function openFirstFreeTime(page: Page, username: string) {
  await page.goto(`/${username}?tz=Asia/Tokyo`);
  await expect(page.getByTestId("visitor-zone")).toHaveText("Asia/Tokyo");
  await (await laterAvailableDay(page)).click();
  await page.getByTestId("time").first().click();
  await expect(page.getByTestId("slot-summary")).toContainText("Asia/Tokyo");
}

/** A weekday at least three days ahead, as `YYYY-MM-DD`. */
function comingWeekday(): string {
  const day = new Date(Date.now() + 3 * 24 * 3600 * 1000);
  while (day.getUTCDay() === 0 || day.getUTCDay() === 6) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

/** Berlin's UTC offset on that day, `+01:00` or `+02:00`. */
function berlinOffset(date: string): string {
  const name = new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Berlin", timeZoneName: "longOffset" })
    .formatToParts(new Date(`${date}T12:00:00Z`))
    .find((part) => part.type === "timeZoneName")!.value;
  return name === "GMT" ? "+00:00" : name.slice(3);
}

test("a visitor in another time zone books a host without direct booking", async ({ page, request }) => {
  const username = await newHostWithPage(page);
  await signOut(page);
  await openFirstFreeTime(page, username);
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  await page.getByTestId("visitor-name").fill("Bob Visitor");
  await page.getByTestId("visitor-email").fill("bob@example.net");
  await page.getByTestId("confirm-booking").click();

  await expect(page).toHaveURL(/\/bookings\//);
  const confirmation = page.getByTestId("confirmation");
  await expect(confirmation).toContainText("You're booked");
  await expect(confirmation).toContainText("Asia/Tokyo");
  await expect(confirmation).toContainText("Europe/Berlin");
  await expect(confirmation).toContainText("email with the invitation");
  expect(await insertedEventsFor(request, "bob@example.net")).toEqual([]);

  // The host sees it on the dashboard, on the host's own clock.
  await signIn(page, { email: `${username}@example.com` });
  await page.getByTestId("bookings-link").click();
  const booking = page.getByTestId("upcoming-booking");
  await expect(booking).toHaveCount(1);
  await expect(booking).toContainText("Bob Visitor");
  await expect(booking).toContainText("bob@example.net");
  await expect(booking).toContainText("Invited by email");
});

test("a visitor books a host with direct booking and the event lands in Google", async ({ page, request }) => {
  const username = await newHostWithPage(page, "direct");
  await turnOnDirectBooking(page);
  await signOut(page);

  await openFirstFreeTime(page, username);
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  await page.getByTestId("visitor-name").fill("Dora Direct");
  await page.getByTestId("visitor-email").fill("dora@example.net");
  await page.getByTestId("confirm-booking").click();
  await expect(page.getByTestId("confirmation")).toContainText("Google is sending you an invitation");

  const inserted = await insertedEventsFor(request, "dora@example.net");
  expect(inserted).toHaveLength(1);
  expect(inserted[0].calendar_id).not.toBe("");
});

test("a busy event in the host's Google calendar removes the slots it overlaps", async ({ page, request }) => {
  const username = await newHostWithPage(page, "busy");
  await signOut(page);
  const day = comingWeekday();
  const offset = berlinOffset(day);
  const added = await request.post(emulatorUrl("/__emulator/events"), {
    data: {
      calendar_id: `${username}@example.com`,
      event: { summary: "Dentist", start: { dateTime: `${day}T10:00:00${offset}` }, end: { dateTime: `${day}T11:00:00${offset}` } },
    },
  });
  expect(added.status()).toBe(200);

  await page.goto(`/${username}?tz=Europe/Berlin&month=${day.slice(0, 7)}&day=${day}`);
  const times = page.getByTestId("time");
  await expect(times.filter({ hasText: "09:30" })).toHaveCount(1);
  await expect(times.filter({ hasText: "10:00" })).toHaveCount(0);
  await expect(times.filter({ hasText: "10:30" })).toHaveCount(0);
  await expect(times.filter({ hasText: "11:00" })).toHaveCount(1);
});

test("a visitor's first view fetches no script or WASM; the form's come when a time is chosen", async ({ browser }) => {
  const host = await browser.newPage();
  const username = await newHostWithPage(host, "lean");
  await host.close();
  // A new visitor: nothing cached, nothing in flight from the host's pages.
  const page = await browser.newPage();
  const files: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith("/pkg/")) files.push(path);
  });
  await page.goto(`/${username}`);
  // The zone detector reloads the page in the visitor's zone.
  await expect(page).toHaveURL(/tz=/);
  await expect(page.getByTestId("visitor-zone")).not.toHaveText("");
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  await (await laterAvailableDay(page)).click();
  await expect(page).toHaveURL(/day=/);
  // The month and a day's times: the stylesheet alone, named after its
  // contents (cargo-leptos's hash-files).
  expect([...new Set(files)]).toEqual([expect.stringMatching(/^\/pkg\/bookmate\.[\w-]+\.css$/)]);

  await page.getByTestId("time").first().click();
  await expect(page).toHaveURL(/slot=/);
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  // The form's island: the main script and WASM, and the form's own chunk.
  expect(files).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^\/pkg\/bookmate\.[\w-]+\.js$/),
      expect.stringMatching(/^\/pkg\/bookmate\.[\w-]+\.wasm$/),
      expect.stringMatching(/booking_form/),
    ]),
  );
});

test("a slot taken a moment earlier gets the just-taken message", async ({ browser }) => {
  const first = await browser.newPage();
  const username = await newHostWithPage(first);
  await signOut(first);
  const second = await browser.newPage();
  for (const visitor of [first, second]) {
    await openFirstFreeTime(visitor, username);
    await expect(visitor.locator(".app")).toHaveAttribute("data-hydrated", "true");
    await visitor.getByTestId("visitor-name").fill("Racer");
    await visitor.getByTestId("visitor-email").fill("racer@example.net");
  }
  await first.getByTestId("confirm-booking").click();
  await expect(first.getByTestId("confirmation")).toBeVisible();
  await second.getByTestId("confirm-booking").click();
  await expect(second.getByTestId("booking-error")).toContainText("just taken");
});

test("booking works by keyboard alone", async ({ page }) => {
  const username = await newHostWithPage(page, "keys");
  await signOut(page);
  await page.goto(`/${username}?tz=Europe/Berlin`);
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  await (await laterAvailableDay(page, { byKeyboard: true })).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/day=.*#times$/);
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  // Choosing a day moves the keyboard to its times.
  await page.keyboard.press("Tab");
  await expect(page.getByTestId("time").first()).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/slot=/);
  await expect(page.getByTestId("visitor-name")).toBeFocused();
  await page.keyboard.type("Kim Keys");
  await page.keyboard.press("Tab");
  await page.keyboard.type("kim@example.net");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("confirmation")).toContainText("You're booked");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("a visitor books with plain links and a form post, and sees errors", async ({ browser, page, request }) => {
    const host = await browser.newPage({ javaScriptEnabled: true });
    const username = await newHostWithPage(host, "nojs");
    await host.close();

    await page.goto(`/${username}?tz=America/New_York`);
    await (await laterAvailableDay(page)).click();
    const times = page.getByTestId("time");
    await expect(times).not.toHaveCount(0);
    expect(await times.count()).toBeGreaterThan(1);
    await times.nth(1).click();

    // Someone else takes this time while the visitor types: the server sends
    // the visitor back to the page with the reason in the address.
    const start = new URL(page.url()).searchParams.get("slot")!;
    const taken = await request.post("/api/book", {
      form: { username, start, tz: "UTC", name: "Quick Quinn", email: "quinn@example.net", note: "" },
    });
    expect(taken.status()).toBe(200);
    await page.getByTestId("visitor-name").fill("Late Larry");
    await page.getByTestId("visitor-email").fill("larry@example.net");
    await page.getByTestId("confirm-booking").click();
    await expect(page.getByTestId("booking-error")).toContainText("just taken");

    // Another time: booked, and the confirmation page follows the form post.
    await page.getByTestId("time").first().click();
    await page.getByTestId("visitor-name").fill("Nora Noscript");
    await page.getByTestId("visitor-email").fill("nora@example.net");
    await page.getByTestId("confirm-booking").click();
    await expect(page).toHaveURL(/\/bookings\//);
    await expect(page.getByTestId("confirmation")).toContainText("America/New_York");
  });
});

test("an unknown host's page is a real 404", async ({ page }) => {
  const response = await page.goto("/nobody-here-at-all");
  expect(response?.status()).toBe(404);
});
