// What the screens remember between re-renders that is not data: which forms are open.
export const revealed = new Set();

// The app's one column, phone-wide and centred on larger screens (also in shell.html).
export const COLUMN = "col-12 col-md-10 col-lg-8 col-xl-6";

// A round icon button of the top bar, 48 px to touch.
export const BAR_BUTTON =
  "btn btn-link link-body-emphasis rounded-circle tap p-0 fs-4 d-inline-flex align-items-center justify-content-center";

// Bootstrap class sets the screens share (app.css holds only what Bootstrap cannot say).
// A button of the normal text size that is 48 px to touch, its icon beside the label.
export const TOUCH = "tap d-inline-flex align-items-center justify-content-center gap-2";
// The one big button of a screen: the job's next step, signing in, finishing.
export const STEP = "btn-lg fw-semibold rounded-3 py-3 w-100 d-flex align-items-center justify-content-center gap-2";
// A white card lifted off the grey page.
export const CARD = "card border-0 rounded-4 shadow-sm";
// A card's small grey capitals heading.
export const SECTION_TITLE = "small fw-bold text-uppercase text-body-secondary mb-2";
