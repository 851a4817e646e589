/* A study's page: "Apply" asks for confirmation in a dialog listing every config change, then POSTs
 * /api/v1/backtests/studies/{id}/apply (audited); "Cancel study" (pending or running, after a
 * confirm) POSTs .../cancel. A study still running reloads its page when the socket says it
 * finished (study.progress). */
(function () {
  "use strict";
  const status = document.getElementById("study-status");
  const button = document.getElementById("study-apply");
  const dialog = document.getElementById("confirm-study-apply");

  document.addEventListener("platform:event", function (event) {
    const message = event.detail;
    if (message.event !== "study.progress" || !message.data || !status) { return; }
    const match = window.location.pathname.match(/\/backtests\/studies\/(\d+)/);
    if (match && Number(match[1]) === message.data.study_id && message.data.status !== status.dataset.status &&
        ["done", "failed", "cancelled"].includes(message.data.status)) {
      window.location.reload();
    }
  });

  const cancel = document.getElementById("study-cancel");
  if (cancel) {
    cancel.addEventListener("click", async function () {
      if (!window.confirm("Cancel study #" + cancel.dataset.studyId + "? The windows searched so far are " +
                          "discarded.")) { return; }
      const result = document.getElementById("study-cancel-result");
      try {
        await window.platform.api("POST", "/api/v1/backtests/studies/" + cancel.dataset.studyId + "/cancel");
        window.location.reload();
      } catch (error) {
        result.textContent = "Not cancelled: " + error.message;
        result.className = "field-error";
      }
    });
  }

  if (!button || !dialog) { return; }
  const result = document.getElementById("study-apply-result");

  button.addEventListener("click", function () {
    dialog.addEventListener("close", async function onClose() {
      dialog.removeEventListener("close", onClose);
      if (dialog.returnValue !== "ok") { return; }
      result.textContent = "Applying…";
      result.className = "muted";
      try {
        const study = await window.platform.api("POST", "/api/v1/backtests/studies/" + button.dataset.studyId +
                                                "/apply");
        result.textContent = "Applied by " + study.applied_by + ".";
        result.className = "up";
      } catch (error) {
        result.textContent = "Not applied: " + error.message;
        result.className = "field-error";
      }
    });
    dialog.showModal();
  });
})();
