// Gridwork's own script: small progressive enhancements. Every page works
// without it. It is a file (the Content-Security-Policy allows no inline
// script) and uses no eval.
(function () {
  "use strict";

  // Closed category classes come inside <template> (no layout cost until
  // needed): a class's tiles are made when it opens, all of them when the
  // search box or a saved draft needs them.
  function fill(details) {
    var tpl = details.querySelector("template");
    if (tpl) tpl.replaceWith(tpl.content.cloneNode(true));
  }
  function fillAll(root) {
    (root || document).querySelectorAll("details.group").forEach(fill);
  }
  function setupGroups() {
    document.querySelectorAll("details.group").forEach(function (d) {
      d.addEventListener("toggle", function () { if (d.open) fill(d); });
    });
  }

  // Search box of the category picker: shows the choices whose data-search
  // holds every word typed, opening their groups.
  function setupFilter(input) {
    var list = document.querySelector(input.getAttribute("data-filter"));
    if (!list) return;
    // The box keeps its place while hidden, so showing it moves nothing.
    var box = input.closest("[data-filter-box]");
    if (box) box.classList.add("on");
    var none = list.querySelector("[data-no-match]");
    input.addEventListener("input", function () {
      fillAll(list);
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      list.querySelectorAll(".choice").forEach(function (c) {
        var text = c.getAttribute("data-search") || "";
        var ok = words.every(function (w) { return text.indexOf(w) >= 0; });
        c.hidden = !ok;
        if (ok) shown++;
      });
      list.querySelectorAll("details.group").forEach(function (d) {
        var any = d.querySelector(".choice:not([hidden])");
        d.hidden = !any;
        if (words.length) d.open = !!any;
      });
      if (none) none.hidden = shown > 0;
    });
  }

  // Drafts: a form with data-draft keeps its fields (the idempotency key
  // and uploaded photos included, never the CSRF token or files) in
  // localStorage, so that a reload or a lost connection loses nothing and a
  // resend reuses the key: the server then returns the first case instead
  // of making a second. A page with data-clear-draft forgets the drafts whose names
  // start with its value.
  function draftKey(form) { return "gw-draft:" + form.getAttribute("data-draft"); }

  function saveDraft(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf" || el.type === "file" || el.type === "submit") return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      data[el.name] = el.value;
    });
    try { localStorage.setItem(draftKey(form), JSON.stringify(data)); } catch (e) { /* private mode: no drafts */ }
  }

  function restoreDraft(form) {
    var raw = null;
    try { raw = localStorage.getItem(draftKey(form)); } catch (e) { return; }
    if (!raw) return;
    var data;
    try { data = JSON.parse(raw); } catch (e) { return; }
    if (data.category) fillAll(form);
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf" || el.type === "file" || !(el.name in data)) return;
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = el.value === data[el.name];
        if (el.checked) {
          var d = el.closest("details");
          if (d) d.open = true;
        }
      } else {
        el.value = data[el.name];
      }
    });
    var status = form.querySelector("#photo-status");
    var photos = form.querySelector("#attachments");
    if (status && photos && photos.value && form.querySelector("#photo")) {
      status.textContent = form.querySelector("#photo").getAttribute("data-done");
    }
    form.dispatchEvent(new CustomEvent("gw:restored"));
  }

  function setupDraft(form) {
    if (form.hasAttribute("data-fresh")) restoreDraft(form);
    else saveDraft(form); // the server's copy (after an error) is the newest
    form.addEventListener("input", function () { saveDraft(form); });
    form.addEventListener("change", function () { saveDraft(form); });
  }

  // Photos: uploaded as soon as they are chosen, so that a resend needs
  // no new upload (and stays the same report); the form then carries the
  // photo's id. On failure the file stays in the input and goes with the
  // form.
  function setupUpload(input) {
    var into = document.querySelector(input.getAttribute("data-into"));
    var status = document.querySelector(input.getAttribute("data-status"));
    var preview = document.querySelector(input.getAttribute("data-preview"));
    if (!into || !window.fetch || !window.FormData) return;
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) return;
      if (preview && window.URL) {
        preview.src = URL.createObjectURL(file);
        preview.hidden = false;
      }
      if (status) status.textContent = input.getAttribute("data-sending");
      var body = new FormData();
      body.append("photo", file);
      fetch(input.getAttribute("data-upload"), { method: "POST", body: body, credentials: "same-origin" })
        .then(function (res) {
          return res.json().then(function (j) { return { ok: res.ok, body: j }; });
        })
        .then(function (r) {
          if (!r.ok) throw new Error(r.body && r.body.message || "upload failed");
          into.value = String(r.body.id);
          input.value = "";
          if (status) status.textContent = input.getAttribute("data-done");
          var form = input.form;
          if (form && form.hasAttribute("data-draft")) saveDraft(form);
        })
        .catch(function (err) {
          if (status) status.textContent = err.message;
        });
    });
  }

  // Map taps: a tap on the map sets the hidden longitude and latitude
  // (the map's data attributes carry the projection) and moves the pin.
  // The building select is the keyboard's way to say where.
  function setupTap(wrap) {
    var svg = wrap.querySelector("svg");
    var lon = document.querySelector(wrap.getAttribute("data-lon"));
    var lat = document.querySelector(wrap.getAttribute("data-lat"));
    var status = document.querySelector(wrap.getAttribute("data-status"));
    if (!svg || !lon || !lat || !svg.getScreenCTM) return;
    var ns = "http://www.w3.org/2000/svg";
    var pin = svg.querySelector(".pin");
    function place(x, y) {
      if (!pin) {
        pin = document.createElementNS(ns, "circle");
        pin.setAttribute("class", "pin");
        pin.setAttribute("r", "20");
        svg.appendChild(pin);
      }
      pin.setAttribute("cx", x.toFixed(1));
      pin.setAttribute("cy", y.toFixed(1));
    }
    function project(lo, la) {
      return [(lo - parseFloat(svg.getAttribute("data-lon0"))) * parseFloat(svg.getAttribute("data-kx")),
        (parseFloat(svg.getAttribute("data-lat0")) - la) * parseFloat(svg.getAttribute("data-ky"))];
    }
    if (lon.value && lat.value) {
      var p = project(parseFloat(lon.value), parseFloat(lat.value));
      place(p[0], p[1]);
    }
    svg.addEventListener("click", function (ev) {
      var pt = svg.createSVGPoint();
      pt.x = ev.clientX;
      pt.y = ev.clientY;
      var m = pt.matrixTransform(svg.getScreenCTM().inverse());
      var lo = parseFloat(svg.getAttribute("data-lon0")) + m.x / parseFloat(svg.getAttribute("data-kx"));
      var la = parseFloat(svg.getAttribute("data-lat0")) - m.y / parseFloat(svg.getAttribute("data-ky"));
      lon.value = lo.toFixed(6);
      lat.value = la.toFixed(6);
      place(m.x, m.y);
      if (status) status.textContent = wrap.getAttribute("data-chosen");
      lon.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function init() {
    document.querySelectorAll("[data-clear-draft]").forEach(function (el) {
      var prefix = "gw-draft:" + el.getAttribute("data-clear-draft");
      try {
        for (var i = localStorage.length - 1; i >= 0; i--) {
          var k = localStorage.key(i);
          if (k && k.indexOf(prefix) === 0) localStorage.removeItem(k);
        }
      } catch (e) { /* no storage: nothing to forget */ }
    });
    setupGroups();
    document.querySelectorAll("input[data-filter]").forEach(setupFilter);
    document.querySelectorAll("form[data-draft]").forEach(setupDraft);
    document.querySelectorAll("input[type=file][data-upload]").forEach(setupUpload);
    document.querySelectorAll("[data-tap]").forEach(setupTap);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
