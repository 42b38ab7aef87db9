// What the screens remember between re-renders that is not data: which forms are open.
export const revealed = new Set();
