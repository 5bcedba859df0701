import { expect, test } from "@playwright/test";
import { LandingPage } from "./fixtures/landing_page";

test("the landing page hydrates and explains each permission on request", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const landing = new LandingPage(page);

  await landing.goto();
  await expect(page).toHaveTitle("BookMate · Let people book time with you");
  await expect(landing.signIn).toHaveText("Sign in with Google");
  await expect(landing.reasons).toHaveCount(0);

  await landing.waitForHydration();
  await landing.explainButton.click();

  // Only the WASM app can have done this: the server rendered no reasons.
  await expect(landing.reasons).toHaveCount(5);
  await expect(landing.reasons.first()).toContainText("show your name and picture");
  await expect(landing.explainButton).toHaveAttribute("aria-expanded", "true");
  await expect(landing.explainButton).toHaveText("Hide the reasons");

  await landing.explainButton.click();
  await expect(landing.reasons).toHaveCount(0);
  expect(errors).toEqual([]);
});

test("an unknown address shows the not-found page with status 404", async ({ page }) => {
  const response = await page.goto("/no/such/host/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("the server reports itself healthy and ready", async ({ request }) => {
  expect((await request.get("/healthz")).status()).toBe(200);
  expect(await (await request.get("/readyz")).text()).toBe("ready");
});
