/*
 * Proef: progressive enhancement for the server-rendered pages.
 *
 * Every page works without this file. It only adds conveniences, each switched on by data-
 * attributes in the markup, and all text it shows comes from those attributes (and so from the
 * message catalogues):
 *
 *   data-error-summary            moves focus to the error summary's title after a failed submit;
 *                                 its links focus the field and scroll its label into view
 *   data-bsn-check                checks a BSN with the elfproef when the field is left, and again
 *                                 while typing once a message is shown; never blocks submitting
 *   data-show-if="name=a,b"       shows an element only while the control called name has one of
 *                                 the values; while hidden its controls are disabled
 *   data-copy="id"                a button (hidden without JS) that copies the text of element id
 *   data-print                    a button (hidden without JS) that opens the print dialogue
 *
 * No inline scripts, no event handler attributes, no eval: it runs under a strict
 * Content-Security-Policy (script-src 'self').
 */
(function () {
  "use strict";

  /* ---------- error summary ---------- */

  function enhanceErrorSummary(summary) {
    var title = summary.querySelector("[data-error-summary-title]");
    if (title) {
      title.focus();
    }
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) {
        return;
      }
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) {
        return;
      }
      event.preventDefault();
      var field = target.closest(".field") || target;
      field.scrollIntoView({ block: "start" });
      if (typeof target.focus === "function") {
        target.focus({ preventScroll: true });
      }
    });
  }

  /* ---------- BSN elfproef ---------- */

  /* Returns "empty", "length" (not 8 or 9 digits), "invalid" (fails the elfproef) or "ok". */
  function checkBsn(raw) {
    var value = raw.replace(/[\s.\-]/g, "");
    if (value === "") {
      return "empty";
    }
    if (!/^[0-9]{8,9}$/.test(value)) {
      return "length";
    }
    if (value.length === 8) {
      value = "0" + value;
    }
    var sum = 0;
    for (var i = 0; i < 8; i += 1) {
      sum += (9 - i) * Number(value.charAt(i));
    }
    sum -= Number(value.charAt(8));
    return sum !== 0 && sum % 11 === 0 ? "ok" : "invalid";
  }

  function enhanceBsnField(input) {
    var message = document.getElementById(input.getAttribute("data-bsn-message"));
    if (!message) {
      return;
    }
    var texts = {
      length: input.getAttribute("data-msg-length"),
      invalid: input.getAttribute("data-msg-invalid"),
      ok: input.getAttribute("data-msg-ok")
    };
    var shown = false;

    function show() {
      var result = checkBsn(input.value);
      message.classList.remove("field__live--error", "field__live--ok");
      if (result === "empty") {
        message.textContent = "";
        shown = false;
        return;
      }
      message.textContent = texts[result] || "";
      message.classList.add(result === "ok" ? "field__live--ok" : "field__live--error");
      shown = result !== "ok";
    }

    /* Check when the caseworker leaves the field (NL Design System: not at the first key stroke),
       and while typing only to take an error away once the number is right. */
    input.addEventListener("change", show);
    input.addEventListener("input", function () {
      var digits = input.value.replace(/[\s.\-]/g, "");
      if (shown || digits.length === 9) {
        show();
      }
    });
  }

  /* ---------- conditional fields ---------- */

  function enhanceShowIf(element) {
    var rule = element.getAttribute("data-show-if");
    var split = rule.indexOf("=");
    if (split < 1) {
      return;
    }
    var name = rule.slice(0, split);
    var values = rule.slice(split + 1).split(",");
    var form = element.closest("form") || document;
    var controls = Array.prototype.filter.call(form.querySelectorAll("[name]"), function (control) {
      return control.name === name;
    });
    if (controls.length === 0) {
      return;
    }

    function currentValue() {
      for (var i = 0; i < controls.length; i += 1) {
        var control = controls[i];
        if (control.type === "radio" || control.type === "checkbox") {
          if (control.checked) {
            return control.value;
          }
        } else {
          return control.value;
        }
      }
      return "";
    }

    function update() {
      var visible = values.indexOf(currentValue()) !== -1;
      element.hidden = !visible;
      Array.prototype.forEach.call(element.querySelectorAll("input, select, textarea"), function (inner) {
        inner.disabled = !visible;
      });
    }

    controls.forEach(function (control) {
      control.addEventListener("change", update);
    });
    update();
  }

  /* ---------- copy and print buttons ---------- */

  function enhanceCopyButton(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) {
      return;
    }
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    button.insertAdjacentElement("afterend", status);
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = source.value !== undefined ? source.value : source.textContent;
      navigator.clipboard.writeText(text.trim()).then(function () {
        status.textContent = button.getAttribute("data-copied") || "";
      }, function () {
        status.textContent = "";
      });
    });
  }

  function enhancePrintButton(button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  }

  /* ---------- start ---------- */

  function each(selector, enhance) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), enhance);
  }

  function start() {
    each("[data-bsn-check]", enhanceBsnField);
    each("[data-show-if]", enhanceShowIf);
    each("[data-copy]", enhanceCopyButton);
    each("[data-print]", enhancePrintButton);
    each("[data-error-summary]", enhanceErrorSummary);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
