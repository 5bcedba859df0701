import { expect, test, type Page } from "@playwright/test";
import { signIn, signOut } from "./fixtures/google";

/** A new host with a public page at /{username}, weekdays 09:00–17:00. */
async function newHostWithPage(page: Page): Promise<string> {
  const username = `host-${Date.now()}`;
  await signIn(page, { email: `${username}@example.com` });
  await page.goto("/settings");
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  await page.getByTestId("username").fill(username);
  await page.getByLabel("Your time zone").selectOption("Europe/Berlin");
  await page.getByTestId("save-profile").click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." }).first()).toBeVisible();
  await signOut(page);
  return username;
}

async function openFirstFreeTime(page: Page, username: string) {
  await page.goto(`/${username}?tz=Asia/Tokyo`);
  await expect(page.getByTestId("visitor-zone")).toHaveText("Asia/Tokyo");
  let day = page.getByTestId("available-day").first();
  if ((await day.count()) === 0) {
    await page.getByRole("link", { name: "Next month" }).click();
    day = page.getByTestId("available-day").first();
  }
  await day.click();
  await page.getByTestId("time").first().click();
  await expect(page.getByTestId("slot-summary")).toContainText("Asia/Tokyo");
}

test("a visitor in another time zone books a host without direct booking", async ({ page, request }) => {
  const username = await newHostWithPage(page);
  await openFirstFreeTime(page, username);
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  await page.getByTestId("visitor-name").fill("Bob Visitor");
  await page.getByTestId("visitor-email").fill("bob@example.net");
  await page.getByTestId("confirm-booking").click();

  const confirmation = page.getByTestId("confirmation");
  await expect(confirmation).toContainText("You're booked");
  await expect(confirmation).toContainText("Asia/Tokyo");
  await expect(confirmation).toContainText("Europe/Berlin");
  await expect(confirmation).toContainText("email with the invitation");
  const events = await (await request.get("/__google/__emulator/events")).json();
  expect(events).toEqual([]);
});

test("a slot taken a moment earlier gets the just-taken message", async ({ browser }) => {
  const first = await browser.newPage();
  const username = await newHostWithPage(first);
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

test("an unknown host's page is a real 404", async ({ page }) => {
  const response = await page.goto("/nobody-here-at-all");
  expect(response?.status()).toBe(404);
});
