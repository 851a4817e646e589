/* Settings: each venue's credentials are set and removed through the REST API
 * (PUT / DELETE /api/v1/account/config?venue=V); its connection test
 * (POST /api/v1/account/test?venue=V) calls that venue's balance endpoint server-side. */
(function () {
  "use strict";

  function resultOf(venue) {
    return document.getElementById("connection-result-" + venue);
  }

  function fail(venue, what, error) {
    const result = resultOf(venue);
    result.textContent = what + ": " + error.message;
    result.className = "down";
  }

  document.querySelectorAll(".credentials-form").forEach(function (form) {
    const venue = form.dataset.venue;
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const body = {access_id: form.access_id.value.trim(), secret_key: form.secret_key.value.trim()};
      try {
        await window.platform.api("PUT", "/api/v1/account/config?venue=" + encodeURIComponent(venue), body);
        form.reset();
        location.reload();
      } catch (error) {
        fail(venue, "Not saved", error);
      }
    });
  });

  document.querySelectorAll(".credentials-clear").forEach(function (button) {
    const venue = button.dataset.venue;
    button.addEventListener("click", async function () {
      if (!window.confirm("Remove the stored credentials of this venue?")) return;
      try {
        await window.platform.api("DELETE", "/api/v1/account/config?venue=" + encodeURIComponent(venue));
        location.reload();
      } catch (error) {
        fail(venue, "Not removed", error);
      }
    });
  });

  document.querySelectorAll(".connection-test").forEach(function (button) {
    const venue = button.dataset.venue;
    button.addEventListener("click", async function () {
      const result = resultOf(venue);
      button.disabled = true;
      result.textContent = "testing…";
      result.className = "muted";
      try {
        const data = await window.platform.api("POST", "/api/v1/account/test?venue=" + encodeURIComponent(venue), {});
        result.textContent = data.status + ": " + data.message;
        result.className = data.status === "ok" ? "up" : "down";
      } catch (error) {
        fail(venue, "test failed", error);
      } finally {
        button.disabled = false;
      }
    });
  });
})();
