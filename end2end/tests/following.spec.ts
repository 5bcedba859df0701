import { expect, test } from "@playwright/test";
import { bookAsVisitor, insertedEventsFor, newHostWithPage } from "./fixtures/booking_page";
import { emulatorUrl } from "./fixtures/google";
import { openSettings, turnOnDirectBooking } from "./fixtures/settings";

test("a direct booking the host deletes in Google Calendar is cancelled for the visitor once the host confirms", async ({
  page,
  browser,
  request,
}) => {
  // BookMate reads a calendar at most every 30 seconds: the proposal may take that long.
  test.setTimeout(120_000);
  const username = await newHostWithPage(page, "follow");
  await turnOnDirectBooking(page);
  await openSettings(page);
  await page.getByTestId("following-toggle").check();
  await page.getByTestId("save-following").click();
  // Direct booking's access reads events too: Google is not asked again.
  await expect(page.getByText("Saved.")).toBeVisible();
  await expect(page).toHaveURL(/\/settings$/);

  const visitor = `vera-${Date.now()}@example.net`;
  const visitorContext = await browser.newContext();
  await bookAsVisitor(await visitorContext.newPage(), username, visitor);
  await visitorContext.close();
  const [{ calendar_id, event }] = await insertedEventsFor(request, visitor);
  const { id: eventId, iCalUID } = event as { id: string; iCalUID: string };

  // The host deletes the meeting in Google Calendar.
  const deleted = await request.post(emulatorUrl("/__emulator/host-delete-event"), {
    data: { calendar_id, event_id: eventId },
  });
  expect(deleted.status()).toBe(204);

  // The dashboard reads Google Calendar (at most every 30 seconds) and asks.
  await page.goto("/dashboard");
  const proposal = page.getByTestId("proposal");
  await expect(async () => {
    await page.reload();
    await expect(proposal).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 60_000, intervals: [2_000] });
  await expect(proposal).toContainText("You deleted your meeting with Vera");
  await expect(proposal).toContainText("Tell Vera it is cancelled?");
  await page.screenshot({ path: "test-results/following-proposal.png", fullPage: true });
  await proposal.getByTestId("apply-proposal").click();
  await expect(page.getByTestId("change-notice")).toContainText("The visitor is told");
  await expect(page.getByTestId("proposal")).toHaveCount(0);
  await expect(page.getByTestId("recent-changes")).toContainText("you cancelled the meeting with Vera");

  // Google's event is gone, so BookMate emails Vera the cancellation, under
  // Google's UID, with a SEQUENCE above the invitation's.
  await expect(async () => {
    const mailbox = await (await request.get("/dev/mailbox")).text();
    const cancellation = mailbox.split("<article").find((mail) => mail.includes(`To ${visitor}`) && mail.includes("Cancelled:"));
    expect(cancellation).toContain("METHOD:CANCEL");
    expect(cancellation).toContain(`UID:${iCalUID}`);
    expect(cancellation).toContain("SEQUENCE:1");
  }).toPass({ timeout: 20_000 });
});
