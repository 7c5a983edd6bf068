/* The JSON API as the site's pages call it: the session cookie, Django's CSRF header on every
   write, and the API's error JSON turned into an Error whose message the page can show. */
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function request(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = (data && data.error) || {};
          var failure = new Error(error.message || gettext("요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요."));
          failure.status = response.status;
          failure.code = error.code;
          throw failure;
        }
        return data;
      });
    });
  }

  window.KaiApi = { request: request, csrfToken: csrfToken };
})();
