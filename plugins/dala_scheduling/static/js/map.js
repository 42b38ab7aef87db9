// The map: each technician's home base, the day's jobs coloured by status, and each
// technician's route in visit order (home, then the jobs by planned start). Leaflet draws
// tiles only when the server names a tile address (DALA_MAP_TILE_URL).

import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";
import { addDays, config, debounce, esc, hhmm, jobName, loadBoard, subscribe, t, toast } from "./common.js";

/** Route colours, one per technician in turn (Bootstrap's palette). */
const PALETTE = ["#0d6efd", "#d63384", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#dc3545", "#0dcaf0", "#6c757d", "#ffc107"];

const state = { date: config.date, technician: "" };
let map = null;
let layer = null;
let data = null;

function colour(status) {
  return getComputedStyle(document.documentElement).getPropertyValue(`--job-${status}`).trim() || "#0d6efd";
}

function point(place) {
  return place && place.lat != null && place.lon != null ? [place.lat, place.lon] : null;
}

function homeIcon(colourOf) {
  return L.divIcon({
    className: "",
    html: `<i class="bi bi-house-fill fs-5" style="color: ${colourOf}" aria-hidden="true"></i>`,
    iconSize: [20, 20],
    iconAnchor: [10, 18],
  });
}

function visits(technicianId) {
  return data.jobs
    .filter((job) => job.technician_ids.includes(technicianId) && job.scheduled_start && point(job.site))
    .sort((a, b) => a.scheduled_start.localeCompare(b.scheduled_start));
}

function draw() {
  layer.clearLayers();
  const bounds = [];
  const routes = [];
  data.technicians.forEach((tech, index) => {
    if (state.technician && tech.id !== state.technician) return;
    const paint = PALETTE[index % PALETTE.length];
    const home = point(tech.home);
    const stops = visits(tech.id);
    const line = [home, ...stops.map((job) => point(job.site))].filter(Boolean);
    if (home) {
      L.marker(home, { icon: homeIcon(paint), title: t("home_base", { name: tech.name }) })
        .bindTooltip(esc(t("home_base", { name: tech.name })))
        .addTo(layer);
      bounds.push(home);
    }
    if (line.length > 1) {
      L.polyline(line, { color: paint, weight: 3, opacity: 0.8, className: "dala-route" })
        .bindTooltip(esc(t("route_of", { name: tech.name })))
        .addTo(layer);
    }
    routes.push({ name: tech.name, paint, stops: stops.length });
  });
  const statuses = new Set();
  let missing = 0;
  for (const job of [...data.jobs, ...data.queue]) {
    const at = point(job.site);
    const own = !state.technician || job.technician_ids.includes(state.technician);
    if (!own) continue;
    if (!at) {
      missing += 1;
      continue;
    }
    statuses.add(job.status);
    const when = job.scheduled_start ? `${hhmm(job.scheduled_start)}\u2013${hhmm(job.scheduled_end)}` : t("not_scheduled");
    L.circleMarker(at, {
      radius: 7,
      color: "#fff",
      weight: 2,
      fillColor: colour(job.status),
      fillOpacity: 0.95,
      className: "dala-job",
    })
      .bindPopup(
        `<div class="fw-medium">${esc(jobName(job))}</div><div>${esc(job.customer_name ?? "")}</div>` +
          `<div class="text-body-secondary">${esc(when)} · ${esc(t(`status_${job.status}`))}</div>`,
      )
      .addTo(layer);
    bounds.push(at);
  }
  if (bounds.length) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
  document.getElementById("legend-routes").innerHTML = routes
    .map(
      (r) =>
        `<li class="d-flex align-items-center gap-2" data-testid="legend-route"><span class="legend-swatch rounded-pill flex-shrink-0" style="background: ${r.paint}"></span>` +
        `<span class="text-truncate">${esc(r.name)}</span><span class="ms-auto text-body-secondary">${r.stops}</span></li>`,
    )
    .join("");
  document.getElementById("legend-statuses").innerHTML = [...statuses]
    .map(
      (s) =>
        `<li class="d-flex align-items-center gap-2"><span class="rounded-circle d-inline-block flex-shrink-0" style="width: .75rem; height: .75rem; background: ${colour(s)}"></span>${esc(t(`status_${s}`))}</li>`,
    )
    .join("");
  const note = document.getElementById("map-missing");
  note.textContent = t("no_location", { n: missing });
  note.classList.toggle("d-none", missing === 0);
}

function fillTechnicians() {
  const select = document.getElementById("map-technician");
  const chosen = select.value;
  select.length = 1;
  for (const tech of data.technicians) select.add(new Option(tech.name, tech.id));
  select.value = data.technicians.some((tech) => tech.id === chosen) ? chosen : "";
  state.technician = select.value;
}

async function load() {
  const answer = await loadBoard(state.date, 1);
  if (answer.status !== 200) {
    toast(answer.status === 403 ? t("not_allowed") : t("load_failed"), "danger");
    return;
  }
  data = answer.body;
  fillTechnicians();
  draw();
  document.body.dataset.mapReady = "1";
}

function go(date) {
  state.date = date;
  document.getElementById("map-date").value = date;
  const url = new URL(window.location.href);
  url.searchParams.set("date", date);
  window.history.replaceState(null, "", url);
  load();
}

function start() {
  map = L.map("map", { zoomControl: true, attributionControl: Boolean(config.tiles.url) }).setView([0, 0], 2);
  if (config.tiles.url) {
    L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: 19 }).addTo(map);
  }
  layer = L.layerGroup().addTo(map);
  for (const button of document.querySelectorAll("[data-nav]")) {
    button.addEventListener("click", () => {
      const step = Number(button.dataset.nav);
      go(step === 0 ? config.today : addDays(state.date, step));
    });
  }
  document.getElementById("map-date").addEventListener("change", (event) => {
    if (event.target.value) go(event.target.value);
  });
  document.getElementById("map-technician").addEventListener("change", (event) => {
    state.technician = event.target.value;
    if (data) draw();
  });
  load();
  subscribe(["job.changed", "technician.changed", "plan.applied"], debounce(load, 150));
}

document.addEventListener("DOMContentLoaded", start);
