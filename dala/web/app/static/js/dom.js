// Views are HTML strings built with `html`, which escapes every value it is given
// (customer names and notes are text, never markup); `raw` marks markup already built.
const RAW = Symbol("raw");

export function raw(markup) {
  return { [RAW]: markup };
}

export function escape(value) {
  return String(value ?? "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function piece(value) {
  if (value === null || value === undefined || value === false) return "";
  if (Array.isArray(value)) return value.map(piece).join("");
  if (typeof value === "object" && RAW in value) return value[RAW];
  return escape(value);
}

export function html(strings, ...values) {
  return raw(strings.reduce((out, text, i) => out + text + (i < values.length ? piece(values[i]) : ""), ""));
}

export function render(element, view) {
  element.innerHTML = piece(view);
}

// Re-render without losing what the technician is typing: values and focus of fields
// marked with an id survive.
export function rerender(element, view) {
  const kept = new Map();
  element.querySelectorAll("input[id], textarea[id], select[id]").forEach((field) => {
    if (field.type !== "file") kept.set(field.id, field.value);
  });
  const focused = document.activeElement?.id;
  render(element, view);
  kept.forEach((value, id) => {
    const field = element.querySelector(`#${CSS.escape(id)}`);
    if (field && field.type !== "file") field.value = value;
  });
  if (focused) element.querySelector(`#${CSS.escape(focused)}`)?.focus();
}

export function icon(name, extra = "") {
  return raw(`<i class="bi bi-${name} ${extra}" aria-hidden="true"></i>`);
}
