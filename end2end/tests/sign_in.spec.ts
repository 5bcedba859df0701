import { expect, test } from "@playwright/test";
import { GoogleConsentPage, GoogleControl, signOut } from "./fixtures/google";

test("a host signs in through Google's consent page, sees their name, and signs out", async ({ page, request }) => {
  await page.goto("/");
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  // What the landing page says Google will ask at sign-in, in Google's words.
  const promised = await page.locator(".permission-list").first().getByTestId("google-says").allTextContents();
  expect(promised.length).toBe(5);
  await page.getByTestId("sign-in").click();

  const consent = new GoogleConsentPage(page);
  await consent.expectShown();
  // Google's consent screen lists exactly that: the calendar list and busy
  // times, never events to read or change.
  const listed = (await page.locator("main ul li").allTextContents()).map((text) => text.trim());
  expect([...listed].sort()).toEqual([...promised].sort());
  await expect(page.getByText("See and download any calendar you can access")).toHaveCount(0);
  await expect(page.getByText("View events on all your calendars")).toHaveCount(0);
  await consent.chooseAccount("Ada Lovelace");
  await consent.allow();

  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("account-name")).toHaveText("Ada Lovelace");
  await expect(page.getByTestId("welcome")).toContainText("Ada Lovelace");

  const scopes = await new GoogleControl(request).grantedScopes("ada@example.com");
  expect(scopes.sort()).toEqual([
    "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
    "https://www.googleapis.com/auth/calendar.events.freebusy",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/userinfo.profile",
    "openid",
  ]);

  await signOut(page);
  await expect(page.getByTestId("account-name")).toHaveCount(0);
});

test("cancelling on Google's page explains that nothing was saved", async ({ page }) => {
  await page.goto("/auth/google/login");
  const consent = new GoogleConsentPage(page);
  await consent.expectShown();
  await consent.cancel();
  await expect(page.getByRole("heading", { name: "You cancelled signing in" })).toBeVisible();
  await expect(page.getByText("Nothing was saved")).toBeVisible();
});
