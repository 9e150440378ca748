// A preschool's sheet: a "now" button beside each arrival and pick-up time fills in the time of the tap, and
// tapping an absence clears that child's times (an absent child has none). Without script, the times are typed.
// No inline script: the Content-Security-Policy forbids it.
document.addEventListener("DOMContentLoaded", () => {
  const sheet = document.querySelector("[data-now-label]");
  if (!sheet) {
    return;
  }
  const label = sheet.dataset.nowLabel;
  const pad = (n) => String(n).padStart(2, "0");
  sheet.querySelectorAll('.times input[type="time"]').forEach((input) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "now";
    button.textContent = label;
    const field = input.closest("label");
    button.setAttribute("aria-label", `${label}: ${field.textContent.trim()}`);
    button.addEventListener("click", () => {
      const now = new Date();
      input.value = `${pad(now.getHours())}:${pad(now.getMinutes())}`;
    });
    field.after(button);
  });
  sheet.querySelectorAll('input[type="radio"][value="excused"], input[type="radio"][value="unexcused"]').forEach((radio) => {
    radio.addEventListener("change", () => {
      radio.closest("fieldset").querySelectorAll('.times input[type="time"]').forEach((input) => {
        input.value = "";
      });
    });
  });
});
