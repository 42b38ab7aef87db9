// The app's strings in English, Russian and Kazakh, translated on the server (Flask-Babel)
// and embedded in the shell, so switching language works offline.
const CATALOGUES = JSON.parse(document.getElementById("app-strings").textContent);
const CONFIG = JSON.parse(document.getElementById("app-config").textContent);

export const LANGUAGES = CONFIG.languages; // [[code, name in itself], ...]
export const VERSION = CONFIG.version;
let current = CATALOGUES[CONFIG.locale] ? CONFIG.locale : "en";

export function language() {
  return current;
}

export function setLanguage(code) {
  if (!CATALOGUES[code]) return;
  current = code;
  document.documentElement.lang = code;
}

function fill(text, vars) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

export function t(key, vars = {}) {
  const text = CATALOGUES[current].strings[key] ?? CATALOGUES.en.strings[key] ?? key;
  return fill(text, vars);
}

// Plural forms chosen by the language's own rules (Russian has three).
export function tn(key, n, vars = {}) {
  const forms = CATALOGUES[current].plurals[key] || CATALOGUES.en.plurals[key];
  const category = new Intl.PluralRules(current).select(n);
  return fill(forms[category] ?? forms.other ?? Object.values(forms)[0], { n, ...vars });
}

export function time(iso, timeZone) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(current, { hour: "2-digit", minute: "2-digit", timeZone }).format(
    new Date(iso),
  );
}

export function dateLong(iso, timeZone) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(current, {
    weekday: "short",
    day: "numeric",
    month: "short",
    timeZone,
  }).format(new Date(iso));
}

export function dateTime(iso, timeZone) {
  if (!iso) return "";
  return `${dateLong(iso, timeZone)}, ${time(iso, timeZone)}`;
}

export function distance(metres) {
  if (metres < 1000) return t("distance_m", { n: Math.max(10, Math.round(metres / 10) * 10) });
  const km = new Intl.NumberFormat(current, { maximumFractionDigits: metres < 10000 ? 1 : 0 });
  return t("distance_km", { n: km.format(metres / 1000) });
}

export function number(value) {
  return new Intl.NumberFormat(current, { maximumFractionDigits: 3 }).format(value);
}
