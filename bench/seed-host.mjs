// Creates the host the load benchmark visits: signs in through the built-in
// Google emulator in Chromium, then saves a profile (/ada) and availability
// (every day, all day) through BookMate's own server functions.
//
// usage: node bench/seed-host.mjs http://127.0.0.1:3999
import { chromium } from "../end2end/node_modules/playwright-core/index.mjs";

const base = process.argv[2];
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ baseURL: base });
await page.goto("/");
await page.getByTestId("sign-in").click();
await page.getByRole("radio", { name: /Use another account/ }).check();
await page.getByRole("textbox", { name: "Another account's email" }).fill("ada@example.com");
await page.getByTestId("allow").click();
await page.getByTestId("account-name").waitFor();

const origin = { Origin: base };
const profile = await page.request.post("/api/save_profile", {
  headers: origin,
  form: { display_name: "Ada Lovelace", username: "ada", time_zone: "Europe/London" },
});
const allDay = [["00:00", "24:00"]];
const availability = await page.request.post("/api/save_availability", {
  headers: origin,
  data: { form: { days: Array(7).fill(allDay), meeting_minutes: 30, buffer_before_minutes: 0,
    buffer_after_minutes: 0, minimum_notice_minutes: 60, horizon_days: 60 } },
});
await browser.close();
if (!profile.ok() || !availability.ok()) {
  console.error(`seeding failed: profile ${profile.status()}, availability ${availability.status()}`);
  process.exit(1);
}
console.log(`seeded ${base}/ada`);
