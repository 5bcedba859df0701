import { expect, test, type Page } from "@playwright/test";
import { insertedEventsFor, laterAvailableDay, newHostWithPage } from "./fixtures/booking_page";
import { signOut } from "./fixtures/google";
import { openSettings, turnOnDirectBooking } from "./fixtures/settings";

async function newMeetingType(
  page: Page,
  username: string,
  title: string,
  slug: string,
  lengths: number[],
  listed: boolean,
  place?: string,
  question?: { label: string; key: string },
) {
  const rows = page.getByTestId("meeting-type-row");
  const before = await rows.count();
  await page.getByTestId("new-meeting-type").click();
  const form = page.getByTestId("meeting-type-form");
  await form.getByTestId("type-title").fill(title);
  await form.getByTestId("type-slug").fill(slug);
  // The address reads as it will be shared: the host's page, then the slug.
  await expect(form.getByTestId("type-address-prefix")).toHaveText(`/${username}/`);
  for (const minutes of [10, 15, 20, 30, 45, 60, 90, 120]) {
    const box = form.getByTestId(`type-length-${minutes}`);
    if (lengths.includes(minutes)) await box.check();
    else await box.uncheck();
  }
  if (!listed) await form.getByTestId("type-listed").uncheck();
  if (place) await form.getByTestId("type-place").selectOption(place);
  if (question) {
    await form.getByTestId("add-question").click();
    const row = form.getByTestId("question-row").last();
    await row.getByTestId("question-label").fill(question.label);
    await row.getByTestId("question-key").fill(question.key);
    await row.getByTestId("question-required").check();
  }
  await form.getByTestId("save-meeting-type").click();
  await expect(rows).toHaveCount(before + 1);
}

async function bookFirstTime(page: Page, email = `kenji-${Date.now()}@example.net`, answer?: string) {
  await (await laterAvailableDay(page)).click();
  await page.getByTestId("time").first().click();
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  await page.getByTestId("visitor-name").fill("Kenji");
  await page.getByTestId("visitor-email").fill(email);
  if (answer !== undefined) {
    // Required: the browser itself stops an empty answer; the server says so too.
    await expect(page.getByTestId("question")).toHaveAttribute("required", "");
    await page.getByTestId("question").fill(answer);
  }
  await page.getByTestId("confirm-booking").click();
  await expect(page.getByTestId("confirmation")).toContainText("You're booked");
}

test("a host offers a listed type with two lengths and a secret one, and a visitor books each", async ({ page }) => {
  const username = await newHostWithPage(page, "types");
  await openSettings(page);
  await expect(page.getByTestId("meeting-type-row")).toHaveCount(1);
  await newMeetingType(page, username, "Intro call", "intro", [15, 30], true);
  await newMeetingType(page, username, "Consultation", "consultation", [60], false);
  await expect(page.getByTestId("meeting-type-row").nth(2)).toContainText("secret");

  // A visitor in Tokyo: /{username} lists the listed types only.
  await signOut(page);
  await page.goto(`/${username}?tz=Asia/Tokyo`);
  const listed = page.getByTestId("meeting-type");
  await expect(listed).toHaveCount(2);
  await expect(listed.nth(1)).toContainText("Intro call");
  await expect(listed.nth(1)).toContainText("15 or 30 minutes");
  await expect(page.getByText("Consultation")).toHaveCount(0);

  // The intro, at 30 minutes.
  await listed.nth(1).getByRole("link").click();
  await expect(page.getByTestId("meeting-title")).toHaveText("Intro call");
  await page.getByTestId("length").filter({ hasText: "30 min" }).click();
  await expect(page.getByTestId("length").filter({ hasText: "30 min" })).toHaveAttribute("aria-current", "true");
  await expect(page.getByText("30 minute meeting")).toBeVisible();
  await bookFirstTime(page);
  await expect(page.getByTestId("confirmation")).toContainText("Asia/Tokyo");

  // The secret type, by its link.
  await page.goto(`/${username}/consultation?tz=Asia/Tokyo`);
  await expect(page.getByTestId("meeting-title")).toHaveText("Consultation");
  await expect(page.getByText("60 minute meeting")).toBeVisible();
  await bookFirstTime(page);
});

test("a Google Meet type with a required question gets Google's link on the confirmation and in the host's event", async ({
  page,
  request,
}) => {
  const username = await newHostWithPage(page, "meet");
  await turnOnDirectBooking(page);
  await openSettings(page);
  await newMeetingType(page, username, "Video call", "video", [30], true, "google_meet", { label: "Your company", key: "company" });

  await signOut(page);
  await page.goto(`/${username}/video?tz=America/Sao_Paulo`);
  await expect(page.getByTestId("type-place")).toHaveText("Google Meet: the link comes with the invitation");
  const visitor = `meet-${Date.now()}@example.net`;
  await bookFirstTime(page, visitor, "ACME");

  const events = await insertedEventsFor(request, visitor);
  expect(events).toHaveLength(1);
  const link = (events[0].event as { hangoutLink?: string }).hangoutLink;
  expect(link).toMatch(/^https:\/\/meet\.google\.com\//);
  await expect(page.getByTestId("place")).toHaveText(`Where: Google Meet: ${link}`);
});
