/* Settings: credentials are set through the REST API (PUT /api/v1/account/config); the
 * connection test (POST /api/v1/account/test) calls CoinEx's balance endpoint server-side. */
(function () {
  "use strict";
  const form = document.getElementById("credentials-form");
  const result = document.getElementById("connection-result");

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const body = {access_id: form.access_id.value.trim(), secret_key: form.secret_key.value.trim()};
    try {
      await window.platform.api("PUT", "/api/v1/account/config", body);
      form.reset();
      location.reload();
    } catch (error) {
      result.textContent = "Not saved: " + error.message;
      result.className = "down";
    }
  });

  document.getElementById("connection-test").addEventListener("click", async function (event) {
    event.target.disabled = true;
    result.textContent = "testing…";
    result.className = "muted";
    try {
      const data = await window.platform.api("POST", "/api/v1/account/test", {});
      result.textContent = data.status + ": " + data.message;
      result.className = data.status === "ok" ? "up" : "down";
    } catch (error) {
      result.textContent = "test failed: " + error.message;
      result.className = "down";
    } finally {
      event.target.disabled = false;
    }
  });
})();
