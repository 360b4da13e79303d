// Live readiness board: server-sent events update rows and counts; buttons ask for a re-check.
(function () {
  "use strict";
  const board = document.getElementById("board");
  if (!board) return;
  const id = board.dataset.session, csrf = board.dataset.csrf, lang = board.dataset.lang;
  const W = window.BOARD_WORDS;
  const STATES = ["ready", "degraded", "unreachable", "unknown"];
  const live = document.getElementById("live");
  const status = document.getElementById("status");

  const only = document.getElementById("only-problems");
  only.checked = localStorage.getItem("bw-only-problems") === "1";
  document.body.classList.toggle("only-problems", only.checked);
  only.addEventListener("change", () => {
    document.body.classList.toggle("only-problems", only.checked);
    localStorage.setItem("bw-only-problems", only.checked ? "1" : "0");
  });

  function fmt(value, digits, suffix) {
    return value === null || value === undefined ? "–" : Number(value).toFixed(digits) + (suffix || "");
  }

  function recount() {
    const counts = { ready: 0, degraded: 0, unreachable: 0, unknown: 0 };
    const units = new Map();
    document.querySelectorAll("tr.point").forEach((row) => {
      const state = STATES.find((s) => row.classList.contains(s)) || "unknown";
      counts[state] += 1;
      const names = row.dataset.unitPath.split(" / ");
      for (let i = 1; i <= names.length; i++) {
        const path = names.slice(0, i).join(" / ");
        const u = units.get(path) || { ready: 0, total: 0 };
        u.total += 1; if (state === "ready") u.ready += 1;
        units.set(path, u);
      }
    });
    STATES.forEach((s) => { document.getElementById("count-" + s).textContent = counts[s]; });
    document.querySelectorAll("#units li").forEach((li) => {
      const u = units.get(li.dataset.path);
      if (u) { li.querySelector(".uready").textContent = u.ready; li.querySelector(".utotal").textContent = u.total; }
    });
  }

  function update(point) {
    const row = document.querySelector('tr.point[data-code="' + CSS.escape(point.code) + '"]');
    if (!row) return;
    STATES.forEach((s) => row.classList.remove(s));
    row.classList.add(point.state);
    const badge = row.querySelector(".badge");
    badge.className = "badge " + point.state;
    badge.textContent = W[point.state];
    row.querySelector(".reason").textContent = point.state === "ready" ? "" : point.reason[lang];
    row.querySelector(".rtt").textContent = fmt(point.rtt_ms, 1);
    row.querySelector(".loss").textContent = point.loss_pct === null ? "–" : point.loss_pct + "%";
    row.querySelector(".mos").textContent = fmt(point.mos, 2);
    row.querySelector(".checked").textContent = point.checked_local || "–";
    row.classList.remove("flash"); void row.offsetWidth; row.classList.add("flash");
    recount();
  }

  function connect() {
    const events = new EventSource("/board/sessions/" + id + "/events");
    events.addEventListener("open", () => { live.textContent = W.live_on; live.className = "live on"; });
    events.addEventListener("point", (e) => update(JSON.parse(e.data)));
    events.addEventListener("error", () => { live.textContent = W.live_off; live.className = "live off"; });
  }
  connect();

  async function recheck(code) {
    status.textContent = W.checking_now;
    const url = "/board/sessions/" + id + "/check" + (code ? "?code=" + encodeURIComponent(code) : "");
    const response = await fetch(url, { method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
    const body = await response.json().catch(() => ({}));
    status.textContent = response.ok ? "" : (body.error && body.error.message) || response.statusText;
  }
  const all = document.getElementById("recheck-all");
  if (all) all.addEventListener("click", () => recheck(null));
  document.querySelectorAll("button.recheck").forEach((b) => b.addEventListener("click", () => recheck(b.dataset.code)));
})();
