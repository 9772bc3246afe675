// The pure scheduling core: no I/O, no clock, importable in a browser.
export * from "./arbiter.js";
export * from "./explain.js";
export * from "./free-slots.js";
export * from "./interval.js";
export * from "./rules.js";
export * from "./zoned-time.js";
