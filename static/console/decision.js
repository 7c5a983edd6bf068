// The console's decision panel, fetched again from the server every minute (it is drawn there).
(function () {
  "use strict";
  const holder = document.getElementById("decision-live");
  if (!holder) return;
  const interval = Number(holder.dataset.interval) || 60000;
  async function refresh() {
    try {
      const response = await fetch(holder.dataset.url, { credentials: "same-origin" });
      if (response.ok) holder.innerHTML = await response.text();
    } catch (error) {
      // The next minute tries again; the panel keeps what it showed.
    }
  }
  setInterval(refresh, interval);
})();
