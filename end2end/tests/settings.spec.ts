import { expect, test } from "@playwright/test";
import { CALENDAR_EVENTS, GoogleConsentPage, GoogleControl, signIn, signOut } from "./fixtures/google";
import { askForDirectBooking, openSettings, turnOnDirectBooking } from "./fixtures/settings";

test("a host sets up their page and turns on direct booking with just-in-time consent", async ({ page, request }) => {
  const google = new GoogleControl(request);
  await signIn(page, { name: "Grace Hopper", email: "grace@example.com" });
  expect(await google.grantedScopes("grace@example.com")).toHaveLength(5);
  await openSettings(page);

  await page.getByTestId("username").fill("grace");
  await page.getByTestId("save-profile").click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." }).first()).toBeVisible();

  // The calendars come from Google; ticking one saves it as busy.
  const busy = page.getByTestId("busy-calendar");
  await expect(busy).toHaveCount(3);
  await busy.nth(1).check();
  await page.getByTestId("save-calendars").click();
  await expect(page.locator("section", { hasText: "Calendars" }).getByText("Saved.")).toBeVisible();

  // Hours that run until midnight end at 00:00 (a time field has no 24:00).
  await page.getByLabel("Monday end 1").fill("00:00");
  await page.getByTestId("save-availability").click();
  await expect(page.locator("section", { hasText: "Availability" }).getByText("Saved.")).toBeVisible();
  await openSettings(page);
  await expect(page.getByLabel("Monday end 1")).toHaveValue("00:00");

  // Save stays disabled until a calendar is chosen.
  await page.getByTestId("direct-booking-toggle").check();
  await expect(page.getByTestId("save-direct-booking")).toBeDisabled();
  await page.getByTestId("direct-booking-calendar").selectOption({ label: "Bookings" });
  await page.getByTestId("save-direct-booking").click();

  const consent = new GoogleConsentPage(page);
  await consent.expectShown();
  await expect(consent.scopeCheckboxes()).toHaveCount(1);
  await expect(page.getByText("View and edit events on all your calendars")).toBeVisible();
  await consent.allow();

  await expect(page.getByTestId("access-outcome")).toContainText("Direct booking is on");
  expect(await google.grantedScopes("grace@example.com")).toContain(CALENDAR_EVENTS);
  expect(await google.grantedScopes("grace@example.com")).toHaveLength(6);
  await expect(page.getByTestId("google-access")).toContainText("View and edit events on all your calendars");
});

test("unticking the write scope leaves direct booking off, with the reason", async ({ page, request }) => {
  const email = `untick-${Date.now()}@example.com`;
  await signIn(page, { email });
  await openSettings(page);
  await askForDirectBooking(page);

  const consent = new GoogleConsentPage(page);
  await consent.expectShown();
  await consent.untick("View and edit events on all your calendars");
  await consent.allow();

  await expect(page.getByTestId("access-outcome")).toContainText("direct booking stays off");
  expect(await new GoogleControl(request).grantedScopes(email)).not.toContain(CALENDAR_EVENTS);
  await expect(page.getByTestId("direct-booking-toggle")).not.toBeChecked();
});

test("the ReauthProvider restores a narrowed grant silently, once per sign-in", async ({ page, request }) => {
  const google = new GoogleControl(request);
  const email = `reauth-${Date.now()}@example.com`;
  await signIn(page, { email });
  await openSettings(page);
  await turnOnDirectBooking(page);

  await signOut(page);
  await expect.poll(() => page.evaluate(() => localStorage.getItem("bookmate_isScopeCheckComplete"))).toBeNull();

  // Google issues the next token without calendar.events, behind BookMate's back.
  await google.narrowNextToken(email, [CALENDAR_EVENTS]);
  const grantRequests: string[] = [];
  page.on("request", (request) => {
    // A POST from BookMate's page, its fields in the body.
    if (request.url().includes("/auth/google/grant") && request.method() === "POST") grantRequests.push(request.postData() ?? "");
  });
  await page.getByTestId("sign-in").click();
  // No consent page: Google remembers the grant. The provider notices the
  // missing scope after sign-in and asks again, silently.
  await expect(page).toHaveURL(/google_access=granted/);
  expect(grantRequests).toHaveLength(1);
  expect(grantRequests[0]).toContain("silent=true");
  await expect(page.getByTestId("account-name")).toBeVisible();
  await expect.poll(() => page.evaluate(() => localStorage.getItem("bookmate_isScopeCheckComplete"))).toBe("true");
  await expect(page.getByTestId("missing-access-banner")).toHaveCount(0);

  await page.reload();
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  expect(grantRequests).toHaveLength(1);

  await signOut(page);
  await expect.poll(() => page.evaluate(() => localStorage.getItem("bookmate_isScopeCheckComplete"))).toBeNull();
});
