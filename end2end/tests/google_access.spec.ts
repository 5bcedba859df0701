import { expect, test } from "@playwright/test";
import { bookAsVisitor, newHostWithPage } from "./fixtures/booking_page";
import { turnOnDirectBooking } from "./fixtures/settings";

test("the host sees each permission with what needs it and its last use, and the calls behind a booking", async ({
  page,
  browser,
}) => {
  const username = await newHostWithPage(page, "access");
  await turnOnDirectBooking(page);

  // A visitor, in a browser of their own, books straight into the host's calendar.
  const visitor = await browser.newContext();
  await bookAsVisitor(await visitor.newPage(), username, `vera-${Date.now()}@example.net`);
  await visitor.close();

  await page.goto("/settings");
  await expect(page.getByTestId("busy-times-read")).toContainText("Busy times last read from Google:");
  await page.getByTestId("google-access-link").click();
  await expect(page).toHaveURL(/\/settings\/google-access$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Google access");

  const write = page.locator('[data-testid="held-scope"][data-scope="calendar.events"]');
  await expect(write).toContainText("Add bookings to one calendar you choose");
  await expect(write.getByTestId("last-used")).not.toContainText("Not in the log");
  const busy = page.locator('[data-testid="held-scope"][data-scope="calendar.events.freebusy"]');
  await expect(busy).toContainText("When your calendars are busy");
  await expect(busy.getByTestId("last-used")).not.toContainText("Not in the log");

  const log = page.getByTestId("log-entry");
  const insert = page.locator('[data-testid="log-entry"][data-method="events.insert"]');
  await expect(insert).toHaveCount(1);
  await expect(insert).toContainText("Added Vera\u2019s meeting to your calendar");
  await expect(insert).toHaveAttribute("data-outcome", "ok");
  await expect(page.locator('[data-testid="log-entry"][data-method="freebusy.query"]').last()).toContainText(
    "Checked your busy times for your booking page",
  );

  // Filtered to the write permission, without any script: the insert alone.
  await page.getByTestId("log-filter").selectOption({ label: "calendar.events" });
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/scope=/);
  await expect(log).toHaveCount(1);
  await expect(log.first()).toHaveAttribute("data-method", "events.insert");
  await page.screenshot({ path: "test-results/google-access.png", fullPage: true });
});
