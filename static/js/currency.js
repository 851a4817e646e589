/* The pages' currency selector (trader, strategies): money figures come in every currency (one rendering
 * for every viewer, trader.fx); the choice only picks which shows (CSS on html[data-currency]) and is
 * remembered across pages. */
(function () {
  "use strict";
  const currency = document.getElementById("currency");
  function currencyShow(code) {
    document.documentElement.dataset.currency = code;
    localStorage.setItem("trader-currency", code);
  }
  if (currency) {
    const saved = localStorage.getItem("trader-currency");
    if (saved && Array.from(currency.options).some(function (o) { return o.value === saved; })) {
      currency.value = saved;
    }
    currencyShow(currency.value);
    currency.addEventListener("change", function () { currencyShow(currency.value); });
  }
})();
