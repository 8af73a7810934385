export * from "./validator-set.js";
