// The notice progress page: ask for the counts every 2 seconds and update the numbers while messages
// are waiting or being sent; then, while some are sent but not yet reported delivered or undelivered
// by the provider, every 5 seconds for at most 10 minutes (an email, or a carrier without delivery
// reports, never gets one). No inline script: the Content-Security-Policy forbids it.
document.addEventListener("DOMContentLoaded", () => {
  const panel = document.querySelector("[data-progress-url]");
  if (!panel) {
    return;
  }
  const url = panel.dataset.progressUrl;
  const every = 2000;
  const everyAwaiting = 5000;
  const awaitingFor = 10 * 60 * 1000;
  let awaitingSince = null;
  let timer = null;

  function awaitingReports() {
    if (panel.dataset.awaiting !== "true") {
      return false;
    }
    awaitingSince = awaitingSince ?? Date.now();
    return Date.now() - awaitingSince < awaitingFor;
  }

  function show(data) {
    // Staff who may not see subscriptions get the total alone (or nothing, for a small audience).
    const counts = data.counts ?? {};
    for (const [status, count] of Object.entries(counts)) {
      for (const cell of panel.querySelectorAll(`[data-count="${status}"]`)) {
        cell.textContent = String(count);
      }
    }
    if (data.total !== undefined) {
      for (const cell of panel.querySelectorAll("[data-total]")) {
        cell.textContent = String(data.total);
      }
    }
    if (data.done || data.done === undefined) {
      panel.dataset.done = "true";
    }
    panel.dataset.awaiting = String(Boolean(counts.sent));
  }

  function schedule() {
    if (timer !== null || document.hidden) {
      return;
    }
    if (panel.dataset.done !== "true") {
      timer = window.setTimeout(refresh, every);
    } else if (awaitingReports()) {
      timer = window.setTimeout(refresh, everyAwaiting);
    }
  }

  async function refresh() {
    timer = null;
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
      if (response.redirected || response.status === 403 || response.status === 404) {
        return; // logged out or no longer allowed: stop asking
      }
      if (response.ok) {
        show(await response.json());
      }
    } catch (error) {
      // The network or the server is away for a moment: ask again at the next tick.
    }
    schedule();
  }

  // A hidden tab stops asking; it catches up as soon as it is shown again.
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && timer === null && (panel.dataset.done !== "true" || awaitingReports())) {
      refresh();
    }
  });
  schedule();
});
