// Dates and times as the page's language writes them (the server does the same with Babel):
// the locale comes from the page (<body data-locale>, e.g. "ro-MD", "sq-XK"), hours and
// minutes only, never the phone's own settings nor a format written here.
function locale() {
  return document.body.dataset.locale || document.documentElement.lang || undefined;
}

export function moment(iso) {
  if (!iso) return "";
  const value = new Date(iso);
  if (Number.isNaN(value.getTime())) return "";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(value);
}
