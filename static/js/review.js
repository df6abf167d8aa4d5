/* Review pages: live deadline countdowns, and zoom / rotate of document images.
 *
 * The server renders every countdown and every image already; this only keeps the
 * countdown text current and adds the image tools. The wording comes translated from
 * the page (a JSON block, not a script). Sizes are set through the CSSOM, which the
 * content security policy allows (it forbids inline style attributes, not this).
 */
(function () {
  "use strict";

  var MINUTE = 60 * 1000;
  var SOON_MS = 60 * MINUTE;

  // -- countdowns ------------------------------------------------------------------------

  function fill(format, values) {
    return format.replace(/%\((\w+)\)[ds]/g, function (match, name) {
      return String(values[name]);
    });
  }

  function durationText(ms, formats) {
    var minutesTotal = Math.max(Math.floor(ms / MINUTE), 1);
    var days = Math.floor(minutesTotal / (24 * 60));
    var rest = minutesTotal - days * 24 * 60;
    var hours = Math.floor(rest / 60);
    var minutes = rest - hours * 60;
    if (days) {
      return fill(formats.days, { days: days, hours: hours });
    }
    if (hours) {
      return fill(formats.hours, { hours: hours, minutes: minutes });
    }
    return fill(formats.minutes, { minutes: minutes });
  }

  function updateCountdowns(formats) {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (element) {
      var due = Date.parse(element.getAttribute("datetime"));
      if (isNaN(due)) {
        return;
      }
      var left = due - now;
      var overdue = left < 0;
      element.textContent = overdue
        ? fill(formats.overdue, { time: durationText(-left, formats) })
        : fill(formats.due, { time: durationText(left, formats) });
      element.classList.toggle("countdown--overdue", overdue);
      element.classList.toggle("countdown--soon", !overdue && left < SOON_MS);
      element.classList.toggle("countdown--ok", !overdue && left >= SOON_MS);
    });
  }

  var formatSource = document.getElementById("countdown-formats");
  if (formatSource) {
    var formats = JSON.parse(formatSource.textContent);
    window.setInterval(function () {
      updateCountdowns(formats);
    }, 30 * 1000);
  }

  // -- document viewer -------------------------------------------------------------------

  var ZOOM_STEPS = [0.5, 0.75, 1, 1.5, 2, 3, 4];

  function Viewer(root) {
    this.root = root;
    this.frame = root.querySelector("[data-viewer-frame]");
    this.stage = root.querySelector("[data-viewer-stage]");
    this.image = root.querySelector("[data-viewer-image]");
    this.zoomLabel = root.querySelector("[data-viewer-zoom]");
    this.zoomIndex = ZOOM_STEPS.indexOf(1);
    this.rotation = 0;
  }

  Viewer.prototype.layout = function () {
    var zoom = ZOOM_STEPS[this.zoomIndex];
    this.root.setAttribute("data-rotation", String(this.rotation));
    this.root.setAttribute("data-zoom", String(zoom));
    if (this.zoomLabel) {
      this.zoomLabel.textContent = Math.round(zoom * 100) + "%";
    }
    var width = this.image.naturalWidth;
    var height = this.image.naturalHeight;
    if (!width || !height) {
      return; // not loaded yet: laid out on "load"
    }
    var sideways = this.rotation % 180 !== 0;
    var boxWidth = sideways ? height : width;
    var boxHeight = sideways ? width : height;
    var fit = Math.min(this.frame.clientWidth / boxWidth, this.frame.clientHeight / boxHeight);
    var scale = fit * zoom;
    this.stage.style.width = Math.round(boxWidth * scale) + "px";
    this.stage.style.height = Math.round(boxHeight * scale) + "px";
    this.image.style.width = Math.round(width * scale) + "px";
    this.image.style.height = Math.round(height * scale) + "px";
    this.image.style.transform = "translate(-50%, -50%) rotate(" + this.rotation + "deg)";
  };

  Viewer.prototype.act = function (action) {
    if (action === "zoom-in") {
      this.zoomIndex = Math.min(this.zoomIndex + 1, ZOOM_STEPS.length - 1);
    } else if (action === "zoom-out") {
      this.zoomIndex = Math.max(this.zoomIndex - 1, 0);
    } else if (action === "rotate-right") {
      this.rotation = (this.rotation + 90) % 360;
    } else if (action === "rotate-left") {
      this.rotation = (this.rotation + 270) % 360;
    } else if (action === "reset") {
      this.zoomIndex = ZOOM_STEPS.indexOf(1);
      this.rotation = 0;
    }
    this.layout();
  };

  Viewer.prototype.start = function () {
    var viewer = this;
    var tools = this.root.querySelector("[data-viewer-tools]");
    if (!this.frame || !this.stage || !this.image || !tools) {
      return;
    }
    this.root.classList.add("viewer--active");
    tools.hidden = false;
    tools.addEventListener("click", function (event) {
      var button = event.target.closest("[data-viewer-action]");
      if (button) {
        viewer.act(button.getAttribute("data-viewer-action"));
      }
    });
    this.layout();
    this.image.addEventListener("load", function () {
      viewer.layout();
    });
    return this;
  };

  var viewers = [];
  document.querySelectorAll("[data-viewer]").forEach(function (root) {
    var viewer = new Viewer(root).start();
    if (viewer) {
      viewers.push(viewer);
    }
  });
  window.addEventListener("resize", function () {
    viewers.forEach(function (viewer) {
      viewer.layout();
    });
  });
})();
