// Where the phone is (only when the technician allows it) and how far each site is, and
// links that open the site in the phone's navigation apps.
let position = null;
let watching = false;
const listeners = new Set();

export function here() {
  return position;
}

export function onMove(listener) {
  listeners.add(listener);
}

export function watchPosition() {
  if (watching || !navigator.geolocation) return;
  watching = true;
  navigator.geolocation.watchPosition(
    (found) => {
      position = { lat: found.coords.latitude, lng: found.coords.longitude };
      listeners.forEach((listener) => listener(position));
    },
    () => {
      watching = false; // refused or unavailable: distances are simply not shown
    },
    { enableHighAccuracy: false, maximumAge: 60_000, timeout: 20_000 },
  );
}

// Great-circle distance in metres (haversine).
export function metresBetween(a, b) {
  const R = 6_371_000;
  const rad = (deg) => (deg * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function navigationLinks(lat, lng, label) {
  const at = `${lat},${lng}`;
  const q = encodeURIComponent(label || at);
  return {
    geo: `geo:${at}?q=${at}(${q})`,
    google: `https://www.google.com/maps/dir/?api=1&destination=${at}`,
    twogis: `https://2gis.kz/routeSearch/to/${lng},${lat}`,
    yandex: `https://yandex.kz/maps/?rtext=~${at}&rtt=auto`,
  };
}
