import { expect, test, type Page } from "@playwright/test";
import { newHostWithPage } from "./fixtures/booking_page";
import { signOut } from "./fixtures/google";
import { openSettings } from "./fixtures/settings";

/** Next month as `YYYY-MM`, and the ISO date of its `n`th Monday plus `plus` days. */
function nextMonth(): { month: string; monday: (n: number, plus?: number) => string } {
  const now = new Date();
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const month = first.toISOString().slice(0, 7);
  const firstMonday = 1 + ((8 - first.getUTCDay()) % 7);
  const monday = (n: number, plus = 0) =>
    new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), firstMonday + 7 * (n - 1) + plus))
      .toISOString()
      .slice(0, 10);
  return { month, monday };
}

/** The dates the booking page offers in `month`, for a visitor on the host's clock. */
async function offeredDays(page: Page, username: string, month: string): Promise<string[]> {
  await page.goto(`/${username}?tz=Europe/Berlin&month=${month}`);
  const links = page.getByTestId("available-day");
  await expect(links.first()).toBeVisible();
  const hrefs = await links.evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute("href") ?? ""));
  return hrefs.map((href) => new URL(href, "http://host").searchParams.get("day") ?? "");
}

async function addEntry(page: Page, first: string, last: string, hours?: [string, string]) {
  const form = page.getByTestId("date-override-form");
  const before = await page.getByTestId("date-override").count();
  await form.getByTestId("override-first-day").fill(first);
  await form.getByTestId("override-last-day").fill(last);
  if (hours) {
    await form.getByTestId("override-other-hours").check();
    await form.getByTestId("override-start").first().fill(hours[0]);
    await form.getByTestId("override-end").first().fill(hours[1]);
  } else {
    await form.getByTestId("override-time-off").check();
  }
  await page.getByTestId("add-date-override").click();
  await expect(page.getByTestId("date-override")).toHaveCount(before + 1);
}

test("a day off and a week off remove exactly their days, and other hours replace the week's", async ({ page }) => {
  const username = await newHostWithPage(page, "dates");
  const { month, monday } = nextMonth();
  const before = await offeredDays(page, username, month);
  const dayOff = monday(2);
  const weekOff = [0, 1, 2, 3, 4].map((plus) => monday(3, plus));
  const shortDay = monday(2, 2); // the Wednesday of the day off's week
  for (const day of [dayOff, ...weekOff, shortDay]) expect(before).toContain(day);

  await openSettings(page);
  await addEntry(page, dayOff, "");
  await addEntry(page, monday(3), monday(3, 6));
  await addEntry(page, shortDay, "", ["10:00", "11:00"]);
  // Listed by date: the day off, the short day of that week, the week off.
  const entries = page.getByTestId("date-override");
  await expect(entries.nth(0)).toContainText("time off");
  await expect(entries.nth(1)).toContainText("10:00–11:00");
  await expect(entries.nth(2)).toContainText(" – ");
  await expect(entries.nth(2)).toContainText("time off");

  // An entry over a date already covered is refused, beside the form.
  const form = page.getByTestId("date-override-form");
  await form.getByTestId("override-first-day").fill(monday(3, 2));
  await form.getByTestId("override-last-day").fill("");
  await form.getByTestId("override-time-off").check();
  await page.getByTestId("add-date-override").click();
  await expect(form.getByRole("alert")).toContainText("already have an entry");
  await expect(entries).toHaveCount(3);

  await signOut(page);
  const after = await offeredDays(page, username, month);
  expect(after).toEqual(before.filter((day) => day !== dayOff && !weekOff.includes(day)));
  await page.locator(`[data-testid="available-day"][href*="day=${shortDay}"]`).click();
  const times = page.getByTestId("time");
  await expect(times).toHaveCount(2);
  await expect(times.nth(0)).toContainText("10:00");
  await expect(times.nth(1)).toContainText("10:30");
});

test("the calendars ticked in settings are the ones the booking page counts", async ({ page }) => {
  await newHostWithPage(page, "ticked");
  await openSettings(page);
  const calendars = page.getByTestId("busy-calendar");
  await expect(calendars.first()).toBeVisible();
  // Never saved: the primary calendar counts, so it shows ticked, and says why.
  const primary = page.locator(".calendar-list li", { hasText: "primary" }).getByTestId("busy-calendar");
  await expect(primary).toBeChecked();
  await expect(page.getByTestId("primary-by-default")).toBeVisible();
  await expect(page.locator(".calendar-list").getByTestId("busy-calendar").and(page.locator(":checked"))).toHaveCount(1);

  // Unticked and saved, it stays unticked, and the note is gone.
  await primary.uncheck();
  await page.getByTestId("save-calendars").click();
  await expect(page.locator("section", { hasText: "Calendars" }).getByText("Saved.")).toBeVisible();
  await openSettings(page);
  await expect(page.getByTestId("busy-calendar").first()).toBeVisible();
  await expect(primary).not.toBeChecked();
  await expect(page.getByTestId("primary-by-default")).toHaveCount(0);
});
