/* Inline checks for the registration and in-store forms.
 *
 * When a field loses focus, its format is checked (length, allowed characters) and the
 * same message the server would give is shown beside it. Only formats: check digits,
 * dates, duplicates and everything else are decided by the server when the step is sent.
 * The messages come translated from the page (a JSON block, not a script).
 */
(function () {
  "use strict";

  var source = document.getElementById("inline-check-messages");
  if (!source) {
    return;
  }
  var messages = JSON.parse(source.textContent);
  var GB11643_TYPES = ["resident_id", "residence_permit"];

  function normalise(value) {
    var text = value.normalize ? value.normalize("NFKC") : value;
    return text.replace(/\s+/g, "").toUpperCase();
  }

  function withCount(message, count) {
    return message.replace("%(count)d", String(count));
  }

  function documentType(input) {
    var select = input.form && input.form.elements[input.name.replace(/document_number$/, "document_type")];
    return select ? select.value : "resident_id";
  }

  var checks = {
    "document-number": function (input) {
      if (GB11643_TYPES.indexOf(documentType(input)) === -1) {
        return "";
      }
      var number = normalise(input.value);
      if (number.length !== 18) {
        return withCount(messages.id_length, number.length);
      }
      return /^\d{17}[\dX]$/.test(number) ? "" : messages.id_format;
    },
    "credit-code": function (input) {
      var code = normalise(input.value);
      if (code.length !== 18) {
        return withCount(messages.uscc_length, code.length);
      }
      return /^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code) ? "" : messages.uscc_format;
    },
    mobile: function (input) {
      var text = (input.value.normalize ? input.value.normalize("NFKC") : input.value).trim();
      return /^\+?[\d\s()\-]+$/.test(text) ? "" : messages.phone_format;
    },
    email: function (input) {
      return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.value.trim()) ? "" : messages.email;
    },
    country: function (input) {
      return /^[A-Za-z]{2}$/.test(input.value.trim()) ? "" : messages.country;
    },
  };

  function describedBy(input) {
    return (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  }

  function show(input, message) {
    var id = input.id + "_inline";
    var note = document.getElementById(id);
    var container = input.closest(".field__main") || input.parentNode;
    var ids = describedBy(input);
    if (message) {
      if (!note) {
        note = document.createElement("p");
        note.id = id;
        note.className = "field__inline-error";
        note.setAttribute("aria-live", "polite");
        container.insertBefore(note, input);
      }
      note.textContent = message;
      if (ids.indexOf(id) === -1) {
        ids.push(id);
      }
      input.setAttribute("aria-describedby", ids.join(" "));
      input.setAttribute("aria-invalid", "true");
      return;
    }
    if (note) {
      note.parentNode.removeChild(note);
    }
    input.setAttribute("aria-describedby", ids.filter(function (each) { return each !== id; }).join(" "));
    var field = input.closest(".field");
    if (!field || !field.classList.contains("field--error")) {
      input.removeAttribute("aria-invalid");
    }
  }

  function run(input) {
    var check = checks[input.getAttribute("data-check")];
    if (!check || !input.id) {
      return;
    }
    show(input, input.value.trim() === "" ? "" : check(input));
  }

  document.addEventListener(
    "blur",
    function (event) {
      var target = event.target;
      if (target && target.matches && target.matches("input[data-check]")) {
        run(target);
      }
    },
    true
  );

  // Once a message is shown, it goes away as soon as the value is right.
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("input[data-check]") && document.getElementById(target.id + "_inline")) {
      run(target);
    }
  });

  // A different document type changes the rules for the number already typed.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("select[data-document-type]") && target.form) {
      var number = target.form.elements[target.name.replace(/document_type$/, "document_number")];
      if (number && number.value) {
        run(number);
      }
    }
  });
})();
