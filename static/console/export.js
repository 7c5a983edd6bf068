// Follow an export job: poll its status, move the progress bar, list the files when done.
(function () {
  "use strict";
  const root = document.getElementById("export-job");
  if (!root) return;
  const bar = document.getElementById("export-progress");
  const label = document.getElementById("export-label");
  const files = document.getElementById("export-files");

  async function poll() {
    let job;
    try {
      const response = await fetch(root.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) return setTimeout(poll, 2000);
      job = await response.json();
    } catch (error) {
      return setTimeout(poll, 2000);
    }
    bar.max = job.total || 1;
    bar.value = job.done || 0;
    label.textContent = job.label;
    if (job.status === "done") {
      files.replaceChildren();
      for (const name of job.files) {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = root.dataset.fileUrl.replace("FILE", encodeURIComponent(name));
        a.textContent = name;
        a.setAttribute("download", "");
        li.appendChild(a);
        files.appendChild(li);
      }
      return;
    }
    if (job.status !== "failed") setTimeout(poll, 1000);
  }
  poll();
})();
