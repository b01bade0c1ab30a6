// Progressive enhancement only: every page works without this file.
// 1. Citations: hovering or focusing [n.m] shows the cited sentence; clicking jumps to it.
// 2. Live refresh: the front page offers a reload when new articles arrive; a story page
//    whose account is being prepared reloads itself when it is ready.
(function () {
  "use strict";
  var tip = null;
  function hideTip() { if (tip) { tip.remove(); tip = null; } }
  function showTip(link) {
    var target = document.getElementById(link.getAttribute("data-cite"));
    if (!target) { return; }
    hideTip();
    tip = document.createElement("div");
    tip.id = "cite-tip";
    tip.setAttribute("role", "tooltip");
    var head = document.createElement("b");
    var article = target.closest("article.source");
    var h = article ? article.querySelector("h3") : null;
    head.textContent = h ? h.textContent : "";
    var body = document.createElement("span");
    body.textContent = target.textContent.replace(/^\d+/, "");
    tip.appendChild(head);
    tip.appendChild(body);
    document.body.appendChild(tip);
    var r = link.getBoundingClientRect();
    tip.style.left = Math.max(8, Math.min(window.scrollX + r.left, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8)) + "px";
    tip.style.top = (window.scrollY + r.bottom + 6) + "px";
  }
  document.addEventListener("mouseover", function (e) {
    var link = e.target.closest && e.target.closest("a.cite");
    if (link) { showTip(link); }
  });
  document.addEventListener("mouseout", function (e) {
    if (e.target.closest && e.target.closest("a.cite")) { hideTip(); }
  });
  document.addEventListener("focusin", function (e) {
    if (e.target.matches && e.target.matches("a.cite")) { showTip(e.target); }
  });
  document.addEventListener("focusout", hideTip);
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a.cite");
    if (!link) { return; }
    var target = document.getElementById(link.getAttribute("data-cite"));
    if (!target) { return; }
    hideTip();
    document.querySelectorAll(".sent.flash").forEach(function (s) { s.classList.remove("flash"); });
    target.classList.add("flash");
    target.focus({ preventScroll: true });
  });

  var body = document.body;
  var live = body.getAttribute("data-live");
  function poll(url, every, done) {
    var etag = null;
    function tick() {
      var headers = etag ? { "If-None-Match": etag } : {};
      fetch(url, { headers: headers, cache: "no-store" }).then(function (r) {
        if (r.status === 200) { etag = r.headers.get("ETag"); }
        return done(r) ? null : setTimeout(tick, every);
      }).catch(function () { setTimeout(tick, every * 2); });
    }
    setTimeout(tick, every);
  }
  if (live === "front") {
    var seen = null;
    poll(body.getAttribute("data-health"), 30000, function (r) {
      if (r.status !== 200) { return false; }
      r.json().then(function (h) {
        if (seen !== null && h.data_version !== seen) {
          document.getElementById("live-note").hidden = false;
        }
        seen = h.data_version;
      });
      return false;
    });
  } else if (live === "story" && body.getAttribute("data-pending")) {
    poll(body.getAttribute("data-report"), 3000, function (r) {
      if (r.status === 200) { window.location.reload(); return true; }
      return false;
    });
  }
})();
